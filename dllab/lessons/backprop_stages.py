"""What each stage of lesson 1's inspector shows, as data and text: the tables (one `Row`
of `Matrix`es per layer), the worked example, the network picture, and the sentences
that describe the network, the batch and the diagram. Pure functions of an
`InspectorModel`; no widget here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.plane import plane_extent
from ..ui.theme import DATASET_LABELS, format_number, plural
from .backprop_model import N_EXAMPLES, Array, InspectorModel

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
DIAGRAM_EXAMPLE = 0  # the diagram shows the batch's first example


@dataclass
class Matrix:
    """One table (or heatmap): `values : (len(row_names), len(column_names))`.
    `diagram_row` is the row the network diagram shows, if any."""

    caption: str
    values: Array
    row_names: list[str]
    column_names: list[str]
    diagram_row: int | None = None


@dataclass
class Row:
    """One layer's part of a stage: a title, the formulas, and the matrices."""

    title: str
    formulas: list[str]
    matrices: list[Matrix]


# --- names ---------------------------------------------------------------------------------------


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


def _per_example(model: InspectorModel, caption: str, values: Array, columns: list[str]) -> Matrix:
    """A matrix with one row per example of the batch."""
    names = [f"ex {i + 1}" for i in range(model.batch_size)]
    return Matrix(caption, values, names, columns, diagram_row=DIAGRAM_EXAMPLE)


def _parameters(model: InspectorModel, layer: int, caption: str, W: Array, b: Array) -> Matrix:
    """W with b as its last row: the bias is a weight from an input that is always 1."""
    rows = [f"from {name}" for name in _neurons(model, layer - 1)] + ["bias"]
    return Matrix(caption, np.vstack([W, b[None, :]]), rows, _neurons(model, layer))


def _layer_title(model: InspectorModel, layer: int) -> str:
    if layer == len(model.sizes) - 1:
        return f"Output layer (layer {layer})"
    return f"Layer {layer} (hidden)"


def _activation_text(model: InspectorModel, layer: int) -> tuple[str, str]:
    if layer == len(model.sizes) - 1:
        return HEAD_TEXT[model.network.head_name]
    return ACTIVATION_TEXT[model.activation]


# --- the tables of each stage ---------------------------------------------------------------------


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
        [_per_example(model, "x and target y", values, [*_neurons(model, 0), "y"])],
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
        W, b = network.weights[i], network.biases[i]
        rows.append(
            Row(
                _layer_title(model, layer),
                [f"z{k} = a{_sub(i)} · W{k} + b{k}", f"a{k} = {function.replace('z', 'z' + k)}"],
                [
                    _parameters(model, layer, f"W{k} and b{k}", W, b),
                    _per_example(model, f"z{k}", run.pre_activations[i], columns),
                    _per_example(model, f"a{k}", run.activations[i], columns),
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
            [_per_example(model, "output a, target y", values, ["a", "y", "½(a − y)²"])],
        )
    ]


def _backward_rows(model: InspectorModel) -> list[Row]:
    grads, n_layers = model.gradients, len(model.sizes) - 1
    rows = []
    for layer in range(n_layers, 0, -1):
        i, k = layer - 1, _sub(layer)
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
                    _per_example(model, f"dL/dz{k}", grads.deltas[i], _neurons(model, layer)),
                    _parameters(
                        model, layer, f"dL/dW{k} and dL/db{k}", grads.weights[i], grads.biases[i]
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
        rows.append(
            Row(
                _layer_title(model, layer),
                [f"W{k} ← W{k} − {rate} × dL/dW{k}", f"b{k} ← b{k} − {rate} × dL/db{k}"],
                [
                    _parameters(model, layer, f"W{k}, b{k} before", *step.before_of(i)),
                    _parameters(model, layer, f"dL/dW{k}, dL/db{k}", *step.gradients_of(i)),
                    _parameters(model, layer, f"W{k}, b{k} after", *step.after_of(i)),
                ],
            )
        )
    return rows


# --- the worked example: one number of the stage, computed by hand ------------------------------


def worked_example(model: InspectorModel) -> str:
    """One line of arithmetic (HTML) that the learner can check with a calculator."""
    stage = model.stage
    if stage == "ready":
        return (
            f"Batch {model.batch_number + 1}: {plural(model.batch_size, 'example')}. "
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
        f"{f(step.loss_before)} → <b>{f(step.loss_after)}</b>"
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


# --- sentences generated from the model -----------------------------------------------------------


def describe_network(model: InspectorModel) -> str:
    """The network and the batch in words, e.g. '2 inputs → 3 neurons → 2 neurons → 1 output
    neuron: 20 weights and biases to learn. Each batch: 4 of 100 points of the Circle data.'"""
    sizes = model.sizes
    hidden = [plural(size, "neuron") for size in sizes[1:-1]]
    layers = " → ".join([plural(sizes[0], "input"), *hidden, plural(sizes[-1], "output neuron")])
    n_parameters = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    n_hidden = plural(len(hidden), "hidden layer")
    target = "a number" if model.data.task == "regression" else "+1 or −1, its class"
    return (
        f"<b>This network:</b> {layers} ({n_hidden}); "
        f"{plural(n_parameters, 'weight and bias', 'weights and biases')} to learn. "
        f"<b>Each batch:</b> {model.batch_size} of the {N_EXAMPLES} points of the "
        f"{DATASET_LABELS[model.dataset]} data; each point has 2 inputs, x₁ and x₂, and a "
        f"target y ({target})."
    )


DIAGRAM_TEXT = {
    "ready": "The other neurons get their values when you press <b>Forward</b>.",
    "forward": "Each neuron shows its output <i>a</i>; the lines are the weights <i>W</i>.",
    "loss": "The output shows <i>a − y</i>, how far the answer is from the target; the lines "
    "are the weights <i>W</i>.",
    "backward": "Each neuron shows its <i>dL/dz</i> for this example; the lines are "
    "<i>dL/dW</i> for the whole batch (colours scaled to the largest).",
    "update": "The neurons show their new biases <i>b</i> and the lines the new weights "
    "<i>W</i>: the same for every example.",
}


def diagram_caption(model: InspectorModel) -> str:
    """Which example the diagram shows, and what its colours and numbers are (HTML)."""
    x, target = model.X[DIAGRAM_EXAMPLE], model.targets[DIAGRAM_EXAMPLE, 0]
    number = DIAGRAM_EXAMPLE + 1
    values = (
        f"(x₁ = {format_number(x[0])}, x₂ = {format_number(x[1])}, "
        f"target y = {format_number(target)})"
    )
    where = "tables, marked in yellow" if model.shows_numbers else "heatmaps"
    if model.stage == "update":  # the parameters are the same for every example
        head = f"<b>The diagram's inputs are example {number} of the batch</b> {values}."
    else:
        head = (
            f"<b>The diagram shows the values for example {number} of the batch</b> {values}: "
            f"the row <b>ex {number}</b> of the {where}."
        )
    return f"{head} {DIAGRAM_TEXT[model.stage]} Blue is positive, orange negative."


# --- the network picture -------------------------------------------------------------------------


def _scaled(values: list[Array]) -> list[Array]:
    """Divide a stage's values by their largest size, so the largest shows full colour."""
    largest = max(float(np.abs(v).max()) for v in values) if values else 0.0
    return [v / largest if largest > 0 else v for v in values]


def network_picture(
    model: InspectorModel,
) -> tuple[list[Array], list[Array], list[str], list[list[str]]]:
    """What the network canvas shows for the current stage, for the batch's example
    DIAGRAM_EXAMPLE: tiles (one (n, 1, 1) column per layer, in [-1, 1]), links, titles and
    value labels."""
    network, stage, row = model.network, model.stage, DIAGRAM_EXAMPLE
    x = model.X[row]
    n_layers = len(model.sizes) - 1
    names = [f"Example {row + 1}: x"] + [f"Layer {i}" for i in range(1, n_layers)] + ["Output"]
    inputs = x / plane_extent(model.data)
    links = [W.copy() for W in network.weights]
    if stage in ("forward", "loss"):
        values = [x] + [A[row] for A in model.forward_pass.activations]
        tiles = [inputs] + [np.clip(A[row], -1, 1) for A in model.forward_pass.activations]
        titles = [names[0]] + [f"{name}: a" for name in names[1:]]
        if stage == "loss":
            error = model.forward_pass.output[row] - model.targets[row]
            values[-1], tiles[-1] = error, np.clip(error, -1, 1)
            titles[-1] = "a − y"
    elif stage == "backward":
        deltas = [delta[row] for delta in model.gradients.deltas]
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
