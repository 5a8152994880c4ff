// Curves over the epochs, as the lab draws its losses live: the points arrive in the
// frames of the network picture (its `source`, a NetworkCanvas: `curves`, float32 rows, the
// epochs first, then one row per line; `curves_top`, where the epoch axis ends), so that a
// frame is one message, or, without a source, in this widget's own traits of those names;
// the lines' names, colours and axes are this widget's own.

const EDGE = { left: 50, top: 30, right: 50, bottom: 35 };

// Five ticks from 0 to a round number at or past `top`.
function niceTop(top) {
  if (!(top > 0) || !Number.isFinite(top)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(top)));
  const step = [0.1, 0.15, 0.2, 0.25, 0.5, 1, 1.5, 2, 2.5, 5, 10].map((m) => m * power).find((s) => 4 * s >= top);
  return 4 * step;
}

// Epoch ticks: a whole step of 1, 2, 2.5 (from 25) or 5 times a power of ten, about four
// to an axis.
function epochStep(top) {
  const raw = top / 4;
  const power = Math.pow(10, Math.max(0, Math.floor(Math.log10(Math.max(raw, 1)))));
  const steps = power >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10];
  return steps.map((m) => m * power).find((s) => s >= raw) || 1;
}

// A log axis of whole decades around the positive values of `rows`: [low, high, step]
// as powers of ten, at most six ticks (1e-3 to 1 when there is no value).
function decades(rows) {
  let least = Infinity;
  let most = 0;
  for (const row of rows) {
    for (const v of row) {
      if (Number.isFinite(v) && v > 0) {
        least = Math.min(least, v);
        most = Math.max(most, v);
      }
    }
  }
  if (!(most > 0)) return [-3, 0, 1];
  const low = Math.floor(Math.log10(least));
  const high = Math.max(Math.ceil(Math.log10(most)), low + 1);
  const step = Math.max(1, Math.ceil((high - low) / 5));
  return [low, low + step * Math.ceil((high - low) / step), step];
}

function label(value) {
  if (value === 0) return "0";
  if (Math.abs(value) >= 1e4 || Math.abs(value) < 1e-3) return value.toExponential(0);
  return String(+value.toPrecision(3));
}

async function render({ model, el, host }) {
  const { source, canvas, ctx } = await sourcedCanvas(model, el, host, "dllab-curves-view");

  function draw() {
    const width = model.get("width_px");
    const height = model.get("height_px");
    fitCanvas(canvas, ctx, width, height);
    const lines = model.get("lines") || [];
    const values = asFloats(source.get("curves"));
    const n = lines.length ? Math.floor(values.length / (lines.length + 1)) : 0;
    const row = (k) => values.subarray(k * n, (k + 1) * n);
    const epochs = row(0);
    const right = lines.some((line) => line.right);
    const leftRows = lines.map((line, k) => (line.right ? [] : row(k + 1)));
    let leftTop = 0;
    for (const ys of leftRows) for (const v of ys) if (Number.isFinite(v)) leftTop = Math.max(leftTop, v);
    leftTop = niceTop(leftTop);
    const log = model.get("log_left");
    const [low, high, step] = decades(leftRows);
    const xTop = source.get("curves_top") || 1;
    const plotW = width - EDGE.left - (right ? EDGE.right : 15); // no right axis: no margin for one
    const plotH = height - EDGE.top - EDGE.bottom;
    const px = (x) => EDGE.left + (x / xTop) * plotW;
    const pyLeft = log
      ? (y) => {
          const e = Math.log10(Math.min(Math.max(y, 10 ** low), 10 ** high));
          return EDGE.top + plotH - ((e - low) / (high - low)) * plotH;
        }
      : (y) => EDGE.top + plotH - (Math.min(y, leftTop) / leftTop) * plotH;
    const pyRight = (y) => EDGE.top + plotH - Math.max(0, Math.min(1, y)) * plotH;
    // Grid, axes and their ticks: epochs at whole, round steps; the left axis in quarters
    // (or at whole decades, `log_left`).
    ctx.font = "11px sans-serif";
    ctx.lineWidth = 1;
    const grid = (x0, y0, x1, y1) => {
      ctx.strokeStyle = "#eee";
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
    };
    ctx.fillStyle = "#555";
    const xStep = epochStep(xTop);
    for (let e = 0; e <= xTop + 1e-9; e += xStep) {
      const x = Math.round(px(e)) + 0.5;
      grid(x, EDGE.top, x, EDGE.top + plotH);
      ctx.textAlign = "center";
      ctx.fillText(label(e), x, EDGE.top + plotH + 14);
    }
    const leftTicks = [];
    if (log) for (let e = low; e <= high; e += step) leftTicks.push([10 ** e, e ? `1e${e}` : "1"]);
    else for (let i = 0; i <= 4; i++) leftTicks.push([(leftTop * i) / 4, label((leftTop * i) / 4)]);
    for (const [value, text] of leftTicks) {
      const y = Math.round(pyLeft(value)) + 0.5;
      grid(EDGE.left, y, EDGE.left + plotW, y);
      ctx.textAlign = "right";
      ctx.fillText(text, EDGE.left - 5, y + 4);
    }
    if (right) {
      ctx.textAlign = "left";
      for (let i = 0; i <= 4; i++) ctx.fillText(`${25 * i}%`, EDGE.left + plotW + 5, pyRight(i / 4) + 4);
    }
    ctx.strokeStyle = "#999";
    ctx.strokeRect(EDGE.left + 0.5, EDGE.top + 0.5, plotW, plotH);
    ctx.fillStyle = "#333";
    ctx.font = "12px sans-serif";
    ctx.textAlign = "center";
    ctx.fillText(model.get("x_label"), EDGE.left + plotW / 2, height - 4);
    const side = (text, x, angle) => {
      ctx.save();
      ctx.translate(x, EDGE.top + plotH / 2);
      ctx.rotate(angle);
      ctx.fillText(text, 0, 0);
      ctx.restore();
    };
    side(model.get("left_label"), 14, -Math.PI / 2);
    if (right) side(model.get("right_label"), width - 10, Math.PI / 2);
    ctx.font = "16px sans-serif";
    ctx.fillText(model.get("title"), EDGE.left + plotW / 2, 18);
    // The lines (a run's first epoch alone is drawn as a dot).
    ctx.save();
    ctx.beginPath();
    ctx.rect(EDGE.left, EDGE.top - 2, plotW + 2, plotH + 4);
    ctx.clip();
    lines.forEach((line, k) => {
      const ys = row(k + 1);
      const py = line.right ? pyRight : pyLeft;
      ctx.strokeStyle = line.colour;
      ctx.fillStyle = line.colour;
      ctx.lineWidth = 2;
      ctx.setLineDash(line.dashed ? [5, 3] : []);
      if (n === 1) {
        ctx.beginPath();
        ctx.arc(px(epochs[0]), py(ys[0]), 2.5, 0, 2 * Math.PI);
        ctx.fill();
        return;
      }
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        if (i === 0) ctx.moveTo(px(epochs[i]), py(ys[i]));
        else ctx.lineTo(px(epochs[i]), py(ys[i]));
      }
      ctx.stroke();
    });
    ctx.restore();
    ctx.setLineDash([]);
    // Read by tests and benchmarks: what is drawn (points, last epoch, last values, ticks).
    const last = n ? lines.map((_, k) => row(k + 1)[n - 1].toPrecision(6)).join(",") : "";
    canvas.dataset.frame = source.get("frame");
    canvas.dataset.points = n;
    canvas.dataset.curve = n ? `${n}:${epochs[n - 1]}:${last}` : "";
    canvas.dataset.ticks = leftTicks.map(([, text]) => text).join(",");
    canvas.setAttribute("aria-label", `${model.get("title")}: ${n} epochs drawn`);
  }

  return redrawOn(source, model, "change:lines change:title change:width_px change:height_px", draw);
}

export default { render };
