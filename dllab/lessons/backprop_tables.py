"""How lesson 1's inspector draws a stage's matrices: HTML tables of numbers for a tiny
network and batch, rows of heatmaps (updated in place) for larger ones."""

from __future__ import annotations

import html

import bqplot as bq
import ipywidgets as w
import numpy as np

from ..ui import diverging_scale, update
from ..ui.theme import FONT, format_number
from .backprop_stages import Matrix, Row

TABLE_CSS = """
<style>
.dllab-rows {font-size:15px}
.dllab-row {display:flex;align-items:flex-start;gap:22px;padding:10px 0;
  border-top:1px solid #ddd}
.dllab-row-head {width:300px;flex:none}
.dllab-row-head .dllab-formula {color:#222;margin-top:2px}
table.dllab-matrix {border-collapse:collapse;font-variant-numeric:tabular-nums}
table.dllab-matrix caption {font-weight:bold;text-align:left;padding-bottom:3px}
table.dllab-matrix td {text-align:right;padding:3px 9px;min-width:58px;border:1px solid #fff}
table.dllab-matrix th {font-weight:normal;color:#666;padding:2px 8px;text-align:right}
table.dllab-matrix th.dllab-in-diagram {color:#222;font-weight:bold;background:#fff3c4}
</style>
"""


def _cell_style(value: float, largest: float) -> str:
    strength = 0.0 if largest == 0 else min(1.0, abs(value) / largest)
    colour = "8,119,189" if value > 0 else "245,147,34"
    return f"background:rgba({colour},{0.08 + 0.5 * strength:.2f})"


def table_html(matrix: Matrix) -> str:
    """One matrix as a table; each cell keeps its full-precision value in `data-value`, and
    the row the diagram shows is marked."""
    largest = float(np.abs(matrix.values).max()) if matrix.values.size else 0.0
    head = "".join(f"<th>{html.escape(name)}</th>" for name in matrix.column_names)
    body = []
    for index, (name, row) in enumerate(zip(matrix.row_names, matrix.values)):
        cells = "".join(
            f'<td data-value="{value!r}" style="{_cell_style(value, largest)}">'
            f"{format_number(value)}</td>"
            for value in row.tolist()
        )
        marked = index == matrix.diagram_row
        head_cell = (
            '<th class="dllab-rowname dllab-in-diagram" title="shown in the diagram">'
            if marked
            else '<th class="dllab-rowname">'
        )
        body.append(f"<tr>{head_cell}{html.escape(name)}</th>{cells}</tr>")
    return (
        f'<table class="dllab-matrix" data-caption="{html.escape(matrix.caption)}">'
        f"<caption>{html.escape(matrix.caption)}</caption>"
        f"<tr><th></th>{head}</tr>{''.join(body)}</table>"
    )


def tables_html(rows: list[Row]) -> str:
    """Every row of a stage: its title and formulas, then its tables."""
    parts = [TABLE_CSS, '<div class="dllab-rows">']
    for row in rows:
        formulas = "".join(
            f'<div class="dllab-formula">{html.escape(f)}</div>' for f in row.formulas
        )
        tables = "".join(table_html(matrix) for matrix in row.matrices)
        parts.append(
            f'<div class="dllab-row"><div class="dllab-row-head"><b>{html.escape(row.title)}</b>'
            f"{formulas}</div>{tables}</div>"
        )
    parts.append("</div>")
    return "".join(parts)


class HeatmapRow:
    """One layer's row of the heatmap view: a heading and up to three heatmaps, whose marks
    are updated in place. A matrix one row or one column wide is shown as a strip of
    coloured numbers instead (bqplot's GridHeatMap squeezes it to 1-D and draws nothing)."""

    SLOTS = 3

    def __init__(self) -> None:
        self.heading = w.HTML(layout=w.Layout(width="300px", flex="none"))
        self.maps, self.scales, self.figures, self.strips = [], [], [], []
        for _ in range(self.SLOTS):
            colour = diverging_scale()
            rows, columns = bq.OrdinalScale(reverse=True), bq.OrdinalScale()
            grid = bq.GridHeatMap(
                row=["a", "b"],
                column=["a", "b"],
                color=np.zeros((2, 2)),
                scales={"row": rows, "column": columns, "color": colour},
                stroke="white",
            )
            figure = bq.Figure(
                marks=[grid],
                axes=[
                    bq.Axis(scale=rows, side="left", grid_lines="none"),
                    bq.Axis(scale=columns, side="bottom", grid_lines="none"),
                ],
                padding_y=0,
                fig_margin=dict(top=34, bottom=26, left=62, right=6),
                layout=w.Layout(width="270px", height="240px"),
                title_style={"font-size": "15px"},
            )
            self.maps.append(grid)
            self.scales.append(colour)
            self.figures.append(figure)
            self.strips.append(w.HTML(layout=w.Layout(margin="0 24px 0 0")))
        slots = [w.HBox([f, s]) for f, s in zip(self.figures, self.strips)]
        self.box = w.HBox(
            [self.heading, *slots],
            layout=w.Layout(border_top="1px solid #ddd", padding="6px 0", align_items="center"),
        )

    def show(self, row: Row | None) -> None:
        if row is None:
            self.box.layout.display = "none"
            return
        self.box.layout.display = None
        formulas = "".join(f"<div>{html.escape(f)}</div>" for f in row.formulas)
        self.heading.value = f'<div style="{FONT}"><b>{html.escape(row.title)}</b>{formulas}</div>'
        for index in range(self.SLOTS):
            matrix = row.matrices[index] if index < len(row.matrices) else None
            flat = matrix is not None and min(matrix.values.shape) == 1
            self.figures[index].layout.display = None if matrix and not flat else "none"
            self.strips[index].layout.display = None if flat else "none"
            if flat:
                self.strips[index].value = TABLE_CSS + table_html(matrix)
            elif matrix is not None:
                self._draw(index, matrix)

    def _draw(self, index: int, matrix: Matrix) -> None:
        grid, colour, figure = self.maps[index], self.scales[index], self.figures[index]
        n_rows, n_columns = matrix.values.shape
        largest = float(np.abs(matrix.values).max()) or 1.0
        figure.title = f"{matrix.caption} ({n_rows}×{n_columns})"
        update(colour, min=-largest, max=largest)
        # One message, and the shapes checked once row, column and colour all changed.
        with grid.hold_sync(), grid.hold_trait_notifications():
            grid.display_format = ".2f" if matrix.values.size <= 32 else None
            grid.row, grid.column = matrix.row_names, matrix.column_names
            grid.color = matrix.values
