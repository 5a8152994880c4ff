"""The quiz and digits lessons' numbers in the engine, without a widget: the answer about
one point, a drawing as the network reads it, the digits of one confusion-matrix cell."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dllab.core import Network
from dllab.core.digits import (
    DIGITS_RECIPE,
    cell_members,
    confusion_matrix,
    downsample,
    read_drawing,
)
from dllab.core.quiz import ask, class_words, network_path, train_plane


def test_the_engine_modules_import_no_widget():
    code = (
        "import sys, dllab.core.digits, dllab.core.quiz; "
        "print(sorted(m for m in ('ipywidgets', 'traitlets', 'bqplot', 'anywidget') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cell_members_are_the_samples_counted_in_that_cell():
    y_true = np.array([0, 2, 1, 2, 2, 0])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    np.testing.assert_array_equal(cell_members(y_true, y_pred, 2, 1), [1, 3])
    np.testing.assert_array_equal(cell_members(y_true, y_pred, 1, 0), [])
    matrix = confusion_matrix(y_true, y_pred, 3)
    for true in range(3):
        for said in range(3):
            assert len(cell_members(y_true, y_pred, true, said)) == matrix[true, said]


def test_a_drawing_is_read_from_its_block_means():
    network = Network([64, 5, 10], activation="relu", head="softmax", seed=0)
    cells = np.zeros((32, 32))
    cells[2:30, 12:20] = 1
    reading = read_drawing(network, cells)
    np.testing.assert_allclose(reading.image, downsample(cells))
    expected = network.output(downsample(cells).reshape(1, 64))[0]
    np.testing.assert_allclose(reading.probabilities, expected)
    assert reading.prediction == expected.argmax()
    assert reading.confidence == pytest.approx(expected.max())
    blank = read_drawing(network, np.zeros((32, 32)))
    assert blank.probabilities is None and blank.prediction is None
    assert DIGITS_RECIPE["head"] == "softmax"


def test_an_answer_is_the_networks_forward_pass_at_that_point():
    trainer = train_plane("xor", epochs=5)
    network = trainer.network
    answer = ask(network, 2.0, -9.0, extent=6.0, task="binary", classes=("-1", "+1"))
    run = network.forward(np.array([[2.0, -6.0]]))
    assert answer.point == (2.0, -6.0) and answer.asked == (2.0, -9.0) and answer.clamped
    np.testing.assert_allclose(answer.activations[-1], run.output[0])
    assert answer.label == class_words(answer.prediction, ("-1", "+1"), "binary")
    with pytest.raises(ValueError, match="x1=nan is not allowed"):
        ask(network, float("nan"), 0.0, extent=6.0, task="binary")
    tiles, weights, titles, labels = network_path(network, answer, ("x1", "x2"), np.ones(2))
    assert [len(tile) for tile in tiles] == network.sizes
    assert titles[0] == "Inputs" and titles[-1] == "Output"
    assert labels[0] == ["x1 = 2.00", "x2 = −6.00"]
