"""Headless tests of the quizzes: set the canvas's click or the pad's cells as the browser
would, then check the answer against the network itself."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from dllab import Lab, Network, Trainer, make_dataset, split
from dllab.core.digits import MAX_SHOWN, downsample, train_digits
from dllab.core.plane import output_score
from dllab.core.quiz import train_plane
from dllab.lessons import DigitQuiz, PlaneQuiz
from dllab.lessons.digit_grid import DigitGrid
from dllab.lessons.digit_quiz import DrawingPad
from dllab.lessons.plane_quiz import PlaneCanvas, surface_rgba


@pytest.fixture(scope="module")
def plane_quiz():
    return PlaneQuiz()


@pytest.fixture(scope="module")
def digit_quiz():
    return DigitQuiz()


def click(quiz: PlaneQuiz, x1: float, x2: float) -> None:
    """What the browser sends on a click: the point and the question's number."""
    quiz._plane.click = [x1, x2, quiz._plane.click[2] + 1]


def draw(quiz: DigitQuiz, cells: np.ndarray) -> None:
    """What the browser sends while drawing: one byte per cell, and the drawings' count."""
    pad = quiz._pad
    with pad.hold_trait_notifications():
        pad.cells = cells.astype(np.uint8).tobytes()
        pad.sent += 1


# -- the plane quiz -------------------------------------------------------------------------------
def test_default_quiz_trains_a_good_network_itself(plane_quiz):
    model = plane_quiz.model
    assert model.dataset.name == "spiral"
    assert model.test_accuracy >= 0.95
    assert "on spiral (just now, in" in plane_quiz._status.value
    assert f"test accuracy {model.test_accuracy:.0%}" in plane_quiz._status.value


@pytest.mark.parametrize("point", [(2.0, -1.0), (-3.3, 4.1), (0.0, 0.0), (5.9, -5.9)])
def test_a_click_answers_as_the_network_does(plane_quiz, point):
    click(plane_quiz, *point)
    answer = plane_quiz.model.answer
    network = plane_quiz.model.network
    X = np.array([point])
    run = network.forward(X)
    assert answer.point == point and not answer.clamped
    assert answer.prediction == network.predict(X)[0]
    assert answer.confidence == pytest.approx(network.head.confidence(run.output)[0])
    assert len(answer.activations) == network.n_layers
    for mine, theirs in zip(answer.activations, run.activations):
        np.testing.assert_allclose(mine, theirs[0])
    words = "blue (+1)" if answer.prediction > 0 else "orange (−1)"
    assert answer.label == words
    shown = plane_quiz._answer.value
    assert words in shown and f"{answer.confidence:.0%}" in shown
    assert f'data-click="{int(plane_quiz._plane.click[2])}"' in shown
    assert plane_quiz._plane.marker == [*point, *point]


def test_the_path_picture_shows_every_neuron_of_that_point(plane_quiz):
    click(plane_quiz, 1.5, 2.5)
    answer = plane_quiz.model.answer
    canvas = plane_quiz._path
    sizes = plane_quiz.model.network.sizes
    assert [column["count"] for column in canvas.columns] == sizes
    assert all(column["height"] == column["width"] == 1 for column in canvas.columns)
    assert [column["title"] for column in canvas.columns] == [
        "Inputs",
        "Layer 1",
        "Layer 2",
        "Output",
    ]
    # One square per neuron, its colour the activation (tanh: already in [-1, 1]).
    squares = np.frombuffer(canvas.tiles, dtype=np.uint8) / 127.5 - 1
    hidden = np.concatenate(answer.activations[:-1])
    start = sizes[0]
    np.testing.assert_allclose(squares[start : start + len(hidden)], hidden, atol=1 / 127.5)
    # The numbers as labels: the inputs, then every activation.
    labels = [column["labels"] for column in canvas.columns]
    assert labels[0] == ["x1 = 1.50", "x2 = 2.50"]
    assert labels[1] == [f"{v:.2f}".replace("-", "−") for v in answer.activations[0]]
    assert labels[-1] == [f"{answer.activations[-1][0]:.2f}".replace("-", "−")]
    # The links are the weights, each layer scaled to its largest.
    links = np.frombuffer(canvas.links, dtype=np.float32)
    W = plane_quiz.model.network.weights[0]
    np.testing.assert_allclose(links[: W.size], (W / np.abs(W).max()).ravel(), rtol=1e-6)


@pytest.mark.parametrize(
    "asked, inside",
    [((9.0, 1.0), (6.0, 1.0)), ((-6.5, -8.0), (-6.0, -6.0)), ((2.0, 6.2), (2.0, 6.0))],
)
def test_a_click_outside_the_data_is_moved_inside_with_a_note(plane_quiz, asked, inside):
    click(plane_quiz, *asked)
    answer = plane_quiz.model.answer
    network = plane_quiz.model.network
    assert answer.clamped and answer.point == inside and answer.asked == asked
    assert answer.prediction == network.predict(np.array([inside]))[0]
    assert "outside the data" in answer.note
    assert "outside the data" in plane_quiz._answer.value
    assert plane_quiz._plane.marker == [*inside, *asked]


def test_a_refused_click_shows_a_message_not_a_traceback(plane_quiz):
    before = plane_quiz.model.answer
    plane_quiz._plane.click = [float("nan"), 1.0, 99.0]
    assert "dllab-message" in plane_quiz._answer.value
    assert "x1" in plane_quiz._answer.value and "finite" in plane_quiz._answer.value
    assert plane_quiz.model.answer is before
    with pytest.raises(TypeError, match="x2 must be a number"):
        plane_quiz.ask(1.0, "left")


def test_the_surface_is_the_networks_answer_over_the_square(plane_quiz):
    model = plane_quiz.model
    surface = model.surface(7)
    corner = model.network.output(np.array([[-6.0, 6.0]]))  # top left
    assert surface[0, 0] == pytest.approx(output_score(corner, "tanh")[0])
    canvas = plane_quiz._plane
    assert len(canvas.surface) == canvas.surface_size**2 * 4
    assert canvas.surface == surface_rgba(model.surface())
    points = np.frombuffer(canvas.points, dtype=np.float32).reshape(-1, 2)
    np.testing.assert_allclose(points, model.data.X_train, rtol=1e-6)
    assert canvas.extent == 6.0 and canvas.view > canvas.extent


def test_a_quiz_of_a_labs_network_is_a_snapshot_until_refreshed():
    lab = Lab(autostart=False, dataset="xor", features=["x1", "x2", "x1*x2"])
    try:
        lab.model.advance(5)
        quiz = PlaneQuiz.from_lab(lab)
        np.testing.assert_array_equal(quiz.model.network.params, lab.model.trainer.network.params)
        assert quiz.model.epoch == 5 and "from the lab" in quiz._status.value
        answer = quiz.ask(2.0, -3.0)
        expected = lab.model.trainer.network.forward(np.array([[2.0, -3.0, -6.0]]))
        np.testing.assert_allclose(answer.inputs, [2.0, -3.0, -6.0])
        np.testing.assert_allclose(answer.activations[-1], expected.output[0])
        assert [c["labels"][2] for c in quiz._path.columns[:1]] == ["x1*x2 = −6.00"]
        lab.model.advance(5)
        assert not np.array_equal(quiz.model.network.params, lab.model.trainer.network.params)
        [again] = [b for b in quiz.children if getattr(b, "description", "").startswith("Take")]
        again.click()
        np.testing.assert_array_equal(quiz.model.network.params, lab.model.trainer.network.params)
        assert quiz.model.epoch == 10 and quiz.model.answer is None
    finally:
        lab.close()


def test_quiz_refuses_what_it_cannot_quiz():
    with pytest.raises(ValueError, match="DigitQuiz"):
        PlaneQuiz(dataset="digits")
    with pytest.raises(ValueError, match="not both"):
        PlaneQuiz(train_plane(epochs=1), lab=object())
    with pytest.raises(TypeError, match="trainer must be a dllab Trainer"):
        PlaneQuiz(trainer="my network")
    with pytest.raises(TypeError, match="lab must be a dllab Lab"):
        PlaneQuiz.from_lab("my lab")
    with pytest.raises(ValueError, match="2-D data"):
        PlaneQuiz(train_digits(epochs=1))
    lab = Lab(autostart=False, dataset="digits")
    try:
        with pytest.raises(ValueError, match="DigitQuiz"):
            PlaneQuiz.from_lab(lab)
    finally:
        lab.close()


def test_regression_answers_with_a_value_and_no_confidence():
    quiz = PlaneQuiz(dataset="plane", epochs=20)
    answer = quiz.ask(3.0, 2.0)
    value = quiz.model.network.output(np.array([[3.0, 2.0]]))[0, 0]
    assert answer.prediction == pytest.approx(value)
    assert np.isnan(answer.confidence)
    assert answer.label == f"{value:.2f}".replace("-", "−")
    assert "no confidence" in quiz._answer.value


def test_a_softmax_network_on_two_classes_answers_in_the_same_words():
    data = split(make_dataset("circle", seed=1), 0.5, seed=1)
    network = Network([2, 4, 2], head="softmax", seed=1)
    trainer = Trainer(network, data, learning_rate=0.1, optimizer="adam")
    trainer.train(30)
    quiz = PlaneQuiz(trainer)
    for point in [(0.0, 0.0), (5.0, 5.0)]:
        answer = quiz.ask(*point)
        index = network.predict(np.array([point]))[0]
        assert answer.label == ("blue (+1)" if index == 1 else "orange (−1)")


@pytest.mark.parametrize("click", [["left", 1.0, 3.0], [1.0, 2.0], [True, 1.0, 2.0], "3,4", None])
def test_a_malformed_click_from_the_page_is_ignored_and_logged(plane_quiz, click, caplog):
    plane_quiz.ask(1.0, 1.0)
    before, asked = plane_quiz.model.answer, list(plane_quiz._plane.click)
    with caplog.at_level("WARNING", logger="dllab"), plane_quiz._plane.hold_trait_notifications():
        plane_quiz._plane.click = click  # as ipywidgets applies a message from the page
    assert plane_quiz._plane.click == asked
    assert plane_quiz.model.answer is before
    assert "ignored click=" in caplog.text


def test_one_epoch_is_written_in_the_singular():
    quiz = PlaneQuiz(epochs=1)
    assert "trained 1 epoch on spiral" in quiz._status.value
    digits = DigitQuiz(train_digits(epochs=1))
    assert "trained 1 epoch (the trainer you gave)" in digits._status.value
    assert "test digits right" in digits._status.value


# -- the digit quiz --------------------------------------------------------------------------------
def test_downsample_is_the_mean_of_each_block():
    rng = np.random.default_rng(0)
    cells = (rng.random((32, 32)) > 0.6).astype(float)
    expected = np.zeros((8, 8))
    for i in range(8):
        for j in range(8):
            expected[i, j] = cells[4 * i : 4 * i + 4, 4 * j : 4 * j + 4].sum() / 16
    np.testing.assert_allclose(downsample(cells), expected)
    with pytest.raises(ValueError, match="multiple of 8"):
        downsample(np.zeros((30, 30)))
    with pytest.raises(ValueError, match="ink shares"):
        downsample(np.full((8, 8), 3.0))


def test_the_default_digits_network_is_good_enough(digit_quiz):
    assert digit_quiz.model.network.depth == 1
    assert digit_quiz.model.test_accuracy >= 0.95


def test_a_drawn_stroke_is_read_as_the_network_reads_it(digit_quiz):
    cells = np.zeros((32, 32))
    cells[3:29, 14:18] = 1  # a thick vertical stroke: a one
    cells[3:6, 10:14] = 1
    draw(digit_quiz, cells)
    reading = digit_quiz.model.reading
    seen = downsample(cells)
    np.testing.assert_allclose(reading.image, seen)
    expected = digit_quiz.model.network.output(seen.reshape(1, 64))[0]
    np.testing.assert_allclose(reading.probabilities, expected)
    assert reading.probabilities.sum() == pytest.approx(1.0)
    assert reading.prediction == expected.argmax()
    np.testing.assert_allclose(digit_quiz._bars.y, expected)
    assert digit_quiz._pad.seen == (seen * 255).round().astype(np.uint8).tobytes()
    assert f">{reading.prediction}</b>" in digit_quiz._answer.value
    assert f'data-sent="{digit_quiz._pad.sent}"' in digit_quiz._answer.value


def test_an_empty_drawing_gives_a_hint_and_no_prediction(digit_quiz):
    draw(digit_quiz, np.eye(32))
    assert digit_quiz.model.reading.prediction is not None
    clear = digit_quiz._clear
    assert clear.description == "Clear"
    clear.click()
    reading = digit_quiz.model.reading
    assert reading.prediction is None and reading.probabilities is None
    assert "Draw a digit" in digit_quiz._answer.value
    assert not np.any(digit_quiz._bars.y)
    assert digit_quiz._pad.seen == bytes(64)


def test_the_wrong_test_digits_are_the_ones_it_gets_wrong(digit_quiz):
    button = digit_quiz._show_wrong
    assert digit_quiz._wrong_box.layout.display == "none"
    button.click()
    trainer = digit_quiz.model.trainer
    predicted = trainer.network.predict(trainer.X_test)
    wrong = np.flatnonzero(predicted != trainer.data.y_test)
    grid = digit_quiz._wrong
    assert len(grid.captions) == min(len(wrong), MAX_SHOWN)
    assert grid.captions == [
        f"true {trainer.data.y_test[i]}\npredicted {predicted[i]}" for i in wrong[:MAX_SHOWN]
    ]
    images = np.frombuffer(grid.images, dtype=np.uint8).reshape(-1, 64)
    np.testing.assert_array_equal(
        images, (trainer.X_test[wrong[:MAX_SHOWN]] * 255).round().astype(np.uint8)
    )
    assert f"{len(wrong)} of {len(trainer.X_test)}" in digit_quiz._wrong_title.value
    assert digit_quiz._wrong_box.layout.display is None
    assert button.description.startswith("Hide")
    button.click()
    assert digit_quiz._wrong_box.layout.display == "none"


def test_a_drawing_of_the_wrong_size_from_the_page_is_ignored_and_logged(digit_quiz, caplog):
    cells = np.zeros((32, 32))
    cells[4:28, 14:18] = 1
    draw(digit_quiz, cells)
    before = digit_quiz.model.reading
    with caplog.at_level("WARNING", logger="dllab"):
        draw(digit_quiz, np.ones((5, 5)))
    np.testing.assert_array_equal(digit_quiz._pad.drawing(), cells)
    np.testing.assert_allclose(digit_quiz.model.reading.probabilities, before.probabilities)
    assert "ignored cells=" in caplog.text and "not 1024 bytes" in caplog.text


def test_digit_quiz_refuses_a_trainer_on_other_data():
    with pytest.raises(ValueError, match="image data"):
        DigitQuiz(train_plane(epochs=1))
    with pytest.raises(TypeError, match="Trainer"):
        DigitQuiz(trainer=[1, 2, 3])


# -- the browser side ------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
@pytest.mark.parametrize("widget", [PlaneCanvas, DrawingPad, DigitGrid])
def test_the_canvas_scripts_parse(widget, tmp_path):
    script = tmp_path / "widget.mjs"
    script.write_text(widget._esm)
    result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
