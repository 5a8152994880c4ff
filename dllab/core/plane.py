"""The input plane of 2-D data: its extent, a grid of points over it, and a network's
output on it as one score per point. Every plane picture in dllab is computed here."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .checks import check_int
from .data import Dataset

Array = NDArray[np.float64]
DEFAULT_EXTENT = 6.0  # the playground's plane: -6 to 6 on both axes


def plane_extent(dataset: Dataset | None) -> float:
    """Half the side of the square to draw `dataset` in: the generator's own domain for the
    playground's sets, else the largest input with a 10 % margin."""
    if dataset is None:
        return DEFAULT_EXTENT
    if dataset.extent:
        return float(dataset.extent)
    largest = float(np.abs(dataset.X).max()) if dataset.X.size else 0.0
    return largest * 1.1 if largest > 0 else DEFAULT_EXTENT


def plane_grid(extent: float = DEFAULT_EXTENT, resolution: int = 50) -> Array:
    """Points `(resolution**2, 2)` covering [-extent, extent]^2, row by row from the top, as
    an image is drawn: reshaped to `(resolution, resolution)`, row 0 is x2 = +extent and
    column 0 is x1 = -extent."""
    resolution = check_int("resolution", resolution, 2, 1000)
    axis = np.linspace(-extent, extent, resolution)
    xs, ys = np.meshgrid(axis, axis[::-1])
    return np.column_stack([xs.ravel(), ys.ravel()])


def output_score(outputs: Array, head: str) -> Array:
    """A network's outputs `(n_points, n_outputs)` as one score per point from -1 (orange,
    the negative class) to +1 (blue, the positive class). Sigmoid's and a two-class
    softmax's probabilities in [0, 1] would show no orange, or swap the colours; for more
    classes the score is the winning class's confidence."""
    outputs = np.asarray(outputs, dtype=float)
    if head == "sigmoid":
        return 2 * outputs[:, 0] - 1
    if head == "softmax" and outputs.shape[1] == 2:
        return outputs[:, 1] - outputs[:, 0]
    if head == "softmax":
        return 2 * outputs.max(axis=1) - 1
    return np.clip(outputs[:, 0], -1, 1)
