"""Scaling curves: the models of lesson 04 fitted on growing training sets.

`training_pool` keeps a fixed test set apart and orders the rest so that every prefix
holds the classes in turn; `scaling_points` fits each model on each prefix size, smallest
first, yielding the results one by one; `scaling_curve` gathers them into arrays.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from .checks import check_choice, check_float, check_int
from .comparison import MODELS, PIXEL_MODELS, PLANE_SETS, fit_model
from .data import MAX_NOISE, Dataset, Split, make_dataset

SCALING_SETS = ("digits", *PLANE_SETS)
# Digits: 1797 images. 597 are kept aside for testing, so at most 1200 train.
DIGITS_TEST_SIZE = 597
DIGITS_POOL = 1200
# 2-D sets: a fixed test set, and up to PLANE_POOL points to train.
PLANE_TEST_SIZE = 500
PLANE_POOL = 4000
MIN_TRAIN_SIZE = 10
DIGIT_SIZES = (50, 100, 200, 400, 800, 1200)
PLANE_SIZES = (25, 50, 100, 200, 400, 800, 1600)

Array = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TrainingPool:
    """A data set with a fixed test set and a pool of training samples ordered so that
    every prefix of `pool` holds the classes in turn (the first 10 digits are 0 to 9)."""

    dataset: Dataset
    pool: NDArray[np.int64]
    test: NDArray[np.int64]

    def split(self, size: int) -> Split:
        """The first `size` samples of the pool to train on, and the fixed test set."""
        size = check_int("size", size, MIN_TRAIN_SIZE, len(self.pool))
        train = self.pool[:size]
        X, y = self.dataset.X, self.dataset.y
        share = size / (size + len(self.test))
        return Split(self.dataset, X[train], y[train], X[self.test], y[self.test], share)


def training_pool(dataset: str = "digits", noise: float = 0.0, seed: int = 0) -> TrainingPool:
    """Digits (1200 to train, 597 to test) or a 2-D set (4000 to train, 500 to test)."""
    dataset = check_choice("dataset", dataset, SCALING_SETS)
    if dataset == "digits":
        data, n_test = make_dataset("digits"), DIGITS_TEST_SIZE
    else:
        data = make_dataset(dataset, noise=noise, seed=seed, n_samples=PLANE_POOL + PLANE_TEST_SIZE)
        n_test = PLANE_TEST_SIZE
    order = np.random.default_rng(seed).permutation(data.n_samples)
    test, pool = order[:n_test], order[n_test:]
    return TrainingPool(data, classes_in_turn(pool, data.y[pool]), test)


def classes_in_turn(indices: NDArray[np.int64], labels: NDArray) -> NDArray[np.int64]:
    """`indices` reordered round-robin over the classes, keeping their order within a class."""
    rank_in_class = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = labels == label
        rank_in_class[members] = np.arange(members.sum())
    return indices[np.lexsort((np.arange(len(labels)), rank_in_class))]


@dataclass(frozen=True)
class ScalingPoint:
    """One model fitted on the first `size` samples of the pool.

    fit_seconds : CPU time of the fitting thread to train and score the model, with one
        BLAS thread: other programs on a shared machine do not count in it.
    """

    model: str
    size: int
    test_score: float
    train_score: float
    fit_seconds: float


@dataclass(eq=False)
class ScalingCurve:
    """Test scores and training times of each model for each training-set size.

    sizes : (n_sizes,) increasing. test_scores[model], train_scores[model],
        fit_seconds[model] : (n_sizes,), NaN where not fitted.
    """

    dataset: str
    sizes: NDArray[np.int64]
    models: tuple[str, ...]
    test_scores: dict[str, Array]
    train_scores: dict[str, Array]
    fit_seconds: dict[str, Array]
    n_test: int


def check_scaling_args(
    dataset: Any,
    sizes: Any = None,
    models: Any = PIXEL_MODELS,
    noise: Any = 0.0,
    seed: Any = 0,
    **unknown: Any,
) -> tuple[str, tuple[int, ...], tuple[str, ...], float, int]:
    """Check the arguments of `scaling_curve`; return them with `sizes` sorted (None picks
    the data set's default sizes)."""
    for name, value in unknown.items():
        raise TypeError(
            f"{name}={value!r} is not a setting of the scaling curves; "
            "they take: dataset, sizes, models, noise, seed"
        )
    dataset = check_choice("dataset", dataset, SCALING_SETS)
    noise = check_float("noise", noise, 0.0, MAX_NOISE)
    seed = check_int("seed", seed, 0, 2**32 - 1)
    largest = DIGITS_POOL if dataset == "digits" else PLANE_POOL
    if sizes is None:
        sizes = DIGIT_SIZES if dataset == "digits" else PLANE_SIZES
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
        raise TypeError(
            f"sizes must be a list of training-set sizes, e.g. [50, 200]; got {sizes!r}"
        )
    if len(sizes) == 0:
        raise ValueError(
            "sizes=[] is empty: give at least one training-set size, "
            f"e.g. {list(DIGIT_SIZES if dataset == 'digits' else PLANE_SIZES)}"
        )
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, Integral):
            raise TypeError(f"sizes must hold whole numbers; got {size!r} in {list(sizes)!r}")
        if size > largest:
            raise ValueError(
                f"sizes holds {size}, more than the {largest} training samples {dataset} has "
                f"here (the test set is kept apart): use sizes from {MIN_TRAIN_SIZE} to {largest}"
            )
        if size < MIN_TRAIN_SIZE:
            raise ValueError(
                f"sizes holds {size}: a training set needs at least {MIN_TRAIN_SIZE} samples "
                f"(use sizes from {MIN_TRAIN_SIZE} to {largest})"
            )
    if isinstance(models, str) or not isinstance(models, Sequence) or not models:
        raise TypeError(
            f"models must be a non-empty list of names from {', '.join(MODELS)}; got {models!r}"
        )
    models = tuple(check_choice("models", name, MODELS) for name in models)
    if dataset == "digits" and "logistic_features" in models:
        raise ValueError(
            "models holds 'logistic_features', which does not apply to digits: its "
            "hand-crafted features are made from x1 and x2, and a digit has 64 pixels"
        )
    return dataset, tuple(sorted({int(size) for size in sizes})), models, noise, seed


def scaling_points(dataset: str = "digits", **settings: Any) -> Iterator[ScalingPoint]:
    """Fit each model on the first `size` training samples, for each size in increasing
    order, yielding one ScalingPoint per fit as soon as it is done (the smaller sets first,
    so every curve grows together). `settings` (sizes, models, noise, seed) are those of
    `scaling_curve`; all are checked before anything is fitted."""
    return fit_points(*check_scaling_args(dataset, **settings))


def fit_points(
    dataset: str, sizes: tuple[int, ...], models: tuple[str, ...], noise: float, seed: int
) -> Iterator[ScalingPoint]:
    """`scaling_points` on arguments already checked (as `check_scaling_args` returns them)."""
    pool = training_pool(dataset, noise, seed)
    _import_scikit_learn()  # not to be timed as part of the first fit
    for size in sizes:
        data = pool.split(size)
        for name in models:
            # One BLAS thread, as in the lab: a second one slows small products down.
            with threadpool_limits(1, user_api="blas"):
                started = time.thread_time()
                result = fit_model(name, data, seed=seed)
                seconds = time.thread_time() - started
            yield ScalingPoint(name, size, result.test_score, result.train_score, seconds)


def _import_scikit_learn() -> None:
    """Import what the baselines use (scikit-learn is imported on first use only)."""
    import sklearn.ensemble  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.pipeline  # noqa: F401
    import sklearn.preprocessing  # noqa: F401


def scaling_curve(
    dataset: str = "digits",
    sizes: Sequence[int] | None = None,
    models: Sequence[str] = PIXEL_MODELS,
    noise: float = 0.0,
    seed: int = 0,
) -> ScalingCurve:
    """Test score and training time of each model against the training-set size.

    dataset : "digits" (default sizes DIGIT_SIZES, at most 1200, tested on 597 images)
        or a 2-D set of PLANE_SETS with `noise` (sizes PLANE_SIZES, at most 4000, tested
        on 500 points). The training sets are nested: each holds the smaller ones.
    """
    settings = check_scaling_args(dataset, sizes, models, noise, seed)
    dataset, sizes, models = settings[:3]
    return collect_curve(dataset, sizes, models, fit_points(*settings))


def collect_curve(
    dataset: str, sizes: Sequence[int], models: Sequence[str], points: Iterable[ScalingPoint]
) -> ScalingCurve:
    """Gather ScalingPoints (all or some of them) into arrays, NaN where missing."""
    sizes = np.asarray(sorted(sizes), dtype=np.int64)
    column = {int(size): index for index, size in enumerate(sizes)}
    tables = [{name: np.full(len(sizes), np.nan) for name in models} for _ in range(3)]
    test_scores, train_scores, fit_seconds = tables
    for point in points:
        index = column[point.size]
        test_scores[point.model][index] = point.test_score
        train_scores[point.model][index] = point.train_score
        fit_seconds[point.model][index] = point.fit_seconds
    n_test = DIGITS_TEST_SIZE if dataset == "digits" else PLANE_TEST_SIZE
    return ScalingCurve(
        dataset, sizes, tuple(models), test_scores, train_scores, fit_seconds, n_test
    )
