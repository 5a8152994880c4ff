"""Tests of dllab.core.baselines: the traditional models the deep network is compared with."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import mean_squared_error

from dllab.core import (
    BASELINE_LABELS,
    BASELINES,
    FEATURES,
    PLAYGROUND_SETS,
    REGRESSION_LABELS,
    BaselineResult,
    Split,
    compare,
    fit_baseline,
    from_arrays,
    make_dataset,
    split,
)

# Any warning fails a test: in particular scikit-learn's ConvergenceWarning.
pytestmark = pytest.mark.filterwarnings("error")


def playground_split(name: str, noise: float = 0.0, seed: int = 0) -> Split:
    return split(make_dataset(name, noise=noise, seed=seed), train_share=0.5, seed=seed)


@pytest.fixture(scope="module")
def xor_results() -> dict[str, BaselineResult]:
    return {result.name: result for result in compare(playground_split("xor"))}


@pytest.fixture(scope="module")
def digits_data() -> Split:
    return split(make_dataset("digits"), train_share=0.5, seed=0)


@pytest.fixture(scope="module")
def digits_results(digits_data) -> dict[str, BaselineResult]:
    return {result.name: result for result in compare(digits_data)}


def grid(extent: float = 6.0, n: int = 25) -> np.ndarray:
    x1, x2 = np.meshgrid(np.linspace(-extent, extent, n), np.linspace(-extent, extent, n))
    return np.column_stack([x1.ravel(), x2.ravel()])


# --- What each baseline can and cannot learn ------------------------------------------------


def test_names_and_labels():
    assert BASELINES == ("logistic_raw", "logistic_features", "random_forest")
    assert set(BASELINE_LABELS) == set(REGRESSION_LABELS) == set(BASELINES)
    assert BASELINE_LABELS["logistic_raw"].startswith("Logistic regression")
    assert REGRESSION_LABELS["logistic_raw"].startswith("Linear regression")


def test_xor_needs_more_than_a_line(xor_results):
    assert list(xor_results) == list(BASELINES)
    assert xor_results["logistic_raw"].test_score < 0.7
    assert xor_results["logistic_features"].test_score > 0.9
    assert xor_results["random_forest"].test_score > 0.9


def test_circle_is_linear_in_the_squared_features():
    data = playground_split("circle")
    assert fit_baseline("logistic_raw", data).test_score < 0.7
    assert fit_baseline("logistic_features", data).test_score > 0.95
    squares = fit_baseline("logistic_features", data, features=["x1^2", "x2^2"])
    assert squares.features == ("x1^2", "x2^2")
    assert squares.test_score > 0.95


def test_digits_pixels(digits_results):
    assert list(digits_results) == ["logistic_raw", "random_forest"]
    for result in digits_results.values():
        assert result.score_name == "accuracy"
        assert result.test_score > 0.9
        assert result.features is None


def test_regression_on_the_plane_reaches_a_small_loss():
    results = {result.name: result for result in compare(playground_split("plane"))}
    assert list(results) == list(BASELINES)
    for result in results.values():
        assert result.score_name == "loss"
        assert result.label == REGRESSION_LABELS[result.name]
    assert results["logistic_raw"].test_score < 1e-12  # y is exactly linear in x1, x2
    assert results["logistic_features"].test_score < 1e-12
    assert results["random_forest"].test_score < 0.01


# --- Scored like the network, and like scikit-learn ------------------------------------------


def test_result_fields(xor_results):
    result = xor_results["logistic_features"]
    assert result.label == BASELINE_LABELS["logistic_features"]
    assert result.features == tuple(FEATURES)
    assert xor_results["logistic_raw"].features is None
    assert result.score_name == "accuracy"
    assert 0.0 < result.fit_seconds < 10.0
    assert 0.0 <= result.train_score <= 1.0 and 0.0 <= result.test_score <= 1.0


@pytest.mark.parametrize("name", BASELINES)
def test_classification_scores_equal_sklearns_own(xor_results, name):
    data = playground_split("xor")
    result = xor_results[name]
    # The model takes raw inputs: its own score is on the same split, features included.
    assert result.train_score == result.model.score(data.X_train, data.y_train)
    assert result.test_score == result.model.score(data.X_test, data.y_test)


def test_multiclass_scores_equal_sklearns_own(digits_data, digits_results):
    for result in digits_results.values():
        assert result.test_score == result.model.score(digits_data.X_test, digits_data.y_test)


@pytest.mark.parametrize("name", BASELINES)
def test_regression_loss_is_half_the_mean_squared_error(name):
    data = playground_split("multi_gauss", noise=0.1)
    result = fit_baseline(name, data)
    expected = 0.5 * mean_squared_error(data.y_test, result.model.predict(data.X_test))
    assert result.test_score == pytest.approx(expected, rel=1e-12)
    assert result.test_score > 0.0


def test_random_forest_is_seeded():
    data = playground_split("spiral", noise=0.2)
    first = fit_baseline("random_forest", data, seed=1)
    again = fit_baseline("random_forest", data, seed=1)
    other = fit_baseline("random_forest", data, seed=2)
    points = grid()
    np.testing.assert_array_equal(first.probabilities(points), again.probabilities(points))
    assert not np.array_equal(first.probabilities(points), other.probabilities(points))


def test_params_reach_the_estimator():
    data = playground_split("spiral")
    stump = fit_baseline("random_forest", data, max_depth=1, n_estimators=5)
    assert stump.model[-1].max_depth == 1 and len(stump.model[-1].estimators_) == 5
    assert stump.test_score < fit_baseline("random_forest", data).test_score
    weak = fit_baseline("logistic_raw", playground_split("gauss", noise=0.3), C=1e-4)
    assert weak.model[-1].C == 1e-4


# --- Predicting over a grid for decision surfaces -----------------------------------------------


@pytest.mark.parametrize("name", BASELINES)
def test_binary_predictions_over_a_grid(xor_results, name):
    result = xor_results[name]
    points = grid()
    labels = result.predict(points)
    assert labels.shape == (len(points),)
    assert set(np.unique(labels)) == {-1.0, 1.0}
    probabilities = result.probabilities(points)
    assert probabilities.shape == (len(points), 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    # Columns in the dataset's class order: -1, then +1.
    decided = np.abs(probabilities[:, 1] - 0.5) > 1e-9
    expected = np.where(probabilities[:, 1] > 0.5, 1.0, -1.0)
    np.testing.assert_array_equal(labels[decided], expected[decided])
    confidence = result.confidence(points)
    assert confidence.shape == (len(points),)
    assert np.all((confidence >= 0.5) & (confidence <= 1.0))


def test_multiclass_predictions(digits_data, digits_results):
    X = digits_data.X_test[:50]
    for result in digits_results.values():
        labels = result.predict(X)
        assert labels.shape == (50,) and set(labels) <= set(range(10))
        probabilities = result.probabilities(X)
        assert probabilities.shape == (50, 10)
        np.testing.assert_array_equal(probabilities.argmax(axis=1), labels)
        np.testing.assert_allclose(result.confidence(X), probabilities.max(axis=1))


def test_regression_predictions_over_a_grid():
    result = fit_baseline("logistic_features", playground_split("plane"))
    points = grid()
    np.testing.assert_allclose(result.predict(points), points.sum(axis=1) / 10.0, atol=1e-9)
    assert np.isnan(result.confidence(points)).all() and result.confidence(points).shape == (625,)
    with pytest.raises(ValueError, match="predicts values for regression data"):
        result.probabilities(points)


def test_a_class_missing_from_training_gets_probability_zero():
    X = np.arange(12.0).reshape(6, 2)
    dataset = from_arrays(X, [0, 0, 1, 1, 2, 2])
    data = Split(dataset, X[:4], dataset.y[:4], X[4:], dataset.y[4:], 0.5)
    result = fit_baseline("logistic_raw", data)
    probabilities = result.probabilities(X)
    assert probabilities.shape == (6, 3)
    np.testing.assert_array_equal(probabilities[:, 2], 0.0)
    assert result.test_score == 0.0


# --- Clear errors ------------------------------------------------------------------------------


def test_unknown_baseline_name():
    with pytest.raises(ValueError, match="name='svm' is not known; choose one of: logistic_raw"):
        fit_baseline("svm", playground_split("xor"))


@pytest.mark.parametrize("function", [fit_baseline, compare])
def test_data_must_be_a_split(function):
    dataset = make_dataset("xor")
    arguments = ("logistic_raw", dataset) if function is fit_baseline else (dataset,)
    with pytest.raises(TypeError, match="data must be a Split .* got Dataset"):
        function(*arguments)


def test_features_need_2d_data(digits_data):
    with pytest.raises(ValueError, match="logistic_features needs 2-D data.*digits has 64 inputs"):
        fit_baseline("logistic_features", digits_data)


def test_features_only_for_logistic_features():
    data = playground_split("xor")
    with pytest.raises(ValueError, match=r"features=\['x1\*x2'\] is not allowed for random_forest"):
        fit_baseline("random_forest", data, features=["x1*x2"])
    with pytest.raises(ValueError, match="features='x3' is not known"):
        fit_baseline("logistic_features", data, features=["x3"])


def test_bad_settings():
    data = playground_split("gauss")
    with pytest.raises(ValueError, match="depth=3 is not a setting of LogisticRegression"):
        fit_baseline("logistic_raw", data, depth=3)
    with pytest.raises(ValueError, match="random_state=3: pass seed=... instead"):
        fit_baseline("random_forest", data, random_state=3)
    with pytest.raises(ValueError, match="'n_estimators' parameter .* Got 0"):
        fit_baseline("random_forest", data, n_estimators=0)
    with pytest.raises(ValueError, match="seed=-1 is not allowed"):
        fit_baseline("random_forest", data, seed=-1)


def test_predict_checks_its_inputs(xor_results):
    result = xor_results["random_forest"]
    with pytest.raises(ValueError, match="X has 3 columns but Random forest was trained on 2"):
        result.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="X contains NaN"):
        result.confidence(np.array([[0.0, np.nan]]))


def test_a_single_class_in_training_is_refused():
    X = np.arange(8.0).reshape(4, 2)
    dataset = from_arrays(X, [0.0, 0.0, 1.0, 1.0])
    data = Split(dataset, X[:2], dataset.y[:2], X[2:], dataset.y[2:], 0.5)
    with pytest.raises(ValueError, match="training part of my data holds a single class"):
        fit_baseline("random_forest", data)


# --- No convergence warnings ------------------------------------------------------------------


@pytest.mark.parametrize("noise", [0.0, 0.5])
@pytest.mark.parametrize("name", PLAYGROUND_SETS)
def test_logistic_regressions_converge_on_every_playground_set(name, noise):
    data = playground_split(name, noise=noise, seed=3)
    for baseline in ("logistic_raw", "logistic_features"):
        result = fit_baseline(baseline, data)  # a ConvergenceWarning would fail here
        if data.dataset.task != "regression":
            assert result.model[-1].n_iter_.max() < result.model[-1].max_iter
