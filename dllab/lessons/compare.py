"""Lesson: deep learning vs traditional machine learning.

The same data go through four models:

| model             | sees                                   |
|-------------------|----------------------------------------|
| logistic_raw      | the raw inputs                         |
| logistic_features | x1, x2 and the hand-crafted features   |
| random_forest     | the raw inputs (100 trees)             |
| network           | the raw inputs (a dllab Network)       |

`DeepVsTraditional` shows their decision surfaces on a 2-D set, and their scores on the
64 raw pixels of the digits; `ScalingCurves` shows how each one's test score grows with
the training set and with training time. The computations come first in this module,
as plain functions of NumPy arrays; the widgets only call them and draw the results.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
import traitlets as t
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from ..core import (
    BASELINE_LABELS,
    Dataset,
    Network,
    Split,
    Trainer,
    fit_baseline,
    make_dataset,
    split,
)
from ..core.checks import check_choice, check_float, check_int
from ..core.data import MAX_NOISE
from ..core.features import HAND_CRAFTED, RAW_FEATURES
from ..lab.model import known_choice
from ..ui.theme import BLUE, ORANGE, WHITE

PLANE_SETS = ("circle", "xor", "gauss", "spiral")
SCALING_SETS = ("digits", *PLANE_SETS)
MODELS = ("logistic_raw", "logistic_features", "random_forest", "network")
PIXEL_MODELS = ("logistic_raw", "random_forest", "network")
MODEL_LABELS = {**BASELINE_LABELS, "network": "Deep network"}
# Short enough for the title of a 270-pixel figure.
MODEL_TITLES = {
    "logistic_raw": "(a) Logistic, raw",
    "logistic_features": "(b) Logistic + features",
    "random_forest": "(c) Random forest",
    "network": "(d) Deep network",
}
MODEL_COLOURS = {
    "logistic_raw": "#8c8c8c",
    "logistic_features": "#4d4d4d",
    "random_forest": ORANGE,
    "network": BLUE,
}
DATASET_LABELS = {
    "circle": "Circle",
    "xor": "Exclusive or (xor)",
    "gauss": "Two Gaussians",
    "spiral": "Spiral",
    "digits": "Handwritten digits (64 pixels)",
}

SURFACE_RESOLUTION = 50  # points per side of each decision surface
PLANE_SAMPLES = 500  # the playground's default, half to train and half to test
# Digits: 1797 images. 597 are kept aside for testing, so at most 1200 train.
DIGITS_TEST_SIZE = 597
DIGITS_POOL = 1200
# 2-D sets in the scaling curves: a fixed test set, and up to PLANE_POOL points to train.
PLANE_TEST_SIZE = 500
PLANE_POOL = 4000
MIN_TRAIN_SIZE = 10
DIGIT_SIZES = (50, 100, 200, 400, 800, 1200)
PLANE_SIZES = (25, 50, 100, 200, 400, 800, 1600)

Array = NDArray[np.float64]


# --- The deep network, fitted like a baseline ------------------------------------------------


@dataclass(frozen=True)
class NetworkSettings:
    """How the deep network is built and trained; the same recipe for any amount of data,
    so a larger training set costs proportionally more steps."""

    hidden: tuple[int, ...]
    activation: str
    init: str
    learning_rate: float
    batch_size: int
    epochs: int
    optimizer: str = "adam"

    def describe(self) -> str:
        """E.g. '2 hidden layers of 8 tanh neurons, 300 epochs'."""
        if len(set(self.hidden)) == 1:
            count = len(self.hidden)
            shape = f"{count} hidden layer{'s' if count > 1 else ''} of {self.hidden[0]}"
        else:
            shape = f"hidden layers of {', '.join(map(str, self.hidden))}"
        return f"{shape} {self.activation} neurons, {self.epochs} epochs"


# Measured on the four 2-D sets: 99-100% on circle, xor and gauss, about 90% on spiral,
# in 0.2-0.4 s for 250 training points.
PLANE_NETWORK = NetworkSettings(
    hidden=(8, 8),
    activation="tanh",
    init="playground",
    learning_rate=0.03,
    batch_size=25,
    epochs=300,
)
# On 1200 digits: about 98% in under half a second.
PIXEL_NETWORK = NetworkSettings(
    hidden=(64,), activation="relu", init="he", learning_rate=0.01, batch_size=16, epochs=60
)


@dataclass(eq=False)
class NetworkResult:
    """A trained deep network and its scores, used like a `BaselineResult`."""

    network: Network
    settings: NetworkSettings
    train_score: float
    test_score: float
    fit_seconds: float
    name: str = "network"
    label: str = "Deep network"
    score_name: str = "accuracy"

    def predict(self, X: Array) -> NDArray:
        """Labels for raw points `X : (n_samples, n_inputs)`: -1/+1 or class index."""
        return self.network.predict(X)

    def probabilities(self, X: Array) -> Array:
        """Class probabilities `(n_samples, n_classes)`; for binary data -1 then +1 (the
        tanh output a in [-1, 1] read as P(+1) = (1 + a) / 2)."""
        output = self.network.output(X)
        if self.network.head_name == "tanh":
            positive = 0.5 * (1.0 + output[:, 0])
            return np.column_stack([1.0 - positive, positive])
        return output


def fit_network(
    data: Split, settings: NetworkSettings = PLANE_NETWORK, seed: int = 0
) -> NetworkResult:
    """Train a dllab Network on `data`'s raw inputs with `settings` and score it.

    Binary data gets a tanh output (the playground's), classes a softmax output.
    """
    if not isinstance(data, Split):
        raise TypeError(f"data must be a Split (from dllab.split); got {type(data).__name__}")
    if not isinstance(settings, NetworkSettings):
        raise TypeError(f"settings must be NetworkSettings; got {type(settings).__name__}")
    dataset = data.dataset
    if dataset.task == "regression":
        raise ValueError(
            f"{dataset.name} is regression data; this lesson compares classifiers: "
            f"use one of {', '.join(SCALING_SETS)}"
        )
    head = "tanh" if dataset.task == "binary" else "softmax"
    n_outputs = 1 if head == "tanh" else dataset.n_classes
    network = Network(
        [dataset.n_inputs, *settings.hidden, n_outputs],
        activation=settings.activation,
        head=head,
        init=settings.init,
        seed=seed,
    )
    trainer = Trainer(
        network,
        data,
        learning_rate=settings.learning_rate,
        batch_size=min(settings.batch_size, len(data.y_train)),
        optimizer=settings.optimizer,
        seed=seed,
    )
    started = time.perf_counter()
    trainer.train(settings.epochs)
    fit_seconds = time.perf_counter() - started
    if trainer.diverged:
        raise ValueError(
            f"the deep network could not be trained on {dataset.name}: {trainer.message}"
        )
    scores = trainer.evaluate()
    return NetworkResult(
        network=network,
        settings=settings,
        train_score=scores["train_accuracy"],
        test_score=scores["test_accuracy"],
        fit_seconds=fit_seconds,
    )


def fit_model(
    name: str,
    data: Split,
    features: Sequence[str] | None = None,
    seed: int = 0,
    network: NetworkSettings | None = None,
) -> Any:
    """Fit the model `name` (one of MODELS) on `data` and score it on its test part.

    features : for logistic_features only, every input it gets (names from FEATURES,
        e.g. ["x1", "x2", "x1*x2"]). network : the deep network's recipe (default:
        PLANE_NETWORK for 2-D data, PIXEL_NETWORK otherwise).
    Returns a BaselineResult or a NetworkResult: both have `predict`, `probabilities`,
    `test_score`, `train_score` and `fit_seconds`.
    """
    name = check_choice("name", name, MODELS)
    if name != "network":
        return fit_baseline(name, data, features=features, seed=seed)
    if features is not None:
        raise ValueError(
            f"features={features!r} is not allowed for the network: it learns its own "
            "features from the raw inputs"
        )
    if network is None:
        network = PLANE_NETWORK if data.dataset.n_inputs == 2 else PIXEL_NETWORK
    return fit_network(data, network, seed)


def plane_grid(extent: float = 6.0, resolution: int = SURFACE_RESOLUTION) -> Array:
    """Points `(resolution**2, 2)` covering [-extent, extent]^2, row by row from the bottom:
    row i of the reshaped grid has x2 = axis[i], column j has x1 = axis[j]."""
    axis = np.linspace(-extent, extent, resolution)
    x1, x2 = np.meshgrid(axis, axis)
    return np.column_stack([x1.ravel(), x2.ravel()])


def decision_surface(
    result: Any, extent: float = 6.0, resolution: int = SURFACE_RESOLUTION
) -> Array:
    """P(+1) - P(-1) of a fitted binary model over the plane, `(resolution, resolution)` in
    [-1, 1]; `surface[i, j]` is at x1 = axis[j], x2 = axis[i], as bqplot's HeatMap reads it."""
    resolution = check_int("resolution", resolution, 2, 500)
    probabilities = result.probabilities(plane_grid(extent, resolution))
    if probabilities.shape[1] != 2:
        raise ValueError(
            f"a decision surface needs a model of two classes; this one has "
            f"{probabilities.shape[1]}"
        )
    return (probabilities[:, 1] - probabilities[:, 0]).reshape(resolution, resolution)


def plane_split(dataset: str = "xor", noise: float = 0.0, seed: int = 0) -> Split:
    """The 2-D set `dataset` (one of PLANE_SETS): 500 points, half to train, half to test."""
    dataset = check_choice("dataset", dataset, PLANE_SETS)
    return split(make_dataset(dataset, noise=noise, seed=seed, n_samples=PLANE_SAMPLES), 0.5, seed)


# --- Scaling: the same models on growing training sets ------------------------------------------


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
    return TrainingPool(data, _classes_in_turn(pool, data.y[pool]), test)


def _classes_in_turn(indices: NDArray[np.int64], labels: NDArray) -> NDArray[np.int64]:
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
    dataset: Any, sizes: Any, models: Any, noise: Any, seed: Any
) -> tuple[str, tuple[int, ...], tuple[str, ...], float, int]:
    """Check the arguments of `scaling_curve`; return them with `sizes` sorted (None picks
    the data set's default sizes)."""
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


def scaling_points(
    dataset: str = "digits",
    sizes: Sequence[int] | None = None,
    models: Sequence[str] = PIXEL_MODELS,
    noise: float = 0.0,
    seed: int = 0,
) -> Iterator[ScalingPoint]:
    """Fit each model on the first `size` training samples, for each size in increasing
    order, yielding one ScalingPoint per fit as soon as it is done (the smaller sets first,
    so every curve grows together). The arguments are checked before anything is fitted."""
    return _fit_points(*check_scaling_args(dataset, sizes, models, noise, seed))


def _fit_points(
    dataset: str, sizes: tuple[int, ...], models: tuple[str, ...], noise: float, seed: int
) -> Iterator[ScalingPoint]:
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
    return collect_curve(dataset, sizes, models, _fit_points(*settings))


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


# --- Running work off the widget callbacks -------------------------------------------------------


class BackgroundWorker:
    """Runs `job` on a daemon thread each time `request()` is called. Requests made while
    the job runs merge into one more run, so ten quick clicks cost two runs, not ten.
    The job runs with one BLAS thread, as the lab's training loop does."""

    def __init__(
        self, job: Callable[[], None], on_error: Callable[[Exception], None], name: str
    ) -> None:
        self._job, self._on_error = job, on_error
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def request(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._idle.clear()
            self._wanted.set()
            if self._thread.ident is None:
                self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is due; False if `timeout` seconds passed first."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._wanted.set()
            self._idle.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            with self._lock:
                if self._closed:
                    return
                self._wanted.clear()
            try:
                with threadpool_limits(1, user_api="blas"):
                    self._job()
            except Exception as error:  # keep the thread alive; the widget says what broke
                self._on_error(error)
            with self._lock:
                if not self._wanted.is_set():
                    self._idle.set()


# --- DeepVsTraditional: the model -----------------------------------------------------------------


def check_hand_crafted(features: Any) -> tuple[str, ...]:
    """The hand-crafted features given to model (b), in HAND_CRAFTED's order; may be empty
    ((b) then sees x1 and x2 only, like (a))."""
    if isinstance(features, str) or not isinstance(features, (Sequence, set, frozenset)):
        raise TypeError(
            f"features must be a list of names from {', '.join(HAND_CRAFTED)}; got {features!r}"
        )
    unknown = [name for name in features if name not in HAND_CRAFTED]
    if unknown:
        raise ValueError(
            f"features={list(features)!r} is not allowed: {unknown[0]!r} is not a "
            f"hand-crafted feature; choose among {', '.join(HAND_CRAFTED)} "
            "(x1 and x2 are always given to (b))"
        )
    return tuple(name for name in HAND_CRAFTED if name in features)


class ComparisonModel(t.HasTraits):
    """Settings and results of `DeepVsTraditional`. Nothing here refers to a widget.

    `refit()` fits the models whose settings changed (a feature toggle refits model (b)
    only), then bumps `version`; it fits the digits models once and bumps
    `digits_version`. The view calls `refit` off the callback thread and observes.
    """

    dataset = t.Unicode("xor")
    features = t.List(t.Unicode(), default_value=list(HAND_CRAFTED))  # given to (b)
    noise = t.Float(0.0)
    seed = t.Int(0)
    status = t.Unicode("waiting")  # waiting, training, ready or error
    message = t.Unicode("")
    version = t.Int(0)
    digits_version = t.Int(0)

    SETTINGS = ("dataset", "features", "noise", "seed")

    def __init__(
        self,
        dataset: str = "xor",
        features: Sequence[str] = HAND_CRAFTED,
        noise: float = 0.0,
        seed: int = 0,
    ) -> None:
        super().__init__(
            dataset=check_choice("dataset", dataset, PLANE_SETS),
            features=list(check_hand_crafted(features)),
            noise=check_float("noise", noise, 0.0, MAX_NOISE),
            seed=check_int("seed", seed, 0, 2**32 - 1),
        )
        self.lock = threading.Lock()  # held to publish results and to read them together
        self.data: Split | None = None
        self.results: dict[str, Any] = {}
        self.surfaces: dict[str, Array] = {}
        self.retrained: tuple[str, ...] = ()  # the models the last refit changed
        self.previous_scores: dict[str, float] = {}  # test scores before the last refit
        self.digits_results: dict[str, Any] = {}
        self._keys: dict[str, tuple] = {}  # the settings each result was fitted with
        self._data_key: tuple | None = None
        self._digits_seed: int | None = None

    # -- validation: raise, nothing more ------------------------------------------------------
    @t.validate("dataset")
    def _check_dataset(self, proposal):
        return known_choice(proposal, PLANE_SETS)

    @t.validate("features")
    def _check_features(self, proposal):
        try:
            return list(check_hand_crafted(proposal.value))
        except ValueError as error:
            raise t.TraitError(str(error)) from None

    @t.validate("noise")
    def _check_noise(self, proposal):
        if not 0.0 <= proposal.value <= MAX_NOISE:
            raise t.TraitError(f"noise={proposal.value!r} is not allowed: 0 to {MAX_NOISE}")
        return proposal.value

    @t.validate("seed")
    def _check_seed(self, proposal):
        if proposal.value < 0:
            raise t.TraitError(f"seed={proposal.value!r} is not allowed: it must be 0 or more")
        return proposal.value

    # -- fitting --------------------------------------------------------------------------------
    def inputs_of(self, name: str, features: Sequence[str] | None = None) -> list[str] | None:
        """What model `name` is given: x1, x2 and the chosen features for (b), None (the
        raw inputs) for the others."""
        if name != "logistic_features":
            return None
        return [*RAW_FEATURES, *(self.features if features is None else features)]

    def _settings(self) -> tuple:
        return (self.dataset, tuple(self.features), self.noise, self.seed)

    @staticmethod
    def _key(name: str, settings: tuple) -> tuple:
        dataset, features, noise, seed = settings
        return (dataset, noise, seed, features if name == "logistic_features" else None)

    @property
    def stale(self) -> bool:
        """True while some result does not match the settings."""
        settings = self._settings()
        outdated = any(self._keys.get(n) != self._key(n, settings) for n in MODELS)
        return outdated or self._digits_seed != self.seed

    def refit(self) -> None:
        """Fit what the settings need and publish it. Returns early, publishing nothing,
        when a setting changes meanwhile: the caller asks for another refit."""
        try:
            if self._refit_plane():
                self._refit_digits()
        except (ValueError, TypeError) as error:
            self.status, self.message = "error", str(error)

    def _refit_plane(self) -> bool:
        settings = self._settings()
        dataset, features, noise, seed = settings
        todo = [name for name in MODELS if self._keys.get(name) != self._key(name, settings)]
        if not todo:
            return True
        which = "the four models" if len(todo) == len(MODELS) else _titles(todo)
        self.status = "training"
        self.message = f"Training {which} on {DATASET_LABELS[dataset]}…"
        started = time.perf_counter()
        data = self.data
        if self._data_key != (dataset, noise, seed):
            data = plane_split(dataset, noise, seed)
        fitted, surfaces = {}, {}
        for name in todo:
            fitted[name] = fit_model(
                name, data, self.inputs_of(name, features), seed, PLANE_NETWORK
            )
            surfaces[name] = decision_surface(fitted[name], data.dataset.extent or 6.0)
            if self._settings() != settings:
                return False
        with self.lock:
            self.previous_scores = {name: r.test_score for name, r in self.results.items()}
            self.data, self._data_key = data, (dataset, noise, seed)
            self.results.update(fitted)
            self.surfaces.update(surfaces)
            self._keys.update({name: self._key(name, settings) for name in todo})
            self.retrained = tuple(todo)
        self.version += 1
        self.message = f"Trained {which} in {time.perf_counter() - started:.1f} s."
        self.status = "ready"
        return True

    def _refit_digits(self) -> None:
        """The pixel models on all 1200 training digits: the last points of ScalingCurves."""
        settings = self._settings()
        seed = self.seed
        if self._digits_seed == seed:
            return
        self.status = "training"
        done = self.message
        self.message = f"Training {_titles(PIXEL_MODELS)} on {DIGITS_POOL} handwritten digits…"
        results = {}
        for point in _fit_points("digits", (DIGITS_POOL,), PIXEL_MODELS, 0.0, seed):
            results[point.model] = point
            if self._settings() != settings:
                return  # the 2-D pictures come first; the digits wait for the next refit
        with self.lock:
            self.digits_results = results
            self._digits_seed = seed
        self.digits_version += 1
        self.message = done
        self.status = "ready"


def _titles(names: Sequence[str]) -> str:
    """'(a), (c) and (d)' for those models."""
    letters = [MODEL_TITLES[name].split()[0] for name in names]
    return letters[0] if len(letters) == 1 else ", ".join(letters[:-1]) + " and " + letters[-1]


# --- DeepVsTraditional: the view ----------------------------------------------------------------

STYLE = {"description_width": "initial"}
STATUS_ICONS = {"waiting": "", "training": "", "ready": "✓", "error": "⚠"}
STATUS_COLOURS = {"waiting": "#333", "training": BLUE, "ready": "#333", "error": "#b00020"}
FIGURE_SIZE = dict(width="270px", height="290px")


def _lighter(colour: str, share: float = 0.45) -> str:
    """`colour` mixed with white (the surfaces are paler than the points, as in the playground)."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


def _status_html(status: str, message: str) -> str:
    colour = STATUS_COLOURS.get(status, "#333")
    return (
        f'<span class="dllab-status" data-status="{status}" style="color:{colour};'
        f'font-size:1.1em">{STATUS_ICONS.get(status, "")} {html.escape(message)}</span>'
    )


def _show_pressed(toggle: w.ToggleButton) -> None:
    """On in blue with a tick, off in grey: readable from the back of a room."""
    toggle.button_style = "info" if toggle.value else ""
    toggle.icon = "check" if toggle.value else ""


def _percent(score: float) -> str:
    return "–" if not np.isfinite(score) else f"{score:.0%}"


class DeepVsTraditional(w.VBox):
    """The same 2-D data through four models, their decision surfaces side by side:

    (a) logistic regression on the raw x1, x2; (b) logistic regression on x1, x2 and the
    hand-crafted features you toggle; (c) a random forest and (d) a deep network, both on
    the raw x1, x2. Then the three models that apply to pixels, on handwritten digits.

    DeepVsTraditional(dataset="xor", features=HAND_CRAFTED, noise=0.0, seed=0).
    Fitting runs on a background thread: `wait()` blocks until the pictures are current.
    """

    def __init__(
        self,
        dataset: str = "xor",
        features: Sequence[str] = HAND_CRAFTED,
        noise: float = 0.0,
        seed: int = 0,
        autostart: bool = True,
    ) -> None:
        self.model = model = ComparisonModel(dataset, features, noise, seed)
        self._status = w.HTML(_status_html("waiting", "Training the four models…"))
        self._message = w.HTML()  # a refused setting
        self._dataset = w.Dropdown(
            description="Dataset",
            options=[(DATASET_LABELS[name], name) for name in PLANE_SETS],
            value=model.dataset,
            style=STYLE,
        )
        self._dataset.observe(self._dataset_chosen, names="value")
        model.observe(lambda change: setattr(self._dataset, "value", change.new), names="dataset")
        self._toggles = {
            name: w.ToggleButton(
                description=name,
                value=name in model.features,
                tooltip=f"give {name} to model (b)",
                layout=w.Layout(width="76px"),
            )
            for name in HAND_CRAFTED
        }
        for toggle in self._toggles.values():
            _show_pressed(toggle)
            toggle.observe(self._features_toggled, names="value")
            toggle.observe(lambda change: _show_pressed(change.owner), names="value")
        model.observe(self._show_features, names="features")
        self._note = w.HTML(
            "<i>Turn a feature on or off and watch which picture changes.</i>",
            layout=w.Layout(min_height="44px"),
        )
        self._figures: dict[str, bq.Figure] = {}
        self._surfaces: dict[str, bq.HeatMap] = {}
        self._points: dict[str, bq.Scatter] = {}
        self._captions: dict[str, w.HTML] = {}
        for name in MODELS:
            self._build_figure(name)
        self._shown_data: Split | None = None
        self._digits_table = w.HTML(self._digits_html({}))

        panels = [
            w.VBox([self._figures[name], self._captions[name]], layout=w.Layout(width="280px"))
            for name in MODELS
        ]
        super().__init__(
            [
                w.HBox([self._dataset, self._status], layout=w.Layout(align_items="center")),
                w.HBox(
                    [
                        w.HTML("<b>Hand-crafted features for (b):</b>&nbsp;"),
                        *self._toggles.values(),
                    ],
                    layout=w.Layout(align_items="center"),
                ),
                w.HTML(
                    "Only <b>(b)</b> gets these features: a person chose them. "
                    "<b>(a)</b>, <b>(c)</b> and <b>(d)</b> see the raw x1 and x2 only."
                ),
                self._message,
                w.Box(panels, layout=w.Layout(flex_flow="row wrap")),
                self._note,
                w.HTML(
                    "<h4 style='margin:12px 0 4px'>Handwritten digits: the same models on "
                    "64 raw pixels</h4>"
                    "The hand-crafted features above are made from x1 and x2; an 8×8 image "
                    "has 64 pixels and no such recipe, so <b>(b)</b> does not apply here."
                ),
                self._digits_table,
            ]
        )
        self.add_class("dllab-compare")
        self._worker = BackgroundWorker(model.refit, self._failed, "dllab-compare")
        model.observe(lambda change: self._worker.request(), names=ComparisonModel.SETTINGS)
        model.observe(self._draw_plane, names="version")
        model.observe(self._draw_digits, names="digits_version")
        model.observe(self._show_status, names=["status", "message"])
        if autostart:
            self._worker.request()

    # -- public -------------------------------------------------------------------------------
    def refit(self) -> None:
        """Fit what is out of date, in the background (the widget does it on every change)."""
        self._worker.request()

    def wait(self, timeout: float | None = 60.0) -> bool:
        """Block until every picture matches the settings; False on timeout."""
        return self._worker.wait(timeout)

    def close(self) -> None:
        if hasattr(self, "_worker"):  # not when __init__ failed
            self._worker.close()
        super().close()

    # -- controls -> model ------------------------------------------------------------------
    def _dataset_chosen(self, change) -> None:
        try:
            self.model.dataset = change.new
        except t.TraitError as error:
            self._say(str(error))
            self._dataset.value = self.model.dataset

    _showing_features = False

    def _features_toggled(self, change) -> None:
        if self._showing_features:
            return  # the model's features being shown, one toggle at a time
        chosen = [name for name, toggle in self._toggles.items() if toggle.value]
        if chosen != list(self.model.features):
            self.model.features = chosen

    def _show_features(self, change=None) -> None:
        self._showing_features = True
        try:
            for name, toggle in self._toggles.items():
                toggle.value = name in self.model.features
        finally:
            self._showing_features = False

    def _say(self, text: str) -> None:
        self._message.value = (
            f'<div class="dllab-message" style="color:#b00020">{html.escape(text)}</div>'
            if text
            else ""
        )

    def _failed(self, error: Exception) -> None:
        self.model.status, self.model.message = "error", f"fitting failed: {error}"

    def _show_status(self, change=None) -> None:
        self._status.value = _status_html(self.model.status, self.model.message)

    # -- drawing ------------------------------------------------------------------------------
    def _build_figure(self, name: str) -> None:
        x, y = bq.LinearScale(min=-6, max=6), bq.LinearScale(min=-6, max=6)
        paler = bq.ColorScale(
            colors=[_lighter(ORANGE), WHITE, _lighter(BLUE)], min=-1, max=1, mid=0
        )
        axis = np.linspace(-6, 6, SURFACE_RESOLUTION)
        self._surfaces[name] = bq.HeatMap(
            x=axis,
            y=axis,
            color=np.zeros((SURFACE_RESOLUTION, SURFACE_RESOLUTION)),
            scales={"x": x, "y": y, "color": paler},
        )
        classes = bq.ColorScale(colors=[ORANGE, BLUE], min=-1, max=1)
        self._points[name] = bq.Scatter(
            x=[],
            y=[],
            color=[],
            scales={"x": x, "y": y, "color": classes},
            stroke="white",
            default_size=18,
        )
        self._figures[name] = bq.Figure(
            marks=[self._surfaces[name], self._points[name]],
            axes=[
                bq.Axis(scale=x, tick_values=[-5, 0, 5], label="x1"),
                bq.Axis(scale=y, side="left", tick_values=[-5, 0, 5], label="x2"),
            ],
            title=MODEL_TITLES[name],
            title_style={"font-size": "15px", "font-weight": "bold"},
            padding_x=0,
            padding_y=0,
            fig_margin=dict(top=34, bottom=34, left=36, right=8),
            layout=w.Layout(**FIGURE_SIZE),
        )
        self._figures[name].add_class(f"dllab-model-{name}")
        self._captions[name] = w.HTML(layout=w.Layout(min_height="40px"))

    def _draw_plane(self, change=None) -> None:
        """Redraw the surfaces the last refit changed, and the points when the data changed."""
        model = self.model
        with model.lock:
            data, results = model.data, dict(model.results)
            surfaces, retrained = dict(model.surfaces), model.retrained
            previous = dict(model.previous_scores)
        new_data = data is not self._shown_data
        self._shown_data = data
        for name in MODELS:
            figure, surface, points = self._figures[name], self._surfaces[name], self._points[name]
            with surface.hold_sync(), points.hold_sync(), figure.hold_sync():
                if name in retrained:
                    surface.color = surfaces[name]
                if new_data:
                    points.x, points.y = data.X_test[:, 0], data.X_test[:, 1]
                    points.color = data.y_test
                figure.title = f"{MODEL_TITLES[name]}: {_percent(results[name].test_score)}"
            self._captions[name].value = self._caption(name)
        self._note.value = self._explain(retrained, previous, results)

    def _caption(self, name: str) -> str:
        if name == "logistic_features":
            text = "Logistic regression on " + ", ".join(self.model.inputs_of(name))
        elif name == "logistic_raw":
            text = "Logistic regression on x1, x2: one straight boundary"
        elif name == "random_forest":
            text = "100 decision trees voting, on x1, x2"
        else:
            text = f"Neural network on x1, x2: {PLANE_NETWORK.describe()}"
        return f'<div style="font-size:0.9em;line-height:1.2">{html.escape(text)}</div>'

    def _explain(self, retrained: tuple[str, ...], previous: dict, results: dict) -> str:
        """One sentence on what the last change did."""
        label = DATASET_LABELS[self.model.dataset]
        if retrained == ("logistic_features",):
            before = previous.get("logistic_features", np.nan)
            after = results["logistic_features"].test_score
            shown = ", ".join(self.model.features) or "no extra feature"
            return (
                f"Only <b>(b)</b> was retrained, now with {html.escape(shown)}: its test "
                f"accuracy went from <b>{_percent(before)}</b> to <b>{_percent(after)}</b>. "
                "(a), (c) and (d) never see the hand-crafted features, so they did not change."
            )
        if len(retrained) == len(MODELS):
            scores = {name: results[name].test_score for name in MODELS}
            learnt = [name for name in ("random_forest", "network") if scores[name] >= 0.9]
            start = "New data: all four" if previous else "All four"
            found = ""
            if learnt:
                whose = "its" if len(learnt) == 1 else "their"
                found = f" {_titles(learnt)} found {whose} own features in the raw x1, x2."
            return (
                f"{start} models trained on {html.escape(label)}.{found} "
                "Now toggle the features: which ones does (b) need here?"
            )
        return ""

    def _draw_digits(self, change=None) -> None:
        with self.model.lock:
            results = dict(self.model.digits_results)
        self._digits_table.value = self._digits_html(results)

    def _digits_html(self, results: dict[str, Any]) -> str:
        rows = []
        for name in MODELS:
            title = MODEL_TITLES[name].replace("Logistic", "Logistic regression", 1)
            if name == "logistic_features":
                cells = ["does not apply: its features are made from x1, x2", "–", "–"]
            elif name in results:
                result = results[name]
                sees = (
                    f"64 raw pixels; {PIXEL_NETWORK.describe()}"
                    if name == "network"
                    else "64 raw pixels"
                )
                cells = [sees, f"<b>{result.test_score:.1%}</b>", f"{result.fit_seconds:.2f} s"]
            else:
                cells = ["64 raw pixels", "training…", ""]
            rows.append(
                f'<tr data-model="{name}"><td>{html.escape(title)}</td>'
                + "".join(f"<td>{cell}</td>" for cell in cells)
                + "</tr>"
            )
        cell = "padding:3px 14px 3px 0;text-align:left"
        return (
            f'<table class="dllab-digits" style="font-size:1.05em;border-collapse:collapse">'
            f'<tr><th style="{cell}">Model</th><th style="{cell}">Sees</th>'
            f'<th style="{cell}">Test accuracy</th><th style="{cell}">CPU time</th></tr>'
            + "".join(rows).replace("<td>", f'<td style="{cell}">')
            + f"</table><div style='font-size:0.9em;color:#555'>Trained on {DIGITS_POOL} "
            f"images, tested on the other {DIGITS_TEST_SIZE}; CPU time is the computation "
            "it took to train and test.</div>"
        )


# --- ScalingCurves -----------------------------------------------------------------------------

# The widget's choices: pixels, where deep learning pays off, and a noisy 2-D set.
SCALING_CHOICES = {
    "digits": ("Handwritten digits (64 pixels)", 0.0),
    "spiral": ("Spiral with 25% noise (2 inputs)", 0.25),
}


class ScalingModel(t.HasTraits):
    """Settings and points of `ScalingCurves`; nothing here refers to a widget.

    `run()` fits every (size, model) pair and appends each ScalingPoint to `points` as it
    arrives; `cancel()` stops a run after the fit in progress. A change of data set
    cancels the run and clears the points.
    """

    dataset = t.Unicode("digits")
    noise = t.Float(0.0)
    seed = t.Int(0)
    sizes = t.Tuple()
    models = t.Tuple()
    running = t.Bool(False)
    status = t.Unicode("waiting")  # waiting, training, ready or error
    message = t.Unicode("")
    points = t.Tuple()  # ScalingPoints, in the order fitted

    def __init__(
        self,
        dataset: str = "digits",
        sizes: Sequence[int] | None = None,
        models: Sequence[str] = PIXEL_MODELS,
        noise: float | None = None,
        seed: int = 0,
    ) -> None:
        if noise is None:
            noise = SCALING_CHOICES.get(dataset, ("", 0.0))[1]
        dataset, sizes, models, noise, seed = check_scaling_args(
            dataset, sizes, models, noise, seed
        )
        super().__init__(dataset=dataset, sizes=sizes, models=models, noise=noise, seed=seed)
        # Reentrant: observers of `points` (the view) read `curve()` while it is held.
        self._lock = threading.RLock()
        self._cancel = threading.Event()
        self.message = self._waiting_message()
        self.observe(self._new_dataset, names="dataset")  # not for the sizes given here

    @t.validate("dataset")
    def _check_dataset(self, proposal):
        return known_choice(proposal, SCALING_SETS)

    def _new_dataset(self, change) -> None:
        # Another data set brings its own sizes and noise; the old points no longer apply.
        self.cancel()
        with self._lock:
            self.noise = SCALING_CHOICES.get(change.new, ("", self.noise))[1]
            self.sizes = DIGIT_SIZES if change.new == "digits" else PLANE_SIZES
            if change.new == "digits":  # the hand-crafted features do not apply to pixels
                self.models = tuple(n for n in self.models if n != "logistic_features")
            self.points = ()
        self.status, self.message = "waiting", self._waiting_message()

    def _waiting_message(self) -> str:
        return (
            f"Press Run to train {len(self.sizes) * len(self.models)} models "
            f"({len(self.models)} kinds × {len(self.sizes)} training-set sizes)."
        )

    def cancel(self) -> None:
        self._cancel.set()

    def curve(self) -> ScalingCurve:
        """The points so far as arrays (NaN where not fitted yet)."""
        with self._lock:
            points, dataset, sizes, models = self.points, self.dataset, self.sizes, self.models
        return collect_curve(dataset, sizes, models, points)

    def run(self) -> None:
        """Fit every point, publishing each one as it is done (call it off the widget
        callbacks: the default run on digits takes a few seconds)."""
        with self._lock:
            self._cancel.clear()
            self.points = ()
            settings = (self.dataset, self.sizes, self.models, self.noise, self.seed)
        dataset, sizes, models, noise, seed = settings
        total = len(sizes) * len(models)
        unit = "images" if dataset == "digits" else "points"
        self.running = True
        self.status, self.message = "training", f"Training… 0 of {total} done"
        started = time.perf_counter()
        try:
            for point in scaling_points(dataset, sizes, models, noise, seed):
                with self._lock:
                    if self._cancel.is_set():
                        break
                    self.points = (*self.points, point)
                self.message = (
                    f"Training… {len(self.points)} of {total} done: {MODEL_LABELS[point.model]} "
                    f"on {point.size} {unit}, {point.test_score:.1%} in {point.fit_seconds:.2f} s"
                )
            else:
                self.status = "ready"
                self.message = (
                    f"Done: {total} models trained in {time.perf_counter() - started:.0f} s."
                )
        except (ValueError, TypeError) as error:
            self.status, self.message = "error", str(error)
        finally:
            self.running = False


def summarise(curve: ScalingCurve) -> list[str]:
    """What the curves show, as lines of numbers; empty until every point is in."""
    names = [name for name in curve.models if np.isfinite(curve.test_scores[name]).all()]
    if len(names) < len(curve.models) or len(curve.sizes) < 2:
        return []
    unit = "images" if curve.dataset == "digits" else "points"
    first, last = int(curve.sizes[0]), int(curve.sizes[-1])
    scores, seconds = curve.test_scores, curve.fit_seconds

    def each(value: Callable[[str], str]) -> str:
        return " · ".join(f"{_short_label(name)} {value(name)}" for name in names)

    return [
        f"Trained on {first} {unit}: {each(lambda n: f'{scores[n][0]:.1%}')}",
        f"Trained on {last} {unit}: {each(lambda n: f'{scores[n][-1]:.1%}')}",
        f"CPU time to train on {last} {unit}: {each(lambda n: f'{seconds[n][-1]:.2f} s')}",
    ]


def _short_label(name: str) -> str:
    """'logistic regression', 'random forest', 'deep network'."""
    return MODEL_LABELS[name].split(" (")[0].lower()


class ScalingCurves(w.VBox):
    """How each model's test accuracy grows with more training data, and what that data
    costs in training time: a Run button, two live line charts.

    ScalingCurves(dataset="digits", sizes=None, models=PIXEL_MODELS, noise=None, seed=0,
    autorun=False). dataset is "digits" or a 2-D set (PLANE_SETS); sizes default to
    DIGIT_SIZES (digits) or PLANE_SIZES; noise to SCALING_CHOICES' (25% for the spiral).
    """

    def __init__(
        self,
        dataset: str = "digits",
        sizes: Sequence[int] | None = None,
        models: Sequence[str] = PIXEL_MODELS,
        noise: float | None = None,
        seed: int = 0,
        autorun: bool = False,
    ) -> None:
        self.model = model = ScalingModel(dataset, sizes, models, noise, seed)
        choices = {name: label for name, (label, _) in SCALING_CHOICES.items()}
        choices.setdefault(model.dataset, DATASET_LABELS[model.dataset])
        self._dataset = w.Dropdown(
            description="Data",
            options=[(label, name) for name, label in choices.items()],
            value=model.dataset,
            style=STYLE,
        )
        self._dataset.observe(self._dataset_chosen, names="value")
        self._run = w.Button(
            description="Run", icon="play", button_style="primary", tooltip="train every model"
        )
        self._run.on_click(lambda _: self.run())
        self._status = w.HTML(_status_html(model.status, model.message))
        self._summary = w.HTML(layout=w.Layout(min_height="44px"))
        self._build_figures()
        super().__init__(
            [
                w.HBox(
                    [self._dataset, self._run, self._status], layout=w.Layout(align_items="center")
                ),
                self._legend,
                w.Box(
                    [self._size_figure, self._time_figure], layout=w.Layout(flex_flow="row wrap")
                ),
                self._summary,
            ]
        )
        self.add_class("dllab-scaling")
        self._worker = BackgroundWorker(model.run, self._failed, "dllab-scaling")
        model.observe(self._draw, names="points")
        model.observe(self._show_status, names=["status", "message", "running"])
        if autorun:
            self.run()

    # -- public -------------------------------------------------------------------------------
    def run(self) -> None:
        """Start a run in the background (the Run button does this)."""
        self._run.disabled = True
        self.model.status, self.model.message = "training", "Starting…"
        self._worker.request()

    def wait(self, timeout: float | None = 120.0) -> bool:
        """Block until the run is over; False on timeout."""
        return self._worker.wait(timeout)

    def close(self) -> None:
        if hasattr(self, "_worker"):
            self.model.cancel()
            self._worker.close()
        super().close()

    # -- controls -----------------------------------------------------------------------------
    def _dataset_chosen(self, change) -> None:
        self.model.dataset = change.new
        self._draw()

    def _failed(self, error: Exception) -> None:
        self.model.status, self.model.message = "error", f"the run failed: {error}"

    def _show_status(self, change=None) -> None:
        model = self.model
        self._status.value = _status_html(model.status, model.message)
        self._run.disabled = model.running or model.status == "training"

    # -- drawing ------------------------------------------------------------------------------
    def _build_figures(self) -> None:
        self._sizes, self._seconds = bq.LogScale(), bq.LogScale(min=0.003, max=3.0)
        self._accuracy = bq.LinearScale(max=1.0)
        self._size_lines: dict[str, bq.Lines] = {}
        self._time_lines: dict[str, bq.Lines] = {}
        for name in MODELS:
            style = dict(
                x=[],
                y=[],
                colors=[MODEL_COLOURS[name]],
                marker="circle",
                marker_size=48,
                stroke_width=3,
                labels=[MODEL_LABELS[name]],
                visible=name in self.model.models,
            )
            self._size_lines[name] = bq.Lines(
                scales={"x": self._sizes, "y": self._accuracy}, **style
            )
            self._time_lines[name] = bq.Lines(
                scales={"x": self._seconds, "y": self._accuracy}, **style
            )
        self._sizes_axis = bq.Axis(
            scale=self._sizes, label="training samples (log scale)", tick_format="d"
        )
        self._seconds_axis = bq.Axis(
            scale=self._seconds, label="CPU seconds to train (log scale)", tick_format="~g"
        )
        figures = []
        for title, lines, axis in (
            ("Accuracy vs amount of data", self._size_lines, self._sizes_axis),
            ("Accuracy vs training time", self._time_lines, self._seconds_axis),
        ):
            figures.append(
                bq.Figure(
                    marks=list(lines.values()),
                    axes=[
                        axis,
                        bq.Axis(
                            scale=self._accuracy,
                            side="left",
                            label="test accuracy",
                            tick_format=".0%",
                        ),
                    ],
                    title=title,
                    title_style={"font-size": "16px"},
                    fig_margin=dict(top=40, bottom=50, left=65, right=20),
                    layout=w.Layout(width="520px", height="360px"),
                )
            )
        self._size_figure, self._time_figure = figures
        self._legend = w.HTML()
        self._set_ranges()

    def _set_ranges(self, curve: ScalingCurve | None = None) -> None:
        """Fixed axes for a run, so the picture does not jump as the points arrive; widened
        only if a point falls outside."""
        model = self.model
        sizes = np.asarray(model.sizes, dtype=float)
        lowest = 0.8 if model.dataset == "digits" else 0.5
        shortest, longest = 0.003, 3.0
        if curve is not None:
            scores = np.concatenate([curve.test_scores[n] for n in curve.models])
            seconds = np.concatenate([curve.fit_seconds[n] for n in curve.models])
            if np.isfinite(scores).any():
                lowest = min(lowest, np.floor(np.nanmin(scores) * 20) / 20)
                shortest = min(shortest, np.nanmin(seconds) / 1.5)
                longest = max(longest, np.nanmax(seconds) * 1.5)
        with self._sizes.hold_sync():
            self._sizes.min, self._sizes.max = sizes[0] / 1.3, sizes[-1] * 1.3
        with self._seconds.hold_sync():
            self._seconds.min, self._seconds.max = float(shortest), float(longest)
        self._accuracy.min = float(lowest)
        self._sizes_axis.tick_values = [int(size) for size in sizes]
        # 0.001, 0.003, 0.01, ...: round numbers, and only inside the axis (bqplot draws
        # tick values beyond it).
        ticks = np.outer(10.0 ** np.arange(-4, 4), [1, 3]).ravel()
        self._seconds_axis.tick_values = [
            float(f"{tick:g}") for tick in ticks if shortest < tick < longest
        ]
        self._legend.value = " ".join(
            f'<span style="color:{MODEL_COLOURS[n]};font-size:1.6em">●</span>'
            f'<span style="margin-right:18px"> {html.escape(MODEL_LABELS[n])}</span>'
            for n in model.models
        )

    def _draw(self, change=None) -> None:
        """Every line from the points so far (they arrive one by one from the run)."""
        curve = self.model.curve()
        self._set_ranges(curve)
        for name in MODELS:
            size_line, time_line = self._size_lines[name], self._time_lines[name]
            shown = name in curve.models
            done = np.isfinite(curve.test_scores[name]) if shown else np.zeros(0, dtype=bool)
            with size_line.hold_sync(), time_line.hold_sync():
                size_line.visible = time_line.visible = shown
                size_line.x = curve.sizes[done] if shown else []
                size_line.y = curve.test_scores[name][done] if shown else []
                time_line.x = curve.fit_seconds[name][done] if shown else []
                time_line.y = curve.test_scores[name][done] if shown else []
        self._summary.value = "<br>".join(html.escape(line) for line in summarise(curve))
