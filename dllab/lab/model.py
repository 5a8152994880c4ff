"""The lab's training model: every setting as a trait, the trainer, and the frames to draw.

Nothing in this module refers to a widget. The view sets traits and calls `advance`
or `frame`; the model never calls the view. It is used from two threads (the widget
callbacks and the training loop), so everything that touches the trainer holds
`self.lock`.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import traitlets as t
from numpy.typing import NDArray

from ..core import (
    ACTIVATIONS,
    DEFAULT_HEAD,
    FEATURES,
    HEADS,
    OPTIMIZERS,
    PLAYGROUND_SETS,
    Dataset,
    Trainer,
    make_dataset,
    make_trainer,
    plane_extent,
    split,
)
from ..core.checks import check_choice, check_float, check_int
from ..core.convergence import FLOOR, IMPROVEMENT, Settled, settled
from ..core.data import MAX_NOISE
from ..core.diagnosis import Diagnosis, diagnose
from ..core.network import INITIALIZERS, REGULARIZERS
from ..core.optimizers import check_learning_rate
from ..ui.theme import format_number
from .frames import Frame, PlanePictures, example_pictures
from .presets import PRESETS, SHARED, defaults, preset

# The lab's limits, each named for what it limits (the engine allows bigger networks; the
# lab keeps to what its pictures can show and a workshop's laptop can train live).
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS_PER_LAYER = 32
MAX_BATCH_SIZE = 1000
MAX_EPOCHS_PER_FRAME = 100
MAX_SEED = 2**32 - 1
MAX_REGULARIZATION_RATE = 10.0
TRAIN_SHARE_RANGE = (0.1, 0.9)
OWN_DATA = "my data"
CHECK_EVERY = 10  # epochs between two checks of progress (stuck? settled?)
# What `LabModel.status` can be: built and not trained yet; training (or paused after
# training); stopped because the loss became infinite; still at chance level (set by a
# check of progress, see `LabModel._check_progress`); stopped because the loss has settled
# (dllab.core.convergence: Play shows again, pressing it trains on, and a new setting trains
# a new run as after any stop the learner did not ask for); a run that could not be built or
# drawn.
STATUSES = ("ready", "training", "diverged", "stuck", "converged", "error")


def read_widths(value: Any) -> list[int]:
    """Hidden layer widths from a list of whole numbers or from text such as '8, 6, 4'
    (what the "Layer widths" box holds)."""
    limits = f"1 to {MAX_NEURONS_PER_LAYER}"
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        try:
            widths = [int(part) for part in parts]
            return read_widths(widths)
        except (ValueError, TypeError):
            raise ValueError(
                f"layer widths {value!r} not understood: give whole numbers {limits} "
                f"separated by commas, at most {MAX_HIDDEN_LAYERS} of them"
            ) from None
    if isinstance(value, (bytes, dict, set)) or not isinstance(value, Iterable):
        raise TypeError(
            f"hidden must be a list of layer widths, e.g. [8, 8, 8] (or the text '8, 8, 8'); "
            f"got {value!r}"
        )
    widths = list(value)
    try:
        widths = [check_int("hidden", width, 1, MAX_NEURONS_PER_LAYER) for width in widths]
    except (ValueError, TypeError):
        widths = None
    if widths is None or len(widths) > MAX_HIDDEN_LAYERS:
        raise ValueError(
            f"hidden={list(value)} is not allowed: at most {MAX_HIDDEN_LAYERS} layers, "
            f"each {limits} neurons"
        )
    return widths


def read_features(value: Any) -> list[str]:
    """Input features, in FEATURES' order; at least one."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(
            f"features must be a list of feature names, e.g. ['x1', 'x2']; got {value!r}"
        )
    chosen = list(value)
    if not chosen or any(name not in FEATURES for name in chosen):
        raise ValueError(
            f"features={chosen} is not allowed: turn on at least one input feature, "
            f"from {', '.join(FEATURES)}"
        )
    return [name for name in FEATURES if name in chosen]


class LayerWidths(t.TraitType):
    """Hidden layer widths: a list of whole numbers (text such as '8, 6, 4' is read)."""

    info_text = "a list of layer widths"

    def make_dynamic_default(self) -> list[int]:
        return list(SHARED["hidden"][1])

    def validate(self, obj, value):
        try:
            return read_widths(value)
        except (ValueError, TypeError) as error:
            raise t.TraitError(str(error)) from None


class LabModel(t.HasTraits):
    """Settings and state of one lab. Changing any setting marks the run stale; the next
    `sync()` (the training loop calls it) rebuilds data, network and trainer from scratch.

    `hidden` is the one truth about the layers: `depth` and `width` are its views for the
    sliders (writing one rewrites `hidden`)."""

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
    epoch = t.Int(0)
    status = t.Enum(STATUSES, default_value="ready")
    message = t.Unicode("")
    version = t.Int(0)

    SETTINGS = [*SHARED]  # what rebuilds the run when it changes
    # What LabModel(...) and Lab(...) take besides SHARED: the layers' other form.
    SHAPE = ("depth", "width")

    def __init__(self, own_data: Dataset | None = None, **settings: Any) -> None:
        """Raises ValueError or TypeError naming the setting, its value and what is allowed."""
        if own_data is not None and not isinstance(own_data, Dataset):
            raise TypeError(
                "data must be a Dataset (from dllab.from_arrays or dllab.from_csv); "
                f"got {type(own_data).__name__}: {own_data!r:.60}"
            )
        self.own_data = own_data
        settings = self._checked(self._layer_shape(settings))
        super().__init__(**settings)
        self.lock = threading.RLock()
        self.stale = threading.Event()
        self.trainer: Trainer | None = None
        self._diagnosis: Diagnosis | None = None
        self._judged_from = 0  # the epoch Play was last pressed at (see `settled`)
        self._checked_at = 0  # the epoch of the last check of progress
        self.data: Dataset | None = None
        self._pictures = PlanePictures()
        self.observe(self._mark_stale, names=self.SETTINGS)
        self.stale.set()
        self.sync()

    # -- checking settings: each names the setting, the value and what is allowed -----------
    def check(self, name: str, value: Any) -> Any:
        """`value` as setting `name` holds it, or ValueError/TypeError saying why not."""
        checks: dict[str, Callable[[Any], Any]] = {
            "dataset": lambda v: check_choice("dataset", v, self.dataset_names()),
            "noise": lambda v: check_float("noise", v, 0.0, MAX_NOISE),
            "train_share": lambda v: check_float("train_share", v, *TRAIN_SHARE_RANGE),
            "batch_size": lambda v: check_int("batch_size", v, 1, MAX_BATCH_SIZE),
            "features": read_features,
            "data_seed": lambda v: check_int("data_seed", v, 0, MAX_SEED),
            "hidden": read_widths,
            "depth": lambda v: check_int("depth", v, 0, MAX_HIDDEN_LAYERS),
            "width": lambda v: check_int("width", v, 1, MAX_NEURONS_PER_LAYER),
            "activation": lambda v: check_choice("activation", v, ACTIVATIONS),
            "head": lambda v: check_choice("head", v, HEADS),
            "init": lambda v: check_choice("init", v, INITIALIZERS),
            "regularization": lambda v: check_choice("regularization", v, REGULARIZERS),
            "regularization_rate": lambda v: check_float(
                "regularization_rate", v, 0.0, MAX_REGULARIZATION_RATE
            ),
            "optimizer": lambda v: check_choice("optimizer", v, OPTIMIZERS),
            "learning_rate": check_learning_rate,
            "seed": lambda v: check_int("seed", v, 0, MAX_SEED),
            "epochs_per_frame": lambda v: check_int("epochs_per_frame", v, 1, MAX_EPOCHS_PER_FRAME),
            "example": lambda v: check_int("example", v, 0),
        }
        if name not in checks:
            known = [*SHARED, *self.SHAPE]
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TypeError(
                f"{name!r} is not a setting of the lab; {hint}known: {', '.join(known)}"
            )
        return checks[name](value)

    def _checked(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Every setting checked, and the head checked against the data."""
        settings = {name: self.check(name, value) for name, value in settings.items()}
        if "head" in settings:
            self.check_head(settings["head"], settings.get("dataset", self.dataset))
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
        except (ValueError, TypeError) as error:
            raise t.TraitError(str(error)) from None
        return value

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
                self._judged_from = self._checked_at = self.epoch
                self.status, self.message = "training", ""

    @t.observe("dataset")
    def _dataset_changed(self, change) -> None:
        # A new kind of data brings the output that fits it (the playground does the same).
        if self.task not in HEADS[self.head].tasks:
            self.head = DEFAULT_HEAD[self.task]
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
        names = [*PLAYGROUND_SETS, "digits"]
        return names + [OWN_DATA] if self.own_data is not None else names

    def task_of(self, dataset: str) -> str | None:
        """The task of data set `dataset` (None for a name that is not one)."""
        if dataset == OWN_DATA:
            return self.own_data.task if self.own_data is not None else None
        if dataset == "digits":
            return "multiclass"
        return _PLAYGROUND_TASKS.get(dataset)

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
        return {key: _plain(getattr(self, key)) for key in SHARED}

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
        with self.hold_trait_notifications():  # one change: observers see it whole
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
            self._diagnosis = None
            self._judged_from = self._checked_at = 0
            try:
                self._build()
            except (ValueError, TypeError) as error:
                self.trainer = None
                self.status, self.message = "error", str(error)
            else:
                self.status, self.message = "ready", ""
            self.epoch = 0
            self.version += 1
        return True

    def _build(self) -> None:
        if self.dataset == OWN_DATA:
            data = self.own_data
        else:
            data = make_dataset(self.dataset, noise=self.noise, seed=self.data_seed)
        self.trainer = make_trainer(
            split(data, self.train_share, seed=self.data_seed),
            self.hidden,
            activation=self.activation,
            head=self.head,
            init=self.init,
            regularization=self.regularization,
            regularization_rate=self.regularization_rate,
            features=list(self.features) if data.n_inputs == 2 and data.extent else None,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            optimizer=self.optimizer,
            seed=self.seed,
        )
        self.data = data
        self.trainer.record()

    def reset(self) -> None:
        """Start the same run again from its first weights."""
        self.stale.set()
        self.sync()

    def advance(self, epochs: int | None = None, most: int | None = None) -> bool:
        """Train `epochs` epochs, each scored on the curves; by default a frame's worth
        (epochs_per_frame, but at most `most`: the loop trains fewer when the machine is
        busy, so that frames keep coming), scored once at the end. False if it cannot
        train."""
        self.sync()
        with self.lock:
            trainer = self.trainer
            if trainer is None or trainer.diverged:
                return False
            if epochs is None:  # a frame's worth: one point on the curves per frame
                frame = self.epochs_per_frame if most is None else min(self.epochs_per_frame, most)
                trainer.train(max(1, frame), record_each=False)
            else:
                trainer.train(epochs)
            self.epoch = trainer.epoch
            return self._check_progress(trainer)

    def _check_progress(self, trainer: Trainer) -> bool:
        """After each chunk of epochs: say how the run goes, in `status` and `message`.
        False stops it (and pauses the lab): a diverged run. A run stuck at chance with its
        neurons saturated or dead (dllab.core.diagnosis) goes on, and says so. A playing run
        whose loss has settled (dllab.core.convergence) becomes "converged" and stops
        playing, and says why; pressing Play again trains on."""
        if trainer.diverged:
            self.status, self.message = "diverged", trainer.message
            self.playing = False
            return False
        if self.status == "ready":
            self.status = "training"
        if trainer.epoch < self._checked_at + CHECK_EVERY:
            return True
        self._checked_at = trainer.epoch
        self._diagnosis = diagnose(trainer, self._diagnosis)
        if self._diagnosis is not None:
            self.status, self.message = self._diagnosis.status, self._diagnosis.message
            return True
        done = settled(trainer, self._judged_from) if self.playing else None
        if done is not None:
            self.status, self.message = "converged", settled_message(done)
            self.playing = False  # (not `paused`: the learner did not pause it)
        else:
            self.status, self.message = "training", ""
        return True

    # -- what to draw ------------------------------------------------------------------------
    def frame(self) -> Frame | None:
        """Everything one redraw needs, or None when there is no network to show."""
        with self.lock:
            trainer = self.trainer
            if trainer is None:
                return None
            history = {key: list(trainer.history[key]) for key in trainer.history.keys()}
            weights = [W.copy() for W in trainer.network.weights]
            # A diverged network has infinite weights: its pictures are drawn as they are.
            with np.errstate(all="ignore"):
                if self.is_plane:
                    pictures = self._pictures(trainer, self.extent, self.focus)
                else:
                    pictures = example_pictures(trainer, self.example)
            tiles, surface, title, probabilities = pictures
            return Frame(
                self.version, trainer.epoch, tiles, weights, surface, title, history, probabilities
            )


_PLAYGROUND_TASKS = {
    "circle": "binary",
    "xor": "binary",
    "gauss": "binary",
    "spiral": "binary",
    "plane": "regression",
    "multi_gauss": "regression",
}


def settled_message(done: Settled) -> str:
    """What the lab says when it stops a run whose loss has settled."""
    less_than = format_number(FLOOR) if done.by_floor else f"{IMPROVEMENT:.0%}"
    return (
        f"Training stopped at epoch {done.epoch:,}: the loss has settled. Over the last "
        f"{done.window:,} epochs the lowest training loss fell by less than {less_than} "
        f"(from {format_number(done.before)} to {format_number(done.recent)}). "
        "Press Play to train on."
    )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def known_choice(proposal: Any, options: Any) -> str:
    """For a trait validator: the proposed value if it is one of `options`, else a
    TraitError that names the trait, the value and the options."""
    try:
        return check_choice(proposal.trait.name, proposal.value, options)
    except ValueError as error:
        raise t.TraitError(str(error)) from None
