"""Deep learning and traditional machine learning fitted alike, for lesson 04.

The same data go through four models:

| model             | sees                                   |
|-------------------|----------------------------------------|
| logistic_raw      | the raw inputs                         |
| logistic_features | x1, x2 and the hand-crafted features   |
| random_forest     | the raw inputs (100 trees)             |
| network           | the raw inputs (a dllab Network)       |

`fit_model` fits any of them and returns a result with `predict`, `probabilities`,
`test_score`, `train_score` and `fit_seconds`; `decision_surface` draws a fitted model's
verdict over the plane.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .baselines import BASELINE_LABELS, fit_baseline
from .checks import check_choice, check_int
from .data import Split, make_dataset, split
from .network import Network
from .plane import DEFAULT_EXTENT, plane_grid
from .recipe import make_trainer

PLANE_SETS = ("circle", "xor", "gauss", "spiral")
MODELS = ("logistic_raw", "logistic_features", "random_forest", "network")
PIXEL_MODELS = ("logistic_raw", "random_forest", "network")
MODEL_LABELS = {**BASELINE_LABELS, "network": "Deep network"}
SURFACE_RESOLUTION = 50  # points per side of each decision surface
PLANE_SAMPLES = 500  # the playground's default, half to train and half to test

Array = NDArray[np.float64]


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

    The head fits the task (`make_trainer`'s default): tanh for two classes, as in the
    playground, softmax for more.
    """
    if not isinstance(data, Split):
        raise TypeError(f"data must be a Split (from dllab.split); got {type(data).__name__}")
    if not isinstance(settings, NetworkSettings):
        raise TypeError(f"settings must be NetworkSettings; got {type(settings).__name__}")
    dataset = data.dataset
    if dataset.task == "regression":
        raise ValueError(
            f"{dataset.name} is regression data; this lesson compares classifiers: "
            f"use one of digits, {', '.join(PLANE_SETS)}"
        )
    recipe = {key: getattr(settings, key) for key in ("activation", "init", "optimizer")}
    trainer = make_trainer(
        data,
        settings.hidden,
        learning_rate=settings.learning_rate,
        batch_size=settings.batch_size,
        seed=seed,
        **recipe,
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
        network=trainer.network,
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


def decision_surface(
    result: Any, extent: float = DEFAULT_EXTENT, resolution: int = SURFACE_RESOLUTION
) -> Array:
    """P(+1) - P(-1) of a fitted binary model over the plane, `(resolution, resolution)` in
    [-1, 1], as an image: row 0 is the top (x2 = +extent), column 0 is x1 = -extent (the
    order of `plane_grid`, and of `PlaneFigure.show_surface`)."""
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
