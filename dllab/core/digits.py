"""The numbers of the digits lessons: a confusion matrix and what it is made of, a drawing
shrunk to the pixels a network reads, and the recipe of the lessons' digits network.

Pure NumPy: the lessons' widgets show what these functions compute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_int
from .data import make_dataset, split
from .network import Network
from .recipe import make_trainer
from .training import Trainer

Array = NDArray[np.float64]
MAX_HIDDEN, MAX_EPOCHS = 128, 100
MAX_SHOWN = 60  # digits drawn at most in one grid (a weak network gets hundreds wrong)
IMAGE_SIDE = 8
# The lessons' digits network: relu, Adam, batches of 32 (see train_digits).
DIGITS_RECIPE = dict(activation="relu", head="softmax", init="he", learning_rate=0.005)
DIGITS_RECIPE.update(batch_size=32, optimizer="adam")


# -- the confusion matrix ----------------------------------------------------------------------
def confusion_matrix(y_true: NDArray, y_pred: NDArray, n_classes: int) -> NDArray[np.int64]:
    """Counts `(n_classes, n_classes)`: row = true class, column = predicted class.

    y_true, y_pred : (n_samples,) class indices 0 .. n_classes - 1.
    """
    n_classes = check_int("n_classes", n_classes, 1)
    labels = {}
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one label per sample); got shape {array.shape}")
        if array.size and (array.dtype.kind not in "iu" and not _whole(array)):
            raise TypeError(f"{name} must hold class indices (whole numbers); got {array[:5]}")
        array = array.astype(np.int64)
        outside = (array < 0) | (array >= n_classes)
        if outside.any():
            raise ValueError(
                f"{name} holds the label {array[outside][0]}, but n_classes={n_classes} "
                f"allows 0 to {n_classes - 1}"
            )
        labels[name] = array
    if len(labels["y_true"]) != len(labels["y_pred"]):
        raise ValueError(
            f"y_true has {len(labels['y_true'])} labels but y_pred has {len(labels['y_pred'])}: "
            "give one prediction per sample"
        )
    flat = labels["y_true"] * n_classes + labels["y_pred"]
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _whole(array: NDArray) -> bool:
    return array.dtype.kind == "f" and bool(np.all(np.isfinite(array) & (array == np.round(array))))


def per_class_accuracy(matrix: NDArray) -> Array:
    """Share of each true class predicted right: diagonal / row sums (NaN for an empty row)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / totals, np.nan)


def misclassified(network: Network, X: NDArray, y: NDArray) -> tuple[NDArray, NDArray]:
    """Indices of the rows of `X : (n_samples, n_inputs)` the network labels wrong, and its
    predictions for every row."""
    predicted = network.predict(X)
    return np.flatnonzero(predicted != np.asarray(y)), predicted


def cell_members(y_true: NDArray, y_pred: NDArray, true: int, predicted: int) -> NDArray:
    """Indices of the samples counted in the confusion matrix's cell (true, predicted)."""
    return np.flatnonzero((np.asarray(y_true) == true) & (np.asarray(y_pred) == predicted))


def confusion_colours(confusion: NDArray) -> tuple[Array, list[str]]:
    """Cell colours in [-1, 1] and text colours for a confusion matrix: right answers blue
    by the share of their class, any mistake at least clearly orange (counts alone would
    draw 1 of 55 almost white), zeros white with light grey text."""
    totals = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    share = confusion / totals
    diagonal = np.eye(len(confusion), dtype=bool)
    mistakes = np.where(confusion > 0, 0.35 + 0.65 * np.minimum(1, 5 * share), 0.0)
    colours = np.where(diagonal, share, -mistakes)
    text = np.where(confusion == 0, "#b8b8b8", np.where(colours > 0.5, "#ffffff", "#222222"))
    return colours, list(text.ravel())


def wrong_digits(
    network: Network, X: NDArray, y: NDArray, shape: tuple[int, int], classes: Sequence[str]
) -> tuple[Array, list[str], NDArray]:
    """The images `(n, *shape)`, captions ("true 9\\npredicted 3") and indices of the test
    digits `network` gets wrong (images and captions of the first MAX_SHOWN)."""
    wrong, predicted = misclassified(network, X, y)
    shown = wrong[:MAX_SHOWN]
    captions = [f"true {classes[y[i]]}\npredicted {classes[predicted[i]]}" for i in shown]
    return X[shown].reshape(-1, *shape), captions, wrong


# -- a drawing, as the network reads it -----------------------------------------------------------
def downsample(cells: NDArray, side: int = IMAGE_SIDE) -> Array:
    """Block means of a square drawing `cells : (n, n)` in [0, 1] (n a multiple of `side`):
    `(side, side)` in [0, 1]. A 32x32 bitmap gives exactly the digits' pixels / 16: the
    share of ink in each 4x4 block."""
    array = np.asarray(cells, dtype=np.float64)
    side = check_int("side", side, 1)
    if array.ndim != 2 or array.shape[0] != array.shape[1] or array.shape[0] % side:
        raise ValueError(
            f"cells must be a square (n, n) drawing with n a multiple of {side}; "
            f"got shape {array.shape}"
        )
    if not np.all((array >= 0) & (array <= 1)):
        raise ValueError("cells must hold ink shares from 0 (blank) to 1 (ink)")
    block = array.shape[0] // side
    return array.reshape(side, block, side, block).mean(axis=(1, 3))


@dataclass(frozen=True)
class Reading:
    """What the network reads in one drawing. `probabilities` and `prediction` are None
    for an empty drawing."""

    image: Array  # (side, side) what the network sees, in [0, 1]
    probabilities: Array | None  # (n_classes,)
    prediction: int | None
    confidence: float | None


def read_drawing(network: Network, cells: NDArray, side: int = IMAGE_SIDE) -> Reading:
    """What `network` reads in the drawing `cells : (n, n)` (ink 1, blank 0)."""
    image = downsample(cells, side)
    if not image.any():
        return Reading(image, None, None, None)
    probabilities = network.output(image.reshape(1, -1))[0]
    best = int(probabilities.argmax())
    return Reading(image, probabilities, best, float(probabilities[best]))


# -- the lessons' digits network ------------------------------------------------------------------
def train_digits(
    hidden: int = 32, epochs: int = 30, seed: int = 0, train_share: float = 0.7
) -> Trainer:
    """A digits network with one hidden layer of `hidden` relu neurons, trained `epochs`
    epochs with Adam (about 0.3 s for the defaults, which reach 98 % test accuracy)."""
    hidden = check_int("hidden", hidden, 1, MAX_HIDDEN)
    epochs = check_int("epochs", epochs, 0, MAX_EPOCHS)
    parts = split(make_dataset("digits"), train_share, seed=seed)
    trainer = make_trainer(parts, (hidden,), seed=seed, **DIGITS_RECIPE)
    trainer.train(epochs)
    return trainer


def check_digits_trainer(trainer: Any, who: str) -> Trainer:
    """`trainer` if it is a Trainer on image data with a class per output, else raise."""
    if not isinstance(trainer, Trainer):
        raise TypeError(
            f"trainer must be a dllab Trainer on the digits; got {type(trainer).__name__}"
        )
    dataset = trainer.data.dataset
    if dataset.image_shape is None or dataset.task != "multiclass":
        raise ValueError(
            f"{who} needs a trainer on image data such as the digits; this one learns "
            f"{dataset.name} ({dataset.task}, {dataset.n_inputs} inputs)"
        )
    return trainer


def describe(network: Network) -> str:
    """'64 → 32 → 10 (relu)': the network's shape in words a learner can read."""
    return " → ".join(str(size) for size in network.sizes) + f" ({network.activation})"
