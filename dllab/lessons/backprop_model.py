"""Lesson 1's inspector model: a small network and one mini-batch, taken through the
forward pass, the loss, backpropagation and a gradient step on request. No widget here.

The numbers come from the engine's public API only (`Network.forward`, `Network.loss`,
`Network.loss_and_gradients`, assignment to `weights[i]` and `biases[i]`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import traitlets as t
from numpy.typing import NDArray

from ..core import ACTIVATIONS, DEFAULT_HEAD, PLAYGROUND_SETS, Network, Pass, make_dataset
from ..core.checks import check_choice, check_float, check_int
from ..core.network import Gradients, check_sizes

Array = NDArray[np.float64]

STAGES = ("forward", "loss", "backward", "update")
STAGE_NAMES = {
    "ready": "Ready",
    "forward": "Forward",
    "loss": "Loss",
    "backward": "Backward",
    "update": "Update",
}
NETWORK_SIZES = {
    "2-2-1 (tiny)": (2, 2, 1),
    "2-3-2-1": (2, 3, 2, 1),
    "2-8-8-1 (heatmaps)": (2, 8, 8, 1),
}
BATCH_SIZES = (1, 2, 3, 4, 8, 16)
INSPECTOR_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
N_EXAMPLES = 100  # the data set the batches are cut from
MAX_NEURONS = 16  # per layer: more would not fit on the page
MAX_LAYERS = 6  # weight layers
TABLE_LIMIT = 4  # up to this many neurons per layer and examples per batch, numbers; else heatmaps
MAX_LEARNING_RATE = 10.0


def check_inspector_sizes(sizes: Any) -> tuple[int, ...]:
    """Layer sizes from 2 inputs to 1 output, small enough to show every number."""
    checked = check_sizes(sizes)
    if checked[0] != 2 or checked[-1] != 1:
        raise ValueError(
            f"sizes={list(sizes)!r} is not allowed: the data has 2 inputs and 1 target, "
            "so sizes must start with 2 and end with 1, e.g. [2, 3, 2, 1]"
        )
    if len(checked) - 1 > MAX_LAYERS or max(checked) > MAX_NEURONS:
        raise ValueError(
            f"sizes={list(sizes)!r} is too large to inspect: at most {MAX_LAYERS} layers of "
            f"at most {MAX_NEURONS} neurons"
        )
    return tuple(checked)


INSPECTOR_CHECKS: dict[str, Callable[[Any], Any]] = {
    "sizes": check_inspector_sizes,
    "dataset": lambda value: check_choice("dataset", value, PLAYGROUND_SETS),
    "batch_size": lambda value: check_int("batch_size", value, 1, N_EXAMPLES),
    "activation": lambda value: check_choice("activation", value, ACTIVATIONS),
    "learning_rate": lambda value: check_float(
        "learning_rate", value, 0.0, MAX_LEARNING_RATE, low_open=True
    ),
    "seed": lambda value: check_int("seed", value, 0),
}


@dataclass
class Step:
    """One gradient-descent update of every parameter: w_after = w_before - lr * gradient."""

    learning_rate: float
    weights_before: list[Array]
    biases_before: list[Array]
    weight_gradients: list[Array]
    bias_gradients: list[Array]
    weights_after: list[Array]
    biases_after: list[Array]
    loss_before: float
    loss_after: float

    def before_of(self, layer: int) -> tuple[Array, Array]:
        """Weights and biases of weight layer `layer` (0 first) before the step."""
        return self.weights_before[layer], self.biases_before[layer]

    def gradients_of(self, layer: int) -> tuple[Array, Array]:
        return self.weight_gradients[layer], self.bias_gradients[layer]

    def after_of(self, layer: int) -> tuple[Array, Array]:
        return self.weights_after[layer], self.biases_after[layer]


class InspectorModel(t.HasTraits):
    """A small network and one mini-batch, taken through the four stages on request.

    `show(stage)` computes whatever that stage needs and has not been computed for the
    current weights and batch; "update" changes the weights, so the next stage shown starts
    a new round. `version` goes up whenever anything shown changes.

    sizes : layer sizes, from 2 inputs to 1 output, e.g. (2, 3, 2, 1).
    dataset : one of the playground's 2-D sets; batches are cut from 100 of its points.
    batch_size : examples per batch, 1 to 100.
    activation : hidden-layer activation, one of dllab.ACTIVATIONS.
    learning_rate : the step size of the update, above 0 up to 10.
    seed : the data's and the first weights' random seed, 0 or more.
    """

    sizes = t.Tuple(default_value=(2, 3, 2, 1))
    dataset = t.Unicode("circle")
    batch_size = t.Int(4)
    activation = t.Unicode("tanh")
    learning_rate = t.Float(0.1)
    seed = t.Int(0)
    # state, read by the view
    stage = t.Enum(("ready", *STAGES), default_value="ready")
    batch_number = t.Int(0)
    steps_taken = t.Int(0)
    version = t.Int(0)

    def __init__(self, **settings: Any) -> None:
        unknown = set(settings) - set(INSPECTOR_CHECKS)
        if unknown:
            known = ", ".join(INSPECTOR_CHECKS)
            raise TypeError(f"unknown setting {sorted(unknown)[0]!r}; choose from: {known}")
        checked = {name: INSPECTOR_CHECKS[name](value) for name, value in settings.items()}
        super().__init__(**checked)
        self.forward_pass: Pass | None = None
        self.batch_loss: float | None = None
        self.gradients: Gradients | None = None
        self.last_step: Step | None = None
        self._build()
        self.observe(self._rebuild, names=["sizes", "dataset", "activation", "seed"])
        self.observe(self._new_batching, names="batch_size")
        self.observe(self._touch, names="learning_rate")

    # validation raises (ValueError / TypeError naming the value); nothing more
    @t.validate(*INSPECTOR_CHECKS)
    def _check(self, proposal):
        return INSPECTOR_CHECKS[proposal.trait.name](proposal.value)

    # -- set-up ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.data = make_dataset(self.dataset, n_samples=N_EXAMPLES, seed=self.seed)
        self.order = np.random.default_rng(self.seed).permutation(N_EXAMPLES)
        self.network = Network(
            self.sizes,
            activation=self.activation,
            head=DEFAULT_HEAD[self.data.task],
            seed=self.seed,
        )
        self._forget(stage="ready")
        self.batch_number = 0
        self.steps_taken = 0
        self.last_step = None

    def _rebuild(self, change=None) -> None:
        self._build()
        self.version += 1

    def _new_batching(self, change=None) -> None:
        self.batch_number = 0
        self._forget(stage="ready")
        self.version += 1

    def _touch(self, change=None) -> None:
        self.version += 1

    def _forget(self, stage: str | None = None) -> None:
        """Drop what was computed for the old weights or batch."""
        self.forward_pass = self.batch_loss = self.gradients = None
        if stage is not None:
            self.stage = stage

    # -- the batch ---------------------------------------------------------------------------
    @property
    def batch_indices(self) -> NDArray[np.int64]:
        """Which examples of the data set are in the current batch (batches wrap around)."""
        start = self.batch_number * self.batch_size
        return self.order[(start + np.arange(self.batch_size)) % N_EXAMPLES]

    @property
    def X(self) -> Array:
        """The batch's inputs, (batch_size, 2)."""
        return self.data.X[self.batch_indices]

    @property
    def y(self) -> Array:
        """The batch's labels, (batch_size,)."""
        return self.data.y[self.batch_indices]

    @property
    def targets(self) -> Array:
        """The labels as the network's targets, (batch_size, 1)."""
        return self.network.targets(self.y)

    @property
    def shows_numbers(self) -> bool:
        """Tables of numbers for a tiny network and batch; heatmaps otherwise."""
        return max(self.sizes) <= TABLE_LIMIT and self.batch_size <= TABLE_LIMIT

    # -- the stages --------------------------------------------------------------------------
    def show(self, stage: str) -> None:
        """Compute up to `stage` (one of STAGES) and make it the stage shown."""
        target = STAGES.index(check_choice("stage", stage, STAGES))
        network, X, y = self.network, self.X, self.y
        if self.forward_pass is None:
            self.forward_pass = network.forward(X)
        if target >= 1 and self.batch_loss is None:
            self.batch_loss = network.loss(X, y)
        if target >= 2 and self.gradients is None:
            self.gradients = network.loss_and_gradients(X, y)
        if target == 3:
            self._update()
        self.stage = stage
        self.version += 1

    def _update(self) -> None:
        network, grads, rate = self.network, self.gradients, self.learning_rate
        weights_before = [W.copy() for W in network.weights]
        biases_before = [b.copy() for b in network.biases]
        weight_gradients = [dW.copy() for dW in grads.weights]
        bias_gradients = [db.copy() for db in grads.biases]
        weights_after = [W - rate * dW for W, dW in zip(weights_before, weight_gradients)]
        biases_after = [b - rate * db for b, db in zip(biases_before, bias_gradients)]
        for i, (W, b) in enumerate(zip(weights_after, biases_after)):
            network.weights[i] = W
            network.biases[i] = b
        self.last_step = Step(
            rate,
            weights_before,
            biases_before,
            weight_gradients,
            bias_gradients,
            weights_after,
            biases_after,
            loss_before=self.batch_loss,
            loss_after=network.loss(self.X, self.y),
        )
        self.steps_taken += 1
        self._forget()  # the numbers above describe the old weights

    def next_batch(self) -> None:
        """Move on to the next batch of examples, with the weights as they are."""
        self.batch_number += 1
        self._forget(stage="ready")
        self.version += 1
