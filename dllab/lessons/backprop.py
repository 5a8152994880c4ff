"""Lesson 1: the forward pass, the loss, backpropagation and a gradient step, one at a time.

`BackpropInspector` takes one mini-batch through a small network a stage at a time and shows
every number the engine computed: each layer's z and a, the loss, each layer's dL/dz, dL/dW
and dL/db, and the update w <- w - lr * dL/dw. Tiny networks show tables of numbers, larger
ones heatmaps. `DescentPath` draws gradient descent as a path on the loss surface of a
two-weight neuron, so that a learning rate that is too small, right or too large can be seen.

Each widget is a thin view over a model that refers to no widget (`InspectorModel`,
`DescentModel`); the numbers come from the engine's public API only (`Network.forward`,
`Network.loss`, `Network.loss_and_gradients`, assignment to `weights[i]` and `biases[i]`) and
from the pure function `descent_path`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from numpy.typing import NDArray

from ..core import ACTIVATIONS, DEFAULT_HEAD, PLAYGROUND_SETS, Network, Pass, make_dataset
from ..core.checks import check_choice, check_float, check_int
from ..core.network import Gradients, check_sizes
from ..ui import NetworkCanvas
from ..ui.theme import BLUE, DATASET_LABELS, ORANGE, WHITE

Array = NDArray[np.float64]

# --- settings ----------------------------------------------------------------------------------

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

# How each activation and its derivative read in a formula (every entry of ACTIVATIONS).
ACTIVATION_TEXT = {
    "tanh": ("tanh(z)", "(1 − a²)"),
    "relu": ("max(0, z)", "[z > 0]"),
    "sigmoid": ("σ(z)", "a(1 − a)"),
    "linear": ("z", "1"),
    "leaky_relu": ("max(0.01 z, z)", "[z > 0 ? 1 : 0.01]"),
    "gelu": ("gelu(z)", "gelu′(z)"),
}
# The output head (the engine's default for the data's task): output, and dL/dz at the output.
HEAD_TEXT = {
    "tanh": ("tanh(z)", "(a − y)(1 − a²) / n"),
    "linear": ("z", "(a − y) / n"),
}


def _check_sizes(sizes: Any) -> tuple[int, ...]:
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
    "sizes": _check_sizes,
    "dataset": lambda value: check_choice("dataset", value, PLAYGROUND_SETS),
    "batch_size": lambda value: check_int("batch_size", value, 1, N_EXAMPLES),
    "activation": lambda value: check_choice("activation", value, ACTIVATIONS),
    "learning_rate": lambda value: check_float(
        "learning_rate", value, 0.0, MAX_LEARNING_RATE, low_open=True
    ),
    "seed": lambda value: check_int("seed", value, 0),
}


# --- the inspector's model -----------------------------------------------------------------------


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


class InspectorModel(t.HasTraits):
    """A small network and one mini-batch, taken through the four stages on request.

    `show(stage)` computes whatever that stage needs and has not been computed for the
    current weights and batch; "update" changes the weights, so the next stage shown starts
    a new round. `version` goes up whenever anything shown changes.
    """

    sizes = t.Tuple()
    dataset = t.Unicode("circle")
    batch_size = t.Int(4)
    activation = t.Unicode("tanh")
    learning_rate = t.Float(0.1)
    seed = t.Int(0)
    # state, read by the view
    stage = t.Unicode("ready")
    batch_number = t.Int(0)
    steps_taken = t.Int(0)
    version = t.Int(0)

    def __init__(self, **settings: Any) -> None:
        settings.setdefault("sizes", (2, 3, 2, 1))
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


# --- what each stage shows: matrices, pure data --------------------------------------------------


@dataclass
class Matrix:
    """One table (or heatmap): `values : (len(row_names), len(column_names))`."""

    caption: str
    values: Array
    row_names: list[str]
    column_names: list[str]


@dataclass
class Row:
    """One layer's part of a stage: a title, the formulas, and the matrices."""

    title: str
    formulas: list[str]
    matrices: list[Matrix]


def _ordinal(number: int) -> str:
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number, 'th') }"


def _sub(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _neurons(model: InspectorModel, layer: int) -> list[str]:
    """Names of the neurons of `layer` (0: the inputs)."""
    if layer == 0:
        return [f"x{_sub(j + 1)}" for j in range(model.sizes[0])]
    if layer == len(model.sizes) - 1:
        return ["out"] if model.sizes[-1] == 1 else [f"out{j + 1}" for j in range(model.sizes[-1])]
    return [f"n{j + 1}" for j in range(model.sizes[layer])]


def _examples(model: InspectorModel) -> list[str]:
    return [f"ex {i + 1}" for i in range(model.batch_size)]


def _with_bias(W: Array, b: Array) -> Array:
    """W with b as its last row: the bias is a weight from an input that is always 1."""
    return np.vstack([W, b[None, :]])


def _parameter_rows(model: InspectorModel, layer: int) -> list[str]:
    return [f"from {name}" for name in _neurons(model, layer - 1)] + ["bias"]


def _layer_title(model: InspectorModel, layer: int) -> str:
    if layer == len(model.sizes) - 1:
        return f"Output layer (layer {layer})"
    return f"Layer {layer} (hidden)"


def _activation_text(model: InspectorModel, layer: int) -> tuple[str, str]:
    if layer == len(model.sizes) - 1:
        return HEAD_TEXT[model.network.head_name]
    return ACTIVATION_TEXT[model.activation]


def stage_rows(model: InspectorModel) -> list[Row]:
    """The matrices the current stage shows, one Row per layer, in the order computed."""
    return {
        "ready": _ready_rows,
        "forward": _forward_rows,
        "loss": _loss_rows,
        "backward": _backward_rows,
        "update": _update_rows,
    }[model.stage](model)


def _input_row(model: InspectorModel) -> Row:
    values = np.column_stack([model.X, model.targets])
    return Row(
        "Input: this batch",
        [f"a{_sub(0)} = x, with the target y of each example"],
        [Matrix("x and target y", values, _examples(model), [*_neurons(model, 0), "y"])],
    )


def _ready_rows(model: InspectorModel) -> list[Row]:
    return [_input_row(model)]


def _forward_rows(model: InspectorModel) -> list[Row]:
    run, network = model.forward_pass, model.network
    rows = [_input_row(model)]
    for layer in range(1, len(model.sizes)):
        i, k = layer - 1, _sub(layer)
        function, _ = _activation_text(model, layer)
        columns = _neurons(model, layer)
        rows.append(
            Row(
                _layer_title(model, layer),
                [f"z{k} = a{_sub(i)} · W{k} + b{k}", f"a{k} = {function.replace('z', 'z' + k)}"],
                [
                    Matrix(
                        f"W{k} and b{k}",
                        _with_bias(network.weights[i], network.biases[i]),
                        _parameter_rows(model, layer),
                        columns,
                    ),
                    Matrix(f"z{k}", run.pre_activations[i], _examples(model), columns),
                    Matrix(f"a{k}", run.activations[i], _examples(model), columns),
                ],
            )
        )
    return rows


def per_example_loss(model: InspectorModel) -> Array:
    """½ (a − y)² for each example and output, (batch_size, n_outputs); its mean over the
    examples (summed over outputs) is the engine's loss, for both heads the lesson uses."""
    return 0.5 * np.square(model.forward_pass.output - model.targets)


def _loss_rows(model: InspectorModel) -> list[Row]:
    terms = per_example_loss(model)
    values = np.column_stack([model.forward_pass.output, model.targets, terms])
    n = model.batch_size
    return [
        Row(
            "Loss: how wrong the outputs are",
            [
                "each example: ½ (a − y)²",
                f"L = mean over the {n} examples = {format_number(model.batch_loss)}",
            ],
            [Matrix("output a, target y", values, _examples(model), ["a", "y", "½(a − y)²"])],
        )
    ]


def _backward_rows(model: InspectorModel) -> list[Row]:
    grads, n_layers = model.gradients, len(model.sizes) - 1
    rows = []
    for layer in range(n_layers, 0, -1):
        i, k = layer - 1, _sub(layer)
        columns = _neurons(model, layer)
        if layer == n_layers:
            delta = f"dL/dz{k} = {HEAD_TEXT[model.network.head_name][1].replace('a', 'a' + k)}"
        else:
            derivative = ACTIVATION_TEXT[model.activation][1]
            derivative = derivative.replace("a", "a" + k).replace("z", "z" + k)
            delta = f"dL/dz{k} = (dL/dz{_sub(layer + 1)} · W{_sub(layer + 1)}ᵀ) × {derivative}"
        rows.append(
            Row(
                f"{_ordinal(n_layers - layer + 1)}: {_layer_title(model, layer).lower()}",
                [delta, f"dL/dW{k} = a{_sub(i)}ᵀ · dL/dz{k}", f"dL/db{k} = sum of dL/dz{k}"],
                [
                    Matrix(f"dL/dz{k}", grads.deltas[i], _examples(model), columns),
                    Matrix(
                        f"dL/dW{k} and dL/db{k}",
                        _with_bias(grads.weights[i], grads.biases[i]),
                        _parameter_rows(model, layer),
                        columns,
                    ),
                ],
            )
        )
    return rows


def _update_rows(model: InspectorModel) -> list[Row]:
    step = model.last_step
    rate = format_number(step.learning_rate)
    rows = []
    for layer in range(1, len(model.sizes)):
        i, k = layer - 1, _sub(layer)
        names, columns = _parameter_rows(model, layer), _neurons(model, layer)
        rows.append(
            Row(
                _layer_title(model, layer),
                [f"W{k} ← W{k} − {rate} × dL/dW{k}", f"b{k} ← b{k} − {rate} × dL/db{k}"],
                [
                    Matrix(
                        f"W{k}, b{k} before",
                        _with_bias(step.weights_before[i], step.biases_before[i]),
                        names,
                        columns,
                    ),
                    Matrix(
                        f"dL/dW{k}, dL/db{k}",
                        _with_bias(step.weight_gradients[i], step.bias_gradients[i]),
                        names,
                        columns,
                    ),
                    Matrix(
                        f"W{k}, b{k} after",
                        _with_bias(step.weights_after[i], step.biases_after[i]),
                        names,
                        columns,
                    ),
                ],
            )
        )
    return rows


def format_number(value: float) -> str:
    """Three significant digits, with a true minus sign: -0.01234 -> '−0.0123'."""
    text = f"{value:.3g}"
    return "0" if text == "-0" else text.replace("-", "−")


# --- the worked example: one number of the stage, computed by hand ------------------------------


def worked_example(model: InspectorModel) -> str:
    """One line of arithmetic (HTML) that the learner can check with a calculator."""
    stage = model.stage
    if stage == "ready":
        return (
            f"Batch {model.batch_number + 1}: {model.batch_size} examples. "
            "Press <b>Forward</b> to send them through the network."
        )
    f = format_number

    def p(value: float) -> str:  # a negative number in brackets, where a sign would clash
        return f"({f(value)})" if value < 0 else f(value)

    if stage == "forward":
        x, W, b = model.X[0], model.network.weights[0][:, 0], model.network.biases[0][0]
        z = model.forward_pass.pre_activations[0][0, 0]
        a = model.forward_pass.activations[0][0, 0]
        terms = " + ".join(f"{p(xi)} × {p(wi)}" for xi, wi in zip(x, W))
        function = _activation_text(model, 1)[0].replace("z", f(z))
        return (
            f"Example 1, layer 1, {_neurons(model, 1)[0]}: "
            f"z = x₁·w₁₁ + x₂·w₂₁ + b₁ = {terms} + {p(b)} = <b>{f(z)}</b>; "
            f"a = {function} = <b>{f(a)}</b>"
        )
    if stage == "loss":
        a, target = model.forward_pass.output[0, 0], model.targets[0, 0]
        terms = per_example_loss(model)[:, 0]
        mean = " + ".join(f(term) for term in terms[:4]) + (" + …" if len(terms) > 4 else "")
        return (
            f"Example 1: ½ (a − y)² = ½ ({f(a)} − {p(target)})² = <b>{f(terms[0])}</b>. "
            f"L = ({mean}) / {model.batch_size} = <b>{f(model.batch_loss)}</b>"
        )
    if stage == "backward":
        a, target = model.forward_pass.output[0, 0], model.targets[0, 0]
        delta = model.gradients.deltas[-1][0, 0]
        n = model.batch_size
        if model.network.head_name == "tanh":
            arithmetic = f"({f(a)} − {p(target)})(1 − {p(a)}²) / {n}"
        else:
            arithmetic = f"({f(a)} − {p(target)}) / {n}"
        last = len(model.sizes) - 1
        return (
            f"Example 1, output: dL/dz{_sub(last)} = {arithmetic} = <b>{f(delta)}</b>. "
            "Each weight's gradient adds up (its input) × (this dL/dz) over the batch."
        )
    step = model.last_step
    old, grad = step.weights_before[0][0, 0], step.weight_gradients[0][0, 0]
    new = step.weights_after[0][0, 0]
    return (
        f"Layer 1, weight w₁₁ from x₁ to {_neurons(model, 1)[0]}: {f(old)} − "
        f"{f(step.learning_rate)} × {p(grad)} = <b>{f(new)}</b>. Loss on this batch: "
        f"{f(step.loss_before)} → "
        f"<b>{f(step.loss_after)}</b>"
    )


STAGE_TEXT = {
    "ready": "A mini-batch of examples is ready. The four buttons take it through one "
    "training step; <b>Next batch</b> moves on to other examples.",
    "forward": "<b>Forward pass.</b> Each layer multiplies the previous layer's values "
    "<i>a</i> by its weights <i>W</i>, adds its biases <i>b</i> (that is <i>z</i>), then "
    "bends <i>z</i> with its activation function (that is <i>a</i>). The last <i>a</i> is "
    "the network's answer.",
    "loss": "<b>Loss.</b> One number for how wrong the answers are: half the squared "
    "difference between output <i>a</i> and target <i>y</i>, averaged over the batch. "
    "Training means making this number small.",
    "backward": "<b>Backpropagation.</b> How would the loss change if each number changed a "
    "little? Start at the output (<i>dL/dz</i>) and pass it back, layer by layer, with the "
    "chain rule. A weight's gradient is its input times its neuron's <i>dL/dz</i>, added "
    "over the batch.",
    "update": "<b>Gradient step.</b> Every weight and bias moves a little against its "
    "gradient: <i>w ← w − learning rate × dL/dw</i>. Press <b>Loss</b> again to see the "
    "new loss on the same batch, or <b>Next batch</b> to go on training.",
}


# --- the network picture -------------------------------------------------------------------------


def _scaled(values: list[Array]) -> list[Array]:
    """Divide a stage's values by their largest size, so the largest shows full colour."""
    largest = max(float(np.abs(v).max()) for v in values) if values else 0.0
    return [v / largest if largest > 0 else v for v in values]


def network_picture(
    model: InspectorModel,
) -> tuple[list[Array], list[Array], list[str], list[list[str]]]:
    """What the network canvas shows for the current stage, for the batch's first example:
    tiles (one (n, 1, 1) column per layer, in [-1, 1]), links, titles and value labels."""
    network, stage = model.network, model.stage
    x = model.X[0]
    n_layers = len(model.sizes) - 1
    names = ["Input x"] + [f"Layer {i}" for i in range(1, n_layers)] + ["Output"]
    inputs = x / 6.0  # the playground's sets span [-6, 6]
    links = [W.copy() for W in network.weights]
    if stage in ("forward", "loss"):
        values = [x] + [A[0] for A in model.forward_pass.activations]
        tiles = [inputs] + [np.clip(A[0], -1, 1) for A in model.forward_pass.activations]
        titles = [names[0]] + [f"{name}: a" for name in names[1:]]
        if stage == "loss":
            error = model.forward_pass.output[0] - model.targets[0]
            values[-1], tiles[-1] = error, np.clip(error, -1, 1)
            titles[-1] = "a − y"
    elif stage == "backward":
        deltas = [delta[0] for delta in model.gradients.deltas]
        values = [x] + deltas
        tiles = [inputs] + _scaled(deltas)
        titles = [names[0]] + [f"{name}: dL/dz" for name in names[1:]]
        links = _scaled([dW.copy() for dW in model.gradients.weights])
    elif stage == "update":
        values = [x] + [b.copy() for b in network.biases]
        tiles = [inputs] + [np.clip(b, -1, 1) for b in network.biases]
        titles = [names[0]] + [f"{name}: new b" for name in names[1:]]
    else:  # ready: only the inputs are known
        values = [x] + [np.full(n, np.nan) for n in model.sizes[1:]]
        tiles = [inputs] + [np.zeros(n) for n in model.sizes[1:]]
        titles = names
    labels = [[format_number(v) if np.isfinite(v) else "" for v in column] for column in values]
    return [tile.reshape(-1, 1, 1) for tile in tiles], links, titles, labels


# --- the inspector's view -------------------------------------------------------------------------

STYLE = {"description_width": "initial"}
FONT = "font-size:15px;line-height:1.45"


def _size_label(sizes: Sequence[int]) -> str:
    return "-".join(str(size) for size in sizes)


def _choices(values: Sequence[Any], current: Any, label=str) -> list[tuple[str, Any]]:
    """Dropdown options: the usual values, plus the current one if it is not among them."""
    values = sorted({*values, current})
    return [(label(value), value) for value in values]


# The inspector's controls, declared once: trait -> (description, options for the model).
INSPECTOR_CONTROLS: dict[str, tuple[str, Callable[[InspectorModel], list]]] = {
    "sizes": (
        "Network",
        lambda m: (
            [(label, sizes) for label, sizes in NETWORK_SIZES.items()]
            + ([] if m.sizes in NETWORK_SIZES.values() else [(_size_label(m.sizes), m.sizes)])
        ),
    ),
    "dataset": ("Data", lambda m: [(DATASET_LABELS[name], name) for name in PLAYGROUND_SETS]),
    "activation": ("Activation", lambda m: list(ACTIVATIONS)),
    "batch_size": ("Batch size", lambda m: _choices(BATCH_SIZES, m.batch_size)),
    "learning_rate": (
        "Learning rate",
        lambda m: _choices(INSPECTOR_RATES, m.learning_rate, label=lambda r: f"{r:g}"),
    ),
}
STAGE_ICONS = {
    "forward": "arrow-right",
    "loss": "bullseye",
    "backward": "arrow-left",
    "update": "pencil",
}


class BackpropInspector(w.VBox):
    """Take one mini-batch through a network one stage at a time: Forward, Loss, Backward,
    Update. Tiny networks show every number; larger ones show heatmaps.

    sizes : layer sizes, from 2 inputs to 1 output, e.g. (2, 3, 2, 1).
    dataset : one of the playground's 2-D sets ("circle", "xor", "gauss", "spiral", "plane",
        "multi_gauss"); batches are cut from 100 of its points.
    batch_size : examples per batch, 1 to 100.
    activation : hidden-layer activation, one of dllab.ACTIVATIONS.
    learning_rate : the step size of the update, above 0 up to 10.
    """

    def __init__(
        self,
        sizes: Sequence[int] = (2, 3, 2, 1),
        dataset: str = "circle",
        batch_size: int = 4,
        activation: str = "tanh",
        learning_rate: float = 0.1,
        seed: int = 0,
    ) -> None:
        self.model = model = InspectorModel(
            sizes=sizes,
            dataset=dataset,
            batch_size=batch_size,
            activation=activation,
            learning_rate=learning_rate,
            seed=seed,
        )
        self._message = w.HTML()
        self._controls = {
            trait: self._bind(
                trait,
                w.Dropdown(
                    description=label,
                    style={"description_width": "100px"},
                    layout=w.Layout(width="330px"),
                ),
                options,
            )
            for trait, (label, options) in INSPECTOR_CONTROLS.items()
        }
        self._buttons = {}
        for stage in STAGES:
            button = w.Button(
                description=STAGE_NAMES[stage],
                icon=STAGE_ICONS[stage],
                tooltip=f"show the {STAGE_NAMES[stage].lower()} stage",
                layout=w.Layout(width="120px"),
            )
            button.on_click(lambda _, stage=stage: self.model.show(stage))
            self._buttons[stage] = button
        next_batch = w.Button(
            description="Next batch",
            icon="step-forward",
            tooltip="the next examples",
            layout=w.Layout(width="130px", margin="0 0 0 24px"),
        )
        next_batch.on_click(lambda _: self.model.next_batch())
        self._indicator = w.HTML()
        # The canvas keeps the height it is first drawn with; 430 px fits 8 neurons (and 16).
        self._canvas = NetworkCanvas(width_px=600, height_px=430)
        self._explanation = w.HTML(layout=w.Layout(width="460px", margin="0 0 0 16px"))
        self._tables = w.HTML()
        self._heatmaps = w.VBox()
        self._heatmap_rows: list[_HeatmapRow] = []

        controls = list(self._controls.values())
        super().__init__(
            [
                w.GridBox(controls, layout=w.Layout(grid_template_columns="repeat(3, 340px)")),
                w.HBox(
                    [*self._buttons.values(), next_batch],
                    layout=w.Layout(margin="8px 0 0 0", align_items="center"),
                ),
                self._indicator,
                self._message,
                w.HBox([self._canvas, self._explanation]),
                self._tables,
                self._heatmaps,
            ]
        )
        self.add_class("dllab-backprop")
        model.observe(self._redraw, names="version")
        self._redraw()

    # -- binding controls ----------------------------------------------------------------------
    def _bind(
        self, trait: str, widget: w.Dropdown, options: Callable[[InspectorModel], list]
    ) -> w.Dropdown:
        """Widget -> model, with a refused value shown as a message and put back; model ->
        widget, adding the model's value to the options if it is not among them."""
        model = self.model
        showing = False  # True while the model's value is being shown (not a user's choice)

        def to_widget(change=None):
            nonlocal showing
            value = getattr(model, trait)
            known = [
                option[1] if isinstance(option, tuple) else option for option in widget.options
            ]
            showing = True
            try:
                if value not in known:
                    widget.options = options(model)  # this selects the first option for a moment
                widget.value = value
            finally:
                showing = False

        to_widget()

        def to_model(change):
            if showing or change.new == getattr(model, trait):
                return
            try:
                setattr(model, trait, change.new)
            except (ValueError, TypeError, t.TraitError) as error:
                self._say(str(error))
                widget.value = getattr(model, trait)
            else:
                self._say("")

        widget.observe(to_model, names="value")
        model.observe(to_widget, names=trait)
        return widget

    def _say(self, text: str) -> None:
        self._message.value = (
            f'<div class="dllab-message" style="color:#b00020;{FONT}">{html.escape(text)}</div>'
            if text
            else ""
        )

    # -- drawing ---------------------------------------------------------------------------
    def _redraw(self, change=None) -> None:
        model = self.model
        for stage, button in self._buttons.items():
            button.button_style = "primary" if stage == model.stage else ""
        self._indicator.value = self._indicator_html()
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
            self._tables.value = _tables_html(rows)
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
            row = _HeatmapRow()
            self._heatmap_rows.append(row)
            self._heatmaps.children = [*self._heatmaps.children, row.box]
        for index, shown in enumerate(self._heatmap_rows):
            shown.show(rows[index] if index < len(rows) else None)


def _cell_style(value: float, largest: float) -> str:
    strength = 0.0 if largest == 0 else min(1.0, abs(value) / largest)
    colour = "8,119,189" if value > 0 else "245,147,34"
    return f"background:rgba({colour},{0.08 + 0.5 * strength:.2f})"


def _table_html(matrix: Matrix) -> str:
    largest = float(np.abs(matrix.values).max()) if matrix.values.size else 0.0
    head = "".join(f"<th>{html.escape(name)}</th>" for name in matrix.column_names)
    body = []
    for name, row in zip(matrix.row_names, matrix.values):
        cells = "".join(
            f'<td data-value="{value!r}" style="{_cell_style(value, largest)}">'
            f"{format_number(value)}</td>"
            for value in row.tolist()
        )
        body.append(f'<tr><th class="dllab-rowname">{html.escape(name)}</th>{cells}</tr>')
    return (
        f'<table class="dllab-matrix" data-caption="{html.escape(matrix.caption)}">'
        f"<caption>{html.escape(matrix.caption)}</caption>"
        f"<tr><th></th>{head}</tr>{''.join(body)}</table>"
    )


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
</style>
"""


def _tables_html(rows: list[Row]) -> str:
    parts = [TABLE_CSS, '<div class="dllab-rows">']
    for row in rows:
        formulas = "".join(
            f'<div class="dllab-formula">{html.escape(f)}</div>' for f in row.formulas
        )
        tables = "".join(_table_html(matrix) for matrix in row.matrices)
        parts.append(
            f'<div class="dllab-row"><div class="dllab-row-head"><b>{html.escape(row.title)}</b>'
            f"{formulas}</div>{tables}</div>"
        )
    parts.append("</div>")
    return "".join(parts)


class _HeatmapRow:
    """One layer's row of the heatmap view: a heading and up to three heatmaps, whose marks
    are updated in place. A matrix one row or one column wide is shown as a strip of
    coloured numbers instead (bqplot's GridHeatMap squeezes it to 1-D and draws nothing)."""

    SLOTS = 3

    def __init__(self) -> None:
        self.heading = w.HTML(layout=w.Layout(width="300px", flex="none"))
        self.maps, self.scales, self.figures, self.strips = [], [], [], []
        for _ in range(self.SLOTS):
            colour = bq.ColorScale(colors=[ORANGE, WHITE, BLUE], min=-1, max=1, mid=0)
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
                self.strips[index].value = TABLE_CSS + _table_html(matrix)
            elif matrix is not None:
                self._draw(index, matrix)

    def _draw(self, index: int, matrix: Matrix) -> None:
        grid, colour, figure = self.maps[index], self.scales[index], self.figures[index]
        n_rows, n_columns = matrix.values.shape
        largest = float(np.abs(matrix.values).max()) or 1.0
        figure.title = f"{matrix.caption} ({n_rows}×{n_columns})"
        with colour.hold_sync():
            colour.min, colour.max = -largest, largest
        # One message, and the shapes checked once row, column and colour all changed.
        with grid.hold_sync(), grid.hold_trait_notifications():
            grid.display_format = ".2f" if matrix.values.size <= 32 else None
            grid.row, grid.column = matrix.row_names, matrix.column_names
            grid.color = matrix.values


# --- gradient descent on a two-weight neuron ----------------------------------------------------

# A neuron without bias or activation, y = w1 x1 + w2 x2, fitted to four examples with the
# engine's squared error, L(w) = mean(½ (w1 x1 + w2 x2 − y)²). x1 and x2 go up together, so
# the loss surface is a long, narrow valley (curvatures about 11 and 0.9): a learning rate
# above about 0.18 overshoots across it and diverges.
DESCENT_INPUTS = np.array([[2.0, 2.0], [3.0, 3.0], [3.0, 2.0], [3.0, 0.0]])
DESCENT_TARGETS = np.array([2.0, 3.0, 3.0, 1.0])
DESCENT_START = (2.0, -1.5)
DESCENT_RATES = (0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.15, 0.2, 0.3, 1.0, 3.0)
DESCENT_WINDOW = ((-2.0, 3.0), (-2.0, 3.0))  # the w1 and w2 ranges drawn
MAX_DESCENT_STEPS = 500
CLICK_STEP = 0.125  # a click on the map starts from the nearest point of this grid
DIVERGED_FACTOR = 10.0  # diverged: the loss ends this many times above where it started
LOSS_LIMIT = 1e12  # a path is cut once its loss passes this (far outside any plot)
CONVERGED_SHARE = 0.01  # converged: 1 % of the extra loss at the start left


def descent_loss(w1: Any, w2: Any) -> Array:
    """L(w1, w2) = mean over the examples of ½ (w1 x1 + w2 x2 − y)², for scalars or grids."""
    w1, w2 = np.asarray(w1, dtype=np.float64), np.asarray(w2, dtype=np.float64)
    x1, x2 = DESCENT_INPUTS[:, 0], DESCENT_INPUTS[:, 1]
    errors = w1[..., None] * x1 + w2[..., None] * x2 - DESCENT_TARGETS
    return 0.5 * np.mean(errors**2, axis=-1)


def descent_gradient(weights: Array) -> Array:
    """dL/dw = Xᵀ (X w − y) / n, (2,)."""
    errors = DESCENT_INPUTS @ weights - DESCENT_TARGETS
    return DESCENT_INPUTS.T @ errors / len(DESCENT_TARGETS)


def descent_minimum() -> tuple[Array, float]:
    """The best weights (least squares) and the lowest loss."""
    best = np.linalg.lstsq(DESCENT_INPUTS, DESCENT_TARGETS, rcond=None)[0]
    return best, float(descent_loss(best[0], best[1]))


@dataclass
class DescentRun:
    """points : (n_steps + 1, 2) weights from the start on; losses : (n_steps + 1,).
    A diverging path is cut once its loss passes LOSS_LIMIT, so it may hold fewer steps."""

    points: Array
    losses: Array
    learning_rate: float
    steps: int

    @property
    def diverged(self) -> bool:
        return bool(
            len(self.losses) < self.steps + 1 or self.losses[-1] > DIVERGED_FACTOR * self.losses[0]
        )


def _check_start(start: Any) -> Array:
    try:
        point = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"start must be two numbers (w1, w2); got {start!r}") from None
    if point.shape != (2,) or not np.isfinite(point).all():
        raise ValueError(f"start={start!r} is not allowed: it must be two finite numbers (w1, w2)")
    return point


def _check_descent_rate(value: Any) -> float:
    return check_float("learning_rate", value, 0.0, MAX_LEARNING_RATE, low_open=True)


def _check_descent_steps(value: Any) -> int:
    return check_int("steps", value, 1, MAX_DESCENT_STEPS)


def descent_path(
    learning_rate: float, steps: int, start: Sequence[float] = DESCENT_START
) -> DescentRun:
    """Gradient descent w ← w − learning_rate · dL/dw for `steps` steps from `start`."""
    rate = _check_descent_rate(learning_rate)
    steps = _check_descent_steps(steps)
    weights = _check_start(start)
    points, losses = [weights], [float(descent_loss(*weights))]
    for _ in range(steps):
        weights = weights - rate * descent_gradient(weights)
        loss = float(descent_loss(*weights))
        if not np.isfinite(loss) or loss > LOSS_LIMIT:
            break
        points.append(weights)
        losses.append(loss)
    return DescentRun(np.array(points), np.array(losses), rate, steps)


def describe_descent(run: DescentRun) -> tuple[str, str]:
    """A verdict on a path, ("diverged" | "converged" | "on its way", one sentence)."""
    _, lowest = descent_minimum()
    done = len(run.losses) - 1
    if run.diverged:
        return (
            "diverged",
            f"Diverged: after {done} steps the loss is {format_number(run.losses[-1])}, up from "
            f"{format_number(run.losses[0])}. Each step overshoots the valley more than the "
            "last: lower the learning rate.",
        )
    steps = np.diff(run.points, axis=0)
    turns = np.einsum("ij,ij->i", steps[:-1], steps[1:]) < 0 if len(steps) > 1 else np.zeros(0)
    zigzag = " zigzagging across the valley," if turns.size and turns.mean() > 0.5 else ""
    left = (run.losses[-1] - lowest) / max(run.losses[0] - lowest, 1e-300)
    if left <= CONVERGED_SHARE:
        return (
            "converged",
            f"Converged:{zigzag} after {done} steps the loss is {format_number(run.losses[-1])}, "
            f"next to the lowest possible, {format_number(lowest)}.",
        )
    return (
        "on its way",
        f"On its way:{zigzag} after {done} steps, {left:.0%} of the extra loss is still there. "
        + (
            "Steps this small crawl: try a larger learning rate, or more steps."
            if not zigzag
            else "It bounces from side to side: a slightly smaller learning rate goes straighter."
        ),
    )


class DescentModel(t.HasTraits):
    """A learning rate, a number of steps and a start point; `run` is the path they give."""

    learning_rate = t.Float(0.1)
    steps = t.Int(30)
    start = t.Tuple(t.Float(), t.Float(), default_value=DESCENT_START)
    run = t.Instance(DescentRun, allow_none=True)

    _CHECKS: dict[str, Callable[[Any], Any]] = {
        "learning_rate": _check_descent_rate,
        "steps": _check_descent_steps,
        "start": lambda value: tuple(_check_start(value).tolist()),
    }

    def __init__(self, **settings: Any) -> None:
        checked = {name: self._CHECKS[name](value) for name, value in settings.items()}
        super().__init__(**checked)
        self._compute()
        self.observe(self._compute, names=list(self._CHECKS))

    @t.validate(*_CHECKS)
    def _check(self, proposal):
        return self._CHECKS[proposal.trait.name](proposal.value)

    def _compute(self, change=None) -> None:
        self.run = descent_path(self.learning_rate, self.steps, self.start)


class DescentPath(w.VBox):
    """Gradient descent drawn as a path on a loss surface. Move the learning rate: a small
    one crawls, a good one goes down the valley, a large one zigzags and then flies off.
    Drag the start point (or click on the map) to start elsewhere.

    learning_rate : above 0 up to 10. steps : 1 to 500. start : (w1, w2).
    """

    def __init__(
        self,
        learning_rate: float = 0.1,
        steps: int = 30,
        start: Sequence[float] = DESCENT_START,
    ) -> None:
        self.model = model = DescentModel(learning_rate=learning_rate, steps=steps, start=start)
        self._rate = w.SelectionSlider(
            description="Learning rate",
            options=_choices(DESCENT_RATES, model.learning_rate, label=lambda r: f"{r:g}"),
            value=model.learning_rate,
            style=STYLE,
            layout=w.Layout(width="420px"),
        )
        self._steps = w.IntSlider(
            description="Steps",
            min=1,
            max=max(100, model.steps),
            value=model.steps,
            style=STYLE,
            layout=w.Layout(width="320px"),
        )
        reset = w.Button(description="Back to start", icon="undo", tooltip="the first start point")
        reset.on_click(lambda _: setattr(self.model, "start", DESCENT_START))
        for trait, control in (("learning_rate", self._rate), ("steps", self._steps)):
            control.observe(lambda change, trait=trait: setattr(model, trait, change.new), "value")
            model.observe(lambda change, c=control: setattr(c, "value", change.new), trait)
        self._verdict = w.HTML()
        self._drawing = False
        self._build_plots()
        data = "".join(
            f"<tr><td>{x1:g}</td><td>{x2:g}</td><td>{y:g}</td></tr>"
            for (x1, x2), y in zip(DESCENT_INPUTS, DESCENT_TARGETS)
        )
        about = w.HTML(
            f'<div style="{FONT};width:400px;margin-left:20px">'
            "One neuron, <b>y = w₁·x₁ + w₂·x₂</b>, fitted to four examples:"
            '<table style="margin:6px 0;border-collapse:collapse;text-align:right" '
            'cellpadding="4"><tr><th>x₁</th><th>x₂</th><th>y</th></tr>'
            f"{data}</table>"
            "The colours are the loss for every (w₁, w₂): light is low, dark is high; the "
            "green cross (and the dashed line) is the lowest loss. Each orange dot is one step "
            "<i>w ← w − learning rate × dL/dw</i>. Click on the map, or drag the black dot, "
            "to start elsewhere.</div>"
        )
        super().__init__(
            [
                w.HBox([self._rate, self._steps, reset], layout=w.Layout(align_items="center")),
                self._verdict,
                w.HBox([self._surface_figure, w.VBox([self._loss_figure, about])]),
            ]
        )
        self.add_class("dllab-descent")
        model.observe(self._redraw, names="run")
        self._redraw()

    def _build_plots(self) -> None:
        (x_low, x_high), (y_low, y_high) = DESCENT_WINDOW
        x = bq.LinearScale(min=x_low, max=x_high)
        y = bq.LinearScale(min=y_low, max=y_high)
        w1 = np.linspace(x_low, x_high, 160)
        w2 = np.linspace(y_low, y_high, 160)
        loss = descent_loss(w1[None, :], w2[:, None])  # (len(w2), len(w1))
        # Bands of equal log-loss read as contour lines.
        levels = np.floor(np.log10(loss) * 4) / 4
        colour = bq.ColorScale(colors=["#ffffff", "#9ecae1", "#08306b"])
        surface = bq.HeatMap(x=w1, y=w2, color=levels, scales={"x": x, "y": y, "color": colour})
        best, _ = descent_minimum()
        self._minimum = bq.Scatter(
            x=[best[0]],
            y=[best[1]],
            scales={"x": x, "y": y},
            marker="cross",
            colors=["#2e7d32"],
            default_size=120,
        )
        self._path_line = bq.Lines(
            x=[0.0, 0.0], y=[0.0, 0.0], scales={"x": x, "y": y}, colors=[ORANGE], stroke_width=2.5
        )
        self._path_dots = bq.Scatter(
            x=[0.0], y=[0.0], scales={"x": x, "y": y}, colors=[ORANGE], default_size=30
        )
        self._start = bq.Scatter(
            x=[self.model.start[0]],
            y=[self.model.start[1]],
            scales={"x": x, "y": y},
            colors=["#111111"],
            stroke="white",
            default_size=160,
            enable_move=True,
        )
        self._start.observe(self._start_moved, names=["x", "y"])
        # Invisible squares on a grid of step CLICK_STEP catch clicks on the map (bqplot's heatmap
        # reports none): a click starts the path from the nearest grid point.
        grid_w1, grid_w2 = np.meshgrid(
            np.arange(x_low, x_high + 1e-9, CLICK_STEP), np.arange(y_low, y_high + 1e-9, CLICK_STEP)
        )
        self._click_targets = bq.Scatter(
            x=grid_w1.ravel(),
            y=grid_w2.ravel(),
            scales={"x": x, "y": y},
            marker="square",
            default_size=130,  # about 11 px wide, the grid's spacing; larger would pad the axes
            opacities=[0.0],
        )
        self._click_targets.on_element_click(self._map_clicked)
        self._surface_figure = bq.Figure(
            marks=[
                surface,
                self._click_targets,
                self._minimum,
                self._path_line,
                self._path_dots,
                self._start,
            ],
            axes=[
                bq.Axis(scale=x, label="weight w₁"),
                bq.Axis(scale=y, side="left", label="weight w₂"),
            ],
            title="Loss surface and the descent path",
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=40, bottom=45, left=55, right=15),
            layout=w.Layout(width="500px", height="500px"),
        )
        # Fixed axes: a diverging path runs off the top, and stops short of the last step.
        step, loss_scale = bq.LinearScale(min=0, max=30), bq.LogScale(min=0.01, max=1000)
        self._step_scale = step
        self._loss_line = bq.Lines(
            x=[0, 1],
            y=[1, 1],
            scales={"x": step, "y": loss_scale},
            colors=[ORANGE],
            marker="circle",
        )
        _, lowest = descent_minimum()
        self._lowest_line = bq.Lines(
            x=[0, 1],
            y=[lowest, lowest],
            scales={"x": step, "y": loss_scale},
            colors=["#2e7d32"],
            line_style="dashed",
        )
        self._loss_figure = bq.Figure(
            marks=[self._loss_line, self._lowest_line],
            axes=[
                bq.Axis(scale=step, label="step", tick_format="d"),
                bq.Axis(
                    scale=loss_scale,
                    side="left",
                    label="loss",
                    tick_values=[0.01, 0.1, 1, 10, 100, 1000],
                    tick_format="~g",
                    label_offset="45px",
                ),
            ],
            title="Loss at each step",
            fig_margin=dict(top=40, bottom=45, left=65, right=15),
            layout=w.Layout(width="420px", height="260px"),
        )

    def _start_moved(self, change) -> None:
        """The big dot dragged: start from where it was dropped."""
        xs, ys = self._start.x, self._start.y
        if self._drawing or len(xs) != 1 or len(ys) != 1:
            return
        self.model.start = (float(xs[0]), float(ys[0]))

    def _map_clicked(self, mark, event) -> None:
        index = event.get("data", {}).get("index")
        if isinstance(index, int) and 0 <= index < len(mark.x):
            self.model.start = (float(mark.x[index]), float(mark.y[index]))

    def _redraw(self, change=None) -> None:
        run = self.model.run
        steps = np.arange(len(run.losses))
        self._drawing = True
        try:
            with self._surface_figure.hold_sync():
                self._path_line.x, self._path_line.y = run.points[:, 0], run.points[:, 1]
                self._path_dots.x, self._path_dots.y = run.points[1:, 0], run.points[1:, 1]
                self._start.x, self._start.y = [run.points[0, 0]], [run.points[0, 1]]
        finally:
            self._drawing = False
        with self._loss_figure.hold_sync():
            self._step_scale.max = float(run.steps)
            self._loss_line.x, self._loss_line.y = steps, run.losses
            self._lowest_line.x = [0, run.steps]
        kind, sentence = describe_descent(run)
        colour = {"diverged": "#b00020", "converged": "#2e7d32"}.get(kind, "#444")
        self._verdict.value = (
            f'<div class="dllab-verdict" data-kind="{kind}" style="{FONT};color:{colour};'
            f'font-size:17px;margin:6px 0">{html.escape(sentence)}</div>'
        )
