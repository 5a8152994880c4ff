"""`Lab`: the whole lab as one widget, a thin view over `LabModel`.

Its controls are declared once (`controls.CONTROLS`) and bound to the model's traits by
`dllab.ui.build_controls`, with one `MessageArea`; its panels and plots are built in
`panels`. Plots are redrawn from `LabModel.frame()` by changing marks, never by rebuilding
them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
import numpy as np

from ..core import Dataset
from ..core.checks import check_choice, check_names
from ..ui import MessageArea, NetworkCanvas, build_controls
from ..ui.theme import STYLE
from .controls import CONTROLS
from .frames import layer_names
from .loop import MOST_ANSWERED, TrainingLoop
from .model import LabModel
from .panels import (
    CURVES_PX,
    WIDE_CURVES_PX,
    GradientPlot,
    LossPlot,
    OutputPanel,
    action_button,
    epoch_html,
    heading,
)
from .presets import PRESETS, SHARED, chosen_settings, decode_setup, encode_setup
from .presets import preset as named_preset

# Which curves plot sits in the output column, beside Play (the other goes under the panels).
OUTPUT_COLUMN = ("loss", "gradient_flow")
# Settings of dense networks only: disabled while the network is convolutional.
DENSE_ONLY = ("init", "regularization", "regularization_rate")
# Parts of the lab that `hide` takes besides its controls (and older names of controls).
OTHER_PARTS = (
    "layer_widths play step reset regenerate preset setup test_data more_settings "
    "loss gradient_flow"
).split()
PARTS = [name for name, _, _ in CONTROLS] + OTHER_PARTS
# Lab()'s keywords besides the settings (named in the error for a misspelt one).
LAB_KEYWORDS = ("data", "preset", "setup", "hide", "autostart", "output_column")
STATUS_KIND = {"diverged": "error", "stuck": "error", "error": "error", "converged": "info"}
# A frame is one message: the network picture, with the output over the plane and the loss
# and accuracy curves in it (NetworkCanvas, PlaneView, CurvesView). While training, the
# numbers (epoch counter, scores) and the gradient-flow plot are redrawn at most this often:
# a person reads a number a few times a second, and every widget changed costs a message
# to the page through the server (and the server's CPU: benchmarks/bench_load.py).
# On a busy server frames are few, and the numbers wait for more of them: at 30 learners
# on 2 cores (about 10 frames/s each) they went out twice a second, a third of the messages
# relayed; every 8 frames is about once a second there, and every 0.24 s at 33 frames/s.
TEXT_INTERVAL = 0.2
TEXT_FRAMES = 8  # ...and every this many frames at most


class Lab(w.VBox):
    """The lab: sliders for data, depth, width and learning rate; live plots.

    Lab() starts on circle with TensorFlow Playground's defaults. Any setting of
    `LabModel` can be given: Lab(dataset="spiral", hidden=[8, 8, 8], learning_rate=0.01),
    or the layers as depth and width: Lab(depth=3, width=8).

    data : your own Dataset (from dllab.from_arrays or dllab.from_csv).
    preset, setup : a named preset (dllab.lab.presets.PRESETS) or a shared setup string;
        settings given by name win over both.
    hide : parts to hide (see `PARTS`), e.g. to keep a first lesson to three sliders.
    output_column : the curves plot beside the output, "loss" or "gradient_flow"; the
        other goes under the panels.
    """

    def __init__(
        self,
        data: Dataset | None = None,
        preset: str | None = None,
        setup: str | None = None,
        hide: Sequence[str] = (),
        autostart: bool = True,
        output_column: str = "loss",
        **settings: Any,
    ) -> None:
        hide = _check_hide(hide)
        output_column = check_choice("output_column", output_column, OUTPUT_COLUMN)
        if not isinstance(autostart, bool):
            raise TypeError(f"autostart must be True or False; got {autostart!r}")
        chosen = chosen_settings(preset, setup, settings, LabModel.SHAPE, LAB_KEYWORDS)
        if data is not None:
            chosen.setdefault("dataset", "my data")
        self.model = model = LabModel(own_data=data, **chosen)

        self._messages = MessageArea()
        self._controls = c = build_controls(model, CONTROLS, self._messages, self._accepted)
        self._play = c["playing"]
        self._epoch = w.HTML()
        self._canvas = NetworkCanvas(width_px=515, height_px=400, ack_every=MOST_ANSWERED)
        self._canvas.observe(self._focus_changed, names=["hovered", "selected"])
        in_column = output_column == "loss"
        self._loss = LossPlot(self._canvas, CURVES_PX if in_column else WIDE_CURVES_PX)
        self._gradient = GradientPlot(WIDE_CURVES_PX if in_column else CURVES_PX)
        beside, under = (self._loss, self._gradient)[:: 1 if in_column else -1]
        self._output = OutputPanel(c, beside.box, self._canvas)
        self._buttons = {
            "step": action_button("Step", "step-forward", "train one epoch", self.step),
            "reset": action_button("Reset", "undo", "start again", self.reset),
            "regenerate": action_button(
                "Regenerate", "refresh", "new points from the same data set", model.regenerate
            ),
        }
        self._preset = w.Dropdown(
            description="Preset",
            style=STYLE,
            options=[("(choose one)", "")] + [(name, name) for name in PRESETS],
            layout=w.Layout(width="300px"),
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
        self._more = w.ToggleButton(
            description="More settings",
            icon="sliders",
            tooltip="the problem, optimiser, regularisation, seed, speed and setup string",
            layout=w.Layout(width="150px"),
        )
        self._more.observe(self._show_more, names="value")
        features = w.VBox([heading("Features"), c["features"]])
        self._more_box = self._layout(features, under)
        self._parts: dict[str, w.Widget] = {
            **c,
            "features": features,
            "layer_widths": c["hidden"],
            "play": c["playing"],
            "test_data": c["show_test"],
            **self._buttons,
            "preset": self._preset,
            "setup": self._setup,
            "more_settings": self._more,
            "loss": self._loss.box,
            "gradient_flow": self._gradient.box,
        }
        self.hide(hide)
        self._show_more()
        self.add_class("dllab-lab")

        self._text_at = 0.0  # when the numbers were last written (see TEXT_INTERVAL)
        self._frames_since_text = 0
        self._text_behind = False  # the last frame sent left the numbers as they were
        self._numbers_only = False  # the next redraw only catches the numbers up
        model.observe(self._show_state, names=["epoch", "progress", "status", "message"])
        model.observe(self._settings_changed, names=list(SHARED))
        model.observe(self._show_conv, names="dataset")
        self._settings_changed()
        self._show_conv()
        self._shown_version = -1
        self.loop = TrainingLoop(
            model,
            self.draw,
            self._canvas.wait_drawn,
            drawn=lambda: self._canvas.drawn,
            # The page answers every few frames (the loop chooses how many from its
            # frame rate); one more than that in flight never makes a page that keeps up wait.
            in_flight=MOST_ANSWERED + 1,
            queueing=self._canvas.queueing,
            unshown=self._canvas.unshown,
            answer_every=self._canvas.answer_every,
            hidden=lambda: self._canvas.page_hidden,
        )
        self._canvas.observe(lambda _: self.loop.poke(), names="page_hidden")
        model.observe(lambda _: self.loop.poke(), names=LabModel.SETTINGS)
        model.observe(self._look_changed, names=["focus", "example", "show_test", "discretize"])
        model.observe(self._playing_changed, names="playing")
        self.draw()
        self._show_state()
        if autostart:
            self.loop.start()

    def _layout(self, features: w.Widget, under) -> w.Box:
        """Lay the lab out; returns the box of rarely used settings (shown on request).

        At 1280 x 800 (a projector) Play, the network, the output and the plot beside it
        are all on screen: one toolbar, then the three panels side by side in 1090 px, so
        that they also fit in JupyterLab with its file browser hidden."""
        c = self._controls
        self._conv_row = w.HBox([c["conv_layers"], c["filters"]])
        c["playing"].layout.width = "90px"
        c["learning_rate"].layout.width = "300px"
        for half_row in (c["depth"], c["width"], c["hidden"], c["activation"]):
            half_row.layout.width = "255px"
        for half_row in (c["conv_layers"], c["filters"]):
            half_row.layout.width = "255px"
        for in_column in (c["dataset"], c["noise"], c["train_share"], c["batch_size"]):
            in_column.layout.width = "240px"
        c["head"].layout.width = "370px"
        toolbar = w.HBox(
            [
                c["playing"],
                self._buttons["step"],
                self._buttons["reset"],
                self._epoch,
                c["learning_rate"],
                self._more,
                self._preset,
            ],
            layout=w.Layout(align_items="center", flex_flow="row wrap"),
        )
        more = w.VBox(
            [
                w.HBox([c["head"], c["optimizer"], c["regularization"]]),
                w.HBox([c["regularization_rate"], c["init"], c["seed"], c["epochs_per_frame"]]),
                self._setup,
            ]
        )
        data_panel = w.VBox(
            [
                heading("Data"),
                c["dataset"],
                c["noise"],
                c["train_share"],
                c["batch_size"],
                self._buttons["regenerate"],
                features,
            ],
            layout=w.Layout(width="245px"),
        )
        network_panel = w.VBox(
            [
                heading("Network"),
                w.HBox([c["depth"], c["width"]]),
                w.HBox([c["hidden"], c["activation"]]),
                self._conv_row,
                self._canvas,
            ]
        )
        super().__init__(
            [
                toolbar,
                more,
                self._messages,
                # Panels wrap under each other on a narrow page (JupyterLab with its sidebar).
                w.HBox(
                    [data_panel, network_panel, self._output.box],
                    layout=w.Layout(flex_flow="row wrap"),
                ),
                w.HBox([under.box]),
            ]
        )
        return more

    # -- the learner's changes ---------------------------------------------------------------
    def _accepted(self, trait: str) -> None:
        """A control's change was made. Play plays and pauses; a new setting rebuilds the
        run, and plays unless the learner paused (then it shows the new run's epoch 0)."""
        model = self.model
        if trait == "playing":
            model.paused = not model.playing
        elif trait in LabModel.SETTINGS or trait in LabModel.SHAPE:
            if not model.paused:
                model.playing = True

    def _focus_changed(self, change) -> None:
        selected, hovered = self._canvas.selected, self._canvas.hovered
        self.model.focus = tuple(selected if selected[0] >= 0 else hovered)

    def _show_conv(self, change=None) -> None:
        """The conv layers and filters apply to pictures only: on 2-D data their row is
        hidden (their values are kept, unused, until pictures come back)."""
        self._conv_row.layout.display = None if self.model.on_pictures else "none"

    def _show_more(self, change=None) -> None:
        self._more_box.layout.display = None if self._more.value else "none"

    # -- classroom mode ----------------------------------------------------------------------
    def hide(self, names: Sequence[str]) -> None:
        """Hide controls or plots by name (see `PARTS`), e.g. to keep a first lesson to
        three sliders. A hidden part leaves the page (a figure hidden with display:none
        would be drawn at zero size)."""
        names = _check_hide(names)
        hidden = {id(self._parts[name]) for name in names}
        for name in names:
            self._parts[name].layout.display = "none"
        if self._output.plot is not None and id(self._output.plot) in hidden:
            self._output.plot = None
            self._output.on_plane = None
            self._output.show_plane(self.model.is_plane)
        todo = [self]
        while todo:
            box = todo.pop()
            children = getattr(box, "children", ())
            if any(id(child) in hidden for child in children):
                box.children = [child for child in children if id(child) not in hidden]
            todo.extend(box.children if children else ())

    @property
    def setup(self) -> str:
        """This lab's setup as a short string: Lab(setup=...) rebuilds it identically."""
        return encode_setup(self.model.settings())

    def _settings_changed(self, change=None) -> None:
        """The setup string and the preset dropdown say what the model holds."""
        self._setup.value = self.setup
        self._preset.value = self.model.matching_preset()

    def _setup_typed(self, change) -> None:
        if change.new != self.setup:
            self._load(lambda: decode_setup(change.new))

    def _preset_chosen(self, change) -> None:
        if change.new and change.new != self.model.matching_preset():
            self._load(lambda: named_preset(change.new))

    def _load(self, read_settings: Callable[[], dict[str, Any]]) -> None:
        """Apply a preset or a pasted setup whole, or nothing with the reason kept on screen."""
        model = self.model
        try:
            before = model.settings()
            model.apply(read_settings(), whole=True)
        except (ValueError, TypeError) as error:
            self._messages.refuse(str(error))
        else:
            self._messages.accept()
            if model.settings() != before and not model.paused:
                model.playing = True
        self._settings_changed()

    # -- actions -----------------------------------------------------------------------------
    def step(self) -> None:
        """Pause and train one epoch."""
        self.model.playing, self.model.paused = False, True
        self.model.advance(1)
        self.loop.poke(redraw=True)

    def reset(self) -> None:
        """Pause and start the same run again from its first weights."""
        self.model.playing, self.model.paused = False, True
        self.model.reset()
        self.loop.poke(redraw=True)

    def close(self) -> None:
        if hasattr(self, "loop"):  # not when __init__ failed (Widget.__del__ closes too)
            self.loop.close()
        super().close()

    # -- drawing -----------------------------------------------------------------------------
    def draw(self) -> None:
        """Redraw everything from the model's current frame (the loop calls this)."""
        model = self.model
        if self._numbers_only and model.version == self._shown_version:
            self._numbers_only = False  # only the numbers: no picture computed or sent
            history = model.history()
            if history is not None:
                self._write_numbers(history, model.task != "regression", time.monotonic())
            return
        frame = model.frame()
        if frame is None:
            return
        new_run = frame.version != self._shown_version
        if new_run:
            self._new_run(frame)
        now = time.monotonic()
        self._frames_since_text += 1
        due = now - self._text_at >= TEXT_INTERVAL and self._frames_since_text >= TEXT_FRAMES
        text = new_run or not model.playing or due
        classifying = model.task != "regression"
        curves, curves_top = self._loss.curves(frame.history, classifying)
        surface = frame.surface
        if surface is not None:
            surface = np.sign(surface) if model.discretize else surface
            self._output.plane.show_test = model.show_test
        elif frame.probabilities is not None:
            self._output.show_classes(model.data.classes, frame.probabilities)
        self._canvas.show(
            frame.tiles,
            frame.weights,
            frame.titles or self._titles(frame),
            self._labels(frame),
            link_from=frame.link_from,
            run=frame.version,
            surface=surface,
            surface_title=frame.surface_title if surface is not None else "",
            curves=curves,
            curves_top=curves_top,
        )
        # The rest after the picture: a new run's picture, which a learner who moved a
        # slider waits for, reaches the page before them.
        if new_run:
            self._new_run_after_picture()
        if text:
            self._write_numbers(frame.history, classifying, now)
        self._text_behind = not text

    def _write_numbers(self, history: dict[str, list], classifying: bool, now: float) -> None:
        """The parts a frame sends only a few times a second (see TEXT_INTERVAL)."""
        self._text_at, self._frames_since_text, self._text_behind = now, 0, False
        self._gradient.show(history)
        self._output.show_stats(history, classifying)
        self._write_state()

    def _look_changed(self, change=None) -> None:
        """A neuron, an example or a display option chosen: the picture again."""
        self._numbers_only = False
        self.loop.poke(redraw=True)

    def _playing_changed(self, change) -> None:
        """Stopped (paused, settled, diverged, nobody watching): if the last frame left the
        numbers behind, the loop writes them, and sends no new picture."""
        if not change.new and self._text_behind:
            self._numbers_only = True
            self.loop.poke(redraw=True)

    def _new_run(self, frame) -> None:
        """Once per run, before its first picture: the points, and which plots apply."""
        model, trainer = self.model, self.model.trainer
        self._shown_version = frame.version
        plane = model.is_plane
        self._output.show_plane(plane)
        self._loss.new_run(model.task != "regression")
        data = trainer.data
        if plane:
            self._output.plane.show_points(
                data.X_train, data.y_train, data.X_test, data.y_test, extent=model.extent
            )
        else:
            self._controls["example"].max = len(trainer.X_test) - 1
            self._output.show_classes(list(data.dataset.classes))

    def _new_run_after_picture(self) -> None:
        """Once per run, after its first picture (which a learner who moved a control waits
        for, and which waits behind every message sent before it): the gradient plot's
        layers, and the controls that apply."""
        model = self.model
        self._gradient.new_run(layer_names(model.trainer.network))
        self._controls["features"].disabled = not model.uses_features
        for name in DENSE_ONLY:
            self._controls[name].disabled = model.is_conv
            self._controls[name].tooltip = (
                "for dense networks: this convolutional network does not use it"
                if model.is_conv
                else None
            )

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
        elif self.model.is_conv or self.model.trainer.network.depth:
            labels[-1] = list(self.model.trainer.data.dataset.classes)
        return labels

    def _show_state(self, change=None) -> None:
        """The epoch counter and the model's message; while training, the counter is left to
        the next frame that writes the numbers (see TEXT_INTERVAL), and so is a new run's
        fresh start: its first frame writes them after its picture."""
        if change is not None and self.model.playing:
            if change.name in ("epoch", "progress") or self.model.status == "ready":
                return
        self._write_state()

    def _write_state(self) -> None:
        model = self.model
        self._epoch.value = epoch_html(
            model.epoch, model.progress - model.epoch if model.is_conv else None
        )
        self._messages.status(model.message, STATUS_KIND.get(model.status, "info"))


def _check_hide(names: Any) -> list[str]:
    if isinstance(names, str):
        names = [names]
    return check_names("hide", names, PARTS, "a part of the lab", "parts of the lab")
