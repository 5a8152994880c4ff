"""Lesson 1, part 2: gradient descent drawn as a path on the loss surface of a two-weight
neuron, so that a learning rate that is too small, right or too large can be seen.

`DescentModel` holds the settings and the path (no widget); the maths is
`dllab.core.descent`; `DescentPath` is the view.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t

from ..core.descent import (
    DESCENT_INPUTS,
    DESCENT_START,
    DESCENT_TARGETS,
    DESCENT_WINDOW,
    VERDICTS,
    DescentRun,
    check_descent_rate,
    check_descent_steps,
    check_start,
    click_grid,
    descent_minimum,
    descent_path,
    descent_surface,
)
from ..ui import MessageArea, build_controls, update
from ..ui.theme import ERROR_RED, FONT, ORANGE, format_number, plural, rate_label

DESCENT_RATES = (0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 1.0, 3.0)
GREEN = "#2e7d32"
VERDICT_COLOURS = {"diverged": ERROR_RED, "converged": GREEN, "on its way": "#444"}


def describe_descent(run: DescentRun) -> str:
    """The verdict on a path in one or two sentences, for the learner."""
    _, lowest = descent_minimum()
    done = plural(run.steps_done, "step")
    if run.verdict == "diverged":
        return (
            f"Diverged: after {done} the loss is {format_number(run.losses[-1])}, up from "
            f"{format_number(run.losses[0])}. Each step overshoots the valley more than the "
            "last: lower the learning rate."
        )
    zigzag = " zigzagging across the valley," if run.zigzags else ""
    if run.verdict == "converged":
        return (
            f"Converged:{zigzag} after {done} the loss is {format_number(run.losses[-1])}, "
            f"next to the lowest possible, {format_number(lowest)}."
        )
    advice = (
        "It bounces from side to side: a slightly smaller learning rate goes straighter."
        if zigzag
        else "Steps this small crawl: try a larger learning rate, or more steps."
    )
    left = f"{run.share_left:.0%} of the extra loss is still there"
    return f"On its way:{zigzag} after {done}, {left}. {advice}"


class DescentModel(t.HasTraits):
    """A learning rate, a number of steps and a start point; `run` is the path they give,
    `status` its verdict (one of VERDICTS) and `message` that verdict in words."""

    learning_rate = t.Float(0.1)
    steps = t.Int(30)
    start = t.Tuple(t.Float(), t.Float(), default_value=DESCENT_START)
    run = t.Instance(DescentRun, allow_none=True)
    status = t.Enum(VERDICTS, default_value="on its way")
    message = t.Unicode("")

    _CHECKS: dict[str, Callable[[Any], Any]] = {
        "learning_rate": check_descent_rate,
        "steps": check_descent_steps,
        "start": check_start,
    }

    def __init__(self, **settings: Any) -> None:
        unknown = set(settings) - set(self._CHECKS)
        if unknown:
            known = ", ".join(self._CHECKS)
            raise TypeError(f"unknown setting {sorted(unknown)[0]!r}; choose from: {known}")
        checked = {name: self._CHECKS[name](value) for name, value in settings.items()}
        super().__init__(**checked)
        self._compute()
        self.observe(self._compute, names=list(self._CHECKS))

    @t.validate(*_CHECKS)
    def _check(self, proposal):
        return self._CHECKS[proposal.trait.name](proposal.value)

    def _compute(self, change=None) -> None:
        run = descent_path(self.learning_rate, self.steps, self.start)
        with self.hold_trait_notifications():
            self.run, self.status, self.message = run, run.verdict, describe_descent(run)


DESCENT_CONTROLS = [
    (
        "learning_rate",
        w.SelectionSlider,
        dict(
            description="Learning rate",
            options=[(rate_label(rate), rate) for rate in DESCENT_RATES],
            layout=w.Layout(width="420px"),
        ),
    ),
    (
        "steps",
        w.IntSlider,
        dict(description="Steps", min=1, max=100, layout=w.Layout(width="320px")),
    ),
]


def _examples_html() -> str:
    rows = "".join(
        f"<tr><td>{format_number(x1)}</td><td>{format_number(x2)}</td>"
        f"<td>{format_number(y)}</td></tr>"
        for (x1, x2), y in zip(DESCENT_INPUTS, DESCENT_TARGETS)
    )
    return (
        f'<div style="{FONT};width:400px;margin-left:20px">'
        "One neuron, <b>y = w₁·x₁ + w₂·x₂</b>, fitted to four examples:"
        '<table style="margin:6px 0;border-collapse:collapse;text-align:right" '
        f'cellpadding="4"><tr><th>x₁</th><th>x₂</th><th>y</th></tr>{rows}</table>'
        "The colours are the loss for every (w₁, w₂): light is low, dark is high; the "
        "green cross (and the dashed line) is the lowest loss. Each orange dot is one step "
        "<i>w ← w − learning rate × dL/dw</i>. Click on the map, or drag the black dot, "
        "to start elsewhere.</div>"
    )


class DescentPath(w.VBox):
    """Gradient descent drawn as a path on a loss surface. Move the learning rate: a small
    one crawls, a good one goes down the valley, a large one zigzags and then flies off.
    Drag the start point (or click on the map) to start elsewhere.

    learning_rate : above 0 up to 10 (default 0.1; may come first without its name).
    steps : 1 to 500 (default 30). start : (w1, w2), default (2, -1.5).
    """

    def __init__(self, learning_rate: float | None = None, **settings: Any) -> None:
        if learning_rate is not None:
            settings["learning_rate"] = learning_rate
        self.model = model = DescentModel(**settings)
        self._message = MessageArea()
        self._controls = build_controls(model, DESCENT_CONTROLS, self._message)
        self._rate, self._steps = self._controls["learning_rate"], self._controls["steps"]
        reset = w.Button(description="Back to start", icon="undo", tooltip="the first start point")
        reset.on_click(lambda _: setattr(self.model, "start", DESCENT_START))
        self._verdict = w.HTML()
        self._drawing = False
        self._surface_figure = self._build_surface()
        self._loss_figure = self._build_loss_plot()
        super().__init__(
            [
                w.HBox([self._rate, self._steps, reset], layout=w.Layout(align_items="center")),
                self._message,
                self._verdict,
                w.HBox(
                    [self._surface_figure, w.VBox([self._loss_figure, w.HTML(_examples_html())])]
                ),
            ]
        )
        self.add_class("dllab-descent")
        model.observe(self._redraw, names="run")
        self._redraw()

    def _build_surface(self) -> bq.Figure:
        (x_low, x_high), (y_low, y_high) = DESCENT_WINDOW
        scales = {
            "x": bq.LinearScale(min=x_low, max=x_high),
            "y": bq.LinearScale(min=y_low, max=y_high),
        }
        w1, w2, loss = descent_surface()
        # Bands of equal log-loss read as contour lines.
        levels = np.floor(np.log10(loss) * 4) / 4
        colour = bq.ColorScale(colors=["#ffffff", "#9ecae1", "#08306b"])
        surface = bq.HeatMap(x=w1, y=w2, color=levels, scales={**scales, "color": colour})
        best, _ = descent_minimum()
        minimum = bq.Scatter(
            x=[best[0]],
            y=[best[1]],
            scales=scales,
            marker="cross",
            colors=[GREEN],
            default_size=120,
        )
        self._path_line = bq.Lines(
            x=[0.0, 0.0], y=[0.0, 0.0], scales=scales, colors=[ORANGE], stroke_width=2.5
        )
        self._path_dots = bq.Scatter(
            x=[0.0], y=[0.0], scales=scales, colors=[ORANGE], default_size=30
        )
        self._start = bq.Scatter(
            x=[self.model.start[0]],
            y=[self.model.start[1]],
            scales=scales,
            colors=["#111111"],
            stroke="white",
            default_size=160,
            enable_move=True,
        )
        self._start.observe(self._start_moved, names=["x", "y"])
        # Invisible squares on a grid catch clicks on the map (bqplot's heatmap reports
        # none): a click starts the path from the nearest grid point.
        grid = click_grid()
        self._click_targets = bq.Scatter(
            x=grid[:, 0],
            y=grid[:, 1],
            scales=scales,
            marker="square",
            default_size=130,  # about 11 px wide, the grid's spacing; larger would pad the axes
            opacities=[0.0],
        )
        self._click_targets.on_element_click(self._map_clicked)
        return bq.Figure(
            marks=[
                surface,
                self._click_targets,
                minimum,
                self._path_line,
                self._path_dots,
                self._start,
            ],
            axes=[
                bq.Axis(scale=scales["x"], label="weight w₁"),
                bq.Axis(scale=scales["y"], side="left", label="weight w₂"),
            ],
            title="Loss surface and the descent path",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=55, right=15),
            layout=w.Layout(width="500px", height="500px"),
        )

    def _build_loss_plot(self) -> bq.Figure:
        # Fixed axes: a diverging path runs off the top, and stops short of the last step.
        self._step_scale = bq.LinearScale(min=0, max=30)
        scales = {"x": self._step_scale, "y": bq.LogScale(min=0.01, max=1000)}
        self._loss_line = bq.Lines(
            x=[0, 1], y=[1, 1], scales=scales, colors=[ORANGE], marker="circle"
        )
        _, lowest = descent_minimum()
        self._lowest_line = bq.Lines(
            x=[0, 1], y=[lowest, lowest], scales=scales, colors=[GREEN], line_style="dashed"
        )
        return bq.Figure(
            marks=[self._loss_line, self._lowest_line],
            axes=[
                bq.Axis(scale=scales["x"], label="step", tick_format="d"),
                bq.Axis(
                    scale=scales["y"],
                    side="left",
                    label="loss",
                    tick_values=[0.01, 0.1, 1, 10, 100, 1000],
                    tick_format="~g",
                    label_offset="45px",
                ),
            ],
            title="Loss at each step",
            fig_margin=dict(top=40, bottom=45, left=65, right=15),
            layout=w.Layout(width="420px", height="260px"),
        )

    def _start_moved(self, change) -> None:
        """The big dot dragged: start from where it was dropped."""
        xs, ys = self._start.x, self._start.y
        if self._drawing or len(xs) != 1 or len(ys) != 1:
            return
        self.model.start = (float(xs[0]), float(ys[0]))

    def _map_clicked(self, mark, event) -> None:
        index = event.get("data", {}).get("index")
        if isinstance(index, int) and 0 <= index < len(mark.x):
            self.model.start = (float(mark.x[index]), float(mark.y[index]))

    def _redraw(self, change=None) -> None:
        run = self.model.run
        self._drawing = True  # setting the start dot is not a drag
        try:
            update(self._path_line, x=run.points[:, 0], y=run.points[:, 1])
            update(self._path_dots, x=run.points[1:, 0], y=run.points[1:, 1])
            update(self._start, x=[run.points[0, 0]], y=[run.points[0, 1]])
        finally:
            self._drawing = False
        update(self._step_scale, max=float(run.steps))
        update(self._loss_line, x=np.arange(len(run.losses)), y=run.losses)
        update(self._lowest_line, x=[0, run.steps])
        status = self.model.status
        self._verdict.value = (
            f'<div class="dllab-verdict" data-kind="{status}" style="{FONT};'
            f'color:{VERDICT_COLOURS[status]};font-size:17px;margin:6px 0">'
            f"{html.escape(self.model.message)}</div>"
        )
