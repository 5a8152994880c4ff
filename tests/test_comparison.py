"""dllab.core.comparison and dllab.core.scaling: lesson 04's computations, without widgets."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dllab.core.comparison import (
    PIXEL_NETWORK,
    PLANE_NETWORK,
    decision_surface,
    fit_model,
    plane_split,
)
from dllab.core.scaling import check_scaling_args, scaling_curve, training_pool
from dllab.lessons.compare_text import scaling_verdict


class UpperRightIsBlue:
    """A stand-in for a fitted model: P(+1) is 1 where x1 > 0 and x2 > 0."""

    def probabilities(self, X):
        positive = ((X[:, 0] > 0) & (X[:, 1] > 0)).astype(float)
        return np.column_stack([1 - positive, positive])


def test_decision_surface_is_an_image_top_row_first():
    surface = decision_surface(UpperRightIsBlue(), extent=6.0, resolution=10)
    assert surface.shape == (10, 10)
    assert np.all(surface[:5, 5:] == 1)  # top right: x2 > 0 is the top half
    assert np.all(surface[5:, :] == -1) and np.all(surface[:, :5] == -1)


def test_the_network_is_made_by_the_shared_recipe_and_fits_the_task():
    data = plane_split("xor")
    result = fit_model("network", data)
    assert result.settings == PLANE_NETWORK
    assert result.network.sizes == [2, 8, 8, 1] and result.network.head_name == "tanh"
    assert result.test_score > 0.9
    probabilities = result.probabilities(data.X_test[:5])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    assert PIXEL_NETWORK.describe() == "1 hidden layer of 64 relu neurons, 60 epochs"


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: fit_model("svm", plane_split()), ValueError, "name='svm' is not known"),
        (lambda: fit_model("network", plane_split(), ["x1"]), ValueError, "learns its own"),
        (lambda: plane_split("moons"), ValueError, "dataset='moons' is not known"),
        (lambda: check_scaling_args("digits", size=[5]), TypeError, r"size=\[5\] is not a setting"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_training_pool_takes_the_classes_in_turn():
    pool = training_pool("digits")
    first = pool.dataset.y[pool.pool[:10]]
    assert sorted(first.tolist()) == list(range(10))
    assert len(pool.test) == 597 and not set(pool.test) & set(pool.pool)


def test_on_digits_the_verdict_names_who_gains_most_from_more_data():
    curve = scaling_curve("digits", sizes=[50, 400])
    gains = {n: curve.test_scores[n][-1] - curve.test_scores[n][0] for n in curve.models}
    top = max(gains, key=gains.get)
    gained = scaling_verdict(curve)[0]
    label = {"logistic_raw": "logistic regression", "random_forest": "random forest"}
    assert gained.startswith(f"From 50 to 400 images, the {label.get(top, 'deep network')} gains")


def test_the_engine_modules_import_no_widget():
    code = (
        "import sys, dllab.core.comparison, dllab.core.scaling, dllab.lessons.compare_text;"
        "print(any(m.split('.')[0] in ('ipywidgets', 'traitlets', 'bqplot') for m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.strip() == "False", shown.stderr
