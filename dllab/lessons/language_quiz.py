"""The quiz of the language lesson: type the beginning of a name, see the network's
probability for each next character and the endings it finds likeliest."""

from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..ui import MessageArea, bind, update
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
        model.observe(self.redraw, names=["beginning"])
        super().__init__([self._box, self._message, self._figure, self._endings])
        self.add_class("dllab-quiz")
        self.redraw()

    def redraw(self, change=None) -> None:
        answer = self.model.quiz()
        if answer is None:
            update(self._bars, y=np.zeros(len(LABELS)))
            self._endings.value = (
                f'<div class="dllab-endings" style="{FONT}"><i>Train the network first '
                "(Play above), then type the beginning of a name.</i></div>"
            )
            return
        probabilities, greedy, drawn = answer
        top = max(0.2, float(np.ceil(probabilities.max() * 10) / 10))
        update(self._figure.marks[0].scales["y"], max=top)
        update(self._bars, y=probabilities)
        beginning = self.model.beginning or "(nothing yet)"
        self._endings.value = (
            f'<div class="dllab-endings" style="{FONT}">After <b>{html.escape(beginning)}</b>: '
            f"the likeliest letter each time gives <b>{html.escape(greedy)}</b>; "
            f"drawn at temperature {QUIZ_TEMPERATURE}: {html.escape(', '.join(drawn))}.</div>"
        )
