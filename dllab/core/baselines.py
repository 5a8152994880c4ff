"""Traditional machine learning to compare the deep network with.

Three baselines, trained on the same Split and scored the way `Trainer` scores the
network (accuracy for classification, loss 0.5 * mean((prediction - y)^2) for regression):

| name              | classification                | regression                  |
|-------------------|-------------------------------|-----------------------------|
| logistic_raw      | logistic regression on X      | linear regression on X      |
| logistic_features | logistic regression on x1^2...| linear regression on x1^2...|
| random_forest     | random forest, 100 trees      | random forest, 100 trees    |

Each fitted model is a scikit-learn Pipeline from raw inputs to labels in the dataset's
convention, so `result.model.predict(X_raw)` and `result.predict(X_raw)` agree and a
decision surface is one call over a grid of raw points.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_choice, check_int, check_matrix
from .data import Split, check_split
from .features import FEATURES, check_features, feature_matrix

BASELINES = ("logistic_raw", "logistic_features", "random_forest")
BASELINE_LABELS = {
    "logistic_raw": "Logistic regression (raw inputs)",
    "logistic_features": "Logistic regression (hand-crafted features)",
    "random_forest": "Random forest",
}
REGRESSION_LABELS = {
    "logistic_raw": "Linear regression (raw inputs)",
    "logistic_features": "Linear regression (hand-crafted features)",
    "random_forest": "Random forest",
}

N_TREES = 100
# lbfgs on standardised inputs converges in under 40 iterations on every playground set
# and on digits; the margin is for learners' own data.
MAX_ITERATIONS = 1000
MAX_SEED = 2**32 - 1  # scikit-learn's random_state limit


@dataclass(eq=False)
class BaselineResult:
    """A fitted baseline and its scores.

    model : a fitted scikit-learn Pipeline taking raw inputs `(n_samples, n_inputs)`.
    features : the input features fed to the model (names from FEATURES), or None for
        the raw inputs, as for `Trainer`.
    train_score, test_score : accuracy (score_name "accuracy") or loss ("loss").
    """

    name: str
    label: str
    model: Any
    features: tuple[str, ...] | None
    train_score: float
    test_score: float
    score_name: str
    fit_seconds: float
    task: str = field(repr=False)
    n_inputs: int = field(repr=False)
    n_classes: int = field(repr=False)

    def predict(self, X: NDArray[np.float64]) -> NDArray:
        """Labels for raw points `X : (n_samples, n_inputs)`: -1/+1, class index or value."""
        return self.model.predict(self._check_inputs(X))

    def probabilities(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Class probabilities `(n_samples, n_classes)`, columns in the dataset's class
        order (for binary data: -1, then +1)."""
        if self.task == "regression":
            raise ValueError(
                f"{self.label} predicts values for regression data; it has no class "
                "probabilities (use predict)"
            )
        X = self._check_inputs(X)
        known = self.model.predict_proba(X)
        # A class missing from the training part gets probability 0.
        probabilities = np.zeros((len(X), self.n_classes))
        probabilities[:, _class_columns(self.model.classes_, self.task)] = known
        return probabilities

    def confidence(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Probability of the predicted label, `(n_samples,)`; NaN for regression."""
        if self.task == "regression":
            return np.full(len(self._check_inputs(X)), np.nan)
        return self.probabilities(X).max(axis=1)

    def _check_inputs(self, X: Any) -> NDArray[np.float64]:
        X = check_matrix("X", X)
        if X.shape[1] != self.n_inputs:
            raise ValueError(
                f"X has {X.shape[1]} columns but {self.label} was trained on "
                f"{self.n_inputs} inputs per sample"
            )
        return X


def fit_baseline(
    name: str,
    data: Split,
    features: Sequence[str] | None = None,
    seed: int = 0,
    **params: Any,
) -> BaselineResult:
    """Fit the baseline `name` (one of BASELINES) on `data`'s training part and score it.

    features : for logistic_features only, the features to use (default: all of
        FEATURES); the other baselines take the raw inputs.
    seed : the random forest's random_state.
    params : settings passed on to the scikit-learn estimator, e.g. `C=0.1` for the
        logistic regressions or `max_depth=3` for the random forest.
    """
    name = check_choice("name", name, BASELINES)
    check_split(data)
    seed = check_int("seed", seed, 0, MAX_SEED)
    dataset = data.dataset
    features = _check_baseline_features(name, features, dataset.name, dataset.n_inputs)
    if dataset.task != "regression" and len(np.unique(data.y_train)) < 2:
        raise ValueError(
            f"the training part of {dataset.name} holds a single class; a classifier needs "
            "at least two: use more samples or a larger train_share"
        )
    model = _make_model(name, dataset.task, features, seed, params)
    started = time.perf_counter()
    model.fit(data.X_train, data.y_train)
    fit_seconds = time.perf_counter() - started
    labels = REGRESSION_LABELS if dataset.task == "regression" else BASELINE_LABELS
    return BaselineResult(
        name=name,
        label=labels[name],
        model=model,
        features=features,
        train_score=score(dataset.task, model.predict(data.X_train), data.y_train),
        test_score=score(dataset.task, model.predict(data.X_test), data.y_test),
        score_name="loss" if dataset.task == "regression" else "accuracy",
        fit_seconds=fit_seconds,
        task=dataset.task,
        n_inputs=dataset.n_inputs,
        n_classes=dataset.n_classes,
    )


def compare(data: Split, seed: int = 0) -> list[BaselineResult]:
    """Fit every baseline that applies to `data`, in the order of BASELINES
    (logistic_features only for 2-D data)."""
    check_split(data)
    return [
        fit_baseline(name, data, seed=seed)
        for name in BASELINES
        if name != "logistic_features" or data.dataset.n_inputs == 2
    ]


def score(task: str, predicted: NDArray, y: NDArray) -> float:
    """Accuracy for classification; 0.5 * mean squared error for regression (the loss of
    the network's linear head)."""
    if task == "regression":
        return float(0.5 * np.mean(np.square(predicted - y)))
    return float(np.mean(predicted == y))


def _check_baseline_features(
    name: str, features: Sequence[str] | None, dataset_name: str, n_inputs: int
) -> tuple[str, ...] | None:
    if name != "logistic_features":
        if features is not None:
            raise ValueError(
                f"features={features!r} is not allowed for {name}: it uses the raw inputs; "
                "choose features with logistic_features"
            )
        return None
    if n_inputs != 2:
        raise ValueError(
            f"logistic_features needs 2-D data: its features ({', '.join(FEATURES)}) are "
            f"functions of x1 and x2, but {dataset_name} has {n_inputs} inputs; "
            "use logistic_raw or random_forest"
        )
    return tuple(FEATURES) if features is None else check_features(features)


def _make_model(
    name: str, task: str, features: tuple[str, ...] | None, seed: int, params: dict[str, Any]
) -> Any:
    """A Pipeline from raw inputs: [features ->] [standardise ->] estimator."""
    # scikit-learn is slow to import: only here, when a baseline is fitted.
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    regression = task == "regression"
    if name == "random_forest":
        forest = RandomForestRegressor if regression else RandomForestClassifier
        estimator = forest(n_estimators=N_TREES, random_state=seed)
    elif regression:
        estimator = LinearRegression()
    else:
        estimator = LogisticRegression(max_iter=MAX_ITERATIONS)
    _set_params(estimator, params)
    steps: list[Any] = []
    if features is not None:
        steps.append(FunctionTransformer(partial(feature_matrix, features=features)))
    if isinstance(estimator, LogisticRegression):
        # Standardised inputs let lbfgs converge quickly whatever the scale of X.
        steps.append(StandardScaler())
    return make_pipeline(*steps, estimator)


def _set_params(estimator: Any, params: dict[str, Any]) -> None:
    allowed = sorted(estimator.get_params())
    kind = type(estimator).__name__
    for key, value in params.items():
        if key == "random_state":
            raise ValueError(f"random_state={value!r}: pass seed=... instead")
        if key not in allowed:
            raise ValueError(
                f"{key}={value!r} is not a setting of {kind}; its settings are: "
                f"{', '.join(k for k in allowed if k != 'random_state')}"
            )
    # scikit-learn checks the values when fitting, naming the setting and what it allows.
    estimator.set_params(**params)


def _class_columns(model_classes: NDArray, task: str) -> NDArray[np.int64]:
    """Column of each of the model's classes in the dataset's class order."""
    if task == "binary":
        return (np.asarray(model_classes) > 0).astype(np.int64)
    return np.asarray(model_classes).astype(np.int64)
