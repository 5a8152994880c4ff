"""The lab's training model: every setting as a trait, the trainer, and the frames to draw.

Nothing in this module refers to a widget. The view sets traits and calls `advance`
or `frame`; the model never calls the view. It is used from two threads (the widget
callbacks and the training loop), so everything that touches the trainer holds
`self.lock`; so does a setting's change with all that follows from it (a preset's many
settings, the output a dataset brings), which the loop builds whole, once.
"""

from __future__ import annotations

import contextlib
import difflib
import threading
import time
from typing import Any

import numpy as np
import traitlets as t
from numpy.typing import NDArray

from ..core import (
    DEFAULT_HEAD,
    HEADS,
    PLAYGROUND_SETS,
    Dataset,
    LayerNetwork,
    Trainer,
    make_dataset,
    make_trainer,
    plane_extent,
    split,
)
from ..core.checks import check_choice
from .frames import Frame, PlanePictures, conv_pictures, example_pictures
from .limits import (  # noqa: F401 (MAX_* read from here by lessons and tests)
    IMAGE_SHAPES,
    MAX_BATCH_SIZE,
    MAX_CONV_LAYERS,
    MAX_EPOCHS_PER_FRAME,
    MAX_HIDDEN_LAYERS,
    MAX_NEURONS_PER_LAYER,
    MAX_REGULARIZATION_RATE,
    MAX_SEED,
    OWN_DATA,
    SETTING_CHECKS,
    STATUSES,
    TRAIN_SECONDS_PER_FRAME,
    TRAIN_SHARE_RANGE,
    LayerWidths,
    check_conv_layers,
    known_choice,
    most_conv_layers,
    named_task,
    plain_value,
    read_features,
    read_widths,
)
from .presets import PRESETS, SHARED, defaults, preset
from .progress import ProgressCheck


class LabModel(t.HasTraits):
    """Settings and state of one lab. Changing any setting marks the run stale; the next
    `sync()` (the training loop calls it) rebuilds data, network and trainer from scratch.

    `hidden` is the one truth about the layers: `depth` and `width` are its views for the
    sliders (writing one rewrites `hidden`).

    `conv_layers` and `filters` apply to pictures (shapes, digits, your own data with an
    image_shape): with conv_layers > 0 the network is convolutional, its blocks before the
    hidden layers (dllab.core.recipe). On 2-D data they are kept but unused (the view
    hides their sliders), so that going back to pictures brings them back. A data set
    whose pictures take fewer blocks (8 x 8 digits take 2) lowers conv_layers when chosen,
    and more is refused with a message saying how many fit."""

    # data
    dataset = t.Unicode("circle")
    noise = t.Float(0.0)
    train_share = t.Float(0.5)
    batch_size = t.Int(10)
    features = t.List(t.Unicode(), default_value=["x1", "x2"])
    data_seed = t.Int(0)
    # network
    hidden = LayerWidths()
    depth = t.Int(2)  # len(hidden)
    width = t.Int(4)  # max(hidden); the width new layers get
    conv_layers = t.Int(0)  # pictures only: convolutional blocks before `hidden`
    filters = t.Int(8)
    activation = t.Unicode("tanh")
    head = t.Unicode("tanh")
    init = t.Unicode("playground")
    regularization = t.Unicode("none")
    regularization_rate = t.Float(0.0)
    # training
    optimizer = t.Unicode("sgd")
    learning_rate = t.Float(0.03)
    seed = t.Int(0)
    epochs_per_frame = t.Int(1)
    playing = t.Bool(False)
    paused = t.Bool(False)  # the learner paused: a new setting rebuilds the run, still paused
    # what is shown, not how it trains
    focus = t.Tuple(t.Int(), t.Int(), default_value=(-1, -1))  # (column, tile) shown large
    example = t.Int(0)  # the test example whose activations the digits view shows
    show_test = t.Bool(False)
    discretize = t.Bool(False)
    # state, read by the view
    epoch = t.Int(0)  # epochs ended
    progress = t.Float(0.0)  # epochs trained, the part of the one under way included
    status = t.Enum(STATUSES, default_value="ready")
    message = t.Unicode("")
    version = t.Int(0)

    SETTINGS = [*SHARED]  # what rebuilds the run when it changes
    # What LabModel(...) and Lab(...) take besides SHARED: the layers' other form.
    SHAPE = ("depth", "width")
    _LOCKED = frozenset([*SETTINGS, *SHAPE])  # set under the lock (see the module's notes)

    def __init__(self, own_data: Dataset | None = None, **settings: Any) -> None:
        """Raises ValueError or TypeError naming the setting, its value and what is allowed."""
        if own_data is not None and not isinstance(own_data, Dataset):
            raise TypeError(
                "data must be a Dataset (from dllab.from_arrays or dllab.from_csv); "
                f"got {type(own_data).__name__}: {own_data!r:.60}"
            )
        self.own_data = own_data
        settings = self._checked(self._layer_shape(settings))
        self.lock = threading.RLock()
        super().__init__(**settings)
        self.stale = threading.Event()
        self.trainer: Trainer | None = None
        self._progress = ProgressCheck()  # stuck? settled?
        self.data: Dataset | None = None
        self._data_key: tuple | None = None  # (dataset, noise, data_seed) of `data`
        self._pictures = PlanePictures()
        self.observe(self._mark_stale, names=self.SETTINGS)
        self.stale.set()
        self.sync()

    # -- checking settings: each names the setting, the value and what is allowed -----------
    def check(self, name: str, value: Any) -> Any:
        """`value` as setting `name` holds it, or ValueError/TypeError saying why not."""
        if name == "dataset":
            return check_choice("dataset", value, self.dataset_names())
        if name not in SETTING_CHECKS:
            known = [*SHARED, *self.SHAPE]
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TypeError(
                f"{name!r} is not a setting of the lab; {hint}known: {', '.join(known)}"
            )
        return SETTING_CHECKS[name](value)

    def _checked(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Every setting checked, and the head and the conv layers checked against the data."""
        settings = {name: self.check(name, value) for name, value in settings.items()}
        dataset = settings.get("dataset", self.dataset)
        if "head" in settings:
            self.check_head(settings["head"], dataset)
        if "conv_layers" in settings:
            check_conv_layers(settings["conv_layers"], self.image_shape_of(dataset), dataset)
        return settings

    def check_head(self, head: str, dataset: str) -> None:
        task = self.task_of(dataset)
        if task is not None and task not in HEADS[head].tasks:
            raise ValueError(
                f"the {head} output does not fit {dataset} ({task} data): "
                f"choose {' or '.join(h for h in HEADS if task in HEADS[h].tasks)}"
            )

    def _layer_shape(self, settings: dict[str, Any]) -> dict[str, Any]:
        """`hidden`, or `depth` and `width` (all layers alike), never both."""
        shape = {name: settings.pop(name) for name in self.SHAPE if name in settings}
        if not shape:
            return settings
        if "hidden" in settings:
            given = ", ".join(f"{name}={value!r}" for name, value in shape.items())
            raise ValueError(
                f"give hidden (each layer's width) or depth and width, not both: got "
                f"hidden={settings['hidden']!r} and {given}"
            )
        depth = self.check("depth", shape.get("depth", self.depth))
        width = self.check("width", shape.get("width", self.width))
        return {**settings, "hidden": [width] * depth}

    @t.validate(*SHARED, "depth", "width", "example")
    def _check_trait(self, proposal):
        try:
            value = self.check(proposal.trait.name, proposal.value)
            if proposal.trait.name == "head":
                self.check_head(value, self.dataset)
            if proposal.trait.name == "conv_layers":
                check_conv_layers(value, self.image_shape_of(self.dataset), self.dataset)
        except (ValueError, TypeError) as error:
            raise t.TraitError(str(error)) from None
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        with self.lock if name in self._LOCKED else contextlib.nullcontext():
            super().__setattr__(name, value)  # with all its observers change

    # -- depth and width: views of `hidden` ---------------------------------------------------
    @t.observe("hidden")
    def _hidden_changed(self, change) -> None:
        self.depth = len(change.new)
        if change.new:
            self.width = max(change.new)

    @t.observe("depth")
    def _depth_changed(self, change) -> None:
        if change.new != len(self.hidden):  # the slider moved: new layers get `width`
            kept = self.hidden[: change.new]
            self.hidden = kept + [self.width] * (change.new - len(kept))

    @t.observe("width")
    def _width_changed(self, change) -> None:
        if self.hidden and change.new != max(self.hidden):  # the slider moved: every layer
            self.hidden = [change.new] * len(self.hidden)

    @t.observe("playing")
    def _playing_changed(self, change) -> None:
        # Play pressed again after the loss settled: train on, judged afresh from here.
        if change.new and self.status == "converged":
            with self.lock:
                self._progress.train_on(self.epoch)
                self.status, self.message = "training", ""

    @t.observe("dataset")
    def _dataset_changed(self, change) -> None:
        # A new kind of data brings the output that fits it (the playground does the same).
        if self.task not in HEADS[self.head].tasks:
            self.head = DEFAULT_HEAD[self.task]
        # and no more conv layers than its pictures take (8 x 8 digits take 2)
        shape = self.image_shape_of(self.dataset)
        if shape is not None:
            self.conv_layers = min(self.conv_layers, most_conv_layers(shape))
        self.focus = (-1, -1)

    def set_layer_width(self, layer: int, width: int) -> None:
        """Give hidden layer `layer` (0 = first) its own width."""
        widths = list(self.hidden)
        if not 0 <= layer < len(widths):
            raise ValueError(f"layer={layer} does not exist: the network has {len(widths)}")
        widths[layer] = width
        self.hidden = widths

    # -- data --------------------------------------------------------------------------------
    def dataset_names(self) -> list[str]:
        names = [*PLAYGROUND_SETS, *IMAGE_SHAPES]
        return names + [OWN_DATA] if self.own_data is not None else names

    def task_of(self, dataset: str) -> str | None:
        """The task of data set `dataset` (None for a name that is not one)."""
        if dataset == OWN_DATA:
            return self.own_data.task if self.own_data is not None else None
        return named_task(dataset)

    def image_shape_of(self, dataset: str) -> tuple[int, int] | None:
        """The (height, width) of data set `dataset`'s pictures; None if not pictures."""
        if dataset == OWN_DATA:
            return self.own_data.image_shape if self.own_data is not None else None
        return IMAGE_SHAPES.get(dataset)

    @property
    def on_pictures(self) -> bool:
        """True when the data are pictures: the conv layers and filters apply."""
        return self.image_shape_of(self.dataset) is not None

    @property
    def is_conv(self) -> bool:
        """True when the run's network is convolutional."""
        return self.trainer is not None and isinstance(self.trainer.network, LayerNetwork)

    @property
    def task(self) -> str | None:
        return self.task_of(self.dataset)

    @property
    def is_plane(self) -> bool:
        """True for 2-D data, whose neurons can be drawn over the input plane."""
        return self.data is not None and self.data.n_inputs == 2

    @property
    def uses_features(self) -> bool:
        """True when the input features apply: the 2-D sets with a known domain (your own
        2-D data is fed as it is, see `_build`)."""
        return self.is_plane and bool(self.data.extent)

    @property
    def extent(self) -> float:
        return plane_extent(self.data)

    def grid(self, resolution: int) -> NDArray[np.float64]:
        """The points the pictures are computed on: `dllab.core.plane.plane_grid` over
        this data's plane."""
        return self._pictures.grid(self.extent, resolution)

    # -- settings as a whole -----------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The settings a setup string shares (see dllab.lab.presets)."""
        return {key: plain_value(getattr(self, key)) for key in SHARED}

    def whole(self, settings: dict[str, Any]) -> dict[str, Any]:
        """`settings` with what they leave out at its default, the head at the one that fits
        their data."""
        whole = {**defaults(), **settings}
        if "head" not in settings:
            whole["head"] = DEFAULT_HEAD.get(self.task_of(whole["dataset"]), whole["head"])
        return whole

    def apply(self, settings: dict[str, Any], whole: bool = False) -> None:
        """Set many settings at once: all of them, or (on a bad one) none, with a ValueError
        or TypeError naming it. The data comes before the head that fits it; a head left out
        that does not fit the new data becomes the data's own. `whole`: what `settings`
        leave out goes back to its default (a preset, a setup string)."""
        unknown = [key for key in settings if key not in SHARED]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a setting; known: {', '.join(SHARED)}")
        if whole:
            settings = self.whole(settings)
        settings = {key: self.check(key, value) for key, value in settings.items()}
        dataset = settings.get("dataset", self.dataset)
        head = settings.get("head", self.head)
        if "head" not in settings and self.task_of(dataset) not in HEADS[head].tasks:
            settings["head"] = DEFAULT_HEAD[self.task_of(dataset)]
        self.check_head(settings.get("head", head), dataset)
        conv_layers = settings.get("conv_layers", self.conv_layers)
        check_conv_layers(conv_layers, self.image_shape_of(dataset), dataset)
        with self.lock, self.hold_trait_notifications():  # one change, seen and built whole
            for key in SHARED:  # the data before the output that fits it
                if key in settings:
                    setattr(self, key, settings[key])

    def matching_preset(self) -> str:
        """The name of the preset whose settings are the lab's now, or ''."""
        current = self.settings()
        return next((name for name in PRESETS if self.whole(preset(name)) == current), "")

    def regenerate(self) -> None:
        """New points from the same generator."""
        self.data_seed = (self.data_seed + 1) % (MAX_SEED + 1)

    # -- running -----------------------------------------------------------------------------
    def _mark_stale(self, change=None) -> None:
        self.stale.set()

    def sync(self) -> bool:
        """Rebuild if a setting changed since the last build. Returns True if it rebuilt."""
        if not self.stale.is_set():
            return False
        with self.lock:
            self.stale.clear()
            self._progress.restart()
            try:
                self._build()
            except (ValueError, TypeError) as error:
                self.trainer = None
                self.status, self.message = "error", str(error)
            else:
                self.status, self.message = "ready", ""
            self.epoch, self.progress = 0, 0.0
            self.version += 1
        return True

    def _build(self) -> None:
        key = (self.dataset, self.noise, self.data_seed)
        if self.dataset == OWN_DATA:
            data = self.own_data
        elif key == self._data_key and self.data is not None:
            data = self.data  # the same points (drawing 2,000 shapes takes a moment)
        else:
            data = make_dataset(self.dataset, noise=self.noise, seed=self.data_seed)
        # Conv layers on pictures only; a convolutional network has no regularisation
        # (the view disables those controls then).
        conv_layers = self.conv_layers if data.image_shape is not None else 0
        self.trainer = make_trainer(
            split(data, self.train_share, seed=self.data_seed),
            self.hidden,
            activation=self.activation,
            head=self.head,
            init=self.init,
            regularization="none" if conv_layers else self.regularization,
            regularization_rate=self.regularization_rate,
            features=list(self.features) if data.n_inputs == 2 and data.extent else None,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            seed=self.seed,
            conv_layers=conv_layers,
            filters=self.filters,
        )
        self.data, self._data_key = data, key
        if conv_layers:  # its first scores take a moment: a chunk per frame (see loop.py)
            self.trainer.start_record()
        else:
            self.trainer.record()

    @property
    def recording(self) -> bool:
        """True while the run's latest scores are being computed, a chunk per frame."""
        trainer = self.trainer
        return trainer is not None and trainer.recording

    def go_on_recording(self) -> None:
        """Compute the scores under way for one frame's time, without training (a paused
        lab's new convolutional run)."""
        with self.lock:
            trainer = self.trainer
            deadline = time.perf_counter() + TRAIN_SECONDS_PER_FRAME
            while trainer is not None and trainer.recording:
                trainer.record_some(1)
                if time.perf_counter() >= deadline:
                    break

    def reset(self) -> None:
        """Start the same run again from its first weights."""
        self.stale.set()
        self.sync()

    def advance(self, epochs: int | None = None) -> bool:
        """Train `epochs` epochs (the first finishes the one under way, if any); by
        default one frame's worth: `epochs_per_frame` epochs, or what fits in
        TRAIN_SECONDS_PER_FRAME if that is less (part of an epoch for a convolutional
        network). False if it cannot train."""
        self.sync()
        with self.lock:
            trainer = self.trainer
            if trainer is None or trainer.diverged:
                return False
            if epochs is None:
                trainer.train_within(self.epochs_per_frame, TRAIN_SECONDS_PER_FRAME)
            else:
                trainer.train(epochs)
            self.epoch, self.progress = trainer.epoch, trainer.progress
            return self._check_progress(trainer)

    def _check_progress(self, trainer: Trainer) -> bool:
        """After each chunk of epochs: say how the run goes, in `status` and `message`.
        False stops it (and pauses the lab): a diverged run. A run stuck at chance with its
        neurons saturated or dead (dllab.core.diagnosis) goes on, and says so. A playing run
        whose loss has settled (dllab.core.convergence) becomes "converged" and stops
        playing, and says why; pressing Play again trains on. Both are checked every
        CHECK_EVERY epochs (dllab.lab.progress)."""
        # A run that stops stops first, then says why: the page shows Play by the time it
        # reads the reason.
        if trainer.diverged:
            self.playing = False
            self.status, self.message = "diverged", trainer.message
            return False
        if self.status == "ready":
            self.status = "training"
        verdict = self._progress(trainer, self.playing)
        if verdict is not None:
            if verdict.stop:
                self.playing = False  # (not `paused`: the learner did not pause it)
            self.status, self.message = verdict.status, verdict.message
        return True

    # -- what to draw ------------------------------------------------------------------------
    def history(self) -> dict[str, list] | None:
        """A copy of the run's scores so far (the curves and numbers), or None."""
        with self.lock:
            trainer = self.trainer
            if trainer is None:
                return None
            return {key: list(trainer.history[key]) for key in trainer.history.keys()}

    def frame(self) -> Frame | None:
        """Everything one redraw needs, or None when there is no network to show."""
        with self.lock:
            trainer = self.trainer
            if trainer is None:
                return None
            history = self.history()
            weights = [W.copy() for W in trainer.network.weights]
            # A diverged network has infinite weights: its pictures are drawn as they are.
            with np.errstate(all="ignore"):
                if self.is_plane:
                    pictures = self._pictures(trainer, self.extent, self.focus)
                elif self.is_conv:
                    return conv_pictures(trainer, self.example, self.version, history)
                else:
                    pictures = example_pictures(trainer, self.example)
            tiles, surface, title, probabilities = pictures
            link_from = 0 if self.is_plane else 1
            return Frame(
                self.version,
                trainer.epoch,
                tiles,
                weights[link_from:],
                surface,
                title,
                history,
                probabilities,
                link_from=link_from,
            )
