"""Lesson 3, part 1: does depth help? `DepthSweep` trains a grid of networks, one per
(number of hidden layers, neurons per layer), and fills a heatmap of their test losses as
they finish: where the grid turns blue, depth helped. A cell shows how that network
learned (its loss curve) and what it drew over the plane.

`DepthSweep` is the view of a `SweepModel` (in `dllab.lessons.sweep_model`), which holds
the settings, the result and the progress, and sweeps on a `dllab.ui.Runner`.
"""

from __future__ import annotations

import html
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..ui import MessageArea, PlaneFigure, bind, update
from ..ui.theme import (
    BLUE,
    FONT,
    LOSS_COLOURS,
    ORANGE,
    STYLE,
    WHITE,
    dataset_options,
    format_number,
    lines_legend,
)
from .sweep_model import SWEEP_DATASETS, SweepModel, layers_label, network_name

NOT_TRAINED = 0.3  # the colour of a cell not trained yet: the middle of the scale


class DepthSweep(w.VBox):
    """Train one network per (hidden layers, neurons per layer) and compare their test loss.

    DepthSweep(dataset="spiral", depths=range(1, 7), widths=(2, 3, 4, 6, 8, 12), epochs=300):
    press Run; the heatmap fills in, one row of networks at a time. Click a cell to see that
    network's loss curve and what it draws over the plane.
    """

    def __init__(self, *args: Any, **settings: Any) -> None:
        """The settings of SweepModel: dataset, depths, widths, epochs, learning_rate,
        batch_size, seed."""
        self.model = model = SweepModel(*args, **settings)
        self._message = MessageArea()
        self._dataset = bind(
            model,
            "dataset",
            w.Dropdown(description="Dataset", options=dataset_options(SWEEP_DATASETS), style=STYLE),
            self._message,
        )
        self._run = w.Button(description="Run", icon="play", button_style="success")
        self._cancel = w.Button(description="Cancel", icon="stop", disabled=True)
        self._progress = w.HTML(layout=w.Layout(min_height="24px"))
        self._details = w.HTML(layout=w.Layout(min_height="48px", width="680px"))
        # The numbers lie over the cells: let clicks on them reach the cell underneath.
        self._style = w.HTML(
            "<style>.dllab-depth-sweep text.label { pointer-events: none; }</style>",
            layout=w.Layout(display="none"),
        )
        self._build_heatmap()
        self._build_curve()
        self._plane = PlaneFigure(title="What it draws", size_px=300, point_size=20)
        self._run.on_click(lambda _: self.run())
        self._cancel.on_click(lambda _: model.cancel())
        self._heatmap.on_element_click(self._cell_clicked)
        model.observe(self._draw_grid, names=["n_done", "run_id"])
        model.observe(self._draw_network, names=["chosen", "n_done", "run_id"])
        model.observe(self._show_state, names=["status", "progress", "message"])
        model.observe(self._show_points, names=["dataset"])
        toolbar = w.HBox(
            [self._dataset, self._run, self._cancel], layout=w.Layout(align_items="center")
        )
        network = w.VBox(
            [w.HBox([self._curve_figure, self._plane.figure]), self._key, self._details]
        )
        super().__init__(
            [
                self._style,
                toolbar,
                self._progress,
                self._message,
                w.HBox([self._grid_figure, network]),
            ]
        )
        self.add_class("dllab-depth-sweep")
        self._show_points()
        self._draw_grid()
        self._draw_network()
        self._show_state()

    # -- actions ----------------------------------------------------------------------------
    def run(self, background: bool = True) -> None:
        """Start the sweep (and wait for it unless `background`)."""
        if background:
            self.model.start()
        else:
            self.model.run()

    def cancel(self) -> None:
        self.model.cancel()

    def close(self) -> None:
        if hasattr(self, "model"):  # not when its settings were refused
            self.model.close()
        super().close()

    def _cell_clicked(self, mark, content: dict) -> None:
        """A click on a cell: the browser sends the cell's row and column numbers."""
        data = content.get("data") or {}
        self._choose(data.get("rowNum"), data.get("columnNum"))

    def _choose(self, row: Any, column: Any) -> None:
        model = self.model
        if isinstance(row, int) and isinstance(column, int):
            if 0 <= row < len(model.depths) and 0 <= column < len(model.widths):
                model.chosen = (model.depths[row], model.widths[column])

    # -- plots ------------------------------------------------------------------------------
    def _build_heatmap(self) -> None:
        model = self.model
        self._row_labels = [layers_label(depth) for depth in model.depths]
        self._column_labels = [f"width {width}" for width in model.widths]
        rows = bq.OrdinalScale(reverse=True, domain=self._row_labels)
        columns = bq.OrdinalScale(domain=self._column_labels)
        self._colours = bq.ColorScale(colors=[BLUE, WHITE, ORANGE], min=0.0, mid=0.3, max=0.5)
        # Cells not trained yet take the middle colour and no number. (GridHeatMap's own
        # numbers would read "NaN" on black there, hence the Label mark for the numbers.)
        self._heatmap = bq.GridHeatMap(
            row=self._row_labels,
            column=self._column_labels,
            color=np.full((len(model.depths), len(model.widths)), NOT_TRAINED),
            scales={"row": rows, "column": columns, "color": self._colours},
            stroke="white",
            # No "select" interaction: in bqplot 0.13 the selection a click makes in the
            # browser fails to reach Python. Clicks arrive as messages; Python outlines.
            selected_style={"stroke": "black", "stroke-width": "4"},
        )
        self._values = bq.Label(
            x=[],
            y=[],
            text=[],
            scales={"x": columns, "y": rows},
            align="middle",
            default_size=15,
            font_unit="px",
            colors=["#222222"],
        )
        self._grid_figure = bq.Figure(
            marks=[self._heatmap, self._values],
            axes=[
                bq.Axis(scale=columns, tick_style={"font-size": "14px"}),
                bq.Axis(scale=rows, side="left", tick_style={"font-size": "14px"}),
            ],
            title="Test loss of each network: blue is low (good), orange high",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=30, left=70, right=10),
            layout=w.Layout(width="520px", height="440px"),
        )

    def _build_curve(self) -> None:
        epoch = bq.LinearScale(min=0, max=self.model.epochs)
        loss = bq.LinearScale(min=0)
        self._curve = bq.Lines(
            x=[0, 1],
            y=[[0.5, 0.5], [0.5, 0.5]],
            visible=False,
            scales={"x": epoch, "y": loss},
            colors=LOSS_COLOURS,
            labels=["test loss", "training loss"],
        )
        self._loss_axis = bq.Axis(
            scale=loss, side="left", label="loss", tick_format=".2f", tick_values=ticks(0.5)
        )
        epoch_axis = bq.Axis(
            scale=epoch, label="epoch", tick_values=ticks(self.model.epochs), tick_format="d"
        )
        self._curve_figure = bq.Figure(
            marks=[self._curve],
            axes=[epoch_axis, self._loss_axis],
            title="Loss while training",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=55, right=15),
            layout=w.Layout(width="380px", height="300px"),
        )
        self._key = w.HTML(f'<div style="margin-left:55px">{lines_legend([self._curve])}</div>')

    def _draw_grid(self, change=None) -> None:
        result = self.model.result
        losses = np.where(result.done, result.test_loss, np.nan)
        finite = np.isfinite(losses)
        top = max(0.5, float(losses[finite].max())) if finite.any() else 0.5
        colours = np.where(finite, losses, 0.6 * top)
        colours[result.done & ~finite] = top  # diverged
        cells = [tuple(cell) for cell in np.argwhere(result.done)]
        texts = [f"{losses[cell]:.3f}" if finite[cell] else "diverged" for cell in cells]
        update(self._colours, max=top, mid=0.6 * top)
        update(self._heatmap, color=colours)
        update(
            self._values,
            x=[self._column_labels[column] for _, column in cells],
            y=[self._row_labels[row] for row, _ in cells],
            text=texts,
        )

    def _show_points(self, change=None) -> None:
        data = self.model.data
        self._plane.show_points(data.X_train, data.y_train)

    def _draw_network(self, change=None) -> None:
        """The shown network: outlined in the grid, its loss curve, what it draws."""
        model, result = self.model, self.model.result
        shown = model.shown()
        cell = None if shown is None else result.cell(*shown)
        trained = cell is not None and bool(result.done[cell])
        alive = trained and not result.diverged[cell]
        update(self._heatmap, selected=None if cell is None else np.array([cell]))
        if trained:
            history = result.history(*shown)
            top = np.nanmax([history["test_loss"], history["train_loss"]])
            update(self._loss_axis, tick_values=ticks(top))
            curves = [history["test_loss"], history["train_loss"]]
            update(self._curve, x=history["epoch"], y=curves, visible=True)
        else:
            update(self._curve, visible=False)
        surface = result.surface(*shown) if alive else np.zeros(result.surfaces.shape[2:])
        self._plane.show_surface(surface, result.extent)
        if shown is None:
            update(self._curve_figure, title="Loss while training")
            update(self._plane.figure, title="What it draws")
            self._details.value = _details_html(
                "<i>Click a cell of the grid to see how that network learned and what it draws.</i>"
                if result.n_done
                else "<i>Press <b>Run</b>: each cell is one network, trained from scratch.</i>"
            )
            return
        name = network_name(*shown)
        which = "Chosen" if model.chosen == shown else "Best so far"
        update(self._curve_figure, title=f"{which}: {name}")
        update(self._plane.figure, title="What it draws over the plane")
        self._details.value = _details_html(self._outcome(shown, trained))

    def _outcome(self, shown: tuple[int, int], trained: bool) -> str:
        result = self.model.result
        cell = result.cell(*shown)
        name = network_name(*shown)
        if not trained:
            return f"{name}: not trained yet."
        if result.diverged[cell]:
            return f"{name}: its training <b>diverged</b> (the loss became infinite)."
        pick = result.pick()
        why = ""
        if self.model.chosen != shown and pick.many_tie:
            why = (
                f"The smallest of the <b>{len(pick.ties)}</b> networks whose test loss is "
                f"within {format_number(pick.margin)} of the lowest: bigger ones did no better. "
            )
        return (
            f"{why}{name}: <b>{result.epochs}</b> epochs, test loss "
            f"<b>{result.test_loss[cell]:.3f}</b>, test accuracy "
            f"<b>{result.test_accuracy[cell]:.0%}</b>. Beside its loss curve: what it draws "
            "over the plane (blue +1, orange −1), with the training points."
        )

    def _show_state(self, change=None) -> None:
        model = self.model
        running = model.status == "running"
        self._run.disabled = running
        self._cancel.disabled = not running
        self._dataset.disabled = running
        self._progress.value = (
            f'<div class="dllab-sweep-progress" style="{FONT}">{html.escape(model.progress)}</div>'
            if model.progress
            else ""
        )
        self._message.status(model.message, "error" if model.status == "error" else "info")


def _details_html(text: str) -> str:
    return f'<div class="dllab-sweep-details" style="{FONT}">{text}</div>'


def ticks(top: float, count: int = 6) -> list[float]:
    """Round tick values from 0 to about `top`: steps of 1, 2 or 5 times a power of ten."""
    if not np.isfinite(top) or top <= 0:
        return [0.0]
    raw = top / count
    power = 10.0 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [float(v) for v in np.round(np.arange(0, top + step * 1e-9, step), 10)]
