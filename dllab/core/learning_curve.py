"""Learning curves on pictures of shapes: each model's test accuracy against the number of
training pictures, on one test set kept apart, and what the curves show (who gains most
from more data, from which size one model is ahead of all the others).

The models come as fits, `fit(data, seed, should_stop) -> test accuracy` (None once
`should_stop()` turned True), so one loop serves traditional models and networks alike.
`curve_points` fits every model on the smallest training set, then the next, yielding
each result as it is done (every curve grows together); the training sets are nested,
each holding the smaller ones. A network is trained for `step_budget` mini-batch steps
(`train_steps`): some epochs, and enough steps that a small set is learned as well as
it can be.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_float, check_int
from .data import Split
from .scaling import MIN_TRAIN_SIZE, TrainingPool, classes_in_turn
from .shapes import MAX_SAMPLES, make_shapes
from .training import Trainer

CURVE_SIZES = (100, 200, 400, 800, 1600)
CURVE_TEST_SIZE = 1000
CURVE_NOISE = 0.2
# A network's steps on n pictures: CURVE_EPOCHS passes in batches of 32, and at least
# MIN_STEPS. On the shapes at noise 0.2 the lesson's convolutional network reaches its
# best test accuracy in 300 to 600 steps on 100 to 400 pictures, 1000 to 1500 on 1600.
CURVE_EPOCHS = 25
MIN_STEPS = 400
STOP_CHECK_STEPS = 20  # steps between two looks at should_stop

Fit = Callable[[Split, int, Callable[[], bool]], "float | None"]


def check_curve_sizes(sizes: Any, n_test: int = CURVE_TEST_SIZE) -> tuple[int, ...]:
    """`sizes` sorted and without repeats: whole numbers from MIN_TRAIN_SIZE, together
    with the test set at most MAX_SAMPLES pictures."""
    largest = MAX_SAMPLES - n_test
    example = list(CURVE_SIZES)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(
            f"sizes must be a list of training-set sizes, e.g. {example}; got {sizes!r}"
        )
    if len(sizes) == 0:
        raise ValueError(f"sizes=[] is empty: give at least one training-set size, e.g. {example}")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, Integral):
            raise TypeError(f"sizes must hold whole numbers; got {size!r} in {list(sizes)!r}")
        if not MIN_TRAIN_SIZE <= size <= largest:
            raise ValueError(
                f"sizes holds {size}, which is not allowed: use sizes from {MIN_TRAIN_SIZE} "
                f"to {largest} pictures (with {n_test} more kept apart to test)"
            )
    return tuple(sorted({int(size) for size in sizes}))


def shapes_pool(
    largest: int, n_test: int = CURVE_TEST_SIZE, noise: float = CURVE_NOISE, seed: int = 0
) -> TrainingPool:
    """`largest + n_test` pictures of shapes: `n_test` kept apart to test, the others a
    pool to train on whose every prefix holds the shapes in turn."""
    n_test = check_int("n_test", n_test, 4, MAX_SAMPLES - MIN_TRAIN_SIZE)
    largest = check_int("largest", largest, MIN_TRAIN_SIZE, MAX_SAMPLES - n_test)
    noise = check_float("noise", noise, 0.0, 0.5)
    data = make_shapes(largest + n_test, noise, seed)
    order = np.random.default_rng(seed).permutation(data.n_samples)
    test, pool = order[:n_test], order[n_test:]
    return TrainingPool(data, classes_in_turn(pool, data.y[pool]), test)


def step_budget(
    n_train: int, batch_size: int = 32, epochs: int = CURVE_EPOCHS, least: int = MIN_STEPS
) -> int:
    """Mini-batch steps for a network on `n_train` pictures: `epochs` passes, at least
    `least` steps."""
    n_train = check_int("n_train", n_train, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    return max(check_int("least", least, 1), math.ceil(epochs * n_train / batch_size))


def train_steps(trainer: Trainer, steps: int, should_stop: Callable[[], bool]) -> float | None:
    """Train for `steps` mini-batch steps (stopping early if the loss diverges), then
    return the test accuracy; None if `should_stop()` turned True first."""
    steps = check_int("steps", steps, 1)
    for step in range(steps):
        if step % STOP_CHECK_STEPS == 0 and should_stop():
            return None
        if not trainer.step():
            break
    return trainer.evaluate()["test_accuracy"]


@dataclass(frozen=True)
class CurvePoint:
    """One model trained on the first `size` pictures of the pool and tested.

    seconds : CPU time of the fitting thread to train and test it (features included):
        other programs on a shared machine do not count in it.
    """

    model: str
    size: int
    accuracy: float
    seconds: float


def curve_points(
    pool: TrainingPool,
    sizes: Sequence[int],
    fits: Mapping[str, Fit],
    seed: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[CurvePoint]:
    """Fit every model on each of `sizes` (checked, smallest first), yielding a
    CurvePoint as each is done; stops, yielding nothing more, once `should_stop()`."""
    sizes = check_curve_sizes(sizes, len(pool.test))
    if sizes[-1] > len(pool.pool):
        raise ValueError(
            f"sizes holds {sizes[-1]}, more than the {len(pool.pool)} pictures of the pool"
        )
    for size in sizes:
        data = pool.split(size)
        for name, fit in fits.items():
            started = time.thread_time()
            accuracy = fit(data, seed, should_stop)
            if accuracy is None or should_stop():
                return
            yield CurvePoint(name, size, float(accuracy), time.thread_time() - started)


@dataclass(frozen=True, eq=False)
class LearningCurve:
    """Test accuracy and CPU seconds of each model for each training-set size.

    sizes : (n_sizes,) increasing; models : n_models names;
    accuracy, seconds : (n_models, n_sizes), NaN where not measured (yet).
    """

    sizes: tuple[int, ...]
    models: tuple[str, ...]
    accuracy: NDArray[np.float64]
    seconds: NDArray[np.float64]

    @classmethod
    def collect(
        cls, sizes: Sequence[int], models: Sequence[str], points: Iterable[CurvePoint]
    ) -> LearningCurve:
        """Gather CurvePoints (all or some of them) into arrays."""
        sizes, models = tuple(sorted(sizes)), tuple(models)
        accuracy = np.full((len(models), len(sizes)), np.nan)
        seconds = np.full_like(accuracy, np.nan)
        for point in points:
            row, column = models.index(point.model), sizes.index(point.size)
            accuracy[row, column], seconds[row, column] = point.accuracy, point.seconds
        return cls(sizes, models, accuracy, seconds)

    @property
    def measured(self) -> NDArray[np.bool_]:
        """(n_sizes,): True where every model has been measured."""
        return ~np.isnan(self.accuracy).any(axis=0)

    def gains(self) -> dict[str, float]:
        """Each model's accuracy at the largest fully measured size less that at the
        smallest (empty before two sizes are measured)."""
        columns = np.flatnonzero(self.measured)
        if len(columns) < 2:
            return {}
        first, last = columns[0], columns[-1]
        change = self.accuracy[:, last] - self.accuracy[:, first]
        return dict(zip(self.models, change.tolist()))

    def ahead_from(self, model: str) -> int | None:
        """The smallest fully measured size from which `model` is more accurate than every
        other model at that size and every larger one measured; None if it is not ahead
        at the largest measured size (or none is measured)."""
        row = self.models.index(model)
        columns = np.flatnonzero(self.measured)
        others = np.delete(self.accuracy, row, axis=0)
        ahead = self.accuracy[row, columns] > others[:, columns].max(axis=0, initial=-np.inf)
        if len(columns) == 0 or not ahead[-1]:
            return None
        behind = np.flatnonzero(~ahead)
        start = 0 if len(behind) == 0 else behind[-1] + 1
        return self.sizes[columns[start]]

    def best_at(self, size: int) -> str:
        """The most accurate model at `size` (the first listed on a tie)."""
        column = self.sizes.index(size)
        return self.models[int(np.nanargmax(self.accuracy[:, column]))]
