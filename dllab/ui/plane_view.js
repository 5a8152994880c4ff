// The output over the input plane, as the lab draws it: the surface, the points and the
// axes on one canvas. The surface arrives in the frames of the network picture (its
// `source`, a NetworkCanvas), so that a frame is one message; the points, the extent and
// whether the test points show are this widget's own, sent once per run.

const EDGE = { left: 34, top: 24, right: 8, bottom: 22 };

async function render({ model, el, host }) {
  const { source, canvas, ctx } = await sourcedCanvas(model, el, host, "dllab-plane-view");
  const scratch = document.createElement("canvas");

  // The points, the frame and the ticks change once per run, not per frame: drawn on a
  // layer of their own, which each frame copies over the surface (500 points drawn one by
  // one took a browser drawing in software about 4 ms a frame).
  const layer = document.createElement("canvas");
  const lctx = layer.getContext("2d");
  let layerKey = null;

  function drawLayer(size, plot, e, px, py) {
    fitCanvas(layer, lctx, size, size);
    const ctx = lctx;
    // The points: training points rimmed white, test points (when shown) rimmed black.
    const xy = asFloats(model.get("points"));
    const colours = asBytes(model.get("values"));
    const test = asBytes(model.get("test"));
    const showTest = model.get("show_test");
    ctx.lineWidth = 1;
    for (let i = 0; i < colours.length; i++) {
      if (test[i] && !showTest) continue;
      ctx.beginPath();
      ctx.arc(px(xy[2 * i]), py(xy[2 * i + 1]), 3, 0, 2 * Math.PI);
      ctx.fillStyle = colour(colours[i] / 127.5 - 1);
      ctx.strokeStyle = test[i] ? "#000" : "#fff";
      ctx.fill();
      ctx.stroke();
    }
    // The frame and the ticks.
    ctx.strokeStyle = "#888";
    ctx.strokeRect(EDGE.left + 0.5, EDGE.top + 0.5, plot - 1, plot - 1);
    ctx.fillStyle = "#333";
    ctx.strokeStyle = "#333";
    ctx.font = "11px sans-serif";
    const step = tickStep(2 * e);
    for (let v = -Math.floor(e / step) * step; v <= e + 1e-9; v += step) {
      const label = String(+v.toFixed(2)).replace("-", "\u2212");
      ctx.beginPath();
      ctx.moveTo(px(v), EDGE.top + plot);
      ctx.lineTo(px(v), EDGE.top + plot + 4);
      ctx.moveTo(EDGE.left - 4, py(v));
      ctx.lineTo(EDGE.left, py(v));
      ctx.stroke();
      ctx.textAlign = "center";
      ctx.fillText(label, px(v), EDGE.top + plot + 15);
      ctx.textAlign = "right";
      ctx.fillText(label, EDGE.left - 6, py(v) + 4);
    }
  }

  function draw() {
    const size = model.get("size_px");
    fitCanvas(canvas, ctx, size, size);
    const plot = Math.min(size - EDGE.left - EDGE.right, size - EDGE.top - EDGE.bottom);
    const e = model.get("extent");
    const px = (x) => EDGE.left + ((x + e) / (2 * e)) * plot;
    const py = (y) => EDGE.top + ((e - y) / (2 * e)) * plot;
    const title = source.get("surface_title") || "Output";
    // The surface: one byte per point, top row first, scaled up smoothly.
    const n = source.get("surface_size");
    const values = asBytes(source.get("surface"));
    if (n > 0 && values.length === n * n) {
      scratch.width = scratch.height = n;
      const sctx = scratch.getContext("2d");
      const image = sctx.createImageData(n, n);
      for (let p = 0; p < n * n; p++) image.data.set(PALETTE.subarray(values[p] * 4, values[p] * 4 + 4), p * 4);
      sctx.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(scratch, EDGE.left, EDGE.top, plot, plot);
    } else {
      ctx.fillStyle = `rgb(${ZERO.join(",")})`;
      ctx.fillRect(EDGE.left, EDGE.top, plot, plot);
    }
    const key = [size, e, model.get("show_test"), model.get("points"), model.get("values"), model.get("test")];
    if (layerKey === null || key.some((v, i) => v !== layerKey[i])) {
      drawLayer(size, plot, e, px, py);
      layerKey = key;
    }
    ctx.drawImage(layer, 0, 0, size, size);
    ctx.fillStyle = "#333";
    ctx.font = "bold 13px sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(title, EDGE.left + plot / 2, 15);
    // Read by tests and benchmarks: which frame, and what, is on screen.
    canvas.dataset.frame = source.get("frame");
    canvas.dataset.title = title;
    canvas.setAttribute("aria-label", `${title} over the input plane`);
  }

  return redrawOn(source, model, "change:points change:show_test change:extent change:size_px", draw);
}

export default { render };
