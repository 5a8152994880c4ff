"""Quiz a digits network with your own handwriting: draw a digit with the mouse; the network
reads the 8x8 version of it and its class probabilities follow the pen.

`DigitQuizModel` (no widget) reads a drawing with `dllab.core.digits.read_drawing`;
`DigitQuiz` shows it: the drawing pad is a small canvas widget (`DrawingPad`,
`drawing_pad.js`), the test digits it gets wrong a `DigitGrid`.
"""

from __future__ import annotations

import html
import time

import anywidget
import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from ..core import Trainer
from ..core.digits import (
    IMAGE_SIDE,
    Reading,
    check_digits_trainer,
    describe,
    read_drawing,
    train_digits,
    wrong_digits,
)
from ..ui import message_html, update
from ..ui.page import FromPage, canvas_script, from_page
from ..ui.theme import BLUE, plural
from .digit_grid import DigitGrid, as_grey_bytes

Array = NDArray[np.float64]
PAD_CELLS = 32  # the digits were drawn on 32x32 bitmaps, counted in 4x4 blocks
# Bytes from the page arrive as a memoryview; anything else goes on to the validator.
PAGE_BYTES = dict(from_json=lambda js, widget: js.tobytes() if isinstance(js, memoryview) else js)


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
        self.reading = read_drawing(self.network, cells, self.dataset.image_shape[0])
        return self.reading

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
            f"A {describe(self.network)} network, trained "
            f"{plural(self.trainer.epoch, 'epoch')} ({self.how}): it gets "
            f"{self.test_accuracy:.0%} of {plural(n_test, 'test digit')} right."
        )


# -- the drawing pad -------------------------------------------------------------------------------
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

    _esm = canvas_script(__file__, "drawing_pad.js")
    _css = _PAD_CSS

    grid = t.Int(PAD_CELLS).tag(sync=True)
    brush = t.Float(2.0).tag(sync=True)  # radius, in cells
    size_px = t.Int(320).tag(sync=True)
    throttle_ms = t.Int(80).tag(sync=True)
    cells = FromPage(b"").tag(sync=True, **PAGE_BYTES)  # set by the page
    sent = t.Int(0).tag(sync=True)  # drawings so far: each one sent, and each Clear
    seen = t.Bytes(b"").tag(sync=True)
    seen_shape = t.List(t.Int(), default_value=[IMAGE_SIDE, IMAGE_SIDE]).tag(sync=True)
    seen_px = t.Int(160).tag(sync=True)

    @t.validate("cells")
    def _check_cells(self, proposal):
        """One byte per cell; anything else from the page is ignored (and logged)."""
        good = isinstance(proposal.value, bytes) and len(proposal.value) == self.grid**2
        return from_page(self, proposal, good, f"not {self.grid**2} bytes, one per cell")

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
        how = "the trainer you gave"
        if trainer is None:
            started = time.perf_counter()
            with threadpool_limits(1, user_api="blas"):  # small products: faster so
                trainer = train_digits(hidden=hidden, seed=seed)
            how = f"just now, in {time.perf_counter() - started:.1f} s"
        self.model = model = DigitQuizModel(trainer, how)
        self._status = w.HTML(f'<div class="dllab-status">{html.escape(model.description())}</div>')
        self._pad = DrawingPad()
        # A pen lifted where it last sent sends the same cells again: `sent` still changes.
        self._pad.observe(self._drawn, names="sent")
        self._clear = w.Button(description="Clear", icon="eraser", tooltip="start a new drawing")
        self._clear.on_click(lambda _: self._pad.clear())
        self._answer = w.HTML(layout=w.Layout(min_height="60px"))
        self._bars_figure = self._probability_figure(list(model.dataset.classes))
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
        reading = w.VBox([self._answer, self._bars_figure], layout=w.Layout(margin="0 0 0 24px"))
        super().__init__(
            [
                self._status,
                w.HBox([w.VBox([self._pad, self._clear]), reading]),
                self._show_wrong,
                self._wrong_box,
            ]
        )
        self.add_class("dllab-digit-quiz")
        model.read(self._pad.drawing())

    def _probability_figure(self, classes: list[str]) -> bq.Figure:
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
        return bq.Figure(
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

    def _drawn(self, change) -> None:
        try:
            self.model.read(self._pad.drawing())
        except (ValueError, TypeError) as error:
            self._answer.value = message_html(str(error))

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
            label = html.escape(self.model.dataset.classes[reading.prediction])
            self._answer.value = (
                f'<div class="dllab-digit-answer" data-sent="{sent}" data-empty="false" '
                f'style="font-size:1.5em">It says <b class="dllab-digit-said" '
                f'style="font-size:1.6em">{label}</b> '
                f'<span style="font-size:0.8em;color:#444">(confidence '
                f"{reading.confidence:.0%})</span></div>"
            )
        update(self._bars, y=probabilities, color=probabilities)
        self._pad.seen = as_grey_bytes(reading.image)

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
