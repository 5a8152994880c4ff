"""The digits report: the confusion matrix as a pure function, then the widget's marks
checked against the network's own predictions."""

from __future__ import annotations

import numpy as np
import pytest
import traitlets as t

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
    assert report.wait(30)
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


# -- a click on a cell of the confusion matrix ----------------------------------------------------
def click_cell(report: DigitsReport, true: int, predicted: int) -> None:
    """What bqplot's page sends when a GridHeatMap cell is clicked."""
    cell = {"rowNum": true, "columnNum": predicted, "row": true, "column": predicted}
    report._cells._handle_custom_msgs(None, {"event": "element_click", "data": cell})


def test_cells_can_be_clicked_and_say_so(report):
    assert report.model.cell == []
    assert "Click a cell of the confusion matrix" in report._cell_title.value
    assert report._cell_digits.layout.display == "none"
    assert "pointer-events: none" in report.children[3].children[0].children[1].value


def test_clicking_a_cell_shows_its_test_digits(report):
    trainer = report.model.trainer
    y_test = trainer.data.y_test
    predicted = trainer.network.predict(trainer.X_test)
    matrix = report.model.results.confusion.copy()
    np.fill_diagonal(matrix, 0)
    true, said = np.unravel_index(matrix.argmax(), matrix.shape)  # the commonest mistake
    click_cell(report, int(true), int(said))
    members = np.flatnonzero((y_test == true) & (predicted == said))
    assert len(members) == matrix[true, said] > 0
    count = f"{len(members)} digit" + ("s" if len(members) != 1 else "")
    assert f"true {true}, predicted {said}: {count}</b> (read wrong)" in report._cell_title.value
    grid = report._cell_digits
    assert grid.layout.display is None and len(grid.captions) == len(members)
    images = np.frombuffer(grid.images, dtype=np.uint8).reshape(-1, 64)
    np.testing.assert_array_equal(images, (trainer.X_test[members] * 255).round().astype(np.uint8))
    np.testing.assert_array_equal(report._cells.selected, [[true, said]])
    # A cell on the diagonal: the digits it reads right (at most MAX_SHOWN drawn).
    click_cell(report, 3, 3)
    right = np.flatnonzero((y_test == 3) & (predicted == 3))
    assert f"true 3, predicted 3: {len(right)} digits" in report._cell_title.value
    assert "(read right)" in report._cell_title.value
    assert len(report._cell_digits.captions) == min(len(right), MAX_SHOWN)


def test_one_digit_in_a_cell_is_said_in_the_singular():
    report = DigitsReport(hidden=4, epochs=3)
    matrix = report.model.results.confusion
    ones = np.argwhere(matrix == 1)
    true, said = ones[0]
    click_cell(report, int(true), int(said))
    assert f"predicted {said}: 1 digit</b>" in report._cell_title.value
    empty = np.argwhere(matrix == 0)[0]
    click_cell(report, int(empty[0]), int(empty[1]))
    assert ": 0 digits</b>" in report._cell_title.value
    assert report._cell_digits.captions == []
    assert report._cell_digits.empty_text == "No test digit in this cell."


@pytest.mark.parametrize(
    "content",
    [
        {"event": "element_click", "data": {"rowNum": 12, "columnNum": 0}},
        {"event": "element_click", "data": {"rowNum": "3", "columnNum": 1}},
        {"event": "element_click", "data": None},
        {"event": "element_click", "data": {"columnNum": 1}},
        {"event": "element_click"},
    ],
)
def test_a_malformed_click_from_the_page_is_ignored_and_logged(report, content, caplog):
    click_cell(report, 2, 5)
    with caplog.at_level("WARNING", logger="dllab"):
        report._cells._handle_custom_msgs(None, content)
    assert report.model.cell == [2, 5]
    assert "ignored a click on the confusion matrix" in caplog.text


def test_retraining_keeps_the_chosen_cell_and_shows_its_new_digits():
    report = DigitsReport(hidden=2, epochs=3)
    click_cell(report, 8, 1)
    before = report._cell_title.value
    report.children[1].children[0].value = 64
    report._train.click()
    assert report.wait(30)
    assert report.model.cell == [8, 1]
    trainer = report.model.trainer
    predicted = trainer.network.predict(trainer.X_test)
    members = np.flatnonzero((trainer.data.y_test == 8) & (predicted == 1))
    assert len(report._cell_digits.captions) == len(members)
    assert f"predicted 1: {len(members)} digit" in report._cell_title.value
    assert report._cell_title.value != before or len(members) == 0


# -- counts in words, the hidden sizes as choices, the status ------------------------------------
def test_one_epoch_is_written_in_the_singular():
    report = DigitsReport(hidden=8, epochs=1)
    assert "trained 1 epoch on 1,258 digits" in report._status.value
    assert "1 epochs" not in report._status.value
    assert "of the 539 test digits right" in report._status.value


def test_any_hidden_size_is_one_click_away():
    report = DigitsReport(hidden=32, epochs=2)
    hidden = report.children[1].children[0]
    assert [value for _, value in hidden.options] == [2, 4, 8, 16, 32, 64, 128]
    assert hidden.value == 32
    hidden.value = 2  # one click on "2"
    assert report.model.hidden == 2
    report.model.hidden = 5  # a size given in code is shown among the choices
    assert hidden.value == 5 and 5 in [value for _, value in hidden.options]


def test_training_says_so_and_a_failure_is_shown(monkeypatch):
    import dllab.lessons.digits_report as home

    report = DigitsReport(hidden=2, epochs=2)
    report.model.status = "training"
    assert "Training a new network" in report._messages.value and report._train.disabled
    report.model.status = "ready"
    assert report._messages.value == "" and not report._train.disabled
    with pytest.raises(t.TraitError):
        report.model.status = "busy"

    def broken(*args):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(home, "train_digits", broken)
    report._train.click()
    assert report.wait(30)
    assert report.model.status == "failed"
    assert "Training failed: out of memory" in report._messages.value
