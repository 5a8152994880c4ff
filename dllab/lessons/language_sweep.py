"""Part 5 of the language lesson: how much do more context and more layers help? One
next-character network per (hidden layers, context length), each trained for the same few
seconds on the census surnames, scored on validation names: a heatmap that fills in as
they finish. `ContextDepthSweep` (the view) over `ContextSweepModel` (no widget)."""

from __future__ import annotations

import html
import time
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t

from ..core.charmodel import char_model
from ..core.checks import check_float, check_int
from ..core.optimizers import check_learning_rate
from ..core.training import Trainer
from ..ui import Runner, update
from ..ui.theme import BLUE, FONT, ORANGE, WHITE, plural
from .language_model import BATCH_SIZE, VALIDATION_SUBSET, counted, lesson_data

SWEEP_STATUSES = ("ready", "running", "done", "cancelled", "error")


class ContextSweepModel(t.HasTraits):
    """Validation loss per character of one network per (depth, context), each trained for
    `seconds` with Adam at `learning_rate` on batches of BATCH_SIZE."""

    status = t.Enum(SWEEP_STATUSES, default_value="ready")
    message = t.Unicode("")
    n_done = t.Int(0)

    def __init__(
        self,
        depths: Any = (0, 1, 2),
        contexts: Any = (1, 2, 3, 4, 6, 8),
        seconds: float = 4.0,
        width: int = 128,
        learning_rate: float = 0.003,
    ) -> None:
        self.depths = tuple(check_int("depths", d, 0, 4) for d in depths)
        self.contexts = tuple(check_int("contexts", c, 1, 8) for c in contexts)
        if len(self.depths) < 2 or len(self.contexts) < 2:
            raise ValueError(
                f"depths={list(self.depths)} and contexts={list(self.contexts)}: give at least "
                "two of each to compare"
            )
        self.seconds = check_float("seconds", seconds, 0.0, 600.0, low_open=True)
        self.width = check_int("width", width, 8, 512)
        self.learning_rate = check_learning_rate(learning_rate)
        self.losses = np.full((len(self.depths), len(self.contexts)), np.nan)
        # request() starts the sweep, cancel() stops it, wait() waits for it to end.
        self.runner = Runner(self._job, self._failed, name="dllab-context-sweep")
        super().__init__()

    def _job(self, should_stop) -> None:
        self.losses = np.full_like(self.losses, np.nan)
        self.status, self.message, self.n_done = "running", "", 0
        for row, depth in enumerate(self.depths):
            for column, context in enumerate(self.contexts):
                if should_stop():
                    self.status = "cancelled"
                    return
                self.losses[row, column] = self._train_one(depth, context, should_stop)
                self.n_done += 1
        self.status = "done"

    def _train_one(self, depth: int, context: int, should_stop) -> float:
        data = lesson_data(context)
        network = char_model(context, 16, [self.width] * depth, seed=0, dtype="float32")
        trainer = Trainer(
            network,
            data,
            learning_rate=self.learning_rate,
            batch_size=BATCH_SIZE,
            optimizer="adam",
            seed=0,
        )
        end = time.monotonic() + self.seconds
        while time.monotonic() < end and not should_stop():
            trainer.step()
        return float(network.loss(data.X_test[:VALIDATION_SUBSET], data.y_test[:VALIDATION_SUBSET]))

    def _failed(self, error: Exception) -> None:
        self.message = f"the sweep failed: {error}"
        self.status = "error"


class ContextDepthSweep(w.VBox):
    """Press Run: one network per (hidden layers, context), a heatmap of their validation
    losses; the best count model's loss for comparison."""

    def __init__(self, **settings: Any) -> None:
        self.model = model = ContextSweepModel(**settings)
        self._run = w.Button(description="Run", icon="play", button_style="success")
        self._cancel = w.Button(description="Cancel", icon="stop", disabled=True)
        self._run.on_click(lambda _: model.runner.request())
        self._cancel.on_click(lambda _: model.runner.cancel())
        self._progress = w.HTML(layout=w.Layout(min_height="48px", width="760px"))
        self._rows = [plural(depth, "hidden layer") for depth in model.depths]
        self._columns = [f"{context} back" for context in model.contexts]
        rows, columns = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
        self._colours = bq.ColorScale(colors=[BLUE, WHITE, ORANGE], min=2.1, mid=2.35, max=2.6)
        self._cells = bq.GridHeatMap(
            row=self._rows,
            column=self._columns,
            color=np.full(model.losses.shape, 2.35),
            scales={"row": rows, "column": columns, "color": self._colours},
            stroke="white",
        )
        scales = {"x": columns, "y": rows}
        self._numbers = bq.Label(scales=scales, align="middle", default_size=15, colors=["#222"])
        self._figure = bq.Figure(
            marks=[self._cells, self._numbers],
            axes=[
                bq.Axis(scale=columns, label="context (characters)"),
                bq.Axis(scale=rows, side="left"),
            ],
            title="Validation loss per character: blue is low (good)",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=110, right=10),
            layout=w.Layout(width="640px", height="320px"),
        )
        model.observe(self._draw, names=["n_done", "status", "message"])
        super().__init__([w.HBox([self._run, self._cancel]), self._progress, self._figure])
        self.add_class("dllab-context-sweep")
        self._draw()

    def close(self) -> None:
        if hasattr(self, "model"):
            self.model.runner.close()
        super().close()

    def _draw(self, change=None) -> None:
        model = self.model
        losses = model.losses
        done = np.isfinite(losses)
        cells = [tuple(cell) for cell in np.argwhere(done)]
        update(self._cells, color=np.where(done, losses, 2.35))
        update(
            self._numbers,
            x=[self._columns[c] for _, c in cells],
            y=[self._rows[r] for r, _ in cells],
            text=[f"{losses[cell]:.2f}" for cell in cells],
        )
        running = model.status == "running"
        self._run.disabled, self._cancel.disabled = running, not running
        total = losses.size
        text = {
            "ready": f"Press Run: {total} networks, each trained for {model.seconds:g} s.",
            "running": f"Training: {model.n_done} of {total} networks done.",
            "cancelled": f"Cancelled after {model.n_done} of {total} networks.",
            "error": html.escape(model.message),
            "done": f"Done: {total} networks.",
        }[model.status]
        if model.status == "done":
            row, column = np.unravel_index(np.nanargmax(-losses), losses.shape)
            best = min(r.validation_loss for r in counted()[0])
            text += (
                f" Lowest: {self._rows[row]} with {model.contexts[column]} characters of "
                f"context (<b>{losses[row, column]:.3f}</b>); the best count model: {best:.3f}."
            )
        self._progress.value = f'<div class="dllab-sweep-status" style="{FONT}">{text}</div>'
