"""The plane quiz's numbers: a trained network's answer about one point of the plane, the
picture of every neuron's value for it, and the lesson's own small network.

Pure NumPy: `dllab.lessons.PlaneQuiz` shows what these functions compute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .checks import check_float, check_int
from .data import PLAYGROUND_SETS, make_dataset, split
from .features import feature_matrix
from .network import Network
from .plane import output_score
from .recipe import make_trainer
from .training import Trainer

Array = NDArray[np.float64]
# The plane quiz's own network: tanh, Xavier's start, Adam (see train_plane).
PLANE_RECIPE = dict(activation="tanh", init="xavier", learning_rate=0.01, batch_size=8)
PLANE_RECIPE.update(optimizer="adam")


@dataclass(frozen=True)
class Answer:
    """The network's answer about one point of the plane, and how it got there.

    inputs : (n_inputs,) what the network was fed (the point, or its features).
    activations : one (n_neurons,) array per layer, the last is the output.
    prediction : -1.0 / +1.0, a class index, or a value (regression).
    confidence : head.confidence of the output, NaN for regression.
    """

    asked: tuple[float, float]
    point: tuple[float, float]
    clamped: bool
    inputs: Array
    activations: list[Array]
    prediction: float
    label: str
    confidence: float
    note: str


def signed(value: float) -> str:
    """A value with two decimals and a true minus sign: '−0.25', '1.50'."""
    return f"{value:.2f}".replace("-", "−")


def class_words(prediction: float, classes: Sequence[str], task: str) -> str:
    """'blue (+1)' / 'orange (−1)' for the playground's classes, else the class name."""
    if task == "regression":
        return signed(prediction)
    if task == "binary":
        positive = prediction > 0
        name = classes[1 if positive else 0] if len(classes) == 2 else ("+1" if positive else "-1")
        return f"{'blue' if positive else 'orange'} ({name.replace('-', '−')})"
    return str(classes[int(prediction)]) if classes else f"class {int(prediction)}"


def network_inputs(points: Array, features: Sequence[str] | None) -> Array:
    """The network's inputs for raw points `(n_points, 2)`: the features, or the points."""
    return points if features is None else feature_matrix(points, features)


def ask(
    network: Network,
    x1: float,
    x2: float,
    *,
    extent: float,
    task: str,
    classes: Sequence[str] = (),
    features: Sequence[str] | None = None,
) -> Answer:
    """`network`'s answer about the point (x1, x2). A point outside [-extent, extent]^2 is
    moved to the nearest point inside (the network learnt nothing out there), with a note."""
    asked = (check_float("x1", x1), check_float("x2", x2))
    e = extent
    point = (min(max(asked[0], -e), e), min(max(asked[1], -e), e))
    clamped = point != asked
    run = network.forward(network_inputs(np.array([point]), features))
    output = run.output
    prediction = network.head.predict(output)[0]
    if network.head_name == "softmax" and task == "binary":
        prediction = 1.0 if prediction == 1 else -1.0
    note = ""
    if clamped:
        note = (
            f"You clicked ({signed(asked[0])}, {signed(asked[1])}), outside the data's square "
            f"(−{e:g} to {e:g}), where the network never saw a point: this is its answer "
            f"for the nearest point inside, ({signed(point[0])}, {signed(point[1])})."
        )
    return Answer(
        asked=asked,
        point=point,
        clamped=clamped,
        inputs=run.inputs[0].copy(),
        activations=[layer[0].copy() for layer in run.activations],
        prediction=float(prediction),
        label=class_words(float(prediction), classes, task),
        confidence=float(network.head.confidence(output)[0]),
        note=note,
    )


def network_path(
    network: Network,
    answer: Answer | None,
    input_names: Sequence[str],
    input_scale: Array,
) -> tuple[list[Array], list[Array], list[str], list[list[str]]]:
    """The network picture for one answer: tiles `(n_neurons, 1, 1)` per column (inputs,
    each layer, output) coloured by the value in [-1, 1] (inputs divided by
    `input_scale`), the weights, the column titles and the numbers as labels. Blank
    squares and no numbers before the first question."""
    titles = ["Inputs"] + [f"Layer {i}" for i in range(1, len(network.sizes) - 1)] + ["Output"]
    # Each layer's links scaled so that its strongest weight is drawn fully: raw trained
    # weights of 3 or more would draw every link at full thickness.
    weights = [W / (np.abs(W).max() + 1e-12) for W in network.weights]
    if answer is None:
        tiles = [np.zeros((size, 1, 1)) for size in network.sizes]
        return tiles, weights, titles, [[""] * size for size in network.sizes]
    tiles = [np.clip(answer.inputs / input_scale, -1, 1)]
    labels = [[f"{n} = {signed(v)}" for n, v in zip(input_names, answer.inputs)]]
    for values in answer.activations[:-1]:
        tiles.append(np.clip(values, -1, 1))
        labels.append([signed(v) for v in values])
    output = answer.activations[-1]
    one = len(output) == 1
    tiles.append(output_score(output[None, :], network.head_name) if one else 2 * output - 1)
    labels.append([signed(v) for v in output])
    return [tile.reshape(-1, 1, 1) for tile in tiles], weights, titles, labels


def train_plane(
    dataset: str = "spiral",
    noise: float = 0.0,
    seed: int = 0,
    hidden: Sequence[int] = (8, 8),
    epochs: int = 300,
) -> Trainer:
    """A tanh network trained on one of the playground's 2-D sets, fed the raw x1 and x2
    (so that the first column of the picture is the point itself). Spiral: under a
    second, 99 % test accuracy with the defaults."""
    if dataset not in PLAYGROUND_SETS:
        raise ValueError(
            f"dataset={dataset!r} is not a 2-D set; choose one of: {', '.join(PLAYGROUND_SETS)}"
            + (" (for the digits, use DigitQuiz)" if dataset == "digits" else "")
        )
    epochs = check_int("epochs", epochs, 0, 5000)
    data = split(make_dataset(dataset, noise=noise, seed=seed), 0.7, seed=seed)
    trainer = make_trainer(data, hidden, seed=seed, **PLANE_RECIPE)
    trainer.train(epochs)
    return trainer
