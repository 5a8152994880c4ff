"""Optimisers: small classes with one method, `update(params, grads)`.

`params` and `grads` are the network's flat parameter vector and a gradient of
the same shape; the update is done in place, so every optimiser costs a handful
of NumPy calls whatever the depth of the network.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .checks import check_choice, check_float

Array = NDArray[np.float64]


class SGD:
    """Plain gradient descent: w <- w - lr * g."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = check_learning_rate(learning_rate)

    def update(self, params: Array, grads: Array) -> None:
        params -= self.learning_rate * grads


class Momentum(SGD):
    """Gradient descent with momentum: v <- mu v - lr g; w <- w + v."""

    def __init__(self, learning_rate: float, momentum: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.momentum = check_float("momentum", momentum, 0.0, 1.0)
        self.velocity: Array | None = None

    def update(self, params: Array, grads: Array) -> None:
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        velocity = self.velocity
        velocity *= self.momentum
        velocity -= self.learning_rate * grads
        params += velocity


class Adam(SGD):
    """Adam (Kingma and Ba, 2015) with bias-corrected moment estimates."""

    def __init__(
        self,
        learning_rate: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_float("beta1", beta1, 0.0, 1.0)
        if self.beta1 == 1.0:  # the bias correction would divide by 1 - beta1**t = 0
            raise ValueError("beta1=1.0 is not allowed: it must be from 0.0 to below 1.0")
        self.beta2 = check_float("beta2", beta2, 0.0, 1.0)
        self.epsilon = check_float("epsilon", epsilon, 0.0, low_open=True)
        self.steps = 0
        self.mean: Array | None = None
        self.variance: Array | None = None

    def update(self, params: Array, grads: Array) -> None:
        if self.mean is None:
            self.mean = np.zeros_like(params)
            self.variance = np.zeros_like(params)
            self._scratch = (np.empty_like(params), np.empty_like(params))
        self.steps += 1
        mean, variance, (term, denominator) = self.mean, self.variance, self._scratch
        # In place, into kept buffers; every scalar a Python float, so that float32
        # parameters stay float32 (a NumPy float64 scalar would make float64 copies).
        mean *= self.beta1
        mean += np.multiply(grads, 1.0 - self.beta1, out=term)
        variance *= self.beta2
        np.multiply(grads, 1.0 - self.beta2, out=term)
        variance += np.multiply(term, grads, out=term)
        step_size = float(
            self.learning_rate
            * math.sqrt(1.0 - self.beta2**self.steps)
            / (1.0 - self.beta1**self.steps)
        )
        np.sqrt(variance, out=denominator)
        denominator += self.epsilon
        np.multiply(mean, step_size, out=term)
        params -= np.divide(term, denominator, out=term)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def check_learning_rate(learning_rate: float) -> float:
    return check_float("learning_rate", learning_rate, 0.0, 100.0, low_open=True)


def make_optimizer(name: str, learning_rate: float) -> SGD:
    """Build the optimiser called `name` (one of OPTIMIZERS) with its default settings."""
    return OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)](learning_rate)
