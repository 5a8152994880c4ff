"""Lesson: how each model's test accuracy grows with more training data, and what that
data costs in training time (`ScalingCurves`). The fitting is in `dllab.core.scaling`,
what the page says in `compare_text`."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t

from ..core.comparison import MODEL_LABELS, MODELS, PIXEL_MODELS
from ..core.scaling import (
    DIGIT_SIZES,
    PLANE_SIZES,
    SCALING_SETS,
    ScalingCurve,
    check_scaling_args,
    collect_curve,
    fit_points,
)
from ..lab.model import known_choice
from ..ui import MessageArea, Runner, build_controls, update
from ..ui.theme import BLUE, DATASET_LABELS, FONT, ORANGE, legend_html
from .compare import show_status
from .compare_model import STATUSES
from .compare_text import scaling_summary, scaling_verdict

# The widget's choices: pixels, where deep learning pays off, and a noisy 2-D set.
SCALING_NOISE = {"digits": 0.0, "spiral": 0.25}
SCALING_CHOICES = {
    "digits": DATASET_LABELS["digits"],
    "spiral": f"{DATASET_LABELS['spiral']}, 25% noise (2 inputs)",
}
MODEL_COLOURS = {
    "logistic_raw": "#8c8c8c",
    "logistic_features": "#4d4d4d",
    "random_forest": ORANGE,
    "network": BLUE,
}


class ScalingModel(t.HasTraits):
    """Settings and points of `ScalingCurves`; nothing here refers to a widget.

    `run()` fits every (size, model) pair and appends each ScalingPoint to `points` as it
    arrives; `cancel()` stops a run after the fit in progress. A change of data set
    cancels the run and clears the points.
    """

    dataset = t.Unicode("digits")
    noise = t.Float(0.0)
    seed = t.Int(0)
    sizes = t.Tuple()
    models = t.Tuple()
    running = t.Bool(False)
    status = t.Enum(STATUSES, default_value="waiting")
    message = t.Unicode("")
    points = t.Tuple()  # ScalingPoints, in the order fitted

    def __init__(
        self,
        dataset: str = "digits",
        sizes: Sequence[int] | None = None,
        models: Sequence[str] = PIXEL_MODELS,
        noise: float | None = None,
        seed: int = 0,
    ) -> None:
        if noise is None:
            noise = SCALING_NOISE.get(dataset, 0.0)
        dataset, sizes, models, noise, seed = check_scaling_args(
            dataset, sizes, models, noise, seed
        )
        super().__init__(dataset=dataset, sizes=sizes, models=models, noise=noise, seed=seed)
        # Reentrant: observers of `points` (the view) read `curve()` while it is held.
        self._lock = threading.RLock()
        self._cancel = threading.Event()
        self.message = self._waiting_message()
        self.observe(self._new_dataset, names="dataset")  # not for the sizes given here

    @t.validate("dataset")
    def _check_dataset(self, proposal):
        """Raise, nothing more."""
        return known_choice(proposal, SCALING_SETS)

    def _new_dataset(self, change) -> None:
        # Another data set brings its own sizes and noise; the old points no longer apply.
        self.cancel()
        with self._lock:
            self.noise = SCALING_NOISE.get(change.new, self.noise)
            self.sizes = DIGIT_SIZES if change.new == "digits" else PLANE_SIZES
            if change.new == "digits":  # the hand-crafted features do not apply to pixels
                self.models = tuple(n for n in self.models if n != "logistic_features")
            self.points = ()
        self.status, self.message = "waiting", self._waiting_message()

    def _waiting_message(self) -> str:
        return (
            f"Press Run to train {len(self.sizes) * len(self.models)} models "
            f"({len(self.models)} kinds × {len(self.sizes)} training-set sizes)."
        )

    def cancel(self) -> None:
        self._cancel.set()

    def curve(self) -> ScalingCurve:
        """The points so far as arrays (NaN where not fitted yet)."""
        with self._lock:
            points, dataset, sizes, models = self.points, self.dataset, self.sizes, self.models
        return collect_curve(dataset, sizes, models, points)

    def run(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Fit every point, publishing each one as it is done (call it off the widget
        callbacks: the default run on digits takes a few seconds)."""
        with self._lock:
            self._cancel.clear()
            self.points = ()
            settings = (self.dataset, self.sizes, self.models, self.noise, self.seed)
        dataset, sizes, models, noise, seed = settings
        total = len(sizes) * len(models)
        unit = "images" if dataset == "digits" else "points"
        self.running = True
        self.status, self.message = "training", f"Training… 0 of {total} done"
        started = time.perf_counter()
        try:
            for point in fit_points(dataset, sizes, models, noise, seed):
                with self._lock:
                    if self._cancel.is_set() or should_stop():
                        break
                    self.points = (*self.points, point)
                self.message = (
                    f"Training… {len(self.points)} of {total} done: {MODEL_LABELS[point.model]} "
                    f"on {point.size} {unit}, {point.test_score:.1%} in {point.fit_seconds:.2f} s"
                )
            else:
                self.status = "ready"
                self.message = (
                    f"Done: {total} models trained in {time.perf_counter() - started:.0f} s."
                )
        except (ValueError, TypeError) as error:
            self.status, self.message = "error", str(error)
        finally:
            self.running = False


class ScalingCurves(w.VBox):
    """How each model's test accuracy grows with more training data, and what that data
    costs in training time: a Run button, two live line charts, and what they show.

    ScalingCurves(dataset="digits", autorun=False, **settings): the settings of
    `ScalingModel` (sizes, models, noise, seed). dataset is "digits" or a 2-D set
    (PLANE_SETS); sizes default to DIGIT_SIZES (digits) or PLANE_SIZES; noise to
    SCALING_NOISE's (25% for the spiral).
    """

    def __init__(self, dataset: str = "digits", autorun: bool = False, **settings: Any) -> None:
        self.model = model = ScalingModel(dataset, **settings)
        self._status = MessageArea()
        choices = dict(SCALING_CHOICES)
        choices.setdefault(model.dataset, DATASET_LABELS[model.dataset])
        options = [(label, name) for name, label in choices.items()]
        table = [("dataset", w.Dropdown, dict(description="Data", options=options))]
        self._dataset = build_controls(model, table, self._status)["dataset"]
        self._run = w.Button(
            description="Run", icon="play", button_style="primary", tooltip="train every model"
        )
        self._run.on_click(lambda _: self.run())
        self._summary = w.HTML(layout=w.Layout(min_height="110px"))
        self._build_figures()
        super().__init__(
            [
                w.HBox(
                    [self._dataset, self._run, self._status], layout=w.Layout(align_items="center")
                ),
                self._legend,
                w.Box(
                    [self._size_figure, self._time_figure], layout=w.Layout(flex_flow="row wrap")
                ),
                self._summary,
            ]
        )
        self.add_class("dllab-scaling")
        self._runner = Runner(model.run, self._failed, "dllab-scaling")
        model.observe(self._draw, names="points")
        model.observe(self._draw, names="dataset")
        model.observe(self._show_status, names=["status", "message", "running"])
        self._show_status()
        if autorun:
            self.run()

    # -- public -------------------------------------------------------------------------------
    def run(self) -> None:
        """Start a run in the background (the Run button does this)."""
        self._run.disabled = True
        self.model.status, self.model.message = "training", "Starting…"
        self._runner.request()

    def wait(self, timeout: float | None = 120.0) -> bool:
        """Block until the run is over; False on timeout."""
        return self._runner.wait(timeout)

    def close(self) -> None:
        if hasattr(self, "_runner"):
            self.model.cancel()
            self._runner.close()
        super().close()

    # -- model -> view ------------------------------------------------------------------------
    def _failed(self, error: Exception) -> None:
        self.model.status, self.model.message = "error", f"the run failed: {error}"

    def _show_status(self, change=None) -> None:
        model = self.model
        show_status(self, self._status, model.status, model.message)
        self._run.disabled = model.running or model.status == "training"

    def _build_figures(self) -> None:
        self._sizes, self._seconds = bq.LogScale(), bq.LogScale(min=0.003, max=3.0)
        self._accuracy = bq.LinearScale(max=1.0)
        self._size_lines: dict[str, bq.Lines] = {}
        self._time_lines: dict[str, bq.Lines] = {}
        for name in MODELS:
            style = dict(
                x=[],
                y=[],
                colors=[MODEL_COLOURS[name]],
                marker="circle",
                marker_size=48,
                stroke_width=3,
                labels=[MODEL_LABELS[name]],
                visible=name in self.model.models,
            )
            self._size_lines[name] = bq.Lines(
                scales={"x": self._sizes, "y": self._accuracy}, **style
            )
            self._time_lines[name] = bq.Lines(
                scales={"x": self._seconds, "y": self._accuracy}, **style
            )
        self._sizes_axis = bq.Axis(
            scale=self._sizes, label="training samples (log scale)", tick_format="d"
        )
        self._seconds_axis = bq.Axis(
            scale=self._seconds, label="CPU seconds to train (log scale)", tick_format="~g"
        )
        self._size_figure, self._time_figure = (
            bq.Figure(
                marks=list(lines.values()),
                axes=[
                    axis,
                    bq.Axis(
                        scale=self._accuracy, side="left", label="test accuracy", tick_format=".0%"
                    ),
                ],
                title=title,
                title_style={"font-size": "16px"},
                fig_margin=dict(top=40, bottom=50, left=65, right=20),
                layout=w.Layout(width="520px", height="360px"),
            )
            for title, lines, axis in (
                ("Accuracy vs amount of data", self._size_lines, self._sizes_axis),
                ("Accuracy vs training time", self._time_lines, self._seconds_axis),
            )
        )
        self._legend = w.HTML()
        self._set_ranges()

    def _set_ranges(self, curve: ScalingCurve | None = None) -> None:
        """Fixed axes for a run, so the picture does not jump as the points arrive; widened
        only if a point falls outside."""
        model = self.model
        sizes = np.asarray(model.sizes, dtype=float)
        lowest = 0.8 if model.dataset == "digits" else 0.5
        shortest, longest = 0.003, 3.0
        if curve is not None:
            scores = np.concatenate([curve.test_scores[n] for n in curve.models])
            seconds = np.concatenate([curve.fit_seconds[n] for n in curve.models])
            if np.isfinite(scores).any():
                lowest = min(lowest, np.floor(np.nanmin(scores) * 20) / 20)
                shortest = min(shortest, np.nanmin(seconds) / 1.5)
                longest = max(longest, np.nanmax(seconds) * 1.5)
        update(self._sizes, min=sizes[0] / 1.3, max=sizes[-1] * 1.3)
        update(self._seconds, min=float(shortest), max=float(longest))
        update(self._accuracy, min=float(lowest))
        update(self._sizes_axis, tick_values=[int(size) for size in sizes])
        # 0.001, 0.003, 0.01, ...: round numbers, and only inside the axis (bqplot draws
        # tick values beyond it).
        ticks = np.outer(10.0 ** np.arange(-4, 4), [1, 3]).ravel()
        update(
            self._seconds_axis,
            tick_values=[float(f"{tick:g}") for tick in ticks if shortest < tick < longest],
        )
        self._legend.value = legend_html(
            (MODEL_LABELS[n], MODEL_COLOURS[n], False) for n in model.models
        )

    def _draw(self, change=None) -> None:
        """Every line from the points so far (they arrive one by one from the run)."""
        curve = self.model.curve()
        self._set_ranges(curve)
        for name in MODELS:
            shown = name in curve.models
            done = np.isfinite(curve.test_scores[name]) if shown else np.zeros(0, dtype=bool)
            scores = curve.test_scores[name][done] if shown else []
            sizes = curve.sizes[done] if shown else []
            seconds = curve.fit_seconds[name][done] if shown else []
            update(self._size_lines[name], visible=shown, x=sizes, y=scores)
            update(self._time_lines[name], visible=shown, x=seconds, y=scores)
        lines = scaling_verdict(curve) + scaling_summary(curve)
        text = "<br>".join(map(html.escape, lines))
        self._summary.value = f'<div style="{FONT}">{text}</div>' if lines else ""
