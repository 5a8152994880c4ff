"""Hidden-layer activations, each paired with its derivative.

`ACTIVATIONS[name] = (function, derivative)`. `function(Z, out=None)` writes into
`out` when given one (the network writes each layer's output next to a column of
ones). The derivative takes both the pre-activation `Z` and the activation
`A = function(Z)`, so each one can use whichever is cheaper (tanh' = 1 - A^2 needs
only A).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

LEAKY_SLOPE = 0.01
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)


def sigmoid(Z: Array, out: Array | None = None) -> Array:
    """Logistic function, written to never overflow: exp of a non-positive number only."""
    E = np.exp(-np.abs(Z))
    return _into(out, np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E)))


def _relu(Z: Array, out: Array | None = None) -> Array:
    return np.maximum(Z, 0.0, out=out)


def _linear(Z: Array, out: Array | None = None) -> Array:
    return Z if out is None else _into(out, Z)


def _leaky_relu(Z: Array, out: Array | None = None) -> Array:
    # max(Z, slope * Z) is Z where Z > 0 and slope * Z elsewhere, as the slope is below 1.
    scaled = np.multiply(Z, LEAKY_SLOPE, out=out)
    return np.maximum(Z, scaled, out=scaled)


def _gelu(Z: Array, out: Array | None = None) -> Array:
    # The tanh approximation used by GPT-2 and BERT.
    return _into(out, 0.5 * Z * (1.0 + np.tanh(_SQRT_2_OVER_PI * (Z + 0.044715 * Z**3))))


def _into(out: Array | None, values: Array) -> Array:
    if out is None:
        return values
    out[...] = values
    return out


def _gelu_derivative(Z: Array, A: Array) -> Array:
    inner = _SQRT_2_OVER_PI * (Z + 0.044715 * Z**3)
    T = np.tanh(inner)
    return 0.5 * (1.0 + T) + 0.5 * Z * (1.0 - T**2) * _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * Z**2)


def _relu_derivative(Z: Array, A: Array) -> Array:
    # A boolean mask: multiplying by it is the derivative and skips a float conversion.
    return Z > 0


ACTIVATIONS: dict[str, tuple[Callable[..., Array], Callable[[Array, Array], Array]]] = {
    "tanh": (np.tanh, lambda Z, A: 1.0 - A * A),
    "relu": (_relu, _relu_derivative),
    "sigmoid": (sigmoid, lambda Z, A: A * (1.0 - A)),
    "linear": (_linear, lambda Z, A: np.ones_like(Z)),
    "leaky_relu": (_leaky_relu, lambda Z, A: np.where(Z > 0, 1.0, LEAKY_SLOPE)),
    "gelu": (_gelu, _gelu_derivative),
}
