"""Digits end to end: train a network on 8x8 handwritten digits, then see where it errs.

`DigitsReport()` trains a one-hidden-layer network (a fraction of a second) and shows the
confusion matrix, the accuracy for each digit and the test digits it gets wrong. The
numbers come from pure NumPy functions (`confusion_matrix`, `per_class_accuracy`,
`misclassified`); `DigitsReportModel` holds the run and `DigitsReport` only shows it.
`DigitGrid`, a small canvas widget showing many digit images with captions, is shared
with the digit quiz.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Any

import anywidget
import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from ..core import Network, Trainer, make_dataset, split
from ..core.checks import check_int
from ..ui.theme import BLUE, ORANGE

MAX_HIDDEN, MAX_EPOCHS = 128, 100
MAX_SHOWN = 60  # misclassified digits drawn at most (a weak network gets hundreds wrong)


# -- the numbers ---------------------------------------------------------------------------------
def confusion_matrix(y_true: NDArray, y_pred: NDArray, n_classes: int) -> NDArray[np.int64]:
    """Counts `(n_classes, n_classes)`: row = true class, column = predicted class.

    y_true, y_pred : (n_samples,) class indices 0 .. n_classes - 1.
    """
    n_classes = check_int("n_classes", n_classes, 1)
    labels = {}
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one label per sample); got shape {array.shape}")
        if array.size and (array.dtype.kind not in "iu" and not _whole(array)):
            raise TypeError(f"{name} must hold class indices (whole numbers); got {array[:5]}")
        array = array.astype(np.int64)
        outside = (array < 0) | (array >= n_classes)
        if outside.any():
            raise ValueError(
                f"{name} holds the label {array[outside][0]}, but n_classes={n_classes} "
                f"allows 0 to {n_classes - 1}"
            )
        labels[name] = array
    if len(labels["y_true"]) != len(labels["y_pred"]):
        raise ValueError(
            f"y_true has {len(labels['y_true'])} labels but y_pred has {len(labels['y_pred'])}: "
            "give one prediction per sample"
        )
    flat = labels["y_true"] * n_classes + labels["y_pred"]
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _whole(array: NDArray) -> bool:
    return array.dtype.kind == "f" and bool(np.all(np.isfinite(array) & (array == np.round(array))))


def per_class_accuracy(matrix: NDArray) -> NDArray[np.float64]:
    """Share of each true class predicted right: diagonal / row sums (NaN for an empty row)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


def misclassified(network: Network, X: NDArray, y: NDArray) -> tuple[NDArray, NDArray]:
    """Indices of the rows of `X : (n_samples, n_inputs)` the network labels wrong, and its
    predictions for every row."""
    predicted = network.predict(X)
    return np.flatnonzero(predicted != np.asarray(y)), predicted


def train_digits(
    hidden: int = 32, epochs: int = 30, seed: int = 0, train_share: float = 0.7
) -> Trainer:
    """A digits network with one hidden layer of `hidden` relu neurons, trained `epochs`
    epochs with Adam (about 0.1 s for the defaults, which reach 98 % test accuracy)."""
    hidden = check_int("hidden", hidden, 1, MAX_HIDDEN)
    epochs = check_int("epochs", epochs, 0, MAX_EPOCHS)
    parts = split(make_dataset("digits"), train_share, seed=seed)
    network = Network([64, hidden, 10], activation="relu", head="softmax", init="he", seed=seed)
    trainer = Trainer(
        network, parts, learning_rate=0.005, batch_size=32, optimizer="adam", seed=seed
    )
    # One BLAS thread: small products are faster so on a shared machine (see the lab's loop).
    with threadpool_limits(1, user_api="blas"):
        trainer.train(epochs)
    return trainer


def confusion_colours(confusion: NDArray) -> tuple[NDArray[np.float64], list[str]]:
    """Cell colours in [-1, 1] and text colours for a confusion matrix: right answers blue
    by the share of their class, any mistake at least clearly orange (counts alone would
    draw 1 of 55 almost white), zeros white with light grey text."""
    totals = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    share = confusion / totals
    diagonal = np.eye(len(confusion), dtype=bool)
    mistakes = np.where(confusion > 0, 0.35 + 0.65 * np.minimum(1, 5 * share), 0.0)
    colours = np.where(diagonal, share, -mistakes)
    text = np.where(confusion == 0, "#b8b8b8", np.where(colours > 0.5, "#ffffff", "#222222"))
    return colours, list(text.ravel())


def check_digits_trainer(trainer: Any, who: str) -> Trainer:
    """`trainer` if it is a Trainer on image data with a class per output, else raise."""
    if not isinstance(trainer, Trainer):
        raise TypeError(
            f"trainer must be a dllab Trainer on the digits; got {type(trainer).__name__}"
        )
    dataset = trainer.data.dataset
    if dataset.image_shape is None or dataset.task != "multiclass":
        raise ValueError(
            f"{who} needs a trainer on image data such as the digits; this one learns "
            f"{dataset.name} ({dataset.task}, {dataset.n_inputs} inputs)"
        )
    return trainer


def describe(network: Network) -> str:
    """'64 → 32 → 10 (relu)': the network's shape in words a learner can read."""
    return " → ".join(str(size) for size in network.sizes) + f" ({network.activation})"


def as_grey_bytes(images: NDArray) -> bytes:
    """Pixel values in [0, 1] as bytes 0..255, ready for a canvas."""
    return (
        (np.clip(np.asarray(images, dtype=np.float64), 0, 1) * 255)
        .round()
        .astype(np.uint8)
        .tobytes()
    )


# -- a grid of small images with captions ----------------------------------------------------------
# Shared by the canvas widgets: a synced Bytes trait arrives as a DataView (or a buffer).
JS_AS_BYTES = """
function asBytes(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer || value);
}
"""

_GRID_JS = r"""

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "dllab-digit-grid";
  el.appendChild(root);

  function draw() {
    const [h, w] = model.get("shape");
    const captions = model.get("captions");
    const pixels = asBytes(model.get("images"));
    const px = model.get("cell_px");
    root.replaceChildren();
    root.dataset.count = captions.length;
    if (!captions.length) {
      const empty = document.createElement("div");
      empty.className = "dllab-digit-grid-empty";
      empty.textContent = model.get("empty_text");
      root.appendChild(empty);
      return;
    }
    captions.forEach((caption, i) => {
      const figure = document.createElement("figure");
      figure.className = "dllab-digit";
      const canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      canvas.style.width = `${px}px`;
      canvas.style.height = `${Math.round((px * h) / w)}px`;
      const ctx = canvas.getContext("2d");
      const image = ctx.createImageData(w, h);
      for (let p = 0; p < w * h; p++) {
        const grey = 255 - pixels[i * w * h + p];
        image.data.set([grey, grey, grey, 255], p * 4);
      }
      ctx.putImageData(image, 0, 0);
      const text = document.createElement("figcaption");
      text.textContent = caption;
      figure.append(canvas, text);
      root.appendChild(figure);
    });
  }

  model.on("change:frame", draw);
  draw();
  return () => model.off("change:frame", draw);
}
export default { render };
"""

_GRID_CSS = """
.dllab-digit-grid { display: flex; flex-wrap: wrap; gap: 10px; max-width: 880px; }
.dllab-digit { margin: 0; display: flex; flex-direction: column; align-items: center; }
.dllab-digit canvas { image-rendering: pixelated; border: 1px solid #bbb; }
.dllab-digit figcaption { font: 12px/1.3 sans-serif; color: #333; white-space: pre-line;
  text-align: center; margin-top: 2px; }
.dllab-digit-grid-empty { font: 14px sans-serif; color: #555; padding: 6px 0; }
"""


class DigitGrid(anywidget.AnyWidget):
    """Small greyscale images with a caption under each, drawn on canvases.

    `show(images, captions)`: images (n, height, width) in [0, 1] (ink = 1, drawn dark).
    """

    _esm = JS_AS_BYTES + _GRID_JS
    _css = _GRID_CSS

    images = t.Bytes(b"").tag(sync=True)
    shape = t.List(t.Int(), default_value=[8, 8]).tag(sync=True)
    captions = t.List(t.Unicode()).tag(sync=True)
    cell_px = t.Int(56).tag(sync=True)
    empty_text = t.Unicode("").tag(sync=True)
    frame = t.Int(0).tag(sync=True)

    def show(self, images: NDArray, captions: list[str]) -> None:
        images = np.asarray(images, dtype=np.float64)
        if images.ndim != 3 or len(images) != len(captions):
            raise ValueError(
                f"images must be (n, height, width) with one caption each; got shape "
                f"{images.shape} and {len(captions)} captions"
            )
        with self.hold_sync():
            self.shape = [int(images.shape[1]), int(images.shape[2])]
            self.images = as_grey_bytes(images)
            self.captions = list(captions)
            self.frame += 1


def wrong_digits(network: Network, X: NDArray, y: NDArray, shape: tuple[int, int], classes):
    """The images, captions and indices of the test digits `network` gets wrong (at most
    MAX_SHOWN), captions "true 9\\npredicted 3"."""
    wrong, predicted = misclassified(network, X, y)
    shown = wrong[:MAX_SHOWN]
    captions = [f"true {classes[y[i]]}\npredicted {classes[predicted[i]]}" for i in shown]
    return X[shown].reshape(-1, *shape), captions, wrong


# -- the report's model ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Results:
    """What the report shows for one trained network, on its test set."""

    confusion: NDArray[np.int64]  # (n_classes, n_classes), row = true class
    per_class: NDArray[np.float64]  # (n_classes,)
    wrong: NDArray[np.int64]  # indices into the test set
    predicted: NDArray[np.int64]  # (n_test,)
    accuracy: float
    n_test: int


class DigitsReportModel(t.HasTraits):
    """The digits run: the settings to train with, the trainer, and its results."""

    hidden = t.Int(32)
    epochs = t.Int(30)
    seed = t.Int(0)
    status = t.Unicode("")
    version = t.Int(0)  # bumps whenever the results change

    def __init__(self, trainer: Trainer | None = None, **settings: Any) -> None:
        unknown = set(settings) - {"hidden", "epochs", "seed"}
        if unknown:
            raise TypeError(
                f"unknown setting {sorted(unknown)[0]!r}; choose from: hidden, epochs, seed"
            )
        try:
            super().__init__(**settings)
        except t.TraitError as error:
            raise ValueError(str(error)) from None
        self.trainer: Trainer | None = None
        self.results: Results | None = None
        if trainer is None:
            self.train()
        else:
            self.use(check_digits_trainer(trainer, "DigitsReport"), "the trainer you gave")

    @t.validate("hidden", "epochs", "seed")
    def _check_setting(self, proposal):
        low, high = {"hidden": (1, MAX_HIDDEN), "epochs": (1, MAX_EPOCHS), "seed": (0, 99999)}[
            proposal.trait.name
        ]
        value = proposal.value
        if not low <= value <= high:
            raise t.TraitError(
                f"{proposal.trait.name}={value!r} is not allowed: it must be from {low} to {high}"
            )
        return value

    def train(self) -> None:
        """Train a fresh network with the current settings, then evaluate it."""
        started = time.perf_counter()
        trainer = train_digits(self.hidden, self.epochs, self.seed)
        self.use(trainer, f"just now, in {time.perf_counter() - started:.1f} s")

    def use(self, trainer: Trainer, how: str) -> None:
        data = trainer.data
        n_classes = data.dataset.n_classes
        wrong, predicted = misclassified(trainer.network, trainer.X_test, data.y_test)
        confusion = confusion_matrix(data.y_test, predicted, n_classes)
        self.trainer = trainer
        self.results = Results(
            confusion=confusion,
            per_class=per_class_accuracy(confusion),
            wrong=wrong,
            predicted=predicted,
            accuracy=float(np.trace(confusion) / confusion.sum()),
            n_test=len(data.y_test),
        )
        r = self.results
        self.status = (
            f"A {describe(trainer.network)} network ({how}), trained {trainer.epoch} epochs on "
            f"{len(data.y_train):,} digits: it gets <b>{r.accuracy:.1%}</b> of the {r.n_test} "
            f"test digits right ({r.n_test - len(r.wrong)}) and {len(r.wrong)} wrong."
        )
        self.version += 1


# -- the report's view -----------------------------------------------------------------------------
CONTROLS: list[tuple[str, type, dict[str, Any]]] = [
    ("hidden", w.IntSlider, dict(description="Hidden neurons", min=1, max=MAX_HIDDEN)),
    ("epochs", w.IntSlider, dict(description="Epochs", min=1, max=MAX_EPOCHS)),
]


class DigitsReport(w.VBox):
    """Digits end to end: train, then the confusion matrix, the accuracy for each digit and
    the test digits the network gets wrong.

    DigitsReport() trains a 64 → 32 → 10 network itself; DigitsReport(trainer) reports on
    a trained digits Trainer. "Hidden neurons", "Epochs" and "Train" train a new one.
    """

    def __init__(self, trainer: Trainer | None = None, **settings: Any) -> None:
        self.model = model = DigitsReportModel(trainer, **settings)
        self._status = w.HTML()
        self._message = w.HTML()
        controls = []
        for trait, widget_class, kwargs in CONTROLS:
            control = widget_class(
                value=getattr(model, trait), style={"description_width": "initial"}, **kwargs
            )
            w.link((control, "value"), (model, trait))
            controls.append(control)
        self._train = w.Button(description="Train", icon="play", button_style="success")
        self._train.on_click(self._train_clicked)
        self._build_plots(model.results.confusion.shape[0])
        self._wrong_title = w.HTML()
        self._wrong = DigitGrid(empty_text="It gets every test digit right.")
        super().__init__(
            [
                self._status,
                w.HBox([*controls, self._train], layout=w.Layout(align_items="center")),
                self._message,
                w.HBox([self._confusion_figure, self._accuracy_figure]),
                self._wrong_title,
                self._wrong,
            ]
        )
        self.add_class("dllab-digits-report")
        model.observe(self._show, names="version")
        self._show()

    def _train_clicked(self, _button=None) -> None:
        self._message.value = '<span class="dllab-message">Training…</span>'
        self.model.train()
        self._message.value = ""

    def _build_plots(self, n_classes: int) -> None:
        classes = np.arange(n_classes)
        rows, columns = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        colour = bq.ColorScale(colors=[ORANGE, "#ffffff", BLUE], min=-1, max=1, mid=0)
        self._cells = bq.GridHeatMap(
            row=classes,
            column=classes,
            color=np.zeros((n_classes, n_classes)),
            scales={"row": rows, "column": columns, "color": colour},
            stroke="#ccc",
        )
        # Counts as text over the cells (the cells' colour is not the count, see _show).
        xs, ys = np.meshgrid(classes, classes)
        self._counts = bq.Label(
            x=xs.ravel(),
            y=ys.ravel(),
            text=[""] * n_classes**2,
            scales={"x": columns, "y": rows},
            align="middle",
            y_offset=5,
            font_weight="bold",
            default_size=14,
            colors=["#222"],
        )
        self._confusion_figure = bq.Figure(
            marks=[self._cells, self._counts],
            axes=[
                bq.Axis(scale=columns, label="predicted", side="bottom"),
                bq.Axis(scale=rows, label="true", side="left"),
            ],
            title="Confusion matrix (test digits)",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=50, left=55, right=10),
            layout=w.Layout(width="460px", height="460px"),
        )
        bar_x, bar_y = bq.OrdinalScale(), bq.LinearScale(min=0, max=1)
        self._bars = bq.Bars(
            x=[str(c) for c in classes],
            y=np.zeros(n_classes),
            scales={"x": bar_x, "y": bar_y},
            colors=[BLUE],
            label_display=True,
            label_display_format=".0%",
            label_font_style={"font-size": "11px", "fill": "white"},
        )
        self._accuracy_figure = bq.Figure(
            marks=[self._bars],
            axes=[
                bq.Axis(scale=bar_x, label="true digit"),
                bq.Axis(scale=bar_y, side="left", tick_format=".0%"),
            ],
            title="Accuracy for each digit",
            fig_margin=dict(top=40, bottom=50, left=55, right=10),
            layout=w.Layout(width="420px", height="340px"),
        )

    def _show(self, change=None) -> None:
        model = self.model
        r, trainer = model.results, model.trainer
        dataset = trainer.data.dataset
        confusion = r.confusion
        colours, text_colours = confusion_colours(confusion)
        images, captions, wrong = wrong_digits(
            trainer.network,
            trainer.X_test,
            trainer.data.y_test,
            dataset.image_shape,
            dataset.classes,
        )
        with self._confusion_figure.hold_sync():
            self._cells.color = colours
            self._counts.text = [str(count) for count in confusion.ravel()]
            self._counts.colors = text_colours
        with self._bars.hold_sync():
            self._bars.x = list(dataset.classes)
            self._bars.y = np.nan_to_num(r.per_class)
        self._status.value = f'<div class="dllab-status">{model.status}</div>'
        more = f" (the first {MAX_SHOWN})" if len(wrong) > MAX_SHOWN else ""
        self._wrong_title.value = (
            f"<b>Test digits it gets wrong: {len(wrong)}</b>{html.escape(more)}"
        )
        self._wrong.show(images, captions)
