"""Optimisers: small classes with one method, `update(params, grads)`.

`params` and `grads` are the network's flat parameter vector and a gradient of
the same shape; the update is done in place, so every optimiser costs a handful
of NumPy calls whatever the depth of the network.
"""

from __future__ import annotations

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
        self.steps += 1
        self.mean *= self.beta1
        self.mean += (1.0 - self.beta1) * grads
        self.variance *= self.beta2
        self.variance += (1.0 - self.beta2) * grads * grads
        step_size = (
            self.learning_rate
            * np.sqrt(1.0 - self.beta2**self.steps)
            / (1.0 - self.beta1**self.steps)
        )
        params -= step_size * self.mean / (np.sqrt(self.variance) + self.epsilon)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def check_learning_rate(learning_rate: float) -> float:
    return check_float("learning_rate", learning_rate, 0.0, 100.0, low_open=True)


def make_optimizer(name: str, learning_rate: float) -> SGD:
    """Build the optimiser called `name` (one of OPTIMIZERS) with its default settings."""
    return OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)](learning_rate)
