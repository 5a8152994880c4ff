"""Hand-crafted input features for 2-D data, as TensorFlow Playground offers them.

Each entry maps a feature name to a function of the raw points `X : (n_samples, 2)`
that returns one column `(n_samples,)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from .checks import check_choice, check_matrix

FEATURES: dict[str, Callable[[NDArray[np.float64]], NDArray[np.float64]]] = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin x1": lambda X: np.sin(X[:, 0]),
    "sin x2": lambda X: np.sin(X[:, 1]),
}

RAW_FEATURES = ("x1", "x2")
HAND_CRAFTED = ("x1^2", "x2^2", "x1*x2", "sin x1", "sin x2")


def check_features(features: Sequence[str]) -> tuple[str, ...]:
    """Return `features` as a tuple after checking each name and that one at least is on."""
    if isinstance(features, str) or not isinstance(features, Sequence):
        raise TypeError(f"features must be a list of names; got {features!r}")
    names = tuple(check_choice("features", name, FEATURES) for name in features)
    if not names:
        raise ValueError("features=[] is not allowed: turn on at least one input feature")
    if len(set(names)) != len(names):
        raise ValueError(f"features={list(names)} names a feature twice")
    return names


def feature_matrix(X: NDArray[np.float64], features: Sequence[str]) -> NDArray[np.float64]:
    """Map raw 2-D points `X : (n_samples, 2)` to `(n_samples, len(features))`."""
    names = check_features(features)
    X = check_matrix("X", X, 2)
    return np.column_stack([FEATURES[name](X) for name in names])
