"""The digits report: the confusion matrix as a pure function, then the widget's marks
checked against the network's own predictions."""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core.digits import (
    MAX_SHOWN,
    confusion_matrix,
    misclassified,
    per_class_accuracy,
    train_digits,
)
from dllab.core.quiz import train_plane
from dllab.lessons import DigitsReport


@pytest.fixture(scope="module")
def report():
    return DigitsReport()


# -- the numbers ---------------------------------------------------------------------------------
def test_confusion_matrix_counts_each_true_predicted_pair():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    expected = np.array(
        [
            [1, 1, 0],
            [0, 1, 0],
            [1, 0, 2],
        ]
    )
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 3), expected)
    np.testing.assert_allclose(per_class_accuracy(expected), [0.5, 1.0, 2 / 3])


def test_confusion_matrix_of_random_labels_agrees_with_counting():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    matrix = confusion_matrix(y_true, y_pred, 10)
    assert matrix.sum() == 500
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y_true, minlength=10))
    np.testing.assert_array_equal(matrix.sum(axis=0), np.bincount(y_pred, minlength=10))
    assert np.trace(matrix) == np.sum(y_true == y_pred)
    assert matrix[3, 7] == np.sum((y_true == 3) & (y_pred == 7))


def test_a_class_with_no_sample_has_no_accuracy():
    matrix = confusion_matrix([0, 0], [0, 1], 3)
    assert np.isnan(per_class_accuracy(matrix)[2])


@pytest.mark.parametrize(
    "y_true, y_pred, n_classes, error, words",
    [
        ([0, 1], [0, 3], 3, ValueError, "y_pred holds the label 3"),
        ([0, -1], [0, 1], 3, ValueError, "y_true holds the label -1"),
        ([0, 1, 2], [0, 1], 3, ValueError, "one prediction per sample"),
        ([[0, 1]], [0, 1], 3, ValueError, "y_true must be 1-D"),
        ([0.5, 1], [0, 1], 3, TypeError, "class indices"),
        ([0, 1], [0, 1], 0, ValueError, "n_classes=0"),
    ],
)
def test_confusion_matrix_refuses_bad_labels(y_true, y_pred, n_classes, error, words):
    with pytest.raises(error, match=words):
        confusion_matrix(y_true, y_pred, n_classes)


def test_train_digits_reaches_95_percent_with_one_hidden_layer():
    trainer = train_digits(seed=1)
    assert trainer.network.depth == 1
    assert trainer.evaluate()["test_accuracy"] >= 0.95


# -- the report ----------------------------------------------------------------------------------
def test_the_confusion_matrix_shows_the_test_sets_counts(report):
    trainer = report.model.trainer
    y_test = trainer.data.y_test
    predicted = trainer.network.predict(trainer.X_test)
    matrix = report.model.results.confusion
    assert matrix.sum() == len(y_test)
    np.testing.assert_array_equal(matrix, confusion_matrix(y_test, predicted, 10))
    accuracy = np.trace(matrix) / len(y_test)
    assert accuracy == pytest.approx(trainer.evaluate()["test_accuracy"])
    assert f"{accuracy:.1%}" in report._status.value
    # The grid: 10 x 10 cells, the counts as text, right answers blue (> 0), mistakes orange.
    assert np.shape(report._cells.color) == (10, 10)
    assert list(report._counts.text) == [str(count) for count in matrix.ravel()]
    colours = np.asarray(report._cells.color)
    assert np.all(np.diag(colours) > 0)
    off = ~np.eye(10, dtype=bool)
    assert np.all((colours[off] < 0) == (matrix[off] > 0))
    axes = {axis.label for axis in report._confusion_figure.axes}
    assert axes == {"true", "predicted"}


def test_per_class_bars_are_the_diagonal_over_the_row(report):
    matrix = report.model.results.confusion
    np.testing.assert_allclose(report._bars.y, np.diag(matrix) / matrix.sum(axis=1))
    assert list(report._bars.x) == [str(d) for d in range(10)]


def test_the_wrong_digits_are_exactly_those_predicted_wrong(report):
    trainer = report.model.trainer
    predicted = trainer.network.predict(trainer.X_test)
    wrong = np.flatnonzero(predicted != trainer.data.y_test)
    np.testing.assert_array_equal(report.model.results.wrong, wrong)
    np.testing.assert_array_equal(
        misclassified(trainer.network, trainer.X_test, trainer.data.y_test)[0], wrong
    )
    grid = report._wrong
    assert grid.captions == [
        f"true {trainer.data.y_test[i]}\npredicted {predicted[i]}" for i in wrong[:MAX_SHOWN]
    ]
    assert len(grid.images) == 64 * min(len(wrong), MAX_SHOWN)
    assert f"wrong: {len(wrong)}" in report._wrong_title.value


def test_train_retrains_with_the_sliders_settings():
    report = DigitsReport(hidden=2, epochs=3)
    first = report.model.version
    weak = report.model.results
    assert weak.accuracy < 0.9 and len(report._wrong.captions) == min(len(weak.wrong), MAX_SHOWN)
    [hidden, epochs] = report.children[1].children[:2]
    assert (hidden.description, epochs.description) == ("Hidden neurons", "Epochs")
    hidden.value, epochs.value = 16, 20
    report._train.click()
    assert report.model.version == first + 1
    assert report.model.trainer.network.sizes == [64, 16, 10]
    assert report.model.results.accuracy > weak.accuracy
    assert list(report._counts.text) == [str(c) for c in report.model.results.confusion.ravel()]


def test_a_given_trainer_is_reported_as_it_is():
    trainer = train_digits(hidden=8, epochs=5)
    report = DigitsReport(trainer)
    assert report.model.trainer is trainer
    assert "you gave" in report._status.value


def test_the_report_refuses_other_data_and_settings():
    with pytest.raises(ValueError, match="image data"):
        DigitsReport(train_plane(epochs=1))
    with pytest.raises(TypeError, match="Trainer"):
        DigitsReport("digits")
    with pytest.raises(ValueError, match="hidden=0 is not allowed"):
        DigitsReport(hidden=0)
    with pytest.raises(TypeError, match="unknown setting 'layers'"):
        DigitsReport(layers=2)
