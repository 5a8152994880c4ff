"""The quiz of the language lesson: type the beginning of a name, see the network's
probability for each next character and the endings it finds likeliest."""

from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..ui import MessageArea, bind, diverging_scale, update
from ..ui.theme import BLUE, FONT
from .language_model import QUIZ_TEMPERATURE, SYMBOLS, NameMakerModel

LABELS = ["end"] + list(SYMBOLS[1:])


class QuizPanel(w.VBox):
    """A text box bound to `model.beginning`, bars over the 27 symbols, likely endings."""

    def __init__(self, model: NameMakerModel) -> None:
        self.model = model
        self._message = MessageArea()
        self._box = bind(
            model,
            "beginning",
            w.Text(
                description="Beginning of a name",
                placeholder="e.g. mc",
                continuous_update=True,
                style={"description_width": "initial"},
            ),
            self._message,
        )
        x, y = bq.OrdinalScale(domain=LABELS), bq.LinearScale(min=0, max=1)
        self._bars = bq.Bars(
            x=LABELS, y=np.zeros(len(LABELS)), scales={"x": x, "y": y}, colors=[BLUE]
        )
        self._figure = bq.Figure(
            marks=[self._bars],
            axes=[
                bq.Axis(scale=x, label="next character", tick_style={"font-size": "13px"}),
                bq.Axis(scale=y, side="left", label="probability", tick_format=".0%"),
            ],
            title="What comes next?",
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=60, right=15),
            layout=w.Layout(width="760px", height="280px"),
        )
        self._endings = w.HTML(layout=w.Layout(min_height="48px", width="900px"))
        self._build_activations()
        model.observe(self.redraw, names=["beginning"])
        super().__init__([self._box, self._message, self._figure, self._endings, self._activations])
        self.add_class("dllab-quiz")
        self.redraw()

    def redraw(self, change=None) -> None:
        answer = self.model.quiz()
        if answer is None:
            update(self._bars, y=np.zeros(len(LABELS)))
            self._activations.children = []
            self._endings.value = (
                f'<div class="dllab-endings" style="{FONT}"><i>Train the network first '
                "(Play above), then type the beginning of a name.</i></div>"
            )
            return
        probabilities, greedy, drawn, activations = answer
        self._draw_activations(activations)
        top = max(0.2, float(np.ceil(probabilities.max() * 10) / 10))
        update(self._figure.marks[0].scales["y"], max=top)
        update(self._bars, y=probabilities)
        beginning = self.model.beginning or "(nothing yet)"
        self._endings.value = (
            f'<div class="dllab-endings" style="{FONT}">After <b>{html.escape(beginning)}</b>: '
            f"the likeliest letter each time gives <b>{html.escape(greedy)}</b>; "
            f"drawn at temperature {QUIZ_TEMPERATURE}: {html.escape(', '.join(drawn))}.</div>"
        )

    def _build_activations(self) -> None:
        x, y = bq.LinearScale(), bq.LinearScale()
        # One square per neuron: a Scatter draws one layer as well as four (GridHeatMap
        # refuses a single row).
        self._cells = bq.Scatter(
            x=[0.0],
            y=[1.0],
            color=[0.0],
            marker="square",
            default_size=36,
            stroke=None,
            scales={"x": x, "y": y, "color": diverging_scale()},
        )
        self._activations_figure = bq.Figure(
            marks=[self._cells],
            axes=[
                bq.Axis(scale=x, label="neuron", num_ticks=5, tick_format="d"),
                bq.Axis(scale=y, side="left", label="layer", tick_format="d"),
            ],
            title="Each hidden layer's neurons for this beginning (blue +1, orange −1)",
            fig_margin=dict(top=40, bottom=40, left=60, right=10),
            layout=w.Layout(width="900px", height="200px"),
        )
        # Shown only when there are hidden layers: a figure hidden by CSS draws at size 0,
        # which the browser logs as errors.
        self._activations = w.Box([])

    def _draw_activations(self, activations) -> None:
        if not activations:
            self._activations.children = []
            return
        grid = np.vstack(activations)  # the lesson's hidden layers are all as wide
        layers, neurons = np.indices(grid.shape)
        update(self._cells, x=neurons.ravel() + 1, y=layers.ravel() + 1, color=grid.ravel())
        n = len(grid)
        update(self._activations_figure.axes[1], tick_values=list(range(1, n + 1)))
        update(self._cells.scales["y"], min=0.5, max=n + 0.5)
        self._activations_figure.layout.height = f"{90 + 30 * n}px"
        self._activations.children = [self._activations_figure]
