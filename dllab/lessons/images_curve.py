"""Lesson 7's learning curve: who gains from more training pictures. The five models of
the comparison are trained on 100 to 1,600 pictures of shapes and tested on the same
1,000 others; the chart fills in as each result arrives.

`DataCurve` (no widget) runs it on a `Runner` when asked; `CurvePanel` is its view: a
button, a bqplot line chart (log x axis, one line per model) and the sentences written
from the measured accuracies. The loop, the sizes and the results as data are in
`dllab.core.learning_curve`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t

from ..core.checks import check_int
from ..core.data import Split
from ..core.learning_curve import (
    CURVE_NOISE,
    CURVE_SIZES,
    CURVE_TEST_SIZE,
    Fit,
    LearningCurve,
    check_curve_sizes,
    curve_points,
    shapes_pool,
    step_budget,
    train_steps,
)
from ..core.scaling import TrainingPool
from ..ui import Background, MessageArea, Runner, update
from ..ui.theme import BLUE, FONT, ORANGE, legend_html
from .images_compare import CNN, MODELS, RF_EDGES, RF_PIXELS, conv_trainer, dense_trainer

STATUSES = ("ready", "running", "done", "cancelled", "error")
LOGISTIC, DENSE = "Logistic regression on raw pixels", "Dense network on raw pixels"


def _on_budget(trainer_for):
    def fit(data: Split, seed: int, should_stop) -> float | None:
        return train_steps(trainer_for(data, seed), step_budget(len(data.y_train)), should_stop)

    return fit


# The comparison's models; the networks trained for a number of steps that grows with
# the training set (`step_budget`) rather than the comparison's fixed epochs.
CURVE_FITS: dict[str, Fit] = {
    LOGISTIC: MODELS[LOGISTIC],
    RF_PIXELS: MODELS[RF_PIXELS],
    RF_EDGES: MODELS[RF_EDGES],
    DENSE: _on_budget(dense_trainer),
    CNN: _on_budget(conv_trainer),
}
LABELS = {
    LOGISTIC: "logistic regression, pixels",
    RF_PIXELS: "random forest, pixels",
    RF_EDGES: "random forest, edge histograms",
    DENSE: "dense network, pixels",
    CNN: "convolutional network, pixels",
}
# How the sentences under the chart name each model.
PROSE = {
    LOGISTIC: "logistic regression on pixels",
    RF_PIXELS: "the random forest on pixels",
    RF_EDGES: "the random forest on edge histograms",
    DENSE: "the dense network",
    CNN: "the convolutional network",
}
# (colour, dashed): the forests orange, the networks blue, what reads pixels with a
# weight of its own dashed.
STYLES = {
    LOGISTIC: ("#8c8c8c", True),
    RF_PIXELS: (ORANGE, True),
    RF_EDGES: (ORANGE, False),
    DENSE: (BLUE, True),
    CNN: (BLUE, False),
}


class DataCurve(Background, t.HasTraits):
    """Every model of CURVE_FITS on each training-set size, run by `start()` on a
    background thread; `points` fills in as each result arrives.

    sizes : training-set sizes (nested sets, each holding the smaller ones).
    n_test : pictures kept apart to test every model on.
    """

    status = t.Enum(STATUSES, default_value="ready")
    message = t.Unicode("")
    points = t.List()  # CurvePoints, in the order measured

    def __init__(
        self,
        sizes: Sequence[int] = CURVE_SIZES,
        n_test: int = CURVE_TEST_SIZE,
        noise: float = CURVE_NOISE,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.n_test = check_int("n_test", n_test, 4, 10_000)
        self.sizes = check_curve_sizes(sizes, self.n_test)
        self.noise, self.seed = noise, check_int("seed", seed, 0)
        self.models = tuple(CURVE_FITS)
        self._pool: TrainingPool | None = None
        self.message = (
            f"Press the button to train {len(self.models)} models on each of "
            f"{len(self.sizes)} training-set sizes."
        )
        self._runner = Runner(self._run, self._failed, name="dllab-images-curve")

    def start(self) -> None:
        if not self.running:
            self._runner.request()

    def curve(self) -> LearningCurve:
        """The results so far (NaN where not measured yet)."""
        return LearningCurve.collect(self.sizes, self.models, self.points)

    def _run(self, should_stop) -> None:
        self.points = []
        self.status = "running"
        started = time.thread_time()
        if self._pool is None:
            self.message = "Drawing the pictures..."
            self._pool = shapes_pool(self.sizes[-1], self.n_test, self.noise, self.seed)
        self.message = self._next_message()
        for point in curve_points(self._pool, self.sizes, CURVE_FITS, self.seed, should_stop):
            self.points = [*self.points, point]
            self.message = self._next_message()
        seconds = time.thread_time() - started
        total = len(self.sizes) * len(self.models)
        if len(self.points) < total:
            self.status = "cancelled"
            self.message = f"Cancelled after {len(self.points)} of {total} models."
            return
        cnn = sum(point.seconds for point in self.points if point.model == CNN)
        self.message = (
            f"Done: {total} models trained and tested on the same {self.n_test:,} pictures "
            f"in {seconds:.0f} s of CPU, {cnn:.0f} s of it for the convolutional network."
        )
        self.status = "done"

    def _next_message(self) -> str:
        done, total = len(self.points), len(self.sizes) * len(self.models)
        if done == total:
            return ""
        size = self.sizes[done // len(self.models)]
        name = LABELS[self.models[done % len(self.models)]]
        return f"Training {done + 1} of {total}: {name} on {size:,} pictures..."

    def _failed(self, error: Exception) -> None:
        self.message = f"the learning curve failed: {error}"
        self.status = "error"


def curve_sentences(curve: LearningCurve) -> str:
    """Who gains most from more pictures, and from which size the convolutional network
    is ahead of the others (or that it is not), from the measured accuracies."""
    gains = curve.gains()
    if not gains:
        return ""
    columns = np.flatnonzero(curve.measured)
    first, last = curve.sizes[columns[0]], curve.sizes[columns[-1]]

    def accuracy(name: str, size: int) -> float:
        return curve.accuracy[curve.models.index(name), curve.sizes.index(size)]

    order = sorted(gains, key=gains.get, reverse=True)
    best, others = order[0], order[1:]
    listed = [f"{PROSE[name]} ({100 * gains[name]:+.0f})" for name in others]
    parts = [
        f"From {first:,} to {last:,} training pictures, {PROSE[best]} gains most: from "
        f"{accuracy(best, first):.0%} to {accuracy(best, last):.0%} of the test pictures "
        f"right ({100 * gains[best]:+.0f} points). Then come "
        + (", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else listed[0])
        + "."
    ]
    ahead = curve.ahead_from(CNN)
    if ahead == first:
        parts.append(
            f"The convolutional network is the most accurate at every size, from {first:,} "
            "pictures on."
        )
    elif ahead is None:
        rival = curve.best_at(last)
        parts.append(
            f"Up to {last:,} pictures the convolutional network does not pass "
            f"{PROSE[rival]} ({accuracy(CNN, last):.0%} against {accuracy(rival, last):.0%} "
            f"at {last:,})."
        )
    else:
        before = curve.sizes[columns[np.searchsorted(columns, curve.sizes.index(ahead)) - 1]]
        rival = curve.best_at(before)
        parts.append(
            f"With {before:,} pictures {PROSE[rival]} is still ahead "
            f"({accuracy(rival, before):.0%} against {accuracy(CNN, before):.0%} for the "
            f"convolutional network); from {ahead:,} on, the convolutional network is the "
            f"most accurate ({accuracy(CNN, last):.0%} at {last:,})."
        )
    return " ".join(parts)


class CurvePanel(w.VBox):
    """The learning curve's button, chart and sentences, drawn from a `DataCurve`."""

    def __init__(self, model: DataCurve) -> None:
        self.model = model
        self._start = w.Button(
            description="Run the learning curve", icon="play", layout=w.Layout(width="240px")
        )
        self._start.on_click(self._started)
        self._cancel = w.Button(description="Cancel", icon="stop", disabled=True)
        self._cancel.on_click(self._cancelled)
        self._status = MessageArea()
        sizes = bq.LogScale(min=model.sizes[0] / 1.3, max=model.sizes[-1] * 1.3)
        accuracy = bq.LinearScale(min=0.0, max=1.0)
        self._lines = {
            name: bq.Lines(
                x=np.zeros(0),
                y=np.zeros(0),
                colors=[STYLES[name][0]],
                line_style="dashed" if STYLES[name][1] else "solid",
                marker="circle",
                marker_size=40,
                stroke_width=3 if name == CNN else 2,
                labels=[LABELS[name]],
                scales={"x": sizes, "y": accuracy},
            )
            for name in model.models
        }
        self._figure = bq.Figure(
            title="Test accuracy against training pictures",
            marks=list(self._lines.values()),
            axes=[
                bq.Axis(
                    scale=sizes,
                    label="training pictures (log scale)",
                    tick_values=list(model.sizes),
                    tick_format=",d",
                ),
                bq.Axis(scale=accuracy, side="left", label="test accuracy", tick_format=".0%"),
            ],
            fig_margin={"top": 40, "bottom": 50, "left": 65, "right": 20},
            layout=w.Layout(width="620px", height="360px"),
        )
        legend = w.HTML(
            legend_html((LABELS[name], *STYLES[name]) for name in model.models),
            layout=w.Layout(max_width="620px"),
        )
        self._text = w.HTML(layout=w.Layout(max_width="880px"))
        self._text.add_class("dllab-curve-text")
        sizes_text = ", ".join(f"{size:,}" for size in model.sizes[:-1])
        sizes_text += (
            f" and {model.sizes[-1]:,}" if len(model.sizes) > 1 else f"{model.sizes[-1]:,}"
        )
        intro = (
            f"The same {len(model.models)} models, each trained on {sizes_text} pictures (each "
            f"set holds the smaller ones) and tested on the same {model.n_test:,} others. A "
            "line that climbs steeply is a model that gains from more data."
        )
        super().__init__(
            [
                w.HTML(f'<p style="{FONT}">{intro}</p>', layout=w.Layout(max_width="880px")),
                w.HBox(
                    [self._start, self._cancel, self._status],
                    layout=w.Layout(align_items="center"),
                ),
                legend,
                self._figure,
                self._text,
            ]
        )
        self.add_class("dllab-images-curve")
        model.observe(self._draw, names=["points"])
        model.observe(self._show_status, names=["status", "message"])
        self._show_status()
        self._draw()

    def _started(self, button=None) -> None:
        self._start.disabled, self._cancel.disabled = True, False
        self.model.start()

    def _cancelled(self, button=None) -> None:
        self.model.cancel()
        self._show_status()  # a run cancelled before it began changes no status

    def _show_status(self, change=None) -> None:
        model = self.model
        running = model.status == "running"
        self._start.disabled, self._cancel.disabled = running, not running
        self._status.status(model.message, "error" if model.status == "error" else "info")
        done = model.status == "done"
        text = html.escape(curve_sentences(model.curve())) if done else ""
        self._text.value = f'<p style="{FONT}">{text}</p>' if text else ""

    def _draw(self, change=None) -> None:
        curve = self.model.curve()
        sizes = np.asarray(curve.sizes, dtype=float)
        for row, name in enumerate(curve.models):
            measured = ~np.isnan(curve.accuracy[row])
            update(self._lines[name], x=sizes[measured], y=curve.accuracy[row, measured])
