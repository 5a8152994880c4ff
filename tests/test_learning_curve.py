"""dllab.core.learning_curve: the image lesson's learning curve, without widgets."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dllab.core.baselines import fit_baseline
from dllab.core.layered import Dense, LayerNetwork
from dllab.core.learning_curve import (
    CurvePoint,
    LearningCurve,
    check_curve_sizes,
    curve_points,
    shapes_pool,
    step_budget,
    train_steps,
)
from dllab.core.training import Trainer


def logistic(data, seed, should_stop):
    return fit_baseline("logistic_raw", data, seed=seed).test_score


def forest(data, seed, should_stop):
    return fit_baseline("random_forest", data, seed=seed).test_score


FITS = {"logistic": logistic, "forest": forest}


@pytest.fixture(scope="module")
def pool():
    return shapes_pool(80, n_test=60, seed=3)


def test_the_pool_keeps_its_test_set_apart_and_takes_the_shapes_in_turn(pool):
    assert len(pool.pool) == 80 and len(pool.test) == 60
    assert not set(pool.pool) & set(pool.test)
    first = pool.dataset.y[pool.pool[:8]]
    assert sorted(first.tolist()) == [0, 0, 1, 1, 2, 2, 3, 3]
    small, large = pool.split(20), pool.split(40)
    assert np.array_equal(small.X_train, large.X_train[:20])  # nested training sets
    assert np.array_equal(small.X_test, large.X_test)  # one test set


def test_curve_points_fit_every_model_smallest_size_first(pool):
    points = list(curve_points(pool, [40, 20], FITS, seed=0))
    assert [(p.size, p.model) for p in points] == [
        (20, "logistic"),
        (20, "forest"),
        (40, "logistic"),
        (40, "forest"),
    ]
    assert all(0 <= p.accuracy <= 1 and p.seconds > 0 for p in points)
    data = pool.split(40)
    assert points[2].accuracy == pytest.approx(logistic(data, 0, None))


def test_curve_points_stop_when_asked(pool):
    seen = []

    def counting(data, seed, should_stop):
        seen.append(data.X_train.shape[0])
        return logistic(data, seed, should_stop)

    points = curve_points(
        pool, [20, 40, 80], {"logistic": counting}, should_stop=lambda: len(seen) >= 2
    )
    assert [p.size for p in points] == [20]
    assert seen == [20, 40]


def test_a_network_trains_for_its_step_budget_and_stops_when_asked(pool):
    data = pool.split(40)
    network = LayerNetwork((576,), [Dense(8)], head="softmax", n_outputs=4, seed=0)
    trainer = Trainer(network, data, learning_rate=0.01, batch_size=8, optimizer="adam", seed=0)
    assert train_steps(trainer, 50, lambda: True) is None and trainer.steps == 0
    accuracy = train_steps(trainer, 30, lambda: False)
    assert trainer.steps == 30
    assert accuracy == trainer.evaluate()["test_accuracy"]
    assert step_budget(100) == 400  # the least
    assert step_budget(1600) == 1250  # 25 epochs of batches of 32
    assert step_budget(100, batch_size=10, epochs=50, least=1) == 500


@pytest.mark.parametrize(
    "sizes, error, words",
    [
        ([5, 100], ValueError, "sizes holds 5, which is not allowed: use sizes from 10"),
        ([], ValueError, r"sizes=\[\] is empty"),
        ("100", TypeError, "sizes must be a list"),
        ([100, 2.5], TypeError, r"whole numbers; got 2.5"),
        ([19_500], ValueError, "to 19000 pictures"),
    ],
)
def test_bad_sizes_are_refused_naming_the_parameter(sizes, error, words):
    with pytest.raises(error, match=words):
        check_curve_sizes(sizes)


def test_sizes_are_sorted_without_repeats_and_the_pool_checks_its_arguments(pool):
    assert check_curve_sizes([400, 100, 400]) == (100, 400)
    with pytest.raises(ValueError, match="more than the 80 pictures of the pool"):
        list(curve_points(pool, [20, 160], FITS))
    with pytest.raises(ValueError, match="noise=0.9 is not allowed"):
        shapes_pool(40, noise=0.9)


def curve(table: dict[str, list[float]], sizes=(100, 200, 400, 800)) -> LearningCurve:
    points = [
        CurvePoint(name, size, value, 1.0)
        for name, row in table.items()
        for size, value in zip(sizes, row)
        if not np.isnan(value)
    ]
    return LearningCurve.collect(sizes, list(table), points)


def test_the_curve_says_who_gains_most_and_from_where_a_model_stays_ahead():
    measured = curve({"forest": [0.6, 0.7, 0.8, 0.82], "cnn": [0.5, 0.65, 0.85, 0.9]})
    assert measured.gains() == pytest.approx({"forest": 0.22, "cnn": 0.4})
    assert measured.ahead_from("cnn") == 400
    assert measured.ahead_from("forest") is None
    assert measured.best_at(200) == "forest"
    back_and_forth = curve({"forest": [0.6, 0.7, 0.8, 0.82], "cnn": [0.7, 0.6, 0.85, 0.9]})
    assert back_and_forth.ahead_from("cnn") == 400  # ahead at 100, behind at 200
    always = curve({"forest": [0.6, 0.7], "cnn": [0.7, 0.8]}, sizes=(100, 200))
    assert always.ahead_from("cnn") == 100
    tie = curve({"forest": [0.6, 0.8], "cnn": [0.5, 0.8]}, sizes=(100, 200))
    assert tie.ahead_from("cnn") is None and tie.ahead_from("forest") is None


def test_a_partial_curve_speaks_only_of_the_sizes_every_model_has():
    partial = curve({"forest": [0.6, 0.7, 0.8, np.nan], "cnn": [0.5, 0.65, 0.85, 0.95]})
    assert partial.measured.tolist() == [True, True, True, False]
    assert partial.gains() == pytest.approx({"forest": 0.2, "cnn": 0.35})
    assert partial.ahead_from("cnn") == 400
    assert curve({"forest": [0.6, np.nan], "cnn": [0.5, 0.7]}, (100, 200)).gains() == {}


def test_the_engine_modules_of_lesson_7_import_no_widget():
    code = (
        "import sys, dllab.core.learning_curve, dllab.core.conv_insight;"
        "print(any(m.split('.')[0] in ('ipywidgets', 'traitlets', 'bqplot') for m in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert shown.stdout.strip() == "False", shown.stderr
