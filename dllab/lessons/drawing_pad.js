// The digit quiz's drawing pad: press and drag to paint cells with a round brush; the
// cells go to the kernel while drawing (at most every throttle_ms) and once more when the
// pen lifts. Beside it, what the network sees (`seen`, 8x8 bytes).

function render({ model, el }) {
  const n = model.get("grid");
  const wrap = document.createElement("div");
  wrap.className = "dllab-pad-wrap";
  const pad = document.createElement("canvas");
  pad.className = "dllab-pad";
  pad.setAttribute("role", "img");
  pad.setAttribute("aria-label", "drawing pad: press and drag to draw a digit");
  const seenBox = document.createElement("figure");
  seenBox.className = "dllab-seen";
  const seen = document.createElement("canvas");
  const caption = document.createElement("figcaption");
  caption.textContent = "What the network sees:\n8 × 8 pixels";
  seenBox.append(seen, caption);
  wrap.append(pad, seenBox);
  el.appendChild(wrap);
  const ctx = pad.getContext("2d");
  let cells = new Uint8Array(n * n);
  let drawing = false, last = null, lastSent = 0, timer = null;

  function fromModel() {
    const bytes = asBytes(model.get("cells"));
    cells = bytes.length === n * n ? new Uint8Array(bytes) : new Uint8Array(n * n);
  }

  function drawPad() {
    const size = model.get("size_px"), cell = size / n;
    const ratio = window.devicePixelRatio || 1;
    if (pad.width !== size * ratio) {
      pad.width = pad.height = size * ratio;
      pad.style.width = pad.style.height = `${size}px`;
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, size, size);
    // Faint lines around the 4x4 blocks that become one pixel of what the network sees.
    ctx.strokeStyle = "#e4e4e4";
    ctx.lineWidth = 1;
    ctx.beginPath();
    const block = n / 8;
    for (let k = 1; k < 8; k++) {
      const p = Math.round(k * block * cell) + 0.5;
      ctx.moveTo(p, 0);
      ctx.lineTo(p, size);
      ctx.moveTo(0, p);
      ctx.lineTo(size, p);
    }
    ctx.stroke();
    ctx.fillStyle = "#1d1d1d";
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (cells[i * n + j]) ctx.fillRect(j * cell, i * cell, Math.ceil(cell), Math.ceil(cell));
    pad.dataset.ink = cells.reduce((a, b) => a + b, 0);
  }

  function drawSeen() {
    const [h, w] = model.get("seen_shape");
    const bytes = asBytes(model.get("seen"));
    seen.width = w;
    seen.height = h;
    const px = model.get("seen_px");
    seen.style.width = `${px}px`;
    seen.style.height = `${Math.round((px * h) / w)}px`;
    const sctx = seen.getContext("2d");
    const image = sctx.createImageData(w, h);
    for (let p = 0; p < w * h; p++) {
      const grey = 255 - (bytes.length === w * h ? bytes[p] : 0);
      image.data.set([grey, grey, grey, 255], p * 4);
    }
    sctx.putImageData(image, 0, 0);
  }

  function paint(cx, cy) {
    const r = model.get("brush");
    for (let i = Math.max(0, Math.floor(cy - r)); i <= Math.min(n - 1, Math.floor(cy + r)); i++)
      for (let j = Math.max(0, Math.floor(cx - r)); j <= Math.min(n - 1, Math.floor(cx + r)); j++)
        if ((j + 0.5 - cx) ** 2 + (i + 0.5 - cy) ** 2 <= r * r) cells[i * n + j] = 1;
  }

  function stroke(a, b) {
    const steps = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 0.4));
    for (let s = 0; s <= steps; s++)
      paint(a[0] + ((b[0] - a[0]) * s) / steps, a[1] + ((b[1] - a[1]) * s) / steps);
  }

  function position(event) {
    const rect = pad.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * n;
    return [x, ((event.clientY - rect.top) / rect.height) * n];
  }

  function send() {
    clearTimeout(timer);
    timer = null;
    lastSent = performance.now();
    model.set("cells", new DataView(cells.slice().buffer));
    model.set("sent", model.get("sent") + 1);
    model.save_changes();
    pad.dataset.sent = model.get("sent");
  }

  // While drawing, send at most every throttle_ms; always once more when the pen lifts.
  function schedule() {
    const wait = model.get("throttle_ms") - (performance.now() - lastSent);
    if (wait <= 0) send();
    else if (!timer) timer = setTimeout(send, wait);
  }

  pad.addEventListener("pointerdown", (event) => {
    drawing = true;
    pad.setPointerCapture(event.pointerId);
    last = position(event);
    stroke(last, last);
    drawPad();
    schedule();
  });
  pad.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const here = position(event);
    stroke(last, here);
    last = here;
    drawPad();
    schedule();
  });
  const lift = () => {
    if (!drawing) return;
    drawing = false;
    send();
  };
  pad.addEventListener("pointerup", lift);
  pad.addEventListener("pointercancel", lift);

  const cellsChanged = () => {
    if (drawing) return; // our own strokes are newer than anything the kernel says
    fromModel();
    drawPad();
  };
  model.on("change:cells", cellsChanged);
  model.on("change:seen", drawSeen);
  fromModel();
  drawPad();
  drawSeen();
  return () => {
    model.off("change:cells", cellsChanged);
    model.off("change:seen", drawSeen);
  };
}
export default { render };
