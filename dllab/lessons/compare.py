"""Lesson: deep learning vs traditional machine learning, on the plane and on pixels.

`DeepVsTraditional` shows four models' decision surfaces on a 2-D set side by side, and
three of them on the 64 raw pixels of the digits. The fitting is in `dllab.core.comparison`,
the settings and results in `ComparisonModel`, what the page says in `compare_text`.
"""

from __future__ import annotations

import html
import re
from typing import Any

import ipywidgets as w
import numpy as np

from ..core.comparison import MODELS, PIXEL_NETWORK, PLANE_NETWORK, PLANE_SETS
from ..core.features import HAND_CRAFTED
from ..core.scaling import DIGITS_POOL, DIGITS_TEST_SIZE
from ..ui import MessageArea, PlaneFigure, Runner, build_controls
from ..ui.theme import FONT, dataset_options
from .compare_model import STATUSES, ComparisonModel
from .compare_text import MODEL_TITLES, percent

FIGURE_PX = 270
CONTROLS = [
    ("dataset", w.Dropdown, dict(description="Dataset", options=dataset_options(PLANE_SETS)))
]
WHY_TREES = (
    "<b>Why a forest does so well on two inputs.</b> A decision tree splits on one input at "
    "a time: each cut is a straight line parallel to an axis, and its picture is made of "
    "rectangles (look at the steps in (c)). With only two inputs, enough small rectangles "
    "can draw any boundary, even a spiral. The difference between features a network "
    "learns and features a person hand-crafts shows on data with many raw inputs, such as "
    "the pixels of an image."
)
DIGITS_INTRO = (
    "<h4 style='margin:12px 0 4px'>Handwritten digits: the same models on 64 raw pixels</h4>"
    "The hand-crafted features above are made from x1 and x2; an 8×8 image has 64 pixels "
    "and no such recipe, so <b>(b)</b> does not apply here."
)


def rich(text: str) -> str:
    """A model's text as HTML: escaped, with `**bold**` in bold."""
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text, quote=False))


def show_status(view: w.Box, messages: MessageArea, status: str, message: str) -> None:
    """The model's status in `messages`, and as the class `dllab-<status>` of `view` (which
    tests and the page's style can wait for)."""
    icon = {"ready": "✓ ", "error": "⚠ "}.get(status, "")
    messages.status(icon + message if message else "", "error" if status == "error" else "info")
    for other in STATUSES:
        view.remove_class(f"dllab-{other}")
    view.add_class(f"dllab-{status}")


def _show_pressed(toggle: w.ToggleButton) -> None:
    """On in blue with a tick, off in grey: readable from the back of a room."""
    toggle.button_style = "info" if toggle.value else ""
    toggle.icon = "check" if toggle.value else ""


class DeepVsTraditional(w.VBox):
    """The same 2-D data through four models, their decision surfaces side by side:

    (a) logistic regression on the raw x1, x2; (b) logistic regression on x1, x2 and the
    hand-crafted features you toggle; (c) a random forest and (d) a deep network, both on
    the raw x1, x2. Then the three models that apply to pixels, on handwritten digits.

    DeepVsTraditional(dataset="xor", autostart=True, **settings): the settings of
    `ComparisonModel` (features=HAND_CRAFTED, noise=0.0, seed=0). Fitting runs on a
    background thread: `wait()` blocks until the pictures are current.
    """

    def __init__(self, dataset: str = "xor", autostart: bool = True, **settings: Any) -> None:
        self.model = model = ComparisonModel(dataset, **settings)
        self._status = MessageArea()
        self._dataset = build_controls(model, CONTROLS, self._status)["dataset"]
        self._toggles = {name: self._toggle(name) for name in HAND_CRAFTED}
        model.observe(self._show_features, names="features")
        self._planes = {name: self._plane(name) for name in MODELS}
        self._figures = {name: plane.figure for name, plane in self._planes.items()}
        self._surfaces = {name: plane.surface for name, plane in self._planes.items()}
        self._points = {name: plane.test_points for name, plane in self._planes.items()}
        self._captions = {name: w.HTML(layout=w.Layout(min_height="40px")) for name in MODELS}
        self._note = w.HTML(
            "<i>Turn a feature on or off and watch which picture changes.</i>",
            layout=w.Layout(min_height="66px"),
        )
        self._digits_table = w.HTML(self._digits_html({}))
        self._digits_note = w.HTML(layout=w.Layout(min_height="44px"))
        self._shown_data = None
        panels = [
            w.VBox([self._figures[name], self._captions[name]], layout=w.Layout(width="280px"))
            for name in MODELS
        ]
        super().__init__(
            [
                w.HBox([self._dataset, self._status], layout=w.Layout(align_items="center")),
                w.HBox(
                    [
                        w.HTML("<b>Hand-crafted features for (b):</b>&nbsp;"),
                        *self._toggles.values(),
                    ],
                    layout=w.Layout(align_items="center"),
                ),
                w.HTML(
                    "Only <b>(b)</b> gets these features: a person chose them. "
                    "<b>(a)</b>, <b>(c)</b> and <b>(d)</b> see the raw x1 and x2 only."
                ),
                w.Box(panels, layout=w.Layout(flex_flow="row wrap")),
                self._note,
                w.HTML(f'<div style="{FONT};margin-top:10px">{WHY_TREES}</div>'),
                w.HTML(DIGITS_INTRO),
                self._digits_table,
                self._digits_note,
            ]
        )
        self.add_class("dllab-compare")
        self._runner = Runner(model.refit, self._failed, "dllab-compare")
        model.observe(lambda change: self._runner.request(), names=ComparisonModel.SETTINGS)
        model.observe(self._draw_plane, names="version")
        model.observe(self._draw_digits, names="digits_version")
        model.observe(self._show_status, names=["status", "message"])
        self._show_status()
        if autostart:
            self.refit()

    # -- public -------------------------------------------------------------------------------
    def refit(self) -> None:
        """Fit what is out of date, in the background (the widget does it on every change)."""
        if self.model.status == "waiting":
            self.model.message = "Training the four models…"
        self._runner.request()

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until every picture matches the settings; False on timeout."""
        return self._runner.wait(timeout)

    def close(self) -> None:
        if hasattr(self, "_runner"):  # not when __init__ failed
            self._runner.close()
        super().close()

    # -- controls -> model ------------------------------------------------------------------
    def _toggle(self, name: str) -> w.ToggleButton:
        toggle = w.ToggleButton(
            description=name,
            value=name in self.model.features,
            tooltip=f"give {name} to model (b)",
            layout=w.Layout(width="76px"),
        )
        _show_pressed(toggle)
        toggle.observe(self._features_toggled, names="value")
        return toggle

    def _features_toggled(self, change) -> None:
        """One feature on or off. Showing the model's features changes nothing more: each
        toggle then agrees with the model already."""
        _show_pressed(change.owner)
        name, features = change.owner.description, set(self.model.features)
        chosen = features | {name} if change.new else features - {name}
        if chosen != features:
            self.model.features = [n for n in HAND_CRAFTED if n in chosen]
            self._status.accept()

    def _show_features(self, change=None) -> None:
        for name, toggle in self._toggles.items():
            toggle.value = name in self.model.features

    def _failed(self, error: Exception) -> None:
        self.model.status, self.model.message = "error", f"fitting failed: {error}"

    def _show_status(self, change=None) -> None:
        show_status(self, self._status, self.model.status, self.model.message)

    # -- drawing ------------------------------------------------------------------------------
    def _plane(self, name: str) -> PlaneFigure:
        plane = PlaneFigure(
            title=MODEL_TITLES[name],
            size_px=FIGURE_PX,
            point_size=18,
            margin=dict(top=34, bottom=34, left=36, right=8),
        )
        for axis, label in zip(plane.figure.axes, ("x1", "x2")):
            axis.label = label
        plane.figure.title_style = {"font-size": "15px", "font-weight": "bold"}
        plane.figure.add_class(f"dllab-model-{name}")
        plane.show_test(True)  # the dots are test points: the models never saw them
        return plane

    def _draw_plane(self, change=None) -> None:
        """Redraw the surfaces the last refit changed, and the points when the data changed."""
        model = self.model
        with model.lock:
            data, results, extent = model.data, dict(model.results), model.extent
            surfaces, retrained = dict(model.surfaces), model.retrained
        new_data = data is not self._shown_data
        self._shown_data = data
        for name in MODELS:
            plane = self._planes[name]
            if name in retrained:
                title = f"{MODEL_TITLES[name]}: {percent(results[name].test_score)}"
                plane.show_surface(surfaces[name], extent, title)
            if new_data:
                plane.show_points(np.zeros((0, 2)), np.zeros(0), data.X_test, data.y_test)
            self._captions[name].value = self._caption(name)
        self._note.value = f'<div style="{FONT}">{rich(model.note)}</div>'

    def _caption(self, name: str) -> str:
        if name == "logistic_features":
            text = "Logistic regression on " + ", ".join(self.model.inputs_of(name))
        elif name == "logistic_raw":
            text = "Logistic regression on x1, x2: one straight boundary"
        elif name == "random_forest":
            text = "100 decision trees voting, on x1, x2"
        else:
            text = f"Neural network on x1, x2: {PLANE_NETWORK.describe()}"
        return f'<div style="font-size:0.9em;line-height:1.2">{html.escape(text)}</div>'

    def _draw_digits(self, change=None) -> None:
        with self.model.lock:
            results = dict(self.model.digits_results)
        self._digits_table.value = self._digits_html(results)
        self._digits_note.value = f'<div style="{FONT}">{rich(self.model.digits_note)}</div>'

    def _digits_html(self, results: dict[str, Any]) -> str:
        rows = []
        for name in MODELS:
            title = MODEL_TITLES[name].replace("Logistic", "Logistic regression", 1)
            if name == "logistic_features":
                cells = ["does not apply: its features are made from x1, x2", "–", "–"]
            elif name in results:
                result = results[name]
                sees = "64 raw pixels"
                if name == "network":
                    sees += f"; {PIXEL_NETWORK.describe()}"
                cells = [sees, f"<b>{result.test_score:.1%}</b>", f"{result.fit_seconds:.2f} s"]
            else:
                cells = ["64 raw pixels", "training…", ""]
            rows.append(
                f'<tr data-model="{name}"><td>{html.escape(title)}</td>'
                + "".join(f"<td>{cell}</td>" for cell in cells)
                + "</tr>"
            )
        cell = "padding:3px 14px 3px 0;text-align:left"
        return (
            f'<table class="dllab-digits" style="font-size:1.05em;border-collapse:collapse">'
            f'<tr><th style="{cell}">Model</th><th style="{cell}">Sees</th>'
            f'<th style="{cell}">Test accuracy</th><th style="{cell}">CPU time</th></tr>'
            + "".join(rows).replace("<td>", f'<td style="{cell}">')
            + f"</table><div style='font-size:0.9em;color:#555'>Trained on {DIGITS_POOL:,} "
            f"images, tested on the other {DIGITS_TEST_SIZE:,}; CPU time is the computation "
            "it took to train and test.</div>"
        )
