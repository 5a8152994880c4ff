// Shared by the canvas widgets (put before each script by dllab.ui.page.canvas_script).

// A synced Bytes trait arrives as a DataView, an ArrayBuffer or a typed array.
function asBytes(value) {
  if (!value) return new Uint8Array(0);
  const buffer = value.buffer || value;
  return new Uint8Array(buffer, value.byteOffset || 0, value.byteLength ?? buffer.byteLength);
}

// Float32 values sent as bytes (copied: the bytes may not be 4-aligned).
function asFloats(value) {
  const copy = new Uint8Array(asBytes(value));
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}

// TensorFlow Playground's colours: orange for -1, pale grey for 0, blue for +1.
const NEGATIVE = [245, 147, 34];
const ZERO = [232, 234, 235];
const POSITIVE = [8, 119, 189];

function shade(v) {
  const end = v < 0 ? NEGATIVE : POSITIVE;
  const a = Math.min(1, Math.abs(v)) || 0;
  return [0, 1, 2].map((k) => Math.round(ZERO[k] + (end[k] - ZERO[k]) * a));
}

function colour(v) {
  return `rgb(${shade(v).join(",")})`;
}

// RGBA of the 256 shades a value sent as one byte b stands for (b / 127.5 - 1).
const PALETTE = new Uint8ClampedArray(256 * 4);
for (let i = 0; i < 256; i++) PALETTE.set([...shade(i / 127.5 - 1), 255], i * 4);

// Size `canvas` to width x height CSS pixels at the screen's pixel ratio, and clear it.
function fitCanvas(canvas, ctx, width, height) {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
}

// A round step that cuts `span` into about four.
function tickStep(span) {
  const raw = span / 4;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

// A canvas of class `className` in `el`, and the widget whose frames it draws (the model's
// `source`, a widget reference; without one, the model itself).
async function sourcedCanvas(model, el, host, className) {
  const reference = model.get("source");
  const source = reference ? await host.getModel(reference) : model;
  const canvas = document.createElement("canvas");
  canvas.className = className;
  canvas.setAttribute("role", "img");
  el.appendChild(canvas);
  return { source, canvas, ctx: canvas.getContext("2d") };
}

// `draw`, called once in the next animation frame however often it is asked for before:
// a page draws only the frames it can show (frames that come faster than the screen
// refreshes would be drawn and never seen), and a canvas drawn in an animation frame is on
// screen in that frame. A hidden page gets no animation frames: it draws at once, as a
// page did before. Returns [ask, cancel].
function inAnimationFrame(draw) {
  let asked = 0;
  const run = () => {
    asked = 0;
    draw();
  };
  const ask = () => {
    if (document.hidden) {
      cancel();
      draw();
    } else if (!asked) {
      asked = requestAnimationFrame(run);
    }
  };
  const cancel = () => {
    if (asked) cancelAnimationFrame(asked);
    asked = 0;
  };
  return [ask, cancel];
}

// A view drawn from frames of another widget (`source`: the network picture) and from its
// own `model`: draw now, and again (in the next animation frame) on each frame and each
// of `events`; returns the cleanup.
function redrawOn(source, model, events, draw) {
  const [ask, cancel] = inAnimationFrame(draw);
  source.on("change:frame", ask);
  model.on(events, ask);
  draw();
  return () => {
    source.off("change:frame", ask);
    model.off(events, ask);
    cancel();
  };
}
