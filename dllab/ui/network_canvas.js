// The network picture: one column of small heatmaps per layer, joined by links whose
// colour and thickness follow the weights. Drawn on one canvas. The browser answers
// {type: "drawn", frame, held, shown} when the frame it drew is `ack_every` past the last
// it answered, or when no newer frame came for ACK_IDLE_MS; the kernel leaves at most
// `ack_every` + 1 frames unanswered, so it never sends faster than we draw. Frames are
// drawn in animation frames, so frames that come faster than the screen shows them are
// drawn over unseen: `shown` says how many of the frames since the last answer were drawn,
// and the kernel sends less often while it is fewer. Each answer costs the kernel a
// message in and two status messages out, each relayed by the server.

const LABEL_GAP = 8; // px between a label and its tile, and to the canvas's edge
const MAX_TILE = 44;
const LINK_LEVELS = 32; // a link's colour and width follow its weight in steps of 1/32
const LINK_LIMIT = 2.5; // past this a link is as thick as it gets (6 px)
const MAX_DOT = MAX_TILE; // px: a column of single values (dense neurons, outputs)
const ACK_IDLE_MS = 300; // a frame left unanswered is answered when no newer one came for this long

// The room the labels of a column take (the widest, in the canvas's 12px font).
function labelRoom(ctx, column) {
  const labels = (column && column.labels) || [];
  if (!labels.length) return 0;
  ctx.font = "12px sans-serif";
  return Math.ceil(Math.max(...labels.map((label) => ctx.measureText(String(label)).width))) + LABEL_GAP;
}

// Where each tile goes: one column per layer. Columns of pictures of the same size (the
// neurons over the plane, or one layer's feature maps) share one tile size, the largest
// their longest column fits in the height; a column of single values gets its own.
function layoutOf(columns, width, height, ctx) {
  const header = 22;
  // Labels go where no link crosses them: the inputs' names (x1, sin x2) before their
  // tiles, the outputs' (digits 0-9, shapes) after theirs.
  const margin = columns.length ? labelRoom(ctx, columns[0]) : 0;
  const right = columns.length > 1 ? labelRoom(ctx, columns[columns.length - 1]) : 0;
  const gapX = (width - margin - right) / Math.max(1, columns.length);
  const fit = (count, most) => {
    const size = Math.min(most, ((height - header - 6) / count) / 1.2, gapX * 0.45);
    return Math.max(4, Math.floor(size));
  };
  const longest = {};
  columns.forEach((c) => {
    const key = `${c.height}x${c.width}`;
    longest[key] = Math.max(longest[key] || 1, c.count);
  });
  return columns.map((c, ci) => {
    const dots = c.height === 1 && c.width === 1;
    let size = dots ? fit(c.count, MAX_DOT) : fit(longest[`${c.height}x${c.width}`], MAX_TILE);
    // A lone input image (a digit, a shape) is drawn large enough to read.
    if (c.count === 1 && ci === 0 && c.height > 1) {
      size = Math.floor(Math.min(Math.max(size * 2, 84), gapX * 0.8, (height - header) * 0.5));
    }
    const gap = Math.max(1, Math.min(8, Math.floor(size / 5)));
    const total = c.count * size + (c.count - 1) * gap;
    const top = header + Math.max(0, (height - header - total) / 2);
    const x = Math.round(margin + gapX * (ci + 0.5) - size / 2);
    return Array.from({ length: c.count }, (_, r) => ({ x, y: Math.round(top + r * (size + gap)), size }));
  });
}

function render({ model, el }) {
  const wrap = document.createElement("div");
  wrap.className = "dllab-network";
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "network: neurons and weights");
  wrap.appendChild(canvas);
  el.appendChild(wrap);
  const ctx = canvas.getContext("2d");
  const scratch = document.createElement("canvas");
  let boxes = [];
  let hovered = [-1, -1];
  let answered = 0; // the last frame this view said it drew
  let shown = 0; // frames drawn since then (a frame drawn over before it was shown is not)
  let drawnFrame = null;
  let idle = null;
  let drawnAt = 0;

  // `held`: ms between drawing the frame and answering it (an answer after ACK_IDLE_MS),
  // which the kernel takes off the round trip it measures (NetworkCanvas.queueing).
  function answer() {
    clearTimeout(idle);
    idle = null;
    const frame = model.get("frame");
    if (frame === answered) return;
    answered = frame;
    model.send({ type: "drawn", frame, held: Math.round(performance.now() - drawnAt), shown });
    shown = 0;
  }

  function draw() {
    const columns = model.get("columns") || [];
    const width = model.get("width_px");
    const height = model.get("height_px");
    fitCanvas(canvas, ctx, width, height);
    boxes = layoutOf(columns, width, height, ctx);
    const tiles = asBytes(model.get("tiles"));
    const links = asFloats(model.get("links"));
    const linkFrom = model.get("link_from");
    // Links first, under the tiles: grouped by their colour and width (a weight rounded
    // to 1/LINK_LEVELS), one path per group, so that a thousand links are a few dozen
    // strokes.
    const groups = new Map();
    let w = 0;
    for (let c = linkFrom; c < columns.length - 1; c++) {
      const left = boxes[c];
      const right = boxes[c + 1];
      for (let i = 0; i < left.length; i++) {
        for (let j = 0; j < right.length; j++, w++) {
          const value = links[w];
          if (value === undefined || Number.isNaN(value)) continue;
          const level = Math.round(Math.max(-LINK_LIMIT, Math.min(LINK_LIMIT, value)) * LINK_LEVELS);
          if (!groups.has(level)) groups.set(level, []);
          groups.get(level).push(left[i], right[j]);
        }
      }
    }
    for (const [level, ends] of groups) {
      const value = level / LINK_LEVELS;
      ctx.beginPath();
      for (let k = 0; k < ends.length; k += 2) {
        const a = ends[k];
        const b = ends[k + 1];
        const x0 = a.x + a.size;
        const y0 = a.y + a.size / 2;
        const x1 = b.x;
        const y1 = b.y + b.size / 2;
        const mid = (x0 + x1) / 2;
        ctx.moveTo(x0, y0);
        ctx.bezierCurveTo(mid, y0, mid, y1, x1, y1);
      }
      ctx.strokeStyle = colour(Math.max(-1, Math.min(1, value)));
      ctx.lineWidth = Math.min(6, 0.4 + Math.abs(value) * 2.5);
      ctx.stroke();
    }
    // Tiles.
    let offset = 0;
    ctx.font = "12px sans-serif";
    ctx.textAlign = "center";
    ctx.fillStyle = "#333";
    columns.forEach((c, ci) => {
      const n = c.height * c.width;
      scratch.width = c.width;
      scratch.height = c.height;
      const sctx = scratch.getContext("2d");
      const image = sctx.createImageData(c.width, c.height);
      ctx.imageSmoothingEnabled = c.height > 12;
      for (let r = 0; r < c.count; r++) {
        for (let p = 0; p < n; p++) {
          const k = tiles[offset + p] * 4;
          image.data[p * 4] = PALETTE[k];
          image.data[p * 4 + 1] = PALETTE[k + 1];
          image.data[p * 4 + 2] = PALETTE[k + 2];
          image.data[p * 4 + 3] = 255;
        }
        offset += n;
        sctx.putImageData(image, 0, 0);
        const box = boxes[ci][r];
        ctx.drawImage(scratch, box.x, box.y, box.size, box.size);
        const active = ci === hovered[0] && r === hovered[1];
        const chosen = ci === model.get("selected")[0] && r === model.get("selected")[1];
        ctx.strokeStyle = chosen ? "#000" : active ? "#555" : "#bbb";
        ctx.lineWidth = chosen ? 2.5 : active ? 2 : 1;
        ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.size - 1, box.size - 1);
        if (c.labels && c.labels[r] !== undefined && box.size >= 12) {
          const after = ci > 0 && ci === columns.length - 1; // the output column
          ctx.textAlign = after ? "left" : "right";
          ctx.fillText(c.labels[r], after ? box.x + box.size + 4 : box.x - 3, box.y + box.size / 2 + 4);
          ctx.textAlign = "center";
        }
      }
      if (boxes[ci].length) ctx.fillText(c.title, boxes[ci][0].x + boxes[ci][0].size / 2, 14);
    });
    // Read by tests and benchmarks: which frame of which run is on screen.
    if (model.get("frame") !== drawnFrame) shown++;
    drawnFrame = model.get("frame");
    canvas.dataset.frame = model.get("frame");
    canvas.dataset.run = model.get("run");
    canvas.dataset.runFrom = runFrom;
    canvas.dataset.columns = columns.map((c) => c.count).join(",");
    canvas.dataset.boxes = JSON.stringify(boxes.map((col) => col.map((b) => [b.x, b.y, b.size])));
    clearTimeout(idle);
    idle = null;
    drawnAt = performance.now();
    if (model.get("frame") - answered >= (model.get("ack_every") || 1)) answer();
    else idle = setTimeout(answer, ACK_IDLE_MS);
  }

  function tileAt(event) {
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    for (let c = 0; c < boxes.length; c++) {
      for (let r = 0; r < boxes[c].length; r++) {
        const b = boxes[c][r];
        if (x >= b.x && x <= b.x + b.size && y >= b.y && y <= b.y + b.size) return [c, r];
      }
    }
    return [-1, -1];
  }

  canvas.addEventListener("mousemove", (event) => {
    const found = tileAt(event);
    if (found[0] !== hovered[0] || found[1] !== hovered[1]) {
      hovered = found;
      canvas.style.cursor = found[0] >= 0 ? "pointer" : "default";
      model.set("hovered", found);
      model.save_changes();
    }
  });
  canvas.addEventListener("mouseleave", () => {
    hovered = [-1, -1];
    model.set("hovered", hovered);
    model.save_changes();
  });
  canvas.addEventListener("click", (event) => {
    const found = tileAt(event);
    const current = model.get("selected");
    const same = found[0] === current[0] && found[1] === current[1];
    model.set("selected", same ? [-1, -1] : found);
    model.save_changes();
  });

  // Frames are drawn, and answered, in animation frames: the kernel hears of the frames
  // the page shows, not of frames drawn over before the screen showed them.
  const [ask, cancel] = inAnimationFrame(draw);
  canvas.dataset.drawn = "in-animation-frames"; // (read by benchmarks/bench_browser.py)
  // The first frame of the run on screen (a run's first frames may be drawn over unseen).
  let runFrom = model.get("frame");
  const runStarts = () => (runFrom = model.get("frame"));
  model.on("change:run", runStarts);
  model.on("change:frame", ask);
  model.on("change:selected", ask);
  // The kernel holds a playing lab's training while its tab is hidden, as TensorFlow
  // Playground (whose loop runs in animation frames) stops in a hidden tab.
  const visibility = () => {
    if (model.get("page_hidden") === document.hidden) return;
    model.set("page_hidden", document.hidden);
    model.save_changes();
  };
  document.addEventListener("visibilitychange", visibility);
  visibility();
  draw();
  return () => {
    model.off("change:run", runStarts);
    model.off("change:frame", ask);
    model.off("change:selected", ask);
    document.removeEventListener("visibilitychange", visibility);
    cancel();
    clearTimeout(idle);
  };
}

export default { render };
