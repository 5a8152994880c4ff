"""Gradient descent on a neuron with two weights, whose whole loss surface fits on one map.

The neuron has no bias and no activation, y = w1 x1 + w2 x2, and is fitted to four examples
with the engine's squared error, L(w) = mean(½ (w1 x1 + w2 x2 − y)²). x1 and x2 go up
together, so the loss surface is a long, narrow valley (curvatures about 11 and 0.9): a
learning rate above about 0.18 overshoots across it and diverges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_float, check_int

Array = NDArray[np.float64]

DESCENT_INPUTS = np.array([[2.0, 2.0], [3.0, 3.0], [3.0, 2.0], [3.0, 0.0]])
DESCENT_TARGETS = np.array([2.0, 3.0, 3.0, 1.0])
DESCENT_START = (2.0, -1.5)
DESCENT_WINDOW = ((-2.0, 3.0), (-2.0, 3.0))  # the w1 and w2 ranges drawn
MAX_LEARNING_RATE = 10.0
MAX_DESCENT_STEPS = 500
CLICK_STEP = 0.125  # a click on the map starts from the nearest point of this grid
DIVERGED_FACTOR = 10.0  # diverged: the loss ends this many times above where it started
LOSS_LIMIT = 1e12  # a path is cut once its loss passes this (far outside any plot)
CONVERGED_SHARE = 0.01  # converged: 1 % of the extra loss at the start left
VERDICTS = ("converged", "on its way", "diverged")


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


def descent_surface(resolution: int = 160) -> tuple[Array, Array, Array]:
    """The loss over DESCENT_WINDOW: w1 (resolution,), w2 (resolution,) and the loss
    (resolution, resolution), row i for w2[i] (bottom row first) and column j for w1[j]."""
    resolution = check_int("resolution", resolution, 2, 2000)
    (w1_low, w1_high), (w2_low, w2_high) = DESCENT_WINDOW
    w1 = np.linspace(w1_low, w1_high, resolution)
    w2 = np.linspace(w2_low, w2_high, resolution)
    return w1, w2, descent_loss(w1[None, :], w2[:, None])


def click_grid(step: float = CLICK_STEP) -> Array:
    """Points (n, 2) every `step` over DESCENT_WINDOW, row by row from the bottom (w2 low):
    where a click on the map may start a path."""
    step = check_float("step", step, 0.0, 1.0, low_open=True)
    (w1_low, w1_high), (w2_low, w2_high) = DESCENT_WINDOW
    w1, w2 = np.meshgrid(
        np.arange(w1_low, w1_high + 1e-9, step), np.arange(w2_low, w2_high + 1e-9, step)
    )
    return np.column_stack([w1.ravel(), w2.ravel()])


@dataclass
class DescentRun:
    """points : (n_steps + 1, 2) weights from the start on; losses : (n_steps + 1,).
    A diverging path is cut once its loss passes LOSS_LIMIT, so it may hold fewer steps."""

    points: Array
    losses: Array
    learning_rate: float
    steps: int

    @property
    def steps_done(self) -> int:
        return len(self.losses) - 1

    @property
    def diverged(self) -> bool:
        return bool(
            len(self.losses) < self.steps + 1 or self.losses[-1] > DIVERGED_FACTOR * self.losses[0]
        )

    @property
    def zigzags(self) -> bool:
        """True when most steps turn back on the one before (across the valley)."""
        moves = np.diff(self.points, axis=0)
        if len(moves) < 2:
            return False
        turns = np.einsum("ij,ij->i", moves[:-1], moves[1:]) < 0
        return bool(turns.mean() > 0.5)

    @property
    def share_left(self) -> float:
        """How much of the loss above the lowest possible is left, from 1 at the start."""
        _, lowest = descent_minimum()
        return float((self.losses[-1] - lowest) / max(self.losses[0] - lowest, 1e-300))

    @property
    def verdict(self) -> str:
        """One of VERDICTS: diverged, converged (1 % of the extra loss left) or on its way."""
        if self.diverged:
            return "diverged"
        return "converged" if self.share_left <= CONVERGED_SHARE else "on its way"


def check_start(start: Any) -> tuple[float, float]:
    """A start point (w1, w2) as two finite floats, or a clear error."""
    try:
        point = np.asarray(start, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"start must be two numbers (w1, w2); got {start!r}") from None
    if point.shape != (2,) or not np.isfinite(point).all():
        raise ValueError(f"start={start!r} is not allowed: it must be two finite numbers (w1, w2)")
    return float(point[0]), float(point[1])


def check_descent_rate(value: Any) -> float:
    return check_float("learning_rate", value, 0.0, MAX_LEARNING_RATE, low_open=True)


def check_descent_steps(value: Any) -> int:
    return check_int("steps", value, 1, MAX_DESCENT_STEPS)


def descent_path(
    learning_rate: float, steps: int, start: Sequence[float] = DESCENT_START
) -> DescentRun:
    """Gradient descent w ← w − learning_rate · dL/dw for `steps` steps from `start`."""
    rate = check_descent_rate(learning_rate)
    steps = check_descent_steps(steps)
    weights = np.array(check_start(start))
    points, losses = [weights], [float(descent_loss(*weights))]
    for _ in range(steps):
        weights = weights - rate * descent_gradient(weights)
        loss = float(descent_loss(*weights))
        if not np.isfinite(loss) or loss > LOSS_LIMIT:
            break
        points.append(weights)
        losses.append(loss)
    return DescentRun(np.array(points), np.array(losses), rate, steps)
