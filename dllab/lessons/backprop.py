"""Lesson 1: the forward pass, the loss, backpropagation and a gradient step, one at a time.

`BackpropInspector` takes one mini-batch through a small network a stage at a time and shows
every number the engine computed: each layer's z and a, the loss, each layer's dL/dz, dL/dW
and dL/db, and the update w <- w - lr * dL/dw. Tiny networks show tables of numbers, larger
ones heatmaps. It is a thin view over `InspectorModel` (backprop_model.py); what each stage
shows is computed in backprop_stages.py and drawn by backprop_tables.py.

`DescentPath`, the lesson's second widget, lives in descent_path.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from ..core import ACTIVATIONS, PLAYGROUND_SETS
from ..ui import MessageArea, NetworkCanvas, build_controls
from ..ui.theme import BLUE, FONT, dataset_options, rate_label
from .backprop_model import (
    BATCH_SIZES,
    INSPECTOR_RATES,
    N_EXAMPLES,
    NETWORK_SIZES,
    STAGE_NAMES,
    STAGES,
    InspectorModel,
)
from .backprop_stages import (
    STAGE_TEXT,
    Row,
    describe_network,
    diagram_caption,
    network_picture,
    stage_rows,
    worked_example,
)
from .backprop_tables import HeatmapRow, tables_html


def _size_options(model: InspectorModel) -> list[tuple[str, tuple[int, ...]]]:
    """The usual networks, and the model's own if it is another, written 2-5-1."""
    options = list(NETWORK_SIZES.items())
    if model.sizes not in NETWORK_SIZES.values():
        options.append(("-".join(str(size) for size in model.sizes), model.sizes))
    return options


def _dropdown(description: str, options: Any) -> dict[str, Any]:
    return dict(
        description=description,
        options=options,
        style={"description_width": "100px"},
        layout=lambda model: w.Layout(width="330px"),  # one Layout per control
    )


# The inspector's controls, declared once: (trait, widget class, keyword arguments).
INSPECTOR_CONTROLS = [
    ("sizes", w.Dropdown, _dropdown("Network", _size_options)),
    ("dataset", w.Dropdown, _dropdown("Data", dataset_options(PLAYGROUND_SETS))),
    ("activation", w.Dropdown, _dropdown("Activation", list(ACTIVATIONS))),
    ("batch_size", w.Dropdown, _dropdown("Batch size", list(BATCH_SIZES))),
    (
        "learning_rate",
        w.Dropdown,
        _dropdown("Learning rate", [(rate_label(rate), rate) for rate in INSPECTOR_RATES]),
    ),
]
STAGE_ICONS = {
    "forward": "arrow-right",
    "loss": "bullseye",
    "backward": "arrow-left",
    "update": "pencil",
}


class BackpropInspector(w.VBox):
    """Take one mini-batch through a network one stage at a time: Forward, Loss, Backward,
    Update. Tiny networks show every number; larger ones show heatmaps.

    Settings (all optional; sizes may come first without its name):
    sizes : layer sizes, from 2 inputs to 1 output, e.g. (2, 3, 2, 1) (the default).
    dataset : one of the playground's 2-D sets ("circle", the default, "xor", "gauss",
        "spiral", "plane", "multi_gauss"); batches are cut from 100 of its points.
    batch_size : examples per batch, 1 to 100 (default 4).
    activation : hidden-layer activation, one of dllab.ACTIVATIONS (default "tanh").
    learning_rate : the step size of the update, above 0 up to 10 (default 0.1).
    seed : the random seed of the data and the first weights (default 0).
    """

    def __init__(self, sizes: Sequence[int] | None = None, **settings: Any) -> None:
        if sizes is not None:
            settings["sizes"] = sizes
        self.model = model = InspectorModel(**settings)
        self._message = MessageArea()
        self._controls = build_controls(model, INSPECTOR_CONTROLS, self._message)
        self._buttons = {stage: self._stage_button(stage) for stage in STAGES}
        next_batch = w.Button(
            description="Next batch",
            icon="step-forward",
            tooltip="the next examples",
            layout=w.Layout(width="130px", margin="0 0 0 24px"),
        )
        next_batch.on_click(lambda _: self.model.next_batch())
        self._about = w.HTML()
        self._indicator = w.HTML()
        self._caption = w.HTML(layout=w.Layout(width="600px"))
        # The canvas keeps the height it is first drawn with; 430 px fits 8 neurons (and 16).
        self._canvas = NetworkCanvas(width_px=600, height_px=430)
        self._explanation = w.HTML(layout=w.Layout(width="460px", margin="0 0 0 16px"))
        self._tables = w.HTML()
        self._heatmaps = w.VBox()
        self._heatmap_rows: list[HeatmapRow] = []
        controls = list(self._controls.values())
        super().__init__(
            [
                w.GridBox(controls, layout=w.Layout(grid_template_columns="repeat(3, 340px)")),
                self._about,
                w.HBox(
                    [*self._buttons.values(), next_batch],
                    layout=w.Layout(margin="8px 0 0 0", align_items="center"),
                ),
                self._indicator,
                self._message,
                w.HBox([w.VBox([self._caption, self._canvas]), self._explanation]),
                self._tables,
                self._heatmaps,
            ]
        )
        self.add_class("dllab-backprop")
        model.observe(self._redraw, names="version")
        self._redraw()

    def _stage_button(self, stage: str) -> w.Button:
        button = w.Button(
            description=STAGE_NAMES[stage],
            icon=STAGE_ICONS[stage],
            tooltip=f"show the {STAGE_NAMES[stage].lower()} stage",
            layout=w.Layout(width="120px"),
        )
        button.on_click(lambda _: self.model.show(stage))
        return button

    # -- drawing ---------------------------------------------------------------------------
    def _redraw(self, change=None) -> None:
        model = self.model
        for stage, button in self._buttons.items():
            button.button_style = "primary" if stage == model.stage else ""
        self._about.value = (
            f'<div class="dllab-about" style="{FONT};margin:6px 0">{describe_network(model)}</div>'
        )
        self._indicator.value = self._indicator_html()
        self._caption.value = (
            f'<div class="dllab-diagram-caption" style="{FONT};font-size:14px">'
            f"{diagram_caption(model)}</div>"
        )
        self._explanation.value = (
            f'<div class="dllab-explanation" style="{FONT}">'
            f"<p>{STAGE_TEXT[model.stage]}</p>"
            f'<p class="dllab-worked" style="background:#f5f5f5;padding:8px 10px;'
            f'border-radius:4px">{worked_example(model)}</p></div>'
        )
        tiles, links, titles, labels = network_picture(model)
        self._canvas.show(tiles, links, titles, labels)
        rows = stage_rows(model)
        if model.shows_numbers:
            self._tables.value = tables_html(rows)
            self._tables.layout.display = None
            self._heatmaps.layout.display = "none"
        else:
            self._tables.value = ""
            self._tables.layout.display = "none"
            self._heatmaps.layout.display = None
            self._show_heatmaps(rows)

    def _indicator_html(self) -> str:
        model = self.model
        pills = []
        for stage in STAGES:
            current = stage == model.stage
            style = f"background:{BLUE};color:white" if current else "background:#eceff1;color:#555"
            pills.append(
                f'<span class="dllab-stage{" dllab-current" if current else ""}" '
                f'style="{style};padding:3px 12px;border-radius:12px">{STAGE_NAMES[stage]}</span>'
            )
        return (
            f'<div class="dllab-indicator" style="{FONT};margin:6px 0">'
            f"{' → '.join(pills)}"
            f'<span style="margin-left:24px">Batch <b>{model.batch_number + 1}</b> '
            f"({model.batch_size} of the {N_EXAMPLES} examples) · "
            f"updates so far: <b>{model.steps_taken}</b></span></div>"
        )

    def _show_heatmaps(self, rows: list[Row]) -> None:
        while len(self._heatmap_rows) < len(rows):
            row = HeatmapRow()
            self._heatmap_rows.append(row)
            self._heatmaps.children = [*self._heatmaps.children, row.box]
        for index, shown in enumerate(self._heatmap_rows):
            shown.show(rows[index] if index < len(rows) else None)
