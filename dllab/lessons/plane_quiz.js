// The plane of the plane quiz: the decision surface as an image, the training points and
// a marker, on one canvas. A click (or a drag, at most every throttle_ms) sets `click` to
// [x1, x2, n], n counting the questions; the kernel answers with `marker`.

function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.className = "dllab-plane";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "the plane: click anywhere to ask the network about it");
  canvas.style.cursor = "crosshair";
  canvas.style.touchAction = "none";
  el.appendChild(canvas);
  const ctx = canvas.getContext("2d");
  const scratch = document.createElement("canvas");
  const edge = { left: 40, top: 10, right: 10, bottom: 36 };
  let pending = null; // where the pointer asked, drawn before the kernel answers
  let pressed = false, lastSent = 0, timer = null, queued = null;

  function geometry() {
    const size = model.get("size_px");
    const plot = size - edge.left - edge.right;
    const view = model.get("view");
    return {
      size, plot, view,
      px: (x) => edge.left + ((x + view) / (2 * view)) * plot,
      py: (y) => edge.top + ((view - y) / (2 * view)) * plot,
      dataX: (px) => ((px - edge.left) / plot) * 2 * view - view,
      dataY: (py) => view - ((py - edge.top) / plot) * 2 * view,
    };
  }

  function drawMarker(g, x, y, ax, ay) {
    if (ax !== x || ay !== y) {
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = "#333";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(g.px(ax), g.py(ay));
      ctx.lineTo(g.px(x), g.py(y));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.arc(g.px(ax), g.py(ay), 5, 0, 2 * Math.PI);
      ctx.stroke();
    }
    for (const [width, style] of [[6, "#fff"], [2.5, "#000"]]) {
      ctx.lineWidth = width;
      ctx.strokeStyle = style;
      ctx.beginPath();
      ctx.arc(g.px(x), g.py(y), 9, 0, 2 * Math.PI);
      ctx.moveTo(g.px(x) - 15, g.py(y));
      ctx.lineTo(g.px(x) - 4, g.py(y));
      ctx.moveTo(g.px(x) + 4, g.py(y));
      ctx.lineTo(g.px(x) + 15, g.py(y));
      ctx.moveTo(g.px(x), g.py(y) - 15);
      ctx.lineTo(g.px(x), g.py(y) - 4);
      ctx.moveTo(g.px(x), g.py(y) + 4);
      ctx.lineTo(g.px(x), g.py(y) + 15);
      ctx.stroke();
    }
  }

  function draw() {
    const g = geometry();
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== g.size * ratio) {
      canvas.width = canvas.height = g.size * ratio;
      canvas.style.width = canvas.style.height = `${g.size}px`;
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, g.size, g.size);
    // Beyond the data: hatched grey.
    ctx.fillStyle = "#f1f1f1";
    ctx.fillRect(edge.left, edge.top, g.plot, g.plot);
    ctx.strokeStyle = "#dcdcdc";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let d = -g.plot; d < g.plot; d += 8) {
      ctx.moveTo(edge.left + d, edge.top + g.plot);
      ctx.lineTo(edge.left + d + g.plot, edge.top);
    }
    ctx.save();
    ctx.rect(edge.left, edge.top, g.plot, g.plot);
    ctx.clip();
    ctx.stroke();
    ctx.restore();
    // The decision surface over the data's square.
    const n = model.get("surface_size");
    const rgba = asBytes(model.get("surface"));
    const e = model.get("extent");
    if (n > 0 && rgba.length === n * n * 4) {
      scratch.width = scratch.height = n;
      const sctx = scratch.getContext("2d");
      const image = sctx.createImageData(n, n);
      image.data.set(rgba);
      sctx.putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(scratch, g.px(-e), g.py(e), g.px(e) - g.px(-e), g.py(-e) - g.py(e));
    }
    ctx.strokeStyle = "#888";
    ctx.strokeRect(g.px(-e), g.py(e), g.px(e) - g.px(-e), g.py(-e) - g.py(e));
    // The training points.
    const xy = asFloats(model.get("points"));
    const values = asBytes(model.get("values"));
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#fff";
    for (let i = 0; i < values.length; i++) {
      ctx.beginPath();
      ctx.arc(g.px(xy[2 * i]), g.py(xy[2 * i + 1]), 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = colour(values[i] / 127.5 - 1);
      ctx.fill();
      ctx.stroke();
    }
    // Axes.
    const [nameX, nameY] = model.get("axis_names");
    ctx.fillStyle = "#333";
    ctx.strokeStyle = "#333";
    ctx.font = "12px sans-serif";
    const step = tickStep(2 * e);
    ctx.textAlign = "center";
    for (let v = -Math.floor(g.view / step) * step; v <= g.view + 1e-9; v += step) {
      const x = g.px(v), y = g.py(v);
      ctx.beginPath();
      ctx.moveTo(x, edge.top + g.plot);
      ctx.lineTo(x, edge.top + g.plot + 4);
      ctx.moveTo(edge.left - 4, y);
      ctx.lineTo(edge.left, y);
      ctx.stroke();
      const text = String(+v.toFixed(2)).replace("-", "\u2212");
      ctx.fillText(text, x, edge.top + g.plot + 16);
      ctx.textAlign = "right";
      ctx.fillText(text, edge.left - 6, y + 4);
      ctx.textAlign = "center";
    }
    ctx.font = "13px sans-serif";
    ctx.fillText(nameX, edge.left + g.plot / 2, g.size - 4);
    ctx.save();
    ctx.translate(12, edge.top + g.plot / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(nameY, 0, 0);
    ctx.restore();
    // The point asked about: where the pointer is until the kernel answers, then its answer.
    const marker = model.get("marker");
    if (pending) drawMarker(g, pending[0], pending[1], pending[0], pending[1]);
    else if (marker.length === 4) drawMarker(g, ...marker);
    canvas.dataset.frame = model.get("frame");
  }

  function send(x, y) {
    clearTimeout(timer);
    timer = null;
    queued = null;
    lastSent = performance.now();
    const n = Math.max(model.get("click")[2] || 0, Number(canvas.dataset.clicks || 0)) + 1;
    canvas.dataset.clicks = n;
    model.set("click", [x, y, n]);
    model.save_changes();
  }

  function ask(event, now) {
    const g = geometry();
    const rect = canvas.getBoundingClientRect();
    const px = ((event.clientX - rect.left) / rect.width) * g.size;
    const py = ((event.clientY - rect.top) / rect.height) * g.size;
    const inside = px >= edge.left && px <= edge.left + g.plot;
    if (!inside || py < edge.top || py > edge.top + g.plot) return;
    const x = g.dataX(px), y = g.dataY(py);
    pending = [x, y];
    draw();
    const wait = model.get("throttle_ms") - (performance.now() - lastSent);
    if (now || wait <= 0) send(x, y);
    else {
      queued = [x, y];
      if (!timer) timer = setTimeout(() => queued && send(...queued), wait);
    }
  }

  canvas.addEventListener("pointerdown", (event) => {
    pressed = true;
    canvas.setPointerCapture(event.pointerId);
    ask(event, true);
  });
  canvas.addEventListener("pointermove", (event) => pressed && ask(event, false));
  const release = () => {
    if (pressed && queued) send(...queued);
    pressed = false;
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);

  const answered = () => {
    if (!pressed) pending = null;
    draw();
  };
  model.on("change:marker", answered);
  model.on("change:frame", draw);
  draw();
  return () => {
    model.off("change:marker", answered);
    model.off("change:frame", draw);
  };
}
export default { render };
