"""The lab's training model: every setting as a trait, the trainer, and the frames to draw.

Nothing in this module refers to a widget. The view sets traits and calls `advance`
or `frame`; the model never calls the view. It is used from two threads (the widget
callbacks and the training loop), so everything that touches the trainer holds
`self.lock`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
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
    Network,
    Trainer,
    make_dataset,
    split,
)
from ..core.checks import check_choice
from ..core.network import INITIALIZERS, REGULARIZERS
from .setup import SHARED

# TensorFlow Playground's choices of learning rate and regularisation rate.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_DEPTH, MAX_WIDTH = 8, 32
TILE_RESOLUTION = 25  # points per side of each neuron's small heatmap
SURFACE_RESOLUTION = 50  # points per side of the output heatmap
OWN_DATA = "my data"


@dataclass
class Frame:
    """What one redraw shows, computed from the model at one instant.

    tiles : one array per column of the network picture (inputs, each hidden layer,
        output), shape (n_tiles, height, width), values in [-1, 1].
    weights : each layer's weight matrix (n_in, n_out), for the links.
    surface : (SURFACE_RESOLUTION, SURFACE_RESOLUTION) output (or chosen neuron) values.
    """

    version: int
    epoch: int
    tiles: list[NDArray[np.float64]]
    weights: list[NDArray[np.float64]]
    surface: NDArray[np.float64] | None
    surface_title: str
    history: dict[str, list] = field(default_factory=dict)


class LabModel(t.HasTraits):
    """Settings and state of one lab. Changing any setting marks the run stale; the next
    `sync()` (the training loop calls it) rebuilds data, network and trainer from scratch."""

    # data
    dataset = t.Unicode("circle")
    noise = t.Float(0.0)
    train_share = t.Float(0.5)
    batch_size = t.Int(10)
    features = t.List(t.Unicode(), default_value=["x1", "x2"])
    data_seed = t.Int(0)
    # network
    hidden = t.List(t.Int(), default_value=[4, 2])
    depth = t.Int(2)
    width = t.Int(4)
    activation = t.Unicode("tanh")
    head = t.Unicode("tanh")
    init = t.Unicode("playground")
    regularization = t.Unicode("none")
    regularization_rate = t.Float(0.0)
    # training
    optimizer = t.Unicode("sgd")
    learning_rate = t.Float(0.03)
    seed = t.Int(0)
    epochs_per_frame = t.Int(2)
    playing = t.Bool(False)
    focus = t.Tuple(t.Int(), t.Int(), default_value=(-1, -1))  # (column, tile) shown large
    example = t.Int(0)  # the test example whose activations the digits view shows
    # state, read by the view
    epoch = t.Int(0)
    status = t.Unicode("ready")
    message = t.Unicode("")
    version = t.Int(0)

    SETTINGS = (
        "dataset noise train_share batch_size features data_seed hidden activation head init "
        "regularization regularization_rate optimizer learning_rate seed"
    ).split()

    def __init__(self, own_data: Dataset | None = None, **settings: Any) -> None:
        self.own_data = own_data
        super().__init__(**settings)
        self.lock = threading.RLock()
        self.stale = threading.Event()
        self.trainer: Trainer | None = None
        self.data: Dataset | None = None
        self._grid_cache: dict[Any, Any] = {}
        self.observe(self._mark_stale, names=self.SETTINGS)
        self.stale.set()
        self.sync()

    # -- validation: clamp or raise, nothing more -------------------------------------------
    @t.validate("dataset")
    def _check_dataset(self, proposal):
        return known_choice(proposal, self.dataset_names())

    @t.validate("noise")
    def _check_noise(self, proposal):
        return _within("noise", proposal.value, 0.0, 0.5)

    @t.validate("train_share")
    def _check_train_share(self, proposal):
        return _within("train_share", proposal.value, 0.1, 0.9)

    @t.validate("learning_rate")
    def _check_learning_rate(self, proposal):
        value = proposal.value
        if not (np.isfinite(value) and 0 < value <= 100):
            raise t.TraitError(
                f"learning_rate={value!r} is not allowed: it must be above 0 and at most 100"
            )
        return value

    @t.validate("depth")
    def _check_depth(self, proposal):
        return int(_within("depth", proposal.value, 0, MAX_DEPTH))

    @t.validate("width")
    def _check_width(self, proposal):
        return int(_within("width", proposal.value, 1, MAX_WIDTH))

    @t.validate("hidden")
    def _check_hidden(self, proposal):
        widths = list(proposal.value)
        if len(widths) > MAX_DEPTH or any(not 1 <= w <= MAX_WIDTH for w in widths):
            raise t.TraitError(
                f"hidden={widths} is not allowed: at most {MAX_DEPTH} layers, "
                f"each 1 to {MAX_WIDTH} neurons"
            )
        return widths

    @t.validate("features")
    def _check_features(self, proposal):
        unknown = [name for name in proposal.value if name not in FEATURES]
        if unknown or not proposal.value:
            raise t.TraitError(
                f"features={list(proposal.value)} is not allowed: turn on at least one of "
                f"{', '.join(FEATURES)}"
            )
        return [name for name in FEATURES if name in proposal.value]

    @t.validate("batch_size")
    def _check_batch_size(self, proposal):
        return int(_within("batch_size", proposal.value, 1, 1000))

    @t.validate("epochs_per_frame")
    def _check_speed(self, proposal):
        return int(_within("epochs_per_frame", proposal.value, 1, 100))

    @t.validate("activation", "init", "regularization", "optimizer")
    def _check_choice(self, proposal):
        options = {
            "activation": ACTIVATIONS,
            "init": INITIALIZERS,
            "regularization": REGULARIZERS,
            "optimizer": OPTIMIZERS,
        }[proposal.trait.name]
        return known_choice(proposal, options)

    @t.validate("head")
    def _check_head(self, proposal):
        known_choice(proposal, HEADS)
        task = self.task
        if task is not None and task not in HEADS[proposal.value].tasks:
            raise t.TraitError(
                f"the {proposal.value} output does not fit {self.dataset} ({task} data): "
                f"choose {' or '.join(h for h in HEADS if task in HEADS[h].tasks)}"
            )
        return proposal.value

    # -- keeping depth, width and the per-layer widths in step ------------------------------
    # `hidden` is the truth; `depth` and `width` are the sliders' views of it.
    _showing_hidden = False

    @t.observe("depth")
    def _depth_changed(self, change):
        if not self._showing_hidden:
            widths = self.hidden[: change.new]
            self.hidden = widths + [self.width] * (change.new - len(widths))

    @t.observe("width")
    def _width_changed(self, change):
        if not self._showing_hidden:
            self.hidden = [change.new] * self.depth

    @t.observe("hidden")
    def _hidden_changed(self, change):
        self._showing_hidden = True
        try:
            self.depth = len(change.new)
            if change.new:
                self.width = max(change.new)
        finally:
            self._showing_hidden = False

    @t.observe("dataset")
    def _dataset_changed(self, change):
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

    @property
    def task(self) -> str | None:
        if self.dataset == OWN_DATA:
            return self.own_data.task
        if self.dataset == "digits":
            return "multiclass"
        # None while an unknown dataset waits for its own validator to refuse it.
        return _PLAYGROUND_TASKS.get(self.dataset)

    @property
    def is_plane(self) -> bool:
        """True for 2-D data, whose neurons can be drawn over the input plane."""
        return self.data is not None and self.data.n_inputs == 2

    @property
    def uses_features(self) -> bool:
        """True when the input features apply: the 2-D sets with a known domain (your own
        2-D data is fed as it is, see `_build`)."""
        return self.is_plane and bool(self.data.extent)

    def settings(self) -> dict[str, Any]:
        """The settings a setup string shares (see dllab.lab.setup)."""
        return {key: _plain(getattr(self, key)) for key in SHARED}

    def apply(self, settings: dict[str, Any]) -> None:
        """Set many settings at once: all of them, or (on a bad one) none, with an error
        naming it."""
        unknown = [key for key in settings if key not in SHARED]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a setting; known: {', '.join(SHARED)}")
        try:
            LabModel(own_data=self.own_data, **{**self.settings(), **settings})
        except t.TraitError as error:
            raise ValueError(str(error)) from None
        for key in SHARED:  # in SHARED's order: the data before the output that fits it
            if key in settings:
                setattr(self, key, settings[key])

    def regenerate(self) -> None:
        """New points from the same generator."""
        self.data_seed += 1

    # -- running -----------------------------------------------------------------------------
    def _mark_stale(self, change=None) -> None:
        self.stale.set()

    def sync(self) -> bool:
        """Rebuild if a setting changed since the last build. Returns True if it rebuilt."""
        if not self.stale.is_set():
            return False
        with self.lock:
            self.stale.clear()
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
        parts = split(data, self.train_share, seed=self.data_seed)
        features = list(self.features) if data.n_inputs == 2 and data.extent else None
        n_inputs = len(features) if features else data.n_inputs
        n_outputs = HEADS[self.head].n_outputs(data.n_classes)
        network = Network(
            [n_inputs, *self.hidden, n_outputs],
            activation=self.activation,
            head=self.head,
            init=self.init,
            regularization=self.regularization,
            regularization_rate=self.regularization_rate,
            seed=self.seed,
        )
        batch_size = min(self.batch_size, len(parts.X_train))
        self.trainer = Trainer(
            network,
            parts,
            features=features,
            learning_rate=self.learning_rate,
            batch_size=batch_size,
            optimizer=self.optimizer,
            seed=self.seed,
        )
        self.data = data
        self.trainer.record()

    def reset(self) -> None:
        """Start the same run again from its first weights."""
        self.stale.set()
        self.sync()

    def advance(self, epochs: int | None = None) -> bool:
        """Train `epochs` (default: epochs_per_frame) epochs. False if it cannot train."""
        self.sync()
        with self.lock:
            trainer = self.trainer
            if trainer is None or trainer.diverged:
                return False
            trainer.train(self.epochs_per_frame if epochs is None else epochs)
            self.epoch = trainer.epoch
            if trainer.diverged:
                self.status, self.message = "diverged", trainer.message
                self.playing = False
                return False
            self.status = "training"
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
                return self._frame(trainer, history, weights)

    def _frame(self, trainer: Trainer, history: dict, weights: list) -> Frame:
        if self.is_plane:
            tiles, surface, title = self._plane_pictures(trainer)
        else:
            tiles, surface, title = self._example_pictures(trainer)
        return Frame(self.version, trainer.epoch, tiles, weights, surface, title, history)

    def grid(self, resolution: int) -> NDArray[np.float64]:
        """Points covering the data's square domain, (resolution**2, 2), row by row from the
        top (y falls down the rows, as an image is drawn)."""
        extent = self.extent
        key = (resolution, extent)
        if key not in self._grid_cache:
            axis = np.linspace(-extent, extent, resolution)
            xs, ys = np.meshgrid(axis, axis[::-1])
            self._grid_cache[key] = np.column_stack([xs.ravel(), ys.ravel()])
        return self._grid_cache[key]

    @property
    def extent(self) -> float:
        data = self.data
        if data is not None and data.extent:
            return data.extent
        if data is None:
            return 6.0
        return float(np.abs(data.X).max() * 1.1)

    def _plane_pictures(self, trainer: Trainer):
        size = TILE_RESOLUTION
        points = self.grid(size)
        inputs = trainer.inputs(points)
        layers = trainer.network.neuron_outputs(inputs)
        tiles = [_normalise_inputs(inputs.T).reshape(-1, size, size)]
        tiles += [layer.reshape(-1, size, size) for layer in layers]
        column, row = self.focus
        fine = trainer.network.neuron_outputs(trainer.inputs(self.grid(SURFACE_RESOLUTION)))
        if 1 <= column < len(fine) and 0 <= row < len(fine[column - 1]):
            surface, title = fine[column - 1][row], f"Layer {column}, neuron {row + 1}"
        else:
            surface, title = _output_score(fine[-1], trainer.network.head_name), "Output"
        shape = (SURFACE_RESOLUTION, SURFACE_RESOLUTION)
        return tiles, surface.reshape(shape), title

    def _example_pictures(self, trainer: Trainer):
        """For image data: the chosen example, the first layer's weights as images, and
        every later neuron's activation for that example."""
        data = trainer.data.dataset
        shape = data.image_shape or (1, data.n_inputs)
        index = self.example % len(trainer.X_test)
        x = trainer.X_test[index : index + 1]
        run = trainer.network.forward(x)
        tiles = [(2 * x - 1).reshape(1, *shape)]
        first = trainer.network.weights[0].T
        scale = np.abs(first).max(axis=1, keepdims=True) + 1e-12
        tiles.append((first / scale).reshape(-1, *shape))
        for values in run.activations[1:-1]:
            tiles.append(np.clip(values[0], -1, 1).reshape(-1, 1, 1))
        if trainer.network.depth:
            tiles.append((2 * run.output[0] - 1).reshape(-1, 1, 1))
        return tiles, None, f"Test example {index}"


_PLAYGROUND_TASKS = {
    "circle": "binary",
    "xor": "binary",
    "gauss": "binary",
    "spiral": "binary",
    "plane": "regression",
    "multi_gauss": "regression",
}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def _within(name: str, value: float, low: float, high: float) -> float:
    if not (np.isfinite(value) and low <= value <= high):
        raise t.TraitError(f"{name}={value!r} is not allowed: it must be from {low} to {high}")
    return value


def _normalise_inputs(columns: NDArray[np.float64]) -> NDArray[np.float64]:
    """Scale each input feature's picture to [-1, 1] (x1 spans -6..6, sin x1 spans -1..1)."""
    return columns / (np.abs(columns).max(axis=1, keepdims=True) + 1e-12)


def _output_score(outputs: NDArray[np.float64], head: str) -> NDArray[np.float64]:
    """The output layer (n_outputs, n_points) as one score per point on the surface's
    scale, -1 (orange, negative class) to +1 (blue, positive class): sigmoid's and a
    two-class softmax's probabilities in [0, 1] would show no orange, or swap the colours."""
    if head == "sigmoid":
        return 2 * outputs[0] - 1
    if head == "softmax" and len(outputs) == 2:
        return outputs[1] - outputs[0]
    return outputs[0]


def known_choice(proposal: Any, options: Any) -> str:
    """For a trait validator: the proposed value if it is one of `options`, else a
    TraitError that names the trait, the value and the options."""
    try:
        return check_choice(proposal.trait.name, proposal.value, options)
    except ValueError as error:
        raise t.TraitError(str(error)) from None
