"""The lab's panels and plots: each a small object that builds its widgets once and redraws
them from the model's history and frames. The lab's kernel loads no bqplot (and so no
pandas, which bqplot imports): its plots are the toolkit's canvas widgets and HTML."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np
from numpy.typing import NDArray

from ..ui.curves_view import CurvesView
from ..ui.network_canvas import NetworkCanvas
from ..ui.plane_view import PlaneView
from ..ui.theme import (
    ACCURACY_COLOURS,
    BLUE,
    LOSS_COLOURS,
    WHITE,
    bars_html,
    format_number,
    layer_colours,
)

LEGEND_MARGIN = "0 0 0 50px"  # under the plot area, past the y axis
# The output column's width, and the size of the plots in it.
COLUMN_PX = 320
SURFACE_PX = 250
CURVES_PX = (COLUMN_PX, 170)  # a curves plot in the output column
WIDE_CURVES_PX = (560, 250)  # a curves plot under the panels
LOSS_CEILING = 1e6  # a diverged run's loss is drawn at this height
LOSSES = ("test loss", "training loss")
SHARES = ("test accuracy", "training accuracy")
MAX_DRAWN = 250  # points drawn per curve, at most (about one per pixel of the plot)
GRADIENT_RANGE = (1e-12, 1e12)  # gradient sizes drawn on the log axis
# An epoch axis ends at one of these (times a power of ten): its 5 ticks then fall on
# round epochs (0, 10, 20, 30, 40), never 7.5 or 23.
ROUND_STEPS = (1, 1.2, 1.6, 2, 4, 6, 8, 10)


def heading(text: str) -> w.HTML:
    return w.HTML(f"<b>{text}</b>", layout=w.Layout(margin="0 0 0 4px"))


def action_button(
    description: str, icon: str, tooltip: str, action: Callable[[], None]
) -> w.Button:
    """A button that calls `action()` when clicked."""
    button = w.Button(
        description=description, icon=icon, tooltip=tooltip, layout=w.Layout(width="auto")
    )
    button.on_click(lambda _: action())
    return button


def epoch_html(epoch: int, done: float | None = None) -> str:
    """The epoch counter; for a network that trains part of an epoch per frame, `done` is
    the share of the next epoch trained, shown as a small bar filling up (the curves get a
    point at the end of each epoch)."""
    bar = ""
    if done is not None:
        done = min(1.0, max(0.0, done))
        bar = (
            f'<span title="the next epoch: {done:.0%} done" style="display:inline-block;'
            f"width:44px;height:8px;margin-left:8px;background:{WHITE};border:1px solid #bbb;"
            f'vertical-align:middle"><span style="display:block;height:100%;'
            f'width:{done:.0%};background:{BLUE}"></span></span>'
        )
    return (
        f'<span class="dllab-epoch" style="font-size:1.3em;margin:0 12px">'
        f"Epoch <b>{epoch:,}</b>{bar}</span>"
    )


def _kept(n: int) -> list[int] | None:
    """Which of a curve's n points are drawn: at most about MAX_DRAWN of them (evenly
    spread, the last one always kept), since the plot has fewer pixels than a long run's
    history has points; None for all. They are picked before any conversion, so that a
    frame costs the same at epoch 20,000 as at epoch 200."""
    if n <= MAX_DRAWN:
        return None
    kept = list(range(0, n, -(-n // MAX_DRAWN)))
    if kept[-1] != n - 1:
        kept.append(n - 1)
    return kept


def _drawn(values: Sequence, kept: list[int] | None, start: int = 0) -> list:
    """The points of `values[start:]` that are drawn (`kept` indexes that slice)."""
    if kept is None:
        return list(values[start:])
    return [values[start + i] for i in kept]


class LossPlot:
    """Test and training loss (solid) and accuracy (dashed, right axis) over the epochs,
    drawn by the page from the network picture's frames (a `CurvesView`): the lab sends
    `curves(...)` with each frame."""

    def __init__(self, canvas: NetworkCanvas, size: tuple[int, int] = CURVES_PX) -> None:
        width, height = size
        self.view = CurvesView(
            source=canvas,
            title="Loss",
            left_label="loss",
            right_label="accuracy",
            width_px=width,
            height_px=height,
        )
        self.legend = w.HTML(layout=w.Layout(margin=LEGEND_MARGIN))
        self.box = w.VBox([self.view, self.legend])
        self.new_run(True)

    def new_run(self, classifying: bool) -> None:
        """The losses, and the accuracies when classifying."""
        lines = [(name, colour, False, False) for name, colour in zip(LOSSES, LOSS_COLOURS)]
        if classifying:
            lines += [(name, colour, True, True) for name, colour in zip(SHARES, ACCURACY_COLOURS)]
        self.view.set_lines(lines)
        self.legend.value = self.view.legend()

    def curves(self, history: dict[str, list], classifying: bool) -> tuple[NDArray, float]:
        """What a frame carries: rows of the epochs, then each line's values (at most
        MAX_DRAWN points), and where the epoch axis ends. A diverged run's losses (up to
        infinite) are drawn at a ceiling."""
        lines = len(self.view.lines)
        if not len(history["epoch"]):  # no score yet (a new convolutional run's first frames)
            return np.zeros((lines + 1, 0), dtype=np.float32), 1.0
        kept = _kept(len(history["epoch"]))
        epochs = np.asarray(_drawn(history["epoch"], kept), dtype=float)
        names = ["test_loss", "train_loss"]
        names += ["test_accuracy", "train_accuracy"] if classifying else []
        rows = np.asarray([_drawn(history[name], kept) for name in names], dtype=float)
        rows[:2] = np.clip(np.nan_to_num(rows[:2], nan=LOSS_CEILING), 0, LOSS_CEILING)
        return np.vstack([epochs, rows]).astype(np.float32), _epoch_domain(epochs)["max"]


class GradientPlot:
    """Each layer's RMS weight gradient over the epochs, on a log axis of whole decades
    (a `CurvesView` with points of its own, sent with the numbers a few times a second)."""

    def __init__(self, size: tuple[int, int] = WIDE_CURVES_PX) -> None:
        width, height = size
        self.view = CurvesView(
            source=None,
            title="Gradient flow",
            left_label="RMS gradient",
            log_left=True,
            width_px=width,
            height_px=height,
        )
        self.legend = w.HTML(layout=w.Layout(margin=LEGEND_MARGIN))
        self.box = w.VBox([self.view, self.legend])

    def new_run(self, labels: list[str]) -> None:
        """One line per layer with weights, named by `labels` (the last is the output);
        none drawn before the first epoch's gradients."""
        colours = layer_colours(len(labels))
        self.view.set_lines(
            [(label, colour, False, False) for label, colour in zip(labels, colours)]
        )
        self.view.show(np.zeros((len(labels) + 1, 0)), 1.0)
        self.legend.value = self.view.legend()

    def show(self, history: dict[str, list]) -> None:
        # Epoch 0 has no gradient: the curves start at the first epoch trained (and are not
        # drawn before it). A layer whose gradient is exactly 0 (dead ReLUs) sits at the
        # bottom of the log axis.
        kept = _kept(len(history["epoch"]) - 1)
        epochs = np.asarray(_drawn(history["epoch"], kept, start=1), dtype=float)
        if not len(epochs):
            rows = np.zeros((len(self.view.lines) + 1, 0))
        else:
            sizes = np.asarray(_drawn(history["gradient_size"], kept, start=1), dtype=float).T
            low, high = GRADIENT_RANGE
            sizes = np.clip(np.nan_to_num(sizes, nan=high, posinf=high), low, high)
            rows = np.vstack([epochs, sizes]).astype(np.float32)
        self.view.show(rows, _epoch_domain(epochs)["max"])


class OutputPanel:
    """The output column: the numbers, the output over the plane (or, for data that is not
    2-D, the class probabilities of one example), its options, and a curves plot."""

    def __init__(
        self, controls: dict[str, w.Widget], plot: w.Widget | None, canvas: NetworkCanvas
    ) -> None:
        # Its surface comes with the network picture's frames: a frame is one message.
        self.plane = PlaneView(source=canvas, size_px=SURFACE_PX)
        self.bars = w.HTML(layout=w.Layout(width=f"{SURFACE_PX}px", height=f"{SURFACE_PX}px"))
        self.classes: list[str] = []
        self.probabilities = np.zeros(0)
        self.stats = w.HTML(layout=w.Layout(min_height="40px"))
        self.options = w.HBox([controls["show_test"], controls["discretize"]])
        for box in self.options.children:
            box.layout.width = "150px"
        self.example = controls["example"]
        self.example.layout.width = f"{COLUMN_PX - 10}px"
        self.plot = plot
        self.box = w.VBox(layout=w.Layout(width=f"{COLUMN_PX}px"))
        self.on_plane: bool | None = None
        self.show_plane(True)

    def show_plane(self, plane: bool) -> None:
        """The plane and its options, or the bars and the example slider: only the figure
        that applies is on the page (a figure hidden with display:none is measured at zero
        size, and draws rectangles of negative width)."""
        if plane == self.on_plane:
            return
        self.on_plane = plane
        middle = [self.plane, self.options] if plane else [self.bars, self.example]
        plot = [self.plot] if self.plot is not None else []
        self.box.children = (heading("Output"), self.stats, *middle, *plot)

    def show_stats(self, history: dict[str, list], classifying: bool) -> None:
        if not history["epoch"]:
            return
        rows = []
        for part, name in (("test", "Test"), ("train", "Training")):
            row = f"{name} loss <b>{format_number(history[f'{part}_loss'][-1])}</b>"
            if classifying:
                row += f" &middot; accuracy <b>{history[f'{part}_accuracy'][-1]:.0%}</b>"
            rows.append(row)
        self.stats.value = "<br>".join(rows)

    def show_classes(self, classes: Sequence[str], probabilities: NDArray | None = None) -> None:
        if probabilities is None:
            probabilities = np.full(len(classes), 1 / len(classes))
        self.classes = [str(name) for name in classes]
        self.probabilities = np.asarray(probabilities, dtype=float)
        self.bars.value = bars_html(
            self.classes, self.probabilities, "Class probabilities", (SURFACE_PX, SURFACE_PX)
        )


def _epoch_domain(epochs: NDArray) -> dict[str, float]:
    """An epoch axis's domain: from 0 to a round number at or past the last epoch, so that
    it changes a few times a decade, not with every epoch, and never empty or of zero
    width."""
    last = max(float(epochs[-1]) if len(epochs) else 0.0, 1.0)
    power = 10.0 ** np.floor(np.log10(last))
    top = next(step * power for step in ROUND_STEPS if step * power >= last)
    return {"min": 0.0, "max": float(top)}
