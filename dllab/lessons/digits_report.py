"""Digits end to end: train a network on 8x8 handwritten digits, then see where it errs.

`DigitsReport()` trains a one-hidden-layer network (a fraction of a second) and shows the
confusion matrix, the accuracy for each digit and the test digits it gets wrong; a click
on a cell of the matrix shows the test digits counted in it. The numbers come from
`dllab.core.digits`; `DigitsReportModel` holds the run and `DigitsReport` only shows it.
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from ..core import Trainer
from ..core.checks import check_int
from ..core.digits import (
    MAX_EPOCHS,
    MAX_HIDDEN,
    MAX_SHOWN,
    cell_members,
    check_digits_trainer,
    confusion_colours,
    confusion_matrix,
    describe,
    misclassified,
    per_class_accuracy,
    train_digits,
    wrong_digits,
)
from ..ui import MessageArea, Runner, build_controls, update
from ..ui.theme import BLUE, ORANGE, STYLE, plural
from .digit_grid import DigitGrid

log = logging.getLogger("dllab")
HIDDEN_CHOICES = (2, 4, 8, 16, 32, 64, 128)
MARGIN = dict(top=40, bottom=50, left=55, right=10)  # room for the axes' labels
STATUSES = ("ready", "training", "failed")


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
    """The digits run: the settings to train with, the trainer, its results, and the cell
    of the confusion matrix whose digits are shown."""

    hidden = t.Int(32)
    epochs = t.Int(30)
    seed = t.Int(0)
    status = t.Enum(STATUSES, default_value="ready")
    version = t.Int(0)  # bumps whenever the results change
    cell = t.List(t.Int(), default_value=[])  # [true class, predicted class], or none chosen

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
        self.how = ""
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
        self.status = "training"
        try:
            started = time.perf_counter()
            with threadpool_limits(1, user_api="blas"):  # small products: faster so
                trainer = train_digits(self.hidden, self.epochs, self.seed)
            self.use(trainer, f"just now, in {time.perf_counter() - started:.1f} s")
        except Exception:
            self.status = "failed"
            raise
        self.status = "ready"

    def use(self, trainer: Trainer, how: str) -> None:
        data = trainer.data
        wrong, predicted = misclassified(trainer.network, trainer.X_test, data.y_test)
        confusion = confusion_matrix(data.y_test, predicted, data.dataset.n_classes)
        self.trainer, self.how = trainer, how
        self.results = Results(
            confusion=confusion,
            per_class=per_class_accuracy(confusion),
            wrong=wrong,
            predicted=predicted,
            accuracy=float(np.trace(confusion) / confusion.sum()),
            n_test=len(data.y_test),
        )
        self.version += 1

    def summary(self) -> str:
        trainer, r = self.trainer, self.results
        return (
            f"A {describe(trainer.network)} network ({self.how}), trained "
            f"{plural(trainer.epoch, 'epoch')} on {plural(len(trainer.data.y_train), 'digit')}: "
            f"it reads {r.n_test - len(r.wrong):,} of the {plural(r.n_test, 'test digit')} "
            f"right ({r.accuracy:.1%}) and {len(r.wrong):,} wrong."
        )

    def select_cell(self, true: int, predicted: int) -> None:
        """Show the test digits of the confusion matrix's cell (true, predicted)."""
        n_classes = len(self.results.confusion)
        self.cell = [
            check_int("true", true, 0, n_classes - 1),
            check_int("predicted", predicted, 0, n_classes - 1),
        ]

    def cell_digits(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """The images `(n, height, width)` of the chosen cell's test digits (the first
        MAX_SHOWN), and the indices of all of them in the test set."""
        trainer = self.trainer
        true, predicted = self.cell
        members = cell_members(trainer.data.y_test, self.results.predicted, true, predicted)
        shape = trainer.data.dataset.image_shape
        return trainer.X_test[members[:MAX_SHOWN]].reshape(-1, *shape), members


# -- the report's view -----------------------------------------------------------------------------
# Any hidden size one click away (a slider took 30 key presses from 32 to 2).
BUTTONS_STYLE = {**STYLE, "button_width": "44px"}
HIDDEN_BUTTONS = dict(options=[(str(n), n) for n in HIDDEN_CHOICES], style=BUTTONS_STYLE)
CONTROLS = [
    ("hidden", w.ToggleButtons, dict(description="Hidden neurons", **HIDDEN_BUTTONS)),
    ("epochs", w.IntSlider, dict(description="Epochs", min=1, max=MAX_EPOCHS)),
]
# The counts are text over the cells: let a click on a count reach its cell.
CELL_STYLE = (
    "<style>.dllab-digits-report text.label { pointer-events: none; }"
    ".dllab-digits-report rect.heatmapcell { cursor: pointer; }</style>"
)
CELL_HINT = (
    "Click a cell of the confusion matrix to see its test digits here. An orange cell "
    "holds the digits of one kind of mistake: would you have read them right?"
)


class DigitsReport(w.VBox):
    """Digits end to end: train, then the confusion matrix, the accuracy for each digit and
    the test digits the network gets wrong; click a cell of the matrix to see its digits.

    DigitsReport() trains a 64 → 32 → 10 network itself; DigitsReport(trainer) reports on
    a trained digits Trainer. "Hidden neurons", "Epochs" and "Train" train a new one.
    """

    def __init__(self, trainer: Trainer | None = None, **settings: Any) -> None:
        self.model = model = DigitsReportModel(trainer, **settings)
        self._status = w.HTML()
        self._messages = MessageArea()
        controls = build_controls(model, CONTROLS, self._messages)
        self._train = w.Button(description="Train", icon="play", button_style="success")
        self._train.on_click(lambda _: self._runner.request())
        # Training takes up to 3 s (128 neurons, 100 epochs): off the kernel's main thread.
        self._runner = Runner(lambda should_stop: model.train(), self._failed, "dllab-digits")
        n_classes = model.results.confusion.shape[0]
        self._confusion_figure = self._build_confusion(n_classes)
        self._accuracy_figure = self._build_accuracy(n_classes)
        hint = w.HTML(
            CELL_STYLE + '<div class="dllab-hint" style="color:#444;margin-left:55px">'
            "Click any cell to see its test digits.</div>"
        )
        self._cell_title = w.HTML(layout=w.Layout(width="440px"))
        self._cell_digits = DigitGrid(cell_px=36, empty_text="No test digit in this cell.")
        self._cell_digits.add_class("dllab-cell-digits")
        self._cell_digits.layout = w.Layout(width="440px")
        self._wrong_title = w.HTML()
        self._wrong = DigitGrid(empty_text="It gets every test digit right.")
        super().__init__(
            [
                self._status,
                w.HBox([*controls.values(), self._train], layout=w.Layout(align_items="center")),
                self._messages,
                w.HBox(
                    [
                        w.VBox([self._confusion_figure, hint]),
                        w.VBox([self._accuracy_figure, self._cell_title, self._cell_digits]),
                    ]
                ),
                self._wrong_title,
                self._wrong,
            ]
        )
        self.add_class("dllab-digits-report")
        model.observe(self._show, names="version")
        model.observe(self._show_cell, names="cell")
        model.observe(self._show_status, names="status")
        self._show()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the training asked for is done; False if `timeout` seconds passed."""
        return self._runner.wait(timeout)

    def close(self) -> None:
        if hasattr(self, "_runner"):  # not when the settings were refused
            self._runner.close()
        super().close()

    def _failed(self, error: Exception) -> None:
        self._messages.status(f"Training failed: {error}", "error")

    def _build_confusion(self, n_classes: int) -> bq.Figure:
        classes = np.arange(n_classes)
        rows, columns = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        # White for none: most cells are empty and should read as such.
        colour = bq.ColorScale(colors=[ORANGE, "#ffffff", BLUE], min=-1, max=1, mid=0)
        self._cells = bq.GridHeatMap(
            row=classes,
            column=classes,
            color=np.zeros((n_classes, n_classes)),
            scales={"row": rows, "column": columns, "color": colour},
            stroke="#ccc",
            selected_style={"stroke": "#111", "stroke-width": "3px"},
        )
        self._cells.on_element_click(self._cell_clicked)
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
        axes = [bq.Axis(scale=columns, label="predicted"), bq.Axis(scale=rows, label="true")]
        axes[1].side = "left"
        return bq.Figure(
            marks=[self._cells, self._counts],
            axes=axes,
            title="Confusion matrix (test digits)",
            padding_y=0,  # padding_x is 0 already
            fig_margin=MARGIN,
            layout=w.Layout(width="460px", height="460px"),
        )

    def _build_accuracy(self, n_classes: int) -> bq.Figure:
        bar_x, bar_y = bq.OrdinalScale(), bq.LinearScale(min=0, max=1)
        self._bars = bq.Bars(
            x=[str(c) for c in range(n_classes)],
            y=np.zeros(n_classes),
            scales={"x": bar_x, "y": bar_y},
            colors=[BLUE],
            label_display=True,
            label_display_format=".0%",
            label_font_style={"font-size": "11px", "fill": "white"},
        )
        return bq.Figure(
            marks=[self._bars],
            axes=[
                bq.Axis(scale=bar_x, label="true digit"),
                bq.Axis(scale=bar_y, side="left", tick_format=".0%"),
            ],
            title="Accuracy for each digit",
            fig_margin=MARGIN,
            layout=w.Layout(width="420px", height="300px"),
        )

    def _cell_clicked(self, _mark, content) -> None:
        """bqplot's element_click message from the page: {'data': {'rowNum', 'columnNum',
        ...}}. A malformed one is ignored (and logged)."""
        data = content.get("data") if isinstance(content, dict) else None
        try:
            self.model.select_cell(data["rowNum"], data["columnNum"])
        except (KeyError, TypeError, ValueError):
            log.warning("ignored a click on the confusion matrix: %.200r", content)

    def _show(self, change=None) -> None:
        model = self.model
        r, trainer = model.results, model.trainer
        dataset = trainer.data.dataset
        colours, text_colours = confusion_colours(r.confusion)
        images, captions, wrong = wrong_digits(
            trainer.network,
            trainer.X_test,
            trainer.data.y_test,
            dataset.image_shape,
            dataset.classes,
        )
        update(self._cells, color=colours)
        counts = [str(count) for count in r.confusion.ravel()]
        update(self._counts, text=counts, colors=text_colours)
        update(self._bars, x=list(dataset.classes), y=np.nan_to_num(r.per_class))
        self._status.value = f'<div class="dllab-status">{html.escape(model.summary())}</div>'
        more = f" (the first {MAX_SHOWN})" if len(wrong) > MAX_SHOWN else ""
        self._wrong_title.value = (
            f"<b>Test digits it gets wrong: {len(wrong)}</b>{html.escape(more)}"
        )
        self._wrong.show(images, captions)
        self._show_cell()

    def _show_cell(self, change=None) -> None:
        model = self.model
        if not model.cell:
            update(self._cells, selected=None)
            self._cell_title.value = f'<div class="dllab-cell-title">{html.escape(CELL_HINT)}</div>'
            self._cell_digits.layout.display = "none"
            return
        true, predicted = model.cell
        images, members = model.cell_digits()
        classes = model.trainer.data.dataset.classes
        words = f"true {classes[true]}, predicted {classes[predicted]}: "
        words += plural(len(members), "digit")
        if len(members) > MAX_SHOWN:
            words += f" (the first {MAX_SHOWN})"
        kind = "read right" if true == predicted else "read wrong"
        self._cell_title.value = (
            f'<div class="dllab-cell-title" data-cell="{true},{predicted}">'
            f"<b>{html.escape(words)}</b> ({kind})</div>"
        )
        update(self._cells, selected=[[true, predicted]])
        self._cell_digits.show(images, [""] * len(images))
        self._cell_digits.layout.display = None

    def _show_status(self, change) -> None:
        training = self.model.status == "training"
        self._train.disabled = training
        if change.new != "failed":
            self._messages.status("Training a new network…" if training else "")
