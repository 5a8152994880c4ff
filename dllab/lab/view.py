"""`Lab`: the whole lab as one widget, a thin view over `LabModel`.

Controls are declared once in `CONTROLS` and bound to the model's traits in a loop.
Widgets write settings into the model; the model's changes flow back to the widgets;
plots are redrawn from `LabModel.frame()` by mutating marks, never by rebuilding them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t

from ..core import ACTIVATIONS, FEATURES, OPTIMIZERS, Dataset
from ..core.network import INITIALIZERS, REGULARIZERS
from ..ui import NetworkCanvas
from ..ui.theme import (
    ACCURACY_COLOURS,
    BLUE,
    DATASET_LABELS,
    HEAD_LABELS,
    LOSS_COLOURS,
    ORANGE,
    STYLE,
    WHITE,
    layer_colours,
    lines_legend,
    rate_label,
)
from .loop import TrainingLoop
from .model import (
    LEARNING_RATES,
    MAX_DEPTH,
    MAX_WIDTH,
    REGULARIZATION_RATES,
    SURFACE_RESOLUTION,
    LabModel,
)
from .setup import PRESETS, SHARED, decode_setup, defaults, encode_setup
from .setup import preset as named_preset

LEGEND_MARGIN = "0 0 0 60px"  # under the plot area, past the y axis


# (trait, widget class, keyword arguments): the lab's controls, declared once.
CONTROLS: list[tuple[str, type, dict[str, Any]]] = [
    (
        "noise",
        w.FloatSlider,
        dict(description="Noise", min=0, max=0.5, step=0.05, readout_format=".0%"),
    ),
    (
        "train_share",
        w.FloatSlider,
        dict(description="Training data", min=0.1, max=0.9, step=0.1, readout_format=".0%"),
    ),
    ("batch_size", w.IntSlider, dict(description="Batch size", min=1, max=30)),
    ("depth", w.IntSlider, dict(description="Hidden layers", min=0, max=MAX_DEPTH)),
    ("width", w.IntSlider, dict(description="Neurons per layer", min=1, max=MAX_WIDTH)),
    ("activation", w.Dropdown, dict(description="Activation", options=list(ACTIVATIONS))),
    ("init", w.Dropdown, dict(description="Initial weights", options=list(INITIALIZERS))),
    ("regularization", w.Dropdown, dict(description="Regularization", options=list(REGULARIZERS))),
    (
        "regularization_rate",
        w.Dropdown,
        dict(
            description="Regularization rate",
            options=[(rate_label(r), r) for r in REGULARIZATION_RATES],
        ),
    ),
    ("optimizer", w.Dropdown, dict(description="Optimizer", options=list(OPTIMIZERS))),
    (
        "learning_rate",
        w.SelectionSlider,
        dict(description="Learning rate", options=[(rate_label(r), r) for r in LEARNING_RATES]),
    ),
    ("seed", w.BoundedIntText, dict(description="Seed", min=0, max=99999)),
    ("epochs_per_frame", w.IntSlider, dict(description="Speed (epochs per frame)", min=1, max=20)),
]


class Lab(w.VBox):
    """The lab: sliders for data, depth, width and learning rate; live plots.

    Lab() starts on circle with TensorFlow Playground's defaults. Any setting of
    `LabModel` can be given: Lab(dataset="spiral", hidden=[8, 8, 8], learning_rate=0.01).
    `data` adds your own Dataset (from dllab.from_arrays or dllab.from_csv).
    """

    def __init__(
        self,
        data: Dataset | None = None,
        preset: str | None = None,
        setup: str | None = None,
        hide: Sequence[str] = (),
        autostart: bool = True,
        **settings: Any,
    ) -> None:
        chosen = named_preset(preset) if preset is not None else {}
        chosen.update(decode_setup(setup) if setup is not None else {})
        chosen.update(settings)
        if data is not None:
            chosen.setdefault("dataset", "my data")
        try:
            self.model = model = LabModel(own_data=data, **chosen)
        except t.TraitError as error:
            raise ValueError(str(error)) from None
        self._controls: dict[str, w.Widget] = {}
        self._message = w.HTML(layout=w.Layout(min_height="24px"))
        self._stats = w.HTML()
        self._epoch = w.HTML()
        for trait, widget_class, kwargs in CONTROLS:
            self._controls[trait] = self._bind(trait, widget_class(style=STYLE, **kwargs))
        self._controls["dataset"] = self._bind(
            "dataset",
            w.Dropdown(
                description="Dataset",
                style=STYLE,
                options=[(DATASET_LABELS.get(n, n), n) for n in model.dataset_names()],
            ),
        )
        self._controls["head"] = self._bind(
            "head",
            w.Dropdown(
                description="Problem", style=STYLE, options=[(v, k) for k, v in HEAD_LABELS.items()]
            ),
        )
        self._widths = w.Text(
            description="Layer widths",
            style=STYLE,
            placeholder="e.g. 8, 6, 4",
            continuous_update=False,
        )
        self._widths.observe(self._widths_typed, names="value")
        model.observe(self._show_widths, names="hidden")
        self._show_widths()
        self._features = {
            name: w.ToggleButton(
                description=name,
                value=name in model.features,
                tooltip=f"feed {name} to the network",
                layout=w.Layout(width="74px"),
            )
            for name in FEATURES
        }
        for button in self._features.values():
            button.observe(self._features_toggled, names="value")
        model.observe(self._show_features, names="features")

        self._play = w.ToggleButton(
            description="Play",
            icon="play",
            value=model.playing,
            button_style="success",
            tooltip="train / pause",
        )
        self._bind("playing", self._play)
        self._play.observe(self._show_play, names="value")
        self._show_play()
        step = w.Button(description="Step", icon="step-forward", tooltip="train one epoch")
        step.on_click(lambda _: self.step())
        reset = w.Button(description="Reset", icon="undo", tooltip="start again")
        reset.on_click(lambda _: self.reset())
        regenerate = w.Button(
            description="Regenerate", icon="refresh", tooltip="new points from the same data set"
        )
        regenerate.on_click(lambda _: model.regenerate())
        self._show_test = w.Checkbox(description="Show test data", value=False, style=STYLE)
        self._discretize = w.Checkbox(description="Discretize output", value=False, style=STYLE)
        for box in (self._show_test, self._discretize):
            box.observe(lambda _: self.loop.poke(redraw=True), names="value")
        self._example = self._bind(
            "example", w.IntSlider(description="Test example", min=0, max=100, style=STYLE)
        )

        self._preset = w.Dropdown(
            description="Preset",
            style=STYLE,
            options=[("(choose one)", "")] + [(name, name) for name in PRESETS],
        )
        self._preset.observe(self._preset_chosen, names="value")
        self._setup = w.Text(
            description="Setup",
            style=STYLE,
            continuous_update=False,
            tooltip="share this text to share the lab's setup; paste one to load it",
            layout=w.Layout(width="620px"),
        )
        self._setup.observe(self._setup_typed, names="value")
        model.observe(self._show_setup, names=list(SHARED))
        self._show_setup()

        self._canvas = NetworkCanvas(width_px=515)
        self._canvas.observe(self._focus_changed, names=["hovered", "selected"])
        self._build_plots()
        model.observe(self._show_state, names=["epoch", "status", "message"])

        c = self._controls
        # Three panels side by side in 1090 px: a 1280-px projector shows them all, in
        # Voila and in JupyterLab with its file browser hidden.
        for half_row in (c["depth"], c["width"], self._widths, c["activation"]):
            half_row.layout.width = "260px"
        for in_column in (c["dataset"], c["noise"], c["train_share"], c["batch_size"]):
            in_column.layout.width = "240px"
        column = w.Layout(width="245px")
        data_panel = w.VBox(
            [
                w.HTML("<b>Data</b>"),
                c["dataset"],
                c["noise"],
                c["train_share"],
                c["batch_size"],
                regenerate,
                w.VBox(
                    [
                        w.HTML("<b>Features</b>"),
                        w.GridBox(
                            list(self._features.values()),
                            layout=w.Layout(grid_template_columns="repeat(3, 78px)"),
                        ),
                    ]
                ),
            ],
            layout=column,
        )
        network_panel = w.VBox(
            [
                w.HTML("<b>Network</b>"),
                w.HBox([c["depth"], c["width"]]),
                w.HBox([self._widths, c["activation"]]),
                self._canvas,
            ]
        )
        output_panel = w.VBox(
            [
                w.HTML("<b>Output</b>"),
                self._stats,
                self._surface_figure,
                self._bars_figure,
                w.HBox([self._show_test, self._discretize]),
                self._example,
            ],
            layout=w.Layout(width="320px"),
        )
        toolbar = w.HBox(
            [self._play, step, reset, self._epoch, c["learning_rate"]],
            layout=w.Layout(align_items="center"),
        )
        settings_row = w.HBox(
            [c["head"], c["optimizer"], c["regularization"], c["regularization_rate"]]
        )
        more_row = w.HBox([c["init"], c["seed"], c["epochs_per_frame"]])
        share_row = w.HBox([self._preset, self._setup])
        loss_panel = w.VBox([self._loss_figure, self._loss_legend])
        gradient_panel = w.VBox([self._gradient_figure, self._gradient_legend])
        curves = w.HBox([loss_panel, gradient_panel])
        super().__init__(
            [
                toolbar,
                settings_row,
                more_row,
                share_row,
                self._message,
                # Panels wrap under each other on a narrow page (JupyterLab with its sidebar).
                w.HBox(
                    [data_panel, network_panel, output_panel],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                curves,
            ]
        )
        self.add_class("dllab-lab")
        self._parts: dict[str, w.Widget] = {
            **self._controls,
            "features": data_panel.children[-1],
            "layer_widths": self._widths,
            "play": self._play,
            "step": step,
            "reset": reset,
            "regenerate": regenerate,
            "preset": self._preset,
            "setup": self._setup,
            "test_data": self._show_test,
            "discretize": self._discretize,
            "loss": loss_panel,
            "gradient_flow": gradient_panel,
        }
        self.hide(hide)
        self._shown_version = -1
        self.loop = TrainingLoop(
            model, self.draw, self._canvas.wait_drawn, drawn=lambda: self._canvas.drawn
        )
        model.observe(lambda _: self.loop.poke(), names=LabModel.SETTINGS)
        model.observe(lambda _: self.loop.poke(redraw=True), names=["focus", "example"])
        self.draw()
        self._show_state()
        if autostart:
            self.loop.start()

    # -- binding controls ------------------------------------------------------------------
    def _bind(self, trait: str, widget: w.Widget) -> w.Widget:
        """Widget -> model, with refusals shown as a message; model -> widget."""
        model = self.model
        widget.value = getattr(model, trait)

        def to_model(change):
            if change.new == getattr(model, trait):
                return  # the model's own value shown back (or a refused one put back)
            try:
                setattr(model, trait, change.new)
            except t.TraitError as error:
                self._say(str(error))
                widget.value = getattr(model, trait)
            else:
                if trait in LabModel.SETTINGS or trait == "depth" or trait == "width":
                    model.playing = True

        widget.observe(to_model, names="value")
        model.observe(lambda change: setattr(widget, "value", change.new), names=trait)
        return widget

    def _widths_typed(self, change) -> None:
        text = change.new.strip()
        if text == ", ".join(str(width) for width in self.model.hidden):
            return  # the model's own value shown back
        try:
            widths = [int(part) for part in text.replace(";", ",").split(",") if part.strip()]
            self.model.hidden = widths
        except (ValueError, t.TraitError):
            self._say(
                f"layer widths {text!r} not understood: give whole numbers 1 to "
                f"{MAX_WIDTH} separated by commas, at most {MAX_DEPTH} of them"
            )
            self._show_widths()
        else:
            self.model.playing = True

    def _show_widths(self, change=None) -> None:
        self._widths.value = ", ".join(str(width) for width in self.model.hidden)

    def _features_toggled(self, change) -> None:
        if self._showing_features:
            return  # the toggles are being set one by one from the model
        chosen = [name for name, button in self._features.items() if button.value]
        if chosen == list(self.model.features):
            return  # a refused choice put back
        try:
            self.model.features = chosen
        except t.TraitError:
            self._say("turn on at least one input feature")
            self._show_features()
        else:
            self.model.playing = True

    _showing_features = False

    def _show_features(self, change=None) -> None:
        self._showing_features = True
        try:
            for name, button in self._features.items():
                button.value = name in self.model.features
        finally:
            self._showing_features = False

    def _show_play(self, change=None) -> None:
        playing = self._play.value
        self._play.description = "Pause" if playing else "Play"
        self._play.icon = "pause" if playing else "play"

    def _focus_changed(self, change) -> None:
        selected, hovered = self._canvas.selected, self._canvas.hovered
        self.model.focus = tuple(selected if selected[0] >= 0 else hovered)

    def _say(self, text: str) -> None:
        self._message.value = (
            f'<div class="dllab-message" style="color:#b00020">{html.escape(text)}</div>'
            if text
            else ""
        )

    # -- classroom mode --------------------------------------------------------------------
    def hide(self, names: Sequence[str]) -> None:
        """Hide controls or plots by name (see `Lab.HIDEABLE`), e.g. to keep a first
        lesson to three sliders."""
        if isinstance(names, str):
            names = [names]
        unknown = [name for name in names if name not in self._parts]
        if unknown:
            raise ValueError(
                f"hide={list(names)} names {unknown[0]!r}, which is not a part of the lab; "
                f"choose from: {', '.join(self._parts)}"
            )
        for name in names:
            self._parts[name].layout.display = "none"

    @property
    def setup(self) -> str:
        """This lab's setup as a short string: Lab(setup=...) rebuilds it identically."""
        return encode_setup(self.model.settings())

    def _show_setup(self, change=None) -> None:
        self._setup.value = self.setup

    def _setup_typed(self, change) -> None:
        self._load(lambda: decode_setup(change.new))

    def _preset_chosen(self, change) -> None:
        if change.new:
            self._load(lambda: named_preset(change.new))

    def _load(self, read_settings) -> None:
        """Apply settings from a preset or a pasted setup; a bad one changes nothing."""
        try:
            # A setup or preset is whole: what it leaves out is at its default.
            settings = {**defaults(), **read_settings()}
            if settings != {key: self.model.settings()[key] for key in settings}:
                self.model.apply(settings)
                self.model.playing = True
        except (ValueError, TypeError) as error:
            self._say(str(error))
        self._show_setup()

    # -- actions ---------------------------------------------------------------------------
    def step(self) -> None:
        """Pause and train one epoch."""
        self.model.playing = False
        self.model.advance(1)
        self.loop.poke(redraw=True)

    def reset(self) -> None:
        self.model.playing = False
        self.model.reset()
        self.loop.poke(redraw=True)

    def close(self) -> None:
        if hasattr(self, "loop"):  # not when __init__ failed (Widget.__del__ closes too)
            self.loop.close()
        super().close()

    # -- plots -----------------------------------------------------------------------------
    def _build_plots(self) -> None:
        x, y = bq.LinearScale(), bq.LinearScale()
        colour = bq.ColorScale(colors=[ORANGE, WHITE, BLUE], min=-1, max=1, mid=0)
        axis = np.linspace(-6, 6, SURFACE_RESOLUTION)
        self._surface = bq.HeatMap(
            x=axis,
            y=axis,
            color=np.zeros((len(axis), len(axis))),
            scales={"x": x, "y": y, "color": colour},
        )
        point_style = dict(scales={"x": x, "y": y, "color": colour}, default_size=24)
        self._train_points = bq.Scatter(x=[], y=[], color=[], stroke="white", **point_style)
        self._test_points = bq.Scatter(
            x=[], y=[], color=[], stroke="black", visible=False, **point_style
        )
        self._surface_figure = bq.Figure(
            marks=[self._surface, self._train_points, self._test_points],
            axes=[
                bq.Axis(scale=x, num_ticks=5),
                bq.Axis(scale=y, side="left", num_ticks=5),
            ],
            title="Output",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=25, left=35, right=10),
            layout=w.Layout(width="315px", height="315px"),
        )
        bar_x, bar_y = bq.OrdinalScale(), bq.LinearScale(min=0, max=1)
        self._bars = bq.Bars(
            x=[str(i) for i in range(10)],
            y=np.zeros(10),
            scales={"x": bar_x, "y": bar_y},
            colors=[BLUE],
        )
        self._bars_figure = bq.Figure(
            marks=[self._bars],
            axes=[
                bq.Axis(scale=bar_x, label="class"),
                bq.Axis(scale=bar_y, side="left", tick_format=".0%"),
            ],
            title="Class probabilities",
            padding_y=0,
            layout=w.Layout(width="315px", height="300px", display="none"),
            fig_margin=dict(top=30, bottom=35, left=45, right=10),
        )
        epoch, loss, share = bq.LinearScale(), bq.LinearScale(min=0), bq.LinearScale(min=0, max=1)
        self._loss_lines = bq.Lines(
            x=[0, 1],
            y=[[0, 0], [0, 0]],
            scales={"x": epoch, "y": loss},
            colors=LOSS_COLOURS,
            labels=["test loss", "training loss"],
        )
        self._accuracy_lines = bq.Lines(
            x=[0, 1],
            y=[[0, 0], [0, 0]],
            scales={"x": epoch, "y": share},
            colors=ACCURACY_COLOURS,
            line_style="dashed",
            labels=["test accuracy", "training accuracy"],
        )
        self._accuracy_axis = bq.Axis(
            scale=share, side="right", label="accuracy", tick_format=".0%"
        )
        self._loss_figure = bq.Figure(
            marks=[self._loss_lines, self._accuracy_lines],
            axes=[
                bq.Axis(scale=epoch, label="epoch"),
                bq.Axis(scale=loss, side="left", label="loss"),
                self._accuracy_axis,
            ],
            title="Loss",
            layout=w.Layout(width="560px", height="280px"),
        )
        # Legends as a line of text under each figure, where they never cover a curve.
        self._loss_legend = w.HTML(layout=w.Layout(margin=LEGEND_MARGIN))
        gradient = bq.LogScale()
        self._gradient_lines = bq.Lines(
            x=[0, 1],
            y=[1, 1],
            scales={"x": bq.LinearScale(), "y": gradient},
            labels=["layer 1"],
        )
        self._gradient_axis = bq.Axis(
            scale=gradient, side="left", label="gradient size", tick_format=".0e"
        )
        self._gradient_figure = bq.Figure(
            marks=[self._gradient_lines],
            axes=[
                bq.Axis(scale=self._gradient_lines.scales["x"], label="epoch"),
                self._gradient_axis,
            ],
            title="Gradient flow (RMS weight gradient per layer)",
            layout=w.Layout(width="560px", height="280px"),
        )
        self._gradient_legend = w.HTML(layout=w.Layout(margin=LEGEND_MARGIN))

    def draw(self) -> None:
        """Redraw everything from the model's current frame (the loop calls this)."""
        model = self.model
        frame = model.frame()
        if frame is None:
            return
        if frame.version != self._shown_version:
            self._new_run()
        history = frame.history
        if len(history["epoch"]) == 1:  # a line needs two points: repeat the only one
            history = {key: column * 2 for key, column in history.items()}
        epochs = np.asarray(history["epoch"], dtype=float)
        with self._loss_lines.hold_sync():
            self._loss_lines.x = epochs
            self._loss_lines.y = [history["test_loss"], history["train_loss"]]
        if model.task != "regression":
            with self._accuracy_lines.hold_sync():
                self._accuracy_lines.x = epochs
                self._accuracy_lines.y = [history["test_accuracy"], history["train_accuracy"]]
        # Epoch 0 has no gradient: the curves start at the first epoch trained (and are
        # empty before it). A layer whose gradient is exactly 0 (dead ReLUs) sits at the
        # bottom of the log axis.
        sizes = np.asarray(frame.history["gradient_size"], dtype=float)[1:].T
        with self._gradient_lines.hold_sync():
            if sizes.size:
                self._gradient_lines.x = np.asarray(frame.history["epoch"][1:], dtype=float)
                self._gradient_lines.y = sizes = np.maximum(sizes, 1e-12)
            else:
                self._gradient_lines.x = epochs  # epoch 0, twice
                self._gradient_lines.y = np.full((len(self._gradient_lines.labels), 2), np.nan)
        ticks = _powers_of_ten(sizes)
        if not np.array_equal(ticks, self._gradient_axis.tick_values):
            # The axis spans whole decades, so that every tick lies on it.
            with self._gradient_axis.scale.hold_sync():
                self._gradient_axis.scale.min, self._gradient_axis.scale.max = ticks[[0, -1]]
            self._gradient_axis.tick_values = ticks
        if frame.surface is not None:
            surface = np.sign(frame.surface) if self._discretize.value else frame.surface
            with self._surface_figure.hold_sync():
                self._surface.color = surface[::-1]
                self._surface_figure.title = frame.surface_title
                self._test_points.visible = self._show_test.value
        else:
            self._bars.y = (np.asarray(frame.tiles[-1]).ravel() + 1) / 2
        self._show_stats(history)
        self._canvas.show(
            frame.tiles,
            self._links(frame),
            self._titles(frame),
            self._labels(frame),
            link_from=0 if model.is_plane else 1,
            run=frame.version,
        )

    def _new_run(self) -> None:
        """Once per run: the points, the axes' domain, and which plots apply."""
        model = self.model
        self._shown_version = model.version
        trainer = model.trainer
        plane = model.is_plane
        self._surface_figure.layout.display = None if plane else "none"
        self._bars_figure.layout.display = "none" if plane else None
        self._show_test.layout.display = self._discretize.layout.display = None if plane else "none"
        self._example.layout.display = "none" if plane else None
        for button in self._features.values():
            button.disabled = not model.uses_features
        classifying = model.task != "regression"
        self._accuracy_lines.visible = self._accuracy_axis.visible = classifying
        lines = [self._loss_lines, self._accuracy_lines] if classifying else [self._loss_lines]
        self._loss_legend.value = lines_legend(lines)
        n_layers = trainer.network.n_layers
        with self._gradient_lines.hold_sync():
            self._gradient_lines.labels = [f"layer {i + 1}" for i in range(n_layers - 1)]
            self._gradient_lines.labels += ["output"]
            self._gradient_lines.colors = layer_colours(n_layers)
        self._gradient_legend.value = lines_legend([self._gradient_lines])
        if plane:
            extent = model.extent
            axis = np.linspace(-extent, extent, SURFACE_RESOLUTION)
            data = trainer.data
            with self._surface_figure.hold_sync():
                self._surface.x = axis
                self._surface.y = axis
                for mark, X, y in (
                    (self._train_points, data.X_train, data.y_train),
                    (self._test_points, data.X_test, data.y_test),
                ):
                    with mark.hold_sync():
                        mark.x, mark.y = X[:, 0], X[:, 1]
                        mark.color = np.clip(y, -1, 1)
        else:
            self._example.max = len(trainer.X_test) - 1
            self._bars.x = list(trainer.data.dataset.classes)

    def _links(self, frame) -> list[np.ndarray]:
        return frame.weights if self.model.is_plane else frame.weights[1:]

    def _titles(self, frame) -> list[str]:
        n = len(frame.tiles)
        first = "Features" if self.model.is_plane else "Input"
        titles = [first] + [f"Layer {i}" for i in range(1, n - 1)] + ["Output"]
        if not self.model.is_plane and self.model.trainer.network.depth:
            titles[1] = "Layer 1 weights"
        return titles

    def _labels(self, frame) -> list[list[str] | None]:
        labels: list[list[str] | None] = [None] * len(frame.tiles)
        if self.model.uses_features:
            labels[0] = list(self.model.features)
        elif self.model.is_plane:
            labels[0] = list(self.model.data.input_names)
        elif self.model.trainer.network.depth:
            labels[-1] = list(self.model.trainer.data.dataset.classes)
        return labels

    def _show_stats(self, history: dict[str, list]) -> None:
        if not history["epoch"]:
            return
        rows = []
        for part, name in (("test", "Test"), ("train", "Training")):
            row = f"{name} loss <b>{_number(history[f'{part}_loss'][-1])}</b>"
            if self.model.task != "regression":
                row += f" &middot; accuracy <b>{history[f'{part}_accuracy'][-1]:.0%}</b>"
            rows.append(row)
        self._stats.value = "<br>".join(rows)

    def _show_state(self, change=None) -> None:
        model = self.model
        self._epoch.value = (
            f'<span class="dllab-epoch" style="font-size:1.3em;margin:0 12px">'
            f"Epoch <b>{model.epoch:,}</b></span>"
        )
        self._say(model.message)


def _number(value: float) -> str:
    """A loss as a person reads it: 0.012, 3.47, 2.1e+05 (a diverged run)."""
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.2g}"


def _powers_of_ten(values: np.ndarray, most: int = 6) -> np.ndarray:
    """Tick values for a log axis: powers of ten from at or below the smallest of `values`
    to at or above the largest, at most `most` of them (and at least two)."""
    finite = values[np.isfinite(values) & (values > 0)]
    if finite.size == 0:
        return 10.0 ** np.arange(-3, 1)
    low, high = int(np.floor(np.log10(finite.min()))), int(np.ceil(np.log10(finite.max())))
    high = max(high, low + 1)
    step = max(1, int(np.ceil((high - low) / (most - 1))))
    return 10.0 ** np.arange(low, high + step, step)
