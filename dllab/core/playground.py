"""TensorFlow Playground's six 2-D sets.

The generators follow the playground's `src/dataset.ts`: one signature
`(n_samples, noise, rng) -> Dataset`, with a NumPy Generator in place of `Math.random`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import (
    check_float,
    check_int,
    check_rng,
)
from .dataset import Dataset

PLAYGROUND_SETS = ("circle", "xor", "gauss", "spiral", "plane", "multi_gauss")
MAX_NOISE = 0.5  # the playground's noise slider goes from 0 to 50 %
MAX_SAMPLES = 100_000
PLAYGROUND_EXTENT = 6.0  # the playground draws its sets on [-6, 6]^2
_PLAYGROUND_INPUTS = ("x1", "x2")
_SIGN_CLASSES = ("-1", "+1")


# --- TensorFlow Playground's 2-D sets -------------------------------------------------------


def circle(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Class +1 inside radius 2.5, class -1 on the ring from radius 3.5 to 5.

    The first half of the points is drawn at radius U(0, 2.5), the second at U(3.5, 5).
    Noise does not move a point: its label is read at the point shifted by U(-5, 5) * noise
    on each axis, so noisy labels flip near the boundary.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    radius = 5.0
    n_inside, n_outside = _halves(n_samples)
    distance = np.concatenate(
        [rng.uniform(0.0, 0.5 * radius, n_inside), rng.uniform(0.7 * radius, radius, n_outside)]
    )
    angle = rng.uniform(0.0, 2 * np.pi, n_samples)
    X = np.column_stack([distance * np.sin(angle), distance * np.cos(angle)])
    label_at = X + rng.uniform(-radius, radius, (n_samples, 2)) * noise
    y = np.where(np.hypot(label_at[:, 0], label_at[:, 1]) < 0.5 * radius, 1.0, -1.0)
    return _playground_set("circle", X, y, "binary")


def xor(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Label sign(x1 * x2) (+1 on the axes): +1 in the first and third quadrants.

    Coordinates are U(-5, 5) pushed 0.3 away from the axes. As for `circle`, noise shifts
    the point at which the label is read by U(-5, 5) * noise on each axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    padding = 0.3
    X = rng.uniform(-5.0, 5.0, (n_samples, 2))
    X += np.where(X > 0, padding, -padding)
    label_at = X + rng.uniform(-5.0, 5.0, (n_samples, 2)) * noise
    y = np.where(label_at[:, 0] * label_at[:, 1] >= 0, 1.0, -1.0)
    return _playground_set("xor", X, y, "binary")


def gauss(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two Gaussian clusters: class +1 around (2, 2), class -1 around (-2, -2).

    Noise sets the variance of each coordinate, mapped linearly from [0, 0.5] to [0.5, 4].
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    variance = 0.5 + (4.0 - 0.5) * noise / MAX_NOISE
    n_positive, n_negative = _halves(n_samples)
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n_positive, n_negative], axis=0)
    X = rng.normal(centres, np.sqrt(variance))
    y = np.repeat([1.0, -1.0], [n_positive, n_negative])
    return _playground_set("gauss", X, y, "binary")


def spiral(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two interleaved spiral arms, class +1 and class -1 (the +1 arm turned by pi).

    Point i of an arm of n points sits at radius r = 5 i / n and angle
    t = 1.75 * 2 pi i / n + delta, as (r sin t, r cos t), moved by U(-1, 1) * noise per axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    n_positive, n_negative = _halves(n_samples)
    X = np.concatenate(
        [_spiral_arm(n_positive, 0.0, noise, rng), _spiral_arm(n_negative, np.pi, noise, rng)]
    )
    y = np.repeat([1.0, -1.0], [n_positive, n_negative])
    return _playground_set("spiral", X, y, "binary")


def _spiral_arm(
    n_points: int, delta: float, noise: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    step = np.arange(n_points) / n_points
    radius = 5.0 * step
    angle = 1.75 * 2 * np.pi * step + delta
    arm = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return arm + rng.uniform(-1.0, 1.0, (n_points, 2)) * noise


def plane(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Regression on a tilted plane: y = (x1 + x2) / 10 for points U(-6, 6)^2.

    The playground maps x1 + x2 from [-10, 10] onto [-1, 1] without clamping, so y
    reaches +-1.2 (more with noise). Noise shifts the point at which y is read by
    U(-6, 6) * noise on each axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    X = rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2))
    label_at = X + rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2)) * noise
    y = (label_at[:, 0] + label_at[:, 1]) / 10.0
    return _playground_set("plane", X, y, "regression")


_BUMP_CENTRES = np.array(
    [[-4.0, 2.5], [0.0, 2.5], [4.0, 2.5], [-4.0, -2.5], [0.0, -2.5], [4.0, -2.5]]
)
_BUMP_SIGNS = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])


def multi_gauss(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Regression on six cone-shaped bumps of height +-1 in a 3 x 2 grid, for points U(-6, 6)^2.

    Each bump is sign * clip(1 - distance / 2, 0, 1); y is the bump largest in absolute
    value, 0 further than 2 from every centre. Noise shifts the point at which y is read
    by U(-6, 6) * noise on each axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    X = rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2))
    label_at = X + rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2)) * noise
    distances = np.linalg.norm(label_at[:, None, :] - _BUMP_CENTRES[None, :, :], axis=2)
    bumps = _BUMP_SIGNS * np.clip(1.0 - distances / 2.0, 0.0, 1.0)  # (n_samples, 6)
    # argmax keeps the first of equal bumps, as the playground's strict ">" does.
    strongest = np.argmax(np.abs(bumps), axis=1)
    y = bumps[np.arange(n_samples), strongest]
    return _playground_set("multi_gauss", X, y, "regression")


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], Dataset]] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "plane": plane,
    "multi_gauss": multi_gauss,
}
DEFAULT_N_SAMPLES = {
    "circle": 500,
    "xor": 500,
    "gauss": 500,
    "spiral": 500,
    "plane": 1200,
    "multi_gauss": 1200,
}


def _check_generator_args(
    n_samples: Any, noise: Any, rng: Any
) -> tuple[int, float, np.random.Generator]:
    return (
        check_int("n_samples", n_samples, 2, MAX_SAMPLES),
        check_noise(noise),
        check_rng("rng", rng),
    )


def check_noise(noise: Any) -> float:
    allowed = f"a fraction from 0.0 to {MAX_NOISE} (0% to {MAX_NOISE:.0%} noise)"
    try:
        return check_float("noise", noise, 0.0, MAX_NOISE)
    except TypeError:
        raise TypeError(f"noise must be {allowed}; got {noise!r}") from None
    except ValueError:
        raise ValueError(f"noise={noise!r} is not allowed: it must be {allowed}") from None


def _halves(n_samples: int) -> tuple[int, int]:
    # The playground loops `i < numSamples / 2` per class; for an odd count the
    # first class takes the extra point so that the total stays n_samples.
    return n_samples - n_samples // 2, n_samples // 2


def _playground_set(name: str, X: NDArray[np.float64], y: NDArray, task: str) -> Dataset:
    return Dataset(
        name=name,
        X=X,
        y=y,
        task=task,
        classes=_SIGN_CLASSES if task == "binary" else (),
        input_names=_PLAYGROUND_INPUTS,
        extent=PLAYGROUND_EXTENT,
    )
