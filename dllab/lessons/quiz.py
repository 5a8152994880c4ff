"""Quiz a trained network: ask it about inputs of your own and see why it answers so.

`PlaneQuiz()`: click anywhere on the plane of a 2-D data set; the network's answer, its
confidence and every neuron's activation for that one point appear at once.
`DigitQuiz()`: draw a digit with the mouse; the network reads the 8x8 version of it and
its class probabilities follow the pen.

Each has a model with no widget in it (`PlaneQuizModel`, `DigitQuizModel`) that turns a
question into an answer, and a view that shows it. The drawing surfaces are small canvas
widgets (`PlaneCanvas`, `DrawingPad`); the network picture is the lab's `NetworkCanvas`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anywidget
import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from ipywidgets.widgets.trait_types import bytes_serialization
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from ..core import (
    DEFAULT_HEAD,
    PLAYGROUND_SETS,
    Network,
    Trainer,
    feature_matrix,
    make_dataset,
    split,
)
from ..core.checks import check_float, check_int
from ..ui import NetworkCanvas
from ..ui.theme import BLUE, ORANGE, WHITE
from .digits import (
    JS_AS_BYTES,
    DigitGrid,
    check_digits_trainer,
    describe,
    train_digits,
    wrong_digits,
)

Array = NDArray[np.float64]
SURFACE_RESOLUTION = 100  # points per side of the decision surface image
VIEW_MARGIN = 0.15  # the plane shows 15 % beyond the data's square on each side
PAD_CELLS = 32  # the digits were drawn on 32x32 bitmaps, counted in 4x4 blocks
IMAGE_SIDE = 8


# == The plane quiz ===============================================================================
@dataclass(frozen=True)
class Answer:
    """The network's answer about one point of the plane, and how it got there.

    inputs : (n_inputs,) what the network was fed (the point, or its features).
    activations : one (n_neurons,) array per layer, the last is the output.
    prediction : -1.0 / +1.0, a class index, or a value (regression).
    confidence : head.confidence of the output, NaN for regression.
    """

    asked: tuple[float, float]
    point: tuple[float, float]
    clamped: bool
    inputs: Array
    activations: list[Array]
    prediction: float
    label: str
    confidence: float
    note: str


def train_plane(
    dataset: str = "spiral",
    noise: float = 0.0,
    seed: int = 0,
    hidden: Sequence[int] = (8, 8),
    epochs: int = 300,
) -> Trainer:
    """A tanh network trained on one of the playground's 2-D sets, fed the raw x1 and x2
    (so that the first column of the picture is the point itself). Spiral: under a
    second, 99 % test accuracy with the defaults."""
    if dataset not in PLAYGROUND_SETS:
        raise ValueError(
            f"dataset={dataset!r} is not a 2-D set; choose one of: {', '.join(PLAYGROUND_SETS)}"
            + (" (for the digits, use DigitQuiz)" if dataset == "digits" else "")
        )
    epochs = check_int("epochs", epochs, 0, 5000)
    data = make_dataset(dataset, noise=noise, seed=seed)
    head = DEFAULT_HEAD[data.task]
    network = Network([2, *hidden, 1], activation="tanh", head=head, init="xavier", seed=seed)
    trainer = Trainer(
        network,
        split(data, 0.7, seed=seed),
        learning_rate=0.01,
        batch_size=8,
        optimizer="adam",
        seed=seed,
    )
    with threadpool_limits(1, user_api="blas"):
        trainer.train(epochs)
    return trainer


def class_words(prediction: float, classes: Sequence[str], task: str) -> str:
    """'blue (+1)' / 'orange (−1)' for the playground's classes, else the class name."""
    if task == "regression":
        return f"{prediction:.2f}".replace("-", "−")
    if task == "binary":
        positive = prediction > 0
        name = classes[1 if positive else 0] if len(classes) == 2 else ("+1" if positive else "-1")
        return f"{'blue' if positive else 'orange'} ({name.replace('-', '−')})"
    return str(classes[int(prediction)]) if classes else f"class {int(prediction)}"


def output_score(output: Array, head: str) -> Array:
    """Outputs (n_points, n_outputs) as one score per point, -1 (orange) to +1 (blue)."""
    if head == "sigmoid":
        return 2 * output[:, 0] - 1
    if head == "softmax" and output.shape[1] == 2:
        return output[:, 1] - output[:, 0]
    if head == "softmax":
        return 2 * output.max(axis=1) - 1
    return np.clip(output[:, 0], -1, 1)


class PlaneQuizModel(t.HasTraits):
    """A snapshot of a trained network on 2-D data, and its latest answer.

    `ask(x1, x2)` answers about one point; points outside the data's square are moved to
    the nearest point inside it (the network learnt nothing out there) with a note.
    """

    answer = t.Instance(Answer, allow_none=True)
    version = t.Int(0)  # bumps when another network is loaded

    def __init__(self, trainer: Trainer, how: str = "") -> None:
        super().__init__()
        self.load(trainer, how)

    def load(self, trainer: Trainer, how: str = "") -> None:
        """Quiz (a copy of) `trainer`'s network from now on."""
        if not isinstance(trainer, Trainer):
            raise TypeError(f"trainer must be a dllab Trainer; got {type(trainer).__name__}")
        dataset = trainer.data.dataset
        if dataset.n_inputs != 2:
            raise ValueError(
                f"PlaneQuiz needs 2-D data, but {dataset.name} has {dataset.n_inputs} inputs"
                + ("; for the digits use DigitQuiz" if dataset.image_shape else "")
            )
        self.network = trainer.network.copy()
        self.features = trainer.features
        self.data = trainer.data
        self.dataset = dataset
        self.extent = float(dataset.extent or np.abs(dataset.X).max() * 1.1)
        self.epoch = trainer.epoch
        self.test_accuracy = float(trainer.evaluate()["test_accuracy"])
        self.how = how
        grid = self.inputs(self.grid(25))
        self.input_scale = np.abs(grid).max(axis=0) + 1e-12
        self.answer = None
        self.version += 1

    @property
    def task(self) -> str:
        return self.dataset.task

    def inputs(self, points: Array) -> Array:
        """The network's inputs for raw points (n_points, 2)."""
        return points if self.features is None else feature_matrix(points, self.features)

    def grid(self, resolution: int) -> Array:
        """(resolution**2, 2) points over the data's square, row by row from the top."""
        axis = np.linspace(-self.extent, self.extent, resolution)
        xs, ys = np.meshgrid(axis, axis[::-1])
        return np.column_stack([xs.ravel(), ys.ravel()])

    def surface(self, resolution: int = SURFACE_RESOLUTION) -> Array:
        """The network's score over the square, (resolution, resolution), top row first."""
        output = self.network.output(self.inputs(self.grid(resolution)))
        return output_score(output, self.network.head_name).reshape(resolution, resolution)

    def ask(self, x1: float, x2: float) -> Answer:
        """The network's answer about the point (x1, x2); also stored in `answer`."""
        asked = (check_float("x1", x1), check_float("x2", x2))
        e = self.extent
        point = (min(max(asked[0], -e), e), min(max(asked[1], -e), e))
        clamped = point != asked
        run = self.network.forward(self.inputs(np.array([point])))
        output = run.output
        prediction = self.network.head.predict(output)[0]
        if self.network.head_name == "softmax" and self.task == "binary":
            prediction = 1.0 if prediction == 1 else -1.0
        note = ""
        if clamped:
            note = (
                f"You clicked ({_num(asked[0])}, {_num(asked[1])}), outside the data's square "
                f"(−{e:g} to {e:g}), where the network never saw a point: this is its answer "
                f"for the nearest point inside, ({_num(point[0])}, {_num(point[1])})."
            )
        answer = Answer(
            asked=asked,
            point=point,
            clamped=clamped,
            inputs=run.inputs[0].copy(),
            activations=[layer[0].copy() for layer in run.activations],
            prediction=float(prediction),
            label=class_words(float(prediction), self.dataset.classes, self.task),
            confidence=float(self.network.head.confidence(output)[0]),
            note=note,
        )
        self.answer = answer
        return answer

    def description(self) -> str:
        accuracy = "" if self.task == "regression" else f", test accuracy {self.test_accuracy:.0%}"
        return (
            f"A {describe(self.network)} network, trained {self.epoch} epochs on "
            f"{self.dataset.name} ({self.how}){accuracy}."
        )

    def path(self, answer: Answer | None):
        """The network picture for one answer: one square per neuron (inputs, each layer,
        output) coloured by its value in [-1, 1], with the numbers as labels. Blank squares
        and no numbers before the first question."""
        names = list(self.features or self.dataset.input_names or ("x1", "x2"))
        titles = ["Inputs"] + [f"Layer {i}" for i in range(1, len(self.network.sizes) - 1)]
        titles.append("Output")
        # Each layer's links scaled so that its strongest weight is drawn fully: raw trained
        # weights of 3 or more would draw every link at full thickness.
        weights = [W / (np.abs(W).max() + 1e-12) for W in self.network.weights]
        if answer is None:
            tiles = [np.zeros((size, 1, 1)) for size in self.network.sizes]
            return tiles, weights, titles, [[""] * size for size in self.network.sizes]
        tiles = [np.clip(answer.inputs / self.input_scale, -1, 1)]
        labels = [[f"{n} = {_num(v)}" for n, v in zip(names, answer.inputs)]]
        for values in answer.activations[:-1]:
            tiles.append(np.clip(values, -1, 1))
            labels.append([_num(v) for v in values])
        output = answer.activations[-1]
        head = self.network.head_name
        tiles.append(output_score(output[None, :], head) if len(output) == 1 else 2 * output - 1)
        labels.append([_num(v) for v in output])
        return [tile.reshape(-1, 1, 1) for tile in tiles], weights, titles, labels


def _num(value: float) -> str:
    return f"{value:.2f}".replace("-", "−")


# -- the plane canvas ------------------------------------------------------------------------------
_PLANE_JS = r"""
const NEGATIVE = [245, 147, 34], ZERO = [232, 234, 235], POSITIVE = [8, 119, 189];
function colour(v) {
  const end = v < 0 ? NEGATIVE : POSITIVE, a = Math.min(1, Math.abs(v));
  const c = [0, 1, 2].map((k) => Math.round(ZERO[k] + (end[k] - ZERO[k]) * a));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
function asFloats(value) {
  const copy = new Uint8Array(asBytes(value));
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}
function niceStep(span) {
  const raw = span / 4, power = Math.pow(10, Math.floor(Math.log10(raw)));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

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
    const step = niceStep(2 * e);
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
"""


class PlaneCanvas(anywidget.AnyWidget):
    """The input plane: a decision-surface image, the training points and a marker, on
    one canvas. A click (or a drag, at most every `throttle_ms`) sets `click` to
    [x1, x2, n], n counting the questions."""

    _esm = JS_AS_BYTES + _PLANE_JS

    surface = t.Bytes(b"").tag(sync=True)  # RGBA, surface_size x surface_size, top row first
    surface_size = t.Int(0).tag(sync=True)
    points = t.Bytes(b"").tag(sync=True)  # float32 x1, x2 pairs
    values = t.Bytes(b"").tag(sync=True)  # one byte per point: (value + 1) * 127.5
    extent = t.Float(6.0).tag(sync=True)
    view = t.Float(6.9).tag(sync=True)
    axis_names = t.List(t.Unicode(), default_value=["x1", "x2"]).tag(sync=True)
    size_px = t.Int(420).tag(sync=True)
    throttle_ms = t.Int(50).tag(sync=True)
    click = t.List(t.Float(), default_value=[0.0, 0.0, 0.0]).tag(sync=True)
    marker = t.List(t.Float(), default_value=[]).tag(sync=True)  # x1, x2, asked x1, asked x2
    frame = t.Int(0).tag(sync=True)

    def show(self, surface: Array, points: Array, values: Array, extent: float, names) -> None:
        """surface : (n, n) scores in [-1, 1], top row first; points : (n_points, 2);
        values : (n_points,) colours in [-1, 1]."""
        with self.hold_sync():
            self.surface = surface_rgba(surface)
            self.surface_size = int(surface.shape[0])
            self.points = np.asarray(points, dtype=np.float32).tobytes()
            self.values = ((np.clip(values, -1, 1) + 1) * 127.5).round().astype(np.uint8).tobytes()
            self.extent = extent
            self.view = extent * (1 + VIEW_MARGIN)
            self.axis_names = list(names)
            self.marker = []
            self.frame += 1


def _rgb(colour: str) -> NDArray[np.float64]:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def surface_rgba(scores: Array, lighten: float = 0.35) -> bytes:
    """Scores in [-1, 1] as RGBA bytes on the lab's orange-white-blue scale, lightened
    towards white so that the points stand out on it."""
    s = np.clip(np.nan_to_num(scores), -1, 1)[..., None]
    end = np.where(s < 0, _rgb(ORANGE), _rgb(BLUE))
    rgb = _rgb(WHITE) + (end - _rgb(WHITE)) * np.abs(s)
    rgb = rgb + (255 - rgb) * lighten
    alpha = np.full(s.shape, 255.0)
    return np.concatenate([rgb, alpha], axis=-1).round().astype(np.uint8).tobytes()


# -- the plane quiz's view -------------------------------------------------------------------------
class PlaneQuiz(w.VBox):
    """Click anywhere on the plane: the trained network's answer, its confidence and the
    path of activations through every layer for that one point.

    PlaneQuiz() trains a small network on the spiral itself (under a second);
    PlaneQuiz(trainer) quizzes a trained Trainer on 2-D data; PlaneQuiz(lab=lab) or
    PlaneQuiz.from_lab(lab) quizzes the network a Lab has trained so far (a snapshot:
    press "Take the lab's network again" after more training). `dataset`, `noise`,
    `seed`, `hidden` and `epochs` are used only when it trains its own network.
    """

    def __init__(
        self,
        trainer: Trainer | None = None,
        dataset: str = "spiral",
        *,
        lab: Any = None,
        noise: float = 0.0,
        seed: int = 0,
        hidden: Sequence[int] = (8, 8),
        epochs: int = 300,
    ) -> None:
        self._lab = lab
        if lab is not None and trainer is not None:
            raise ValueError("give PlaneQuiz a trainer or a lab, not both")
        if lab is not None:
            trainer, how = _lab_trainer(lab), "from the lab"
        elif trainer is None:
            started = time.perf_counter()
            trainer = train_plane(dataset, noise, seed, hidden, epochs)
            how = f"just now, in {time.perf_counter() - started:.1f} s"
        else:
            how = "the trainer you gave"
        self.model = model = PlaneQuizModel(trainer, how)
        self._status = w.HTML()
        self._answer = w.HTML(layout=w.Layout(min_height="150px", width="440px"))
        self._plane = PlaneCanvas()
        self._path = NetworkCanvas(width_px=560)
        self._plane.observe(self._clicked, names="click")
        model.observe(self._show_answer, names="answer")
        model.observe(self._show_network, names="version")
        children = [self._status]
        if lab is not None:
            again = w.Button(description="Take the lab's network again", icon="refresh")
            again.on_click(lambda _: self.refresh())
            children.append(again)
        help_text = w.HTML(
            '<div style="max-width:560px;color:#444">Each square is one neuron, coloured by its '
            "value for the point you clicked: <b style='color:#0877bd'>blue</b> positive, "
            "<b style='color:#f59322'>orange</b> negative, pale near zero. The lines are the "
            "weights that carry one layer's values to the next.</div>"
        )
        children.append(
            w.HBox(
                [
                    self._plane,
                    w.VBox(
                        [
                            self._answer,
                            w.HTML("<b>Inside the network for this point</b>"),
                            self._path,
                            help_text,
                        ]
                    ),
                ]
            )
        )
        super().__init__(children)
        self.add_class("dllab-plane-quiz")
        self._show_network()

    @classmethod
    def from_lab(cls, lab: Any) -> PlaneQuiz:
        """Quiz the network `lab` (a dllab Lab) has trained so far."""
        return cls(lab=lab)

    def ask(self, x1: float, x2: float) -> Answer:
        """Ask about the point (x1, x2), as a click there does."""
        return self.model.ask(x1, x2)

    def refresh(self) -> None:
        """Take the lab's network again (only for a quiz made from a lab)."""
        try:
            self.model.load(_lab_trainer(self._lab), "from the lab")
        except (ValueError, TypeError) as error:
            self._status.value = _message(str(error))

    def _clicked(self, change) -> None:
        x1, x2, _ = change.new
        try:
            self.model.ask(x1, x2)
        except (ValueError, TypeError) as error:
            self._answer.value = _message(str(error))

    def _show_network(self, change=None) -> None:
        model = self.model
        data = model.data
        values = (
            data.y_train
            if model.task != "multiclass"
            else 2 * data.y_train / max(1, model.dataset.n_classes - 1) - 1
        )
        self._plane.show(
            model.surface(),
            data.X_train,
            np.asarray(values, dtype=np.float64),
            model.extent,
            model.dataset.input_names or ("x1", "x2"),
        )
        self._status.value = (
            f'<div class="dllab-status">{html.escape(model.description())} '
            "<b>Click anywhere on the plane</b> (or drag across it) to ask it about that point."
            "</div>"
        )
        question = "what value is here?" if model.task == "regression" else "which class is this?"
        self._answer.value = (
            '<div class="dllab-quiz-answer" data-click="0" style="font-size:1.2em;color:#444">'
            f"Click on the plane to ask the network: <i>{question}</i></div>"
        )
        # 52 px per neuron (+14) is where NetworkCanvas's tiles fit its height exactly.
        self._path.height_px = max(260, 52 * max(model.network.sizes) + 14)
        self._path.show(*model.path(None))

    def _show_answer(self, change) -> None:
        answer = change.new
        if answer is None:
            return
        model = self.model
        # The timed part first: the answer, then the marker, then the network picture.
        self._answer.value = self._answer_html(answer, int(self._plane.click[2]))
        self._plane.marker = [*answer.point, *answer.asked]
        self._path.show(*model.path(answer))

    def _answer_html(self, answer: Answer, click: int) -> str:
        model = self.model
        x1, x2 = model.dataset.input_names or ("x1", "x2")
        where = f"at {x1} = {_num(answer.point[0])}, {x2} = {_num(answer.point[1])}"
        if model.task == "regression":
            said = f"It says <b>{answer.label}</b>"
            sure = "<div>A value, not a class: there is no confidence to show.</div>"
            swatch = _swatch(float(np.clip(answer.prediction, -1, 1)))
        else:
            said = f"It says <b>{html.escape(answer.label)}</b>"
            swatch = _swatch(answer.prediction if model.task == "binary" else 0.0)
            bar = (
                f'<span style="display:inline-block;width:160px;height:12px;background:#eee;'
                f'vertical-align:middle;margin-left:8px"><span style="display:block;height:12px;'
                f'width:{answer.confidence:.0%};background:#555"></span></span>'
            )
            sure = (
                f'<div class="dllab-quiz-confidence">Confidence '
                f"<b>{answer.confidence:.0%}</b>{bar}</div>"
            )
        note = (
            f'<div class="dllab-quiz-note" style="color:#8a4b00;font-size:0.85em;margin-top:6px">'
            f"{html.escape(answer.note)}</div>"
            if answer.note
            else ""
        )
        return (
            f'<div class="dllab-quiz-answer" data-click="{click}" style="font-size:1.2em">'
            f'<div class="dllab-quiz-prediction" style="font-size:1.5em;margin-bottom:4px">'
            f"{swatch}{said}</div>{sure}"
            f'<div style="color:#555;font-size:0.9em">{where}</div>{note}</div>'
        )


def _swatch(score: float) -> str:
    rgb = _rgb(WHITE) + ((_rgb(BLUE) if score >= 0 else _rgb(ORANGE)) - _rgb(WHITE)) * abs(score)
    colour = "#" + "".join(f"{int(round(c)):02x}" for c in rgb)
    return (
        f'<span style="display:inline-block;width:0.8em;height:0.8em;border-radius:50%;'
        f'background:{colour};border:1px solid #666;margin-right:8px"></span>'
    )


def _message(text: str) -> str:
    return f'<div class="dllab-message" style="color:#b00020">{html.escape(text)}</div>'


def _lab_trainer(lab: Any) -> Trainer:
    """The trainer of a Lab (under its lock: the lab may be training in another thread),
    as a copy that the lab's training will not change."""
    model = getattr(lab, "model", None)
    if model is None or not hasattr(model, "lock"):
        raise TypeError(f"lab must be a dllab Lab; got {type(lab).__name__}")
    with model.lock:
        trainer = model.trainer
        if trainer is None:
            raise ValueError(
                f"the lab has no network to quiz ({model.message or model.status}): "
                "fix its settings first"
            )
        copy = Trainer(
            trainer.network.copy(),
            trainer.data,
            features=trainer.features,
            batch_size=trainer.batch_size,
        )
        copy.epoch = trainer.epoch
    return copy


# == The digit quiz ===============================================================================
def downsample(cells: NDArray, side: int = IMAGE_SIDE) -> Array:
    """Block means of a square drawing `cells : (n, n)` in [0, 1] (n a multiple of `side`):
    `(side, side)` in [0, 1]. A 32x32 bitmap gives exactly the digits' pixels / 16: the
    share of ink in each 4x4 block."""
    array = np.asarray(cells, dtype=np.float64)
    side = check_int("side", side, 1)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] % side:
        raise ValueError(
            f"cells must be a square (n, n) drawing with n a multiple of {side}; "
            f"got shape {array.shape}"
        )
    if not np.all((array >= 0) & (array <= 1)):
        raise ValueError("cells must hold ink shares from 0 (blank) to 1 (ink)")
    block = array.shape[0] // side
    return array.reshape(side, block, side, block).mean(axis=(1, 3))


@dataclass(frozen=True)
class Reading:
    """What the network reads in one drawing. `probabilities` and `prediction` are None
    for an empty drawing."""

    image: Array  # (8, 8) what the network sees, in [0, 1]
    probabilities: Array | None  # (n_classes,)
    prediction: int | None
    confidence: float | None


class DigitQuizModel(t.HasTraits):
    """A trained digits network and what it reads in the latest drawing."""

    reading = t.Instance(Reading, allow_none=True)

    def __init__(self, trainer: Trainer, how: str = "") -> None:
        super().__init__()
        self.trainer = check_digits_trainer(trainer, "DigitQuiz")
        self.network = trainer.network
        self.dataset = trainer.data.dataset
        self.how = how
        self.test_accuracy = float(trainer.evaluate()["test_accuracy"])

    def read(self, cells: NDArray) -> Reading:
        """What the network reads in the drawing `cells : (n, n)` (ink 1, blank 0)."""
        image = downsample(cells, self.dataset.image_shape[0])
        if not image.any():
            reading = Reading(image, None, None, None)
        else:
            probabilities = self.network.output(image.reshape(1, -1))[0]
            best = int(probabilities.argmax())
            reading = Reading(image, probabilities, best, float(probabilities[best]))
        self.reading = reading
        return reading

    def wrong(self):
        """Images, captions and indices of the test digits the network gets wrong."""
        trainer = self.trainer
        return wrong_digits(
            self.network,
            trainer.X_test,
            trainer.data.y_test,
            self.dataset.image_shape,
            self.dataset.classes,
        )

    def description(self) -> str:
        n_test = len(self.trainer.data.y_test)
        return (
            f"A {describe(self.network)} network, trained {self.trainer.epoch} epochs "
            f"({self.how}): it gets {self.test_accuracy:.0%} of {n_test} test digits right."
        )


# -- the drawing pad -------------------------------------------------------------------------------
_PAD_JS = r"""

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
"""

_PAD_CSS = """
.dllab-pad-wrap { display: flex; gap: 18px; align-items: flex-start; }
.dllab-pad { border: 2px solid #555; cursor: crosshair; touch-action: none; }
.dllab-seen { margin: 0; display: flex; flex-direction: column; align-items: center; }
.dllab-seen canvas { image-rendering: pixelated; border: 1px solid #999; }
.dllab-seen figcaption { font: 13px sans-serif; color: #333; margin-top: 4px; width: 170px;
  text-align: center; white-space: pre-line; }
"""


class DrawingPad(anywidget.AnyWidget):
    """A square of `grid` x `grid` cells painted with a round brush by pressing and
    dragging; `cells` holds one byte per cell (1 = ink). Beside it, `seen` (bytes 0..255,
    `seen_shape`) shows what the network sees."""

    _esm = JS_AS_BYTES + _PAD_JS
    _css = _PAD_CSS

    grid = t.Int(PAD_CELLS).tag(sync=True)
    brush = t.Float(2.0).tag(sync=True)  # radius, in cells
    size_px = t.Int(320).tag(sync=True)
    throttle_ms = t.Int(80).tag(sync=True)
    cells = t.Bytes(b"").tag(sync=True, **bytes_serialization)
    sent = t.Int(0).tag(sync=True)  # drawings so far: each one sent, and each Clear
    seen = t.Bytes(b"").tag(sync=True)
    seen_shape = t.List(t.Int(), default_value=[IMAGE_SIDE, IMAGE_SIDE]).tag(sync=True)
    seen_px = t.Int(160).tag(sync=True)

    def drawing(self) -> Array:
        """The drawing as (grid, grid) ink in {0, 1}; blank if nothing was drawn."""
        n = self.grid
        if len(self.cells) != n * n:
            return np.zeros((n, n))
        return (np.frombuffer(self.cells, dtype=np.uint8) > 0).reshape(n, n).astype(np.float64)

    def clear(self) -> None:
        with self.hold_sync():
            self.cells = bytes(self.grid * self.grid)
            self.sent += 1


# -- the digit quiz's view -------------------------------------------------------------------------
HINT = "Draw a digit in the box: press and drag. Draw it large, filling the box from top to bottom."


class DigitQuiz(w.VBox):
    """Draw a digit; the network reads the 8x8 version of your drawing and its class
    probabilities follow the pen.

    DigitQuiz() trains a one-hidden-layer digits network itself (a fraction of a second);
    DigitQuiz(trainer) quizzes a trained digits Trainer.
    """

    def __init__(self, trainer: Trainer | None = None, *, seed: int = 0, hidden: int = 32) -> None:
        if trainer is None:
            started = time.perf_counter()
            trainer = train_digits(hidden=hidden, seed=seed)
            how = f"just now, in {time.perf_counter() - started:.1f} s"
        else:
            how = "the trainer you gave"
        self.model = model = DigitQuizModel(trainer, how)
        self._status = w.HTML(f'<div class="dllab-status">{html.escape(model.description())}</div>')
        self._pad = DrawingPad()
        # A pen lifted where it last sent sends the same cells again: `sent` still changes.
        self._pad.observe(self._drawn, names="sent")
        self._clear = w.Button(description="Clear", icon="eraser", tooltip="start a new drawing")
        self._clear.on_click(lambda _: self._pad.clear())
        self._answer = w.HTML(layout=w.Layout(min_height="60px"))
        classes = list(model.dataset.classes)
        bar_x, bar_y = bq.OrdinalScale(), bq.LinearScale(min=0, max=1.1)
        self._bars = bq.Bars(
            x=classes,
            y=np.zeros(len(classes)),
            color=np.zeros(len(classes)),
            scales={
                "x": bar_x,
                "y": bar_y,
                "color": bq.ColorScale(colors=["#c6dbef", BLUE], min=0, max=1),
            },
            label_display=True,
            label_display_format=".0%",
            label_font_style={"font-size": "12px"},
            label_display_vertical_offset=-16,
        )
        self._bars_figure = bq.Figure(
            marks=[self._bars],
            axes=[
                bq.Axis(scale=bar_x, label="digit"),
                bq.Axis(scale=bar_y, side="left", tick_format=".0%", tick_values=[0, 0.5, 1]),
            ],
            title="What the network thinks it is",
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=50, right=10),
            layout=w.Layout(width="420px", height="280px"),
        )
        self._show_wrong = w.Button(
            description="Show test digits it gets wrong",
            icon="search",
            layout=w.Layout(width="320px"),
        )
        self._show_wrong.on_click(self._toggle_wrong)
        self._wrong_title = w.HTML()
        self._wrong = DigitGrid(empty_text="It gets every test digit right.")
        self._wrong_box = w.VBox([self._wrong_title, self._wrong], layout=w.Layout(display="none"))
        model.observe(self._show_reading, names="reading")
        super().__init__(
            [
                self._status,
                w.HBox(
                    [
                        w.VBox([self._pad, self._clear]),
                        w.VBox(
                            [self._answer, self._bars_figure],
                            layout=w.Layout(margin="0 0 0 24px"),
                        ),
                    ]
                ),
                self._show_wrong,
                self._wrong_box,
            ]
        )
        self.add_class("dllab-digit-quiz")
        model.read(self._pad.drawing())

    def _drawn(self, change) -> None:
        try:
            self.model.read(self._pad.drawing())
        except (ValueError, TypeError) as error:
            self._answer.value = _message(str(error))

    def _show_reading(self, change) -> None:
        reading = change.new
        sent = self._pad.sent
        if reading.probabilities is None:
            probabilities = np.zeros(len(self._bars.x))
            self._answer.value = (
                f'<div class="dllab-digit-answer" data-sent="{sent}" data-empty="true" '
                f'style="font-size:1.15em;color:#444;max-width:420px">{html.escape(HINT)}</div>'
            )
        else:
            probabilities = reading.probabilities
            label = self.model.dataset.classes[reading.prediction]
            self._answer.value = (
                f'<div class="dllab-digit-answer" data-sent="{sent}" data-empty="false" '
                f'style="font-size:1.5em">It says <b class="dllab-digit-said" '
                f'style="font-size:1.6em">{label}</b> '
                f'<span style="font-size:0.8em;color:#444">(confidence '
                f"{reading.confidence:.0%})</span></div>"
            )
        with self._bars.hold_sync():
            self._bars.y = probabilities
            self._bars.color = probabilities
        self._pad.seen = (np.clip(reading.image, 0, 1) * 255).round().astype(np.uint8).tobytes()

    def _toggle_wrong(self, _button=None) -> None:
        showing = self._wrong_box.layout.display != "none"
        if not showing:
            images, captions, wrong = self.model.wrong()
            n_test = len(self.model.trainer.data.y_test)
            self._wrong_title.value = (
                f"<b>The test digits it gets wrong: {len(wrong)} of {n_test}</b>"
                " (its training never saw these digits)"
            )
            self._wrong.show(images, captions)
        self._wrong_box.layout.display = "none" if showing else None
        self._show_wrong.description = (
            "Show test digits it gets wrong" if showing else "Hide the test digits it gets wrong"
        )
