"""Headless tests of the lab widget: set a control's value, click a button, then assert on
the model's traits and on the marks' arrays. No browser is open, so the network canvas never
answers "drawn"; the training loop goes on after its patience runs out.

Labs are built with autostart=False and stepped by hand (`model.sync()`, `model.advance(n)`,
`lab.draw()`), except in the tests of the loop thread itself.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
import time
import warnings

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets

import dllab
from dllab.core import PLAYGROUND_SETS
from dllab.core.convergence import settled
from dllab.core.plane import plane_grid
from dllab.lab import Lab
from dllab.lab.frames import SURFACE_RESOLUTION, TILE_RESOLUTION
from dllab.lab.model import MAX_HIDDEN_LAYERS, MAX_NEURONS_PER_LAYER, STATUSES, LabModel
from dllab.lab.presets import preset
from dllab.ui import NetworkCanvas
from dllab.ui.theme import format_number

# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def lab():
    lab = Lab(autostart=False)
    yield lab
    lab.close()


def rebuild(lab: Lab) -> None:
    """What the loop does after a setting changed: rebuild the run, then redraw."""
    lab.model.sync()
    lab.draw()


def counts(lab: Lab) -> list[int]:
    return [column["count"] for column in lab._canvas.columns]


def button(lab: Lab, description: str) -> widgets.Button:
    """The lab's (private) Button with this description, found in its widget tree."""
    found, todo = [], [lab]
    while todo:
        widget = todo.pop()
        todo.extend(getattr(widget, "children", ()))
        if isinstance(widget, widgets.Button) and widget.description == description:
            found.append(widget)
    assert len(found) == 1, f"expected one {description!r} button, found {len(found)}"
    return found[0]


def on_page(lab: Lab, widget: widgets.Widget) -> bool:
    """True if `widget` is in the lab's widget tree and not hidden."""
    todo = [lab]
    while todo:
        box = todo.pop()
        if box is widget:
            return box.layout.display != "none"
        if box.layout.display != "none":
            todo.extend(getattr(box, "children", ()))
    return False


def wait_until(condition, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def assert_canvas_matches_frame(lab: Lab) -> None:
    """The canvas's bytes are exactly what its column list describes."""
    canvas, trainer = lab._canvas, lab.model.trainer
    columns = canvas.columns
    assert len(canvas.tiles) == sum(c["count"] * c["height"] * c["width"] for c in columns)
    linked = trainer.network.weights[canvas.link_from :]
    assert len(canvas.links) == 4 * sum(W.size for W in linked)
    links = np.frombuffer(canvas.links, dtype=np.float32)
    expected = np.concatenate([W.ravel() for W in linked]) if linked else np.zeros(0)
    np.testing.assert_allclose(links, expected, rtol=1e-6, atol=1e-7)
    assert canvas.run == lab.model.version


def curves(lab: Lab) -> dict[str, np.ndarray]:
    """The loss and accuracy curves as the page gets them (in the network picture's frame):
    {"epoch": x, "test loss": y, ...}."""
    return lab._loss.view.drawn()


def surface_shown(lab: Lab) -> np.ndarray:
    """The output surface as the page gets it (in the network picture's frame): values in
    [-1, 1] (to 1/127.5), top row first."""
    n = lab._canvas.surface_size
    return np.frombuffer(lab._canvas.surface, dtype=np.uint8).reshape(n, n) / 127.5 - 1


def surface_at(lab: Lab, x: float, y: float) -> float:
    """The surface's value nearest the point (x, y)."""
    surface, extent = surface_shown(lab), lab._output.plane.extent
    axis = np.linspace(-extent, extent, len(surface))
    row, column = np.abs(axis[::-1] - y).argmin(), np.abs(axis - x).argmin()
    return float(surface[row, column])


# --- defaults and the first picture ------------------------------------------------------------


def test_defaults_are_the_playgrounds_and_nothing_runs(lab):
    model = lab.model
    assert model.dataset == "circle" and model.task == "binary"
    assert model.hidden == [4, 2] and model.activation == "tanh" and model.head == "tanh"
    assert model.learning_rate == 0.03 and model.batch_size == 10
    assert model.trainer.network.sizes == [2, 4, 2, 1]
    assert (model.version, model.epoch, model.status, model.playing) == (1, 0, "ready", False)
    controls = lab._controls
    assert controls["dataset"].value == "circle" and controls["head"].value == "tanh"
    assert (controls["depth"].value, controls["width"].value) == (2, 4)
    assert controls["learning_rate"].value == 0.03 and controls["batch_size"].value == 10
    assert lab._controls["hidden"].value == "4, 2"
    assert (
        lab._controls["playing"].value is False and lab._controls["playing"].description == "Play"
    )
    assert [name for name, b in lab._controls["features"].buttons.items() if b.value] == [
        "x1",
        "x2",
    ]
    assert "Epoch <b>0</b>" in lab._epoch.value and lab._messages.value == ""
    assert not lab.loop.thread.is_alive()


def test_first_draw_fills_the_canvas_surface_and_points(lab):
    model, trainer = lab.model, lab.model.trainer
    assert counts(lab) == [2, 4, 2, 1]
    assert all(c["height"] == c["width"] == TILE_RESOLUTION for c in lab._canvas.columns)
    assert len(lab._canvas.tiles) == (2 + 4 + 2 + 1) * TILE_RESOLUTION**2
    assert len(lab._canvas.links) == 4 * (2 * 4 + 4 * 2 + 2 * 1)
    assert [c["title"] for c in lab._canvas.columns] == ["Features", "Layer 1", "Layer 2", "Output"]
    assert lab._canvas.columns[0]["labels"] == ["x1", "x2"]
    assert lab._canvas.link_from == 0
    assert_canvas_matches_frame(lab)

    assert surface_shown(lab).shape == (SURFACE_RESOLUTION, SURFACE_RESOLUTION)
    assert lab._output.plane.extent == 6.0
    assert lab._canvas.surface_title == "Output"
    assert lab._output.plane.source is lab._canvas  # the surface comes in the canvas's frame
    data = trainer.data
    xy, colours, test = lab._output.plane.point_arrays()
    n_train = len(data.X_train)
    np.testing.assert_allclose(xy[:n_train], data.X_train, atol=1e-6)
    np.testing.assert_allclose(colours[:n_train], data.y_train, atol=1 / 127)
    np.testing.assert_allclose(xy[n_train:], data.X_test, atol=1e-6)
    assert not test[:n_train].any() and test[n_train:].all()
    assert lab._output.plane.show_test is False
    assert len(data.X_train) == len(data.X_test) == model.data.n_samples // 2

    # The heatmap is the network's output, the right way up (row = y, column = x).
    for x, y in [(-6.0, 6.0), (6.0, -6.0), (0.0, 0.0), (-3.0, 4.5)]:
        expected = trainer.network.output(trainer.inputs(np.array([[x, y]])))[0, 0]
        assert surface_at(lab, x, y) == pytest.approx(expected, abs=0.15)


def test_settings_given_to_the_lab_show_on_its_controls():
    lab = Lab(autostart=False, dataset="spiral", hidden=[8, 8, 8], learning_rate=0.01)
    try:
        assert lab._controls["dataset"].value == "spiral"
        assert lab._controls["depth"].value == 3 and lab._controls["hidden"].value == "8, 8, 8"
        assert lab._controls["learning_rate"].value == 0.01
        assert lab.model.trainer.network.sizes == [2, 8, 8, 8, 1]
        assert counts(lab) == [2, 8, 8, 8, 1]
    finally:
        lab.close()


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_a_bad_setting_given_to_the_lab_is_refused():
    with pytest.raises(ValueError, match="learning_rate=0"):
        Lab(autostart=False, learning_rate=0)
    gc.collect()  # the half-built Lab is closed by Widget.__del__, which must not fail


# --- the network's shape -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "depth, hidden", [(0, []), (1, [4]), (3, [4, 2, 4]), (4, [4, 2, 4, 4]), (8, [4, 2] + [4] * 6)]
)
def test_depth_slider_rebuilds_the_network_canvas_and_gradient_lines(lab, depth, hidden):
    version = lab.model.version
    lab._controls["depth"].value = depth
    assert lab.model.hidden == hidden and lab.model.playing
    assert lab._controls["hidden"].value == ", ".join(map(str, hidden))
    assert counts(lab) == [2, 4, 2, 1]  # nothing redrawn before the rebuild
    rebuild(lab)
    sizes = [2, *hidden, 1]
    assert lab.model.trainer.network.sizes == sizes and lab.model.version == version + 1
    assert counts(lab) == sizes
    assert_canvas_matches_frame(lab)
    n_layers = depth + 1
    lines = lab._gradient.view.lines  # one line per layer, none drawn before an epoch
    assert [line["label"] for line in lines] == [f"layer {i}" for i in range(1, n_layers)] + [
        "output"
    ]
    assert len({line["colour"] for line in lines}) == n_layers
    assert list(lab._gradient.view.drawn()) == ["epoch"] + [line["label"] for line in lines]
    legend = lab._gradient.legend.value
    assert legend.count("<svg") == n_layers and "output" in legend
    assert all(line["colour"] in legend for line in lines)


def test_width_slider_sets_every_layer(lab):
    lab._controls["depth"].value = 3
    lab._controls["width"].value = 6
    assert lab.model.hidden == [6, 6, 6] and lab._controls["hidden"].value == "6, 6, 6"
    rebuild(lab)
    assert lab.model.trainer.network.sizes == [2, 6, 6, 6, 1]
    assert counts(lab) == [2, 6, 6, 6, 1]


@pytest.mark.parametrize("text, hidden", [("8, 3", [8, 3]), ("5;1; 7", [5, 1, 7]), ("32", [32])])
def test_layer_widths_text_sets_each_layer(lab, text, hidden):
    lab._controls["hidden"].value = text
    assert lab.model.hidden == hidden and lab.model.depth == len(hidden)
    assert lab._controls["depth"].value == len(hidden)
    assert lab.model.playing and lab._messages.value == ""
    rebuild(lab)
    assert counts(lab) == [2, *hidden, 1]


@pytest.mark.parametrize("text", ["a, b", "0", "40", "2.5", "-3", ", ".join(["1"] * 9)])
def test_bad_layer_widths_are_refused_with_a_message(lab, text):
    lab._controls["hidden"].value = text
    message = lab._messages.value
    assert "not understood" in message
    assert f"1 to {MAX_NEURONS_PER_LAYER}" in message and f"at most {MAX_HIDDEN_LAYERS}" in message
    assert lab.model.hidden == [4, 2] and lab._controls["hidden"].value == "4, 2"
    assert not lab.model.stale.is_set() and not lab.model.playing


# --- settings restart the run ------------------------------------------------------------------


def test_learning_rate_change_retrains_from_scratch_and_plays(lab):
    model = lab.model
    model.advance(5)
    version = model.version
    lab._controls["learning_rate"].value = 0.1
    assert model.learning_rate == 0.1 and model.playing and lab._controls["playing"].value
    assert lab._controls["playing"].description == "Pause"
    assert model.sync()
    assert (model.epoch, model.version) == (0, version + 1)
    assert model.trainer.learning_rate == 0.1 and model.trainer.epoch == 0


def test_quick_changes_collapse_into_one_rebuild_with_the_latest_values(lab):
    model = lab.model
    version = model.version
    for depth, width, rate in zip([1, 3, 5, 2, 4], [3, 7, 2, 9, 5], [0.1, 1.0, 0.001, 0.3, 0.01]):
        lab._controls["depth"].value = depth
        lab._controls["width"].value = width
        lab._controls["learning_rate"].value = rate
    assert model.sync() and not model.sync()
    assert model.version == version + 1
    assert model.trainer.network.sizes == [2, 5, 5, 5, 5, 1]
    assert model.trainer.learning_rate == 0.01


def test_before_any_epoch_the_gradient_plot_is_empty(lab):
    lab.draw()
    assert lab.model.epoch == 0
    drawn = lab._gradient.view.drawn()
    assert lab._gradient.view.log_left and all(len(points) == 0 for points in drawn.values())


def test_training_lowers_the_loss_on_the_curves(lab):
    lab.model.advance(50)
    lab.draw()
    drawn = curves(lab)
    np.testing.assert_array_equal(drawn["epoch"], np.arange(51))
    test_loss, train_loss = drawn["test loss"], drawn["training loss"]
    assert test_loss[-1] < test_loss[0] and train_loss[-1] < train_loss[0]
    assert min(drawn["test accuracy"][-1], drawn["training accuracy"][-1]) > 0.8
    gradients = lab._gradient.view.drawn()
    np.testing.assert_array_equal(gradients["epoch"], np.arange(1, 51))  # none at epoch 0
    sizes = np.array([gradients[line["label"]] for line in lab._gradient.view.lines])
    assert sizes.shape == (3, 50) and (sizes > 0).all()
    expected = np.array(lab.model.trainer.history["gradient_size"][1:]).T
    np.testing.assert_allclose(sizes, expected, rtol=1e-6)
    assert lab._gradient.view.curves_top == 60  # the epoch axis ends at a round number
    assert "Epoch <b>50</b>" in lab._epoch.value and lab.model.status == "training"
    assert f"Training loss <b>{format_number(train_loss[-1])}</b>" in lab._output.stats.value
    test_accuracy = curves(lab)["test accuracy"][-1]
    test_row = f"Test loss <b>{format_number(test_loss[-1])}</b>"
    assert f"{test_row} &middot; accuracy <b>{test_accuracy:.0%}</b>" in lab._output.stats.value


# --- play, step, reset, regenerate -------------------------------------------------------------


def test_play_button_and_model_playing_stay_in_step(lab):
    lab._controls["playing"].value = True
    assert lab.model.playing and (
        lab._controls["playing"].description,
        lab._controls["playing"].icon,
    ) == ("Pause", "pause")
    lab.model.playing = False
    assert not lab._controls["playing"].value and (
        lab._controls["playing"].description,
        lab._controls["playing"].icon,
    ) == ("Play", "play")


def test_step_trains_one_epoch_and_pauses(lab):
    lab._controls["playing"].value = True
    button(lab, "Step").click()
    assert lab.model.epoch == 1 and not lab.model.playing and not lab._controls["playing"].value
    button(lab, "Step").click()
    assert lab.model.epoch == 2 and lab.model.trainer.history["epoch"] == [0, 1, 2]


def test_reset_restarts_from_the_initial_weights(lab):
    initial = lab.model.trainer.network.params.copy()
    lab.model.advance(20)
    lab._controls["playing"].value = True
    assert not np.array_equal(lab.model.trainer.network.params, initial)
    version = lab.model.version
    button(lab, "Reset").click()
    assert (lab.model.epoch, lab.model.version, lab.model.playing) == (0, version + 1, False)
    np.testing.assert_array_equal(lab.model.trainer.network.params, initial)
    fresh = Lab(autostart=False)
    np.testing.assert_array_equal(
        lab.model.trainer.network.params, fresh.model.trainer.network.params
    )
    fresh.close()
    lab.draw()
    assert len(lab.model.trainer.history) == 1 and "Epoch <b>0</b>" in lab._epoch.value
    np.testing.assert_array_equal(curves(lab)["epoch"], [0])  # one point (drawn as a dot)


def test_regenerate_draws_new_points_from_the_same_set(lab):
    before = lab._output.plane.point_arrays()[0]
    button(lab, "Regenerate").click()
    assert lab.model.data_seed == 1
    rebuild(lab)
    assert lab.model.dataset == "circle" and lab.model.version == 2
    after = lab._output.plane.point_arrays()[0]
    assert after.shape == before.shape and not np.array_equal(after, before)


def test_show_test_data_and_discretize(lab):
    lab.model.advance(30)
    lab._controls["show_test"].value = True
    lab._controls["discretize"].value = True
    lab.draw()
    assert lab._output.plane.show_test is True
    assert set(np.unique(surface_shown(lab))) <= {-1.0, 0.0, 1.0}


# --- data sets and the problem ---------------------------------------------------------------


def test_plane_switches_to_regression(lab):
    lab._controls["dataset"].value = "plane"
    assert lab.model.head == "linear" and lab._controls["head"].value == "linear"
    assert lab.model.playing
    rebuild(lab)
    assert lab.model.task == "regression" and set(curves(lab)) == {
        "epoch",
        "test loss",
        "training loss",
    }
    assert not any(line["right"] for line in lab._loss.view.lines)  # no accuracy axis
    assert "loss" in lab._loss.legend.value and "accuracy" not in lab._loss.legend.value
    assert "accuracy" not in lab._output.stats.value
    lab._controls["dataset"].value = "circle"
    rebuild(lab)
    assert lab.model.head == "tanh" and "test accuracy" in curves(lab)
    assert "test accuracy" in lab._loss.legend.value


def test_digits_shows_images_bars_and_disables_the_features(lab):
    lab._controls["dataset"].value = "digits"
    assert lab.model.head == "softmax" and lab._controls["head"].value == "softmax"
    rebuild(lab)
    model = lab.model
    assert model.trainer.network.sizes == [64, 4, 2, 10] and not model.is_plane
    first, weights, *_ = lab._canvas.columns
    assert (first["count"], first["height"], first["width"]) == (1, 8, 8)
    assert (weights["count"], weights["height"], weights["width"]) == (4, 8, 8)
    assert counts(lab) == [1, 4, 2, 10] and lab._canvas.link_from == 1
    assert [c["title"] for c in lab._canvas.columns] == [
        "Input",
        "Layer 1 weights",
        "Layer 2",
        "Output",
    ]
    assert lab._canvas.columns[-1]["labels"] == list(model.data.classes)
    assert_canvas_matches_frame(lab)
    assert on_page(lab, lab._output.bars) and on_page(lab, lab._controls["example"])
    assert not on_page(lab, lab._output.plane)
    assert lab._canvas.surface == b"" and lab._canvas.surface_size == 0
    assert lab._controls["example"].max == len(model.trainer.X_test) - 1
    assert all(b.disabled for b in lab._controls["features"].buttons.values())
    assert lab._output.classes == [str(name) for name in model.data.classes]
    probabilities = lab._output.probabilities
    assert probabilities.shape == (10,) and probabilities.sum() == pytest.approx(1.0)
    bars = lab._output.bars.value  # a bar per class (theme.bars_html: tests/test_ui.py)
    assert bars.count('class="dllab-bar"') == 10
    assert all(f">{name}</div>" in bars for name in lab._output.classes)

    # The example slider picks the test image the picture shows, without starting to train.
    lab._controls["example"].value = 3
    lab.draw()
    assert model.example == 3 and not model.stale.is_set()
    pixels = np.frombuffer(lab._canvas.tiles, dtype=np.uint8)[:64]
    expected = np.clip(np.round(2 * model.trainer.X_test[3] * 127.5), 0, 255)
    np.testing.assert_array_equal(pixels, expected)
    assert not on_page(lab, lab._output.plane)
    assert lab._canvas.surface == b"" and lab._canvas.surface_size == 0

    lab._controls["dataset"].value = "circle"
    rebuild(lab)
    assert not any(b.disabled for b in lab._controls["features"].buttons.values())
    assert not on_page(lab, lab._output.bars) and on_page(lab, lab._output.plane)


@pytest.mark.parametrize("dataset", [*PLAYGROUND_SETS, "digits", "shapes"])
@pytest.mark.parametrize("depth", [0, 3])
def test_every_data_set_draws_a_consistent_canvas(lab, dataset, depth):
    lab.model.dataset = dataset
    lab.model.depth = depth
    lab.model.advance(2)
    lab.draw()
    assert lab.model.status == "training"
    assert_canvas_matches_frame(lab)
    network = lab.model.trainer.network
    assert len(lab._canvas.columns) == network.n_layers + 1
    assert counts(lab)[-1] == network.sizes[-1]


@pytest.mark.parametrize(
    "dataset, head",
    [
        ("circle", "linear"),
        ("plane", "softmax"),
        ("plane", "tanh"),
        ("digits", "linear"),
        ("digits", "sigmoid"),
    ],
)
def test_a_head_that_does_not_fit_the_data_is_refused(lab, dataset, head):
    model = lab.model
    model.dataset = dataset
    rebuild(lab)
    before = (model.head, model.version, model.playing, model.trainer.network.sizes)
    lab._controls["head"].value = head
    assert "does not fit" in lab._messages.value and "choose" in lab._messages.value
    assert lab._controls["head"].value == model.head == before[0]
    assert not model.stale.is_set() and not model.sync()
    assert (model.head, model.version, model.playing, model.trainer.network.sizes) == before


def test_softmax_fits_two_classes(lab):
    lab._controls["head"].value = "softmax"
    rebuild(lab)
    assert lab.model.trainer.network.sizes == [2, 4, 2, 2] and counts(lab) == [2, 4, 2, 2]
    assert lab._messages.value == ""


@pytest.mark.parametrize("head", ["tanh", "sigmoid", "softmax"])
def test_the_surface_shows_each_class_in_its_colour(head):
    """Blue (+1) where the positive points are, orange (-1) where the negative ones are, for
    every classification head, though sigmoid and softmax give probabilities."""
    lab = Lab(autostart=False, dataset="gauss", head=head)
    try:
        lab.model.advance(40)
        lab.draw()
        data = lab.model.trainer.data
        signs = [np.sign(surface_at(lab, x, y)) for x, y in data.X_train]
        assert np.mean(np.array(signs) == data.y_train) > 0.9
    finally:
        lab.close()


# --- features ----------------------------------------------------------------------------------


def test_a_feature_toggle_adds_an_input(lab):
    lab._controls["features"].buttons["x1*x2"].value = True
    assert lab.model.features == ["x1", "x2", "x1*x2"] and lab.model.playing
    rebuild(lab)
    assert lab.model.trainer.network.sizes[0] == 3 and counts(lab)[0] == 3
    assert lab._canvas.columns[0]["labels"] == ["x1", "x2", "x1*x2"]


def test_turning_every_feature_off_is_refused(lab):
    lab._controls["features"].buttons["x1"].value = False
    rebuild(lab)
    lab.model.playing = False
    lab._controls["features"].buttons["x2"].value = False
    assert "at least one input feature" in lab._messages.value
    assert lab.model.features == ["x2"] and lab._controls["features"].buttons["x2"].value
    assert not lab.model.stale.is_set() and not lab.model.playing


# --- divergence --------------------------------------------------------------------------------


def test_divergence_is_reported_and_a_smaller_rate_recovers(lab):
    model = lab.model
    lab._controls["dataset"].value = "plane"
    lab._controls["activation"].value = "relu"
    lab._controls["learning_rate"].value = 10.0
    assert model.playing
    assert model.advance(20) is False
    assert model.status == "diverged" and model.message.startswith("training diverged")
    assert "training diverged" in lab._messages.value
    assert not model.playing and not lab._controls["playing"].value
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        lab.draw()
    assert np.isfinite(np.frombuffer(lab._canvas.links, dtype=np.float32)).all()
    epoch = model.epoch
    assert model.advance(5) is False and model.epoch == epoch

    lab._controls["learning_rate"].value = 0.03
    assert model.playing
    rebuild(lab)
    assert (model.status, model.message, lab._messages.value) == ("ready", "", "")
    assert model.advance(20) and model.status == "training" and model.epoch == 20
    assert np.isfinite(model.trainer.history["train_loss"]).all()


# --- the neuron shown large --------------------------------------------------------------------


def test_hovered_and_selected_neurons_show_on_the_surface(lab):
    lab.model.advance(10)
    trainer = lab.model.trainer
    fine = trainer.network.neuron_outputs(
        trainer.inputs(plane_grid(lab.model.extent, SURFACE_RESOLUTION))
    )
    shape = (SURFACE_RESOLUTION, SURFACE_RESOLUTION)

    lab._canvas.hovered = [1, 0]
    assert lab.model.focus == (1, 0)
    lab.draw()
    assert lab._canvas.surface_title == "Layer 1, neuron 1"
    np.testing.assert_allclose(surface_shown(lab), fine[0][0].reshape(shape), atol=0.005)

    lab._canvas.selected = [2, 1]
    lab.draw()
    assert lab._canvas.surface_title == "Layer 2, neuron 2"
    np.testing.assert_allclose(surface_shown(lab), fine[1][1].reshape(shape), atol=0.005)

    lab._canvas.selected = [-1, -1]
    lab.draw()
    assert lab._canvas.surface_title == "Layer 1, neuron 1"
    lab._canvas.hovered = [-1, -1]
    lab.draw()
    assert lab._canvas.surface_title == "Output"
    np.testing.assert_allclose(surface_shown(lab), fine[-1][0].reshape(shape), atol=0.005)
    assert not lab.model.stale.is_set()  # looking is not a new run


@pytest.mark.parametrize("tile", [(0, 1), (3, 0), (1, 9), (7, 0)])
def test_tiles_without_a_hidden_neuron_show_the_output(lab, tile):
    lab._canvas.hovered = list(tile)
    lab.draw()
    assert lab._canvas.surface_title == "Output"


# --- your own data -----------------------------------------------------------------------------


def test_own_two_dimensional_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2)) * 3
    lab = Lab(data=dllab.from_arrays(X, X[:, 0] > X[:, 1], input_names=["a", "b"]), autostart=False)
    try:
        model = lab.model
        assert model.dataset == "my data" and lab._controls["dataset"].value == "my data"
        assert ("My data", "my data") in lab._controls["dataset"].options
        assert model.task == "binary" and model.trainer.network.sizes == [2, 4, 2, 1]
        assert model.is_plane and counts(lab) == [2, 4, 2, 1]
        # Fed as it is: no feature applies, and the inputs keep their own names.
        assert all(b.disabled for b in lab._controls["features"].buttons.values())
        assert lab._canvas.columns[0]["labels"] == ["a", "b"]
        extent = np.abs(X).max() * 1.1
        assert lab._output.plane.extent == pytest.approx(extent)
        model.advance(20)
        lab.draw()
        assert model.status == "training"
        assert_canvas_matches_frame(lab)
    finally:
        lab.close()


def test_own_data_with_three_inputs_and_three_classes():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 3))
    lab = Lab(data=dllab.from_arrays(X, np.argmax(X, axis=1)), autostart=False)
    try:
        model = lab.model
        assert model.task == "multiclass" and model.head == "softmax"
        assert model.trainer.network.sizes == [3, 4, 2, 3] and not model.is_plane
        assert lab._canvas.columns[0]["width"] == 3 and counts(lab) == [1, 4, 2, 3]
        assert on_page(lab, lab._output.bars)
        model.advance(5)
        lab.draw()
        assert (
            len(lab._output.probabilities) == 3
            and lab._output.bars.value.count('class="dllab-bar"') == 3
        )
        assert_canvas_matches_frame(lab)
    finally:
        lab.close()


# --- history -----------------------------------------------------------------------------------


def test_history_stays_bounded_on_a_long_run(lab):
    trainer = lab.model.trainer
    trainer.history_limit = 20
    trainer.reset()
    trainer.record()  # as the model's build does
    lab.model.advance(300)
    lab.draw()
    epochs = trainer.history["epoch"]
    assert len(epochs) <= 20 and epochs[0] == 0 and epochs[-1] == 300
    assert np.all(np.diff(epochs) > 0)
    assert len(curves(lab)["epoch"]) == len(epochs) and curves(lab)["epoch"][-1] == 300


def test_a_long_runs_curve_keeps_its_whole_shape(lab):
    trainer = lab.model.trainer
    trainer.history_limit = 20
    trainer.reset()
    trainer.record()
    lab.model.advance(300)
    epochs = np.asarray(trainer.history["epoch"])
    assert len(epochs) <= 20
    assert (epochs < 150).sum() >= 3  # the first half of the run is still drawn
    gaps = np.diff(epochs[:-1])
    assert gaps.max() <= 2 * gaps.min() + 1  # evenly spread, not bunched at the end


def test_a_long_history_is_drawn_from_about_max_drawn_points_first_and_last_kept():
    from dllab.lab.panels import MAX_DRAWN, GradientPlot, LossPlot

    n = 1000  # the history's default limit
    rng = np.random.default_rng(3)
    history = {
        "epoch": list(range(0, 2 * n, 2)),
        "test_loss": list(rng.random(n)),
        "train_loss": list(rng.random(n)),
        "test_accuracy": list(rng.random(n)),
        "train_accuracy": list(rng.random(n)),
        "gradient_size": [list(rng.random(3) + 1e-3) for _ in range(n)],
    }
    rows, top = LossPlot(NetworkCanvas()).curves(history, classifying=True)
    epochs = rows[0]
    assert rows.shape[0] == 5 and MAX_DRAWN // 2 <= rows.shape[1] <= MAX_DRAWN + 1
    assert epochs[0] == 0 and epochs[-1] == 2 * (n - 1) and top >= epochs[-1]
    gaps = np.diff(epochs[:-1])
    assert gaps.min() == gaps.max()  # evenly spread (the last point added after)
    # Each point drawn is the history's own value at that epoch.
    index = (epochs / 2).astype(int)
    names = ["test_loss", "train_loss", "test_accuracy", "train_accuracy"]
    for row, name in zip(rows[1:], names):
        np.testing.assert_array_equal(row, np.float32(np.asarray(history[name])[index]))

    plot = GradientPlot()
    plot.new_run(["layer 1", "layer 2", "output"])
    plot.show(history)
    drawn = np.frombuffer(plot.view.curves, dtype=np.float32).reshape(4, -1)
    assert drawn[0, 0] == 2 and drawn[0, -1] == 2 * (n - 1)  # from epoch 1 of the history
    assert drawn.shape[1] <= MAX_DRAWN + 1
    sizes = np.asarray(history["gradient_size"], dtype=np.float32)
    np.testing.assert_array_equal(drawn[1:], sizes[(drawn[0] / 2).astype(int)].T)


# --- the canvas's answer -----------------------------------------------------------------------


def send_frame(canvas: NetworkCanvas) -> None:
    canvas.show([np.zeros((2, 3, 3)), np.ones((1, 3, 3))], [np.ones((2, 1))], ["in", "out"])


def test_the_canvas_waits_for_the_browsers_drawn_message():
    canvas = NetworkCanvas()
    send_frame(canvas)
    start = time.perf_counter()
    assert canvas.wait_drawn(0.05) is False
    assert 0.04 <= time.perf_counter() - start < 0.5

    canvas._on_browser_message(None, {"type": "something else", "frame": canvas.frame}, [])
    assert canvas.wait_drawn(0.01) is False
    canvas._on_browser_message(None, {"type": "drawn", "frame": canvas.frame}, [])
    start = time.perf_counter()
    assert canvas.wait_drawn(5.0) is True
    assert time.perf_counter() - start < 0.1

    send_frame(canvas)  # a new frame, not drawn yet
    assert canvas.wait_drawn(0.01) is False
    timer = threading.Timer(
        0.05, canvas._on_browser_message, (None, {"type": "drawn", "frame": canvas.frame}, [])
    )
    timer.start()
    start = time.perf_counter()
    assert canvas.wait_drawn(5.0) is True  # woken by the answer, from another thread
    assert time.perf_counter() - start < 1.0
    timer.join()
    canvas.close()


def test_the_canvas_times_each_answers_round_trip_less_the_time_the_page_held_it():
    canvas = NetworkCanvas()
    assert canvas.queueing() is None  # nothing answered yet
    round_trips = []
    for wait, held in ((0.02, 0), (0.03, 0), (0.06, 40)):
        send_frame(canvas)
        time.sleep(wait)
        canvas._on_browser_message(None, {"type": "drawn", "frame": canvas.frame, "held": held}, [])
        round_trips.append(canvas._round_trips[-1])
        assert wait - held / 1000 <= round_trips[-1] < wait - held / 1000 + 0.05
    assert canvas.queueing() == pytest.approx(round_trips[-1] - min(round_trips))
    assert canvas.queueing() is None  # no new answer since

    # Frames answered late by their line: the newest round trip is longer than the least.
    send_frame(canvas)
    send_frame(canvas)
    time.sleep(0.15)
    canvas._on_browser_message(None, {"type": "drawn", "frame": canvas.frame, "held": 0}, [])
    assert canvas.queueing() > 0.1
    assert canvas._sent_at == {}, "frames before the one answered are forgotten"
    # An answer for a frame never sent, or a bad `held`, times nothing.
    canvas._on_browser_message(None, {"type": "drawn", "frame": 999, "held": "x"}, [])
    assert canvas.queueing() is None and canvas.drawn == 999
    canvas.close()


def test_the_canvas_hears_how_many_of_the_frames_sent_the_page_showed():
    canvas = NetworkCanvas()
    assert canvas.unshown() is None  # nothing answered yet
    for _ in range(3):
        send_frame(canvas)
    canvas._on_browser_message(None, {"type": "drawn", "frame": 3, "held": 0, "shown": 3}, [])
    assert canvas.unshown() == 0.0
    assert canvas.unshown() is None  # no new answer since
    for _ in range(4):
        send_frame(canvas)
    # Frames 4 to 7: the page's screen showed two (two were drawn over unseen).
    canvas._on_browser_message(None, {"type": "drawn", "frame": 7, "held": 0, "shown": 2}, [])
    assert canvas.unshown() == 0.5
    # An answer without `shown` (or a bad one) says nothing of it; nor more than all.
    send_frame(canvas)
    canvas._on_browser_message(None, {"type": "drawn", "frame": 8, "held": 0}, [])
    assert canvas.unshown() is None
    send_frame(canvas)
    canvas._on_browser_message(None, {"type": "drawn", "frame": 9, "shown": "3"}, [])
    assert canvas.unshown() is None
    send_frame(canvas)
    canvas._on_browser_message(None, {"type": "drawn", "frame": 10, "shown": 5}, [])
    assert canvas.unshown() == 0.0 and canvas.drawn == 10
    canvas.close()


def test_the_loop_sends_less_often_while_the_page_leaves_frames_unshown():
    from dllab.lab.loop import FASTER, SLOWER, UNSHOWN_SHARE, TrainingLoop

    shares: list[float | None] = []
    model = LabModel()
    loop = TrainingLoop(
        model,
        lambda: None,
        lambda timeout, behind: True,
        queueing=lambda: None,
        unshown=lambda: shares.pop(0),
    )
    shares[:] = [3 / 4]  # three of the last four frames sent never shown
    loop._pace()
    assert loop.gap == pytest.approx(loop.interval * SLOWER)
    shares[:] = [UNSHOWN_SHARE]  # at the limit: not too often
    loop._pace()
    assert loop.gap == pytest.approx(loop.interval * SLOWER * FASTER)
    shares[:] = [None]  # no answer since: no change
    loop._pace()
    assert loop.gap == pytest.approx(loop.interval * SLOWER * FASTER)
    for _ in range(3):  # every frame shown: more often, up to fps
        shares[:] = [0.0]
        loop._pace()
    assert loop.gap == loop.interval
    loop.close()


def test_the_page_answers_about_every_quarter_second_of_the_frames_it_draws():
    from dllab.lab.loop import FEWEST_ANSWERED, LONGEST_INTERVAL, MOST_ANSWERED, TrainingLoop

    asked: list[int] = []
    loop = TrainingLoop(
        LabModel(), lambda: None, lambda timeout, behind: True, in_flight=4,
        answer_every=asked.append,
    )  # fmt: skip
    assert loop.in_flight == MOST_ANSWERED + 1  # no answer yet: as often as it gets
    now, count = 100.0, 0

    def answers(n: int, fps: float, every: int) -> None:
        nonlocal now, count
        for _ in range(n):
            now, count = now + every / fps, count + every
            loop._answered(now, count)

    answers(30, fps=40, every=3)  # a page drawing 40 frames a second
    assert asked[-1] == FEWEST_ANSWERED == 10 and loop.in_flight == 11
    answers(30, fps=20, every=10)
    assert asked[-1] == 5 and loop.in_flight == 6
    answers(30, fps=8, every=5)  # a busy room's 8 frames a second: every 3rd, not fewer
    assert asked[-1] == MOST_ANSWERED == 3 and loop.in_flight == 4
    # A pause between two answers is no rate; nothing is asked again while unchanged.
    calls, average = len(asked), loop.drawn_interval
    now, count = now + 10 * LONGEST_INTERVAL, count + 1
    loop._answered(now, count)
    assert loop.drawn_interval == average
    answers(10, fps=8, every=3)
    assert len(asked) == calls
    loop.close()


def test_the_canvas_forgets_frames_never_answered():
    canvas = NetworkCanvas()
    for _ in range(200):
        send_frame(canvas)
    assert len(canvas._sent_at) <= 120
    assert max(canvas._sent_at) == canvas.frame  # the newest are kept
    canvas.close()


def test_the_loop_sends_less_often_while_frames_wait_in_line_and_more_once_they_do_not():
    from dllab.lab.loop import FASTER, LONGEST_INTERVAL, QUEUE_FRAMES, SLOWER, TrainingLoop

    waits: list[float | None] = []
    model = LabModel()
    loop = TrainingLoop(
        model, lambda: None, lambda timeout, behind: True, queueing=lambda: waits.pop(0)
    )
    assert loop.gap == loop.interval == 1 / 40
    waits[:] = [0.9 * QUEUE_FRAMES * loop.gap]  # under QUEUE_FRAMES intervals: no line
    loop._pace()
    assert loop.gap == loop.interval
    waits[:] = [0.2]
    loop._pace()
    assert loop.gap == pytest.approx(loop.interval * SLOWER)
    waits[:] = [None]  # no answer since: no change
    loop._pace()
    assert loop.gap == pytest.approx(loop.interval * SLOWER)
    for _ in range(40):
        waits[:] = [10.0]
        loop._pace()
    assert loop.gap == LONGEST_INTERVAL
    # A wait shorter than the interval between frames is no line: faster again, to fps.
    waits[:] = [0.004]
    loop._pace()
    assert loop.gap == pytest.approx(LONGEST_INTERVAL * FASTER)
    for _ in range(100):
        waits[:] = [0.004]
        loop._pace()
    assert loop.gap == loop.interval
    loop.close()


def test_a_lab_asks_its_page_for_an_answer_every_few_frames_and_keeps_one_more_in_flight():
    from dllab.lab.loop import MOST_ANSWERED

    lab = Lab(autostart=False)
    try:
        assert lab._canvas.ack_every == MOST_ANSWERED > 1
        assert lab.loop.in_flight == MOST_ANSWERED + 1
        assert lab.loop.queueing == lab._canvas.queueing
        assert lab.loop.unshown == lab._canvas.unshown
        lab.loop.answer_every(7)  # the loop's choice reaches the page
        assert lab._canvas.ack_every == 7
    finally:
        lab.close()


def test_the_canvas_sends_bytes_and_counts_frames():
    canvas = NetworkCanvas()
    send_frame(canvas)
    assert canvas.frame == 1
    assert np.frombuffer(canvas.tiles, dtype=np.uint8).tolist() == [128] * 18 + [255] * 9
    assert np.frombuffer(canvas.links, dtype=np.float32).tolist() == [1.0, 1.0]
    canvas.show([np.full((1, 1, 1), np.nan)], [], ["x"])
    assert canvas.frame == 2 and canvas.tiles == bytes([128]) and canvas.links == b""
    canvas.close()


# --- the loop thread ---------------------------------------------------------------------------


def stop(lab: Lab) -> None:
    lab.close()
    lab.loop.thread.join(timeout=3)
    assert not lab.loop.thread.is_alive()


def test_loop_trains_without_a_browser_and_collapses_a_storm_of_changes():
    lab = Lab(autostart=True)
    model = lab.model
    try:
        assert lab.loop.thread.is_alive() and lab.loop.thread.name == "dllab-training"
        lab._controls["playing"].value = True
        wait_until(lambda: model.epoch > 0, what="the first epochs")
        frames = lab._canvas.frame

        depths, rates = [1, 3, 6, 2, 5], [0.1, 0.003, 0.3, 0.01, 1.0, 0.1]
        start = time.perf_counter()
        for i in range(50):
            if i % 2:
                lab._controls["depth"].value = depths[(i // 2) % len(depths)]
            else:
                lab._controls["learning_rate"].value = rates[(i // 2) % len(rates)]
            time.sleep(0.03)
        assert time.perf_counter() - start < 3
        hidden, rate = list(model.hidden), model.learning_rate
        assert (len(hidden), rate) == (depths[24 % 5], rates[24 % 6]) == (5, 0.1)

        def settled() -> bool:
            trainer = model.trainer
            return (
                not model.stale.is_set()
                and trainer.network.sizes == [2, *hidden, 1]
                and trainer.learning_rate == rate
                and model.epoch > 0
                and lab._canvas.run == model.version
            )

        wait_until(settled, what="the loop to train the last settings")
        assert model.status == "training" and model.playing
        # No page draws here: the storm collapses into a few frames sent, not 50.
        assert 1 <= lab._canvas.frame - frames < 25
        assert counts(lab) == [2, *hidden, 1]
    finally:
        stop(lab)


def test_closing_an_idle_lab_ends_its_thread_quickly():
    lab = Lab(autostart=False)
    lab.loop.start()
    time.sleep(0.05)
    start = time.perf_counter()
    stop(lab)
    assert time.perf_counter() - start < 1.0


def test_the_loop_sends_faster_when_the_browser_answers():
    """Without answers, each frame waits out the loop's patience; with them, it does not."""
    lab = Lab(autostart=False)
    canvas = lab._canvas
    try:
        lab.loop.start()
        lab._controls["playing"].value = True
        start = canvas.frame
        time.sleep(1.0)
        unanswered = canvas.frame - start

        def answer(change):
            canvas._on_browser_message(None, {"type": "drawn", "frame": change.new}, [])

        canvas.observe(answer, names="frame")
        answer(traitlets.Bunch(new=canvas.frame))
        start = canvas.frame
        time.sleep(1.0)
        answered = canvas.frame - start
        assert unanswered <= 1.0 / lab.loop.patience + 2
        assert answered >= 2 * unanswered + 4
    finally:
        stop(lab)


def test_a_drawing_failure_pauses_with_a_message():
    lab = Lab(autostart=False)

    def broken() -> None:
        raise RuntimeError("no ink")

    lab.loop.draw = broken
    try:
        lab.loop.start()
        lab._controls["playing"].value = True
        wait_until(lambda: lab.model.status == "error", what="the error")
        assert lab.model.message == "drawing failed: no ink"
        assert "drawing failed: no ink" in lab._messages.value
        wait_until(lambda: not lab._controls["playing"].value, what="the pause")
        assert lab.loop.thread.is_alive()  # the lab stays alive
    finally:
        stop(lab)


# --- pausing -----------------------------------------------------------------------------------


def test_a_setting_changed_while_paused_rebuilds_and_stays_paused(lab):
    play = lab._controls["playing"]
    play.value = True
    lab.model.advance(5)
    play.value = False  # the learner pauses
    lab._controls["learning_rate"].value = 0.1
    assert lab.model.learning_rate == 0.1 and lab.model.stale.is_set()
    assert not lab.model.playing and not play.value
    rebuild(lab)  # the loop rebuilds and draws the new run's first frame
    assert lab.model.epoch == 0 and "Epoch <b>0</b>" in lab._epoch.value
    np.testing.assert_array_equal(curves(lab)["epoch"], [0])
    assert not lab.model.playing
    play.value = True  # Play again: a change plays again
    play.value = False
    play.value = True
    lab._controls["depth"].value = 3
    assert lab.model.playing


@pytest.mark.parametrize("action", ["Step", "Reset"])
def test_after_step_or_reset_a_setting_does_not_start_training(lab, action):
    button(lab, action).click()
    lab._controls["width"].value = 6
    assert not lab.model.playing and lab.model.hidden == [6, 6]


def test_a_paused_lab_loop_shows_the_new_run_at_epoch_zero():
    lab = Lab(autostart=False)
    try:
        lab.loop.start()
        lab._controls["playing"].value = True
        wait_until(lambda: lab.model.epoch >= 4, what="training")
        lab._controls["playing"].value = False
        version = lab.model.version
        lab._controls["activation"].value = "relu"
        wait_until(lambda: lab._canvas.run == version + 1, what="the new run drawn")
        time.sleep(0.3)
        assert lab.model.epoch == 0 and not lab.model.playing
        np.testing.assert_array_equal(curves(lab)["epoch"], [0])
    finally:
        stop(lab)


# --- the layers: hidden is the one truth ---------------------------------------------------------


def test_hidden_is_the_one_source_of_depth_and_width():
    model = LabModel(hidden=[8, 4])
    assert (model.depth, model.width, model.hidden) == (2, 8, [8, 4])
    model.hidden = [3, 5, 2]
    assert (model.depth, model.width, model.hidden) == (3, 5, [3, 5, 2])
    model.depth = 4  # a new layer gets `width`
    assert model.hidden == [3, 5, 2, 5]
    model.width = 6
    assert model.hidden == [6, 6, 6, 6]
    model.hidden = []
    model.width = 7  # no layer to widen: the width new layers get
    assert model.hidden == [] and model.width == 7
    model.depth = 2
    assert model.hidden == [7, 7]
    assert LabModel(depth=3, width=6).hidden == [6, 6, 6]


def _sync_from_another_thread_during(model, name, change_it) -> list[bool]:
    """Change the model with `change_it` while, each time `name` changes on the way, the
    loop's thread tries to rebuild (for 0.2 s, then goes on in the background). Returns
    whether each of those rebuilds and one after the change built a run."""
    built, threads = [], []

    def loop_thread_tries(change) -> None:
        thread = threading.Thread(target=lambda: built.append(model.sync()))
        thread.start()
        thread.join(0.2)
        threads.append(thread)

    model.observe(loop_thread_tries, names=name)
    change_it()
    for thread in threads:
        thread.join(10)
    built.append(model.sync())
    return built


def test_a_preset_is_built_once_even_when_the_loop_rebuilds_while_it_is_applied():
    """A preset sets many settings, each telling the loop's thread to rebuild: the loop
    waits for the last, so the learner sees one new run, not two."""
    model = LabModel()
    version = model.version
    built = _sync_from_another_thread_during(
        model, "dataset", lambda: model.apply(preset("shapes need convolutions"), whole=True)
    )
    assert sorted(built) == [False, True], built
    assert model.version == version + 1
    assert (model.dataset, model.conv_layers, model.status) == ("shapes", 3, "ready")


def test_a_setting_and_what_follows_from_it_are_built_once():
    """Digits take at most 2 conv layers: choosing them lowers 3 to 2 on the way. The
    loop's thread rebuilding meanwhile waits for the whole change."""
    model = LabModel(**preset("shapes need convolutions"))
    version = model.version
    built = _sync_from_another_thread_during(
        model, "conv_layers", lambda: setattr(model, "dataset", "digits")
    )
    assert sorted(built) == [False, True], built
    assert model.version == version + 1
    assert (model.dataset, model.conv_layers, model.status) == ("digits", 2, "ready")


def test_the_lab_limits_are_the_controls_limits(lab):
    assert lab._controls["depth"].max == MAX_HIDDEN_LAYERS
    assert lab._controls["width"].max == MAX_NEURONS_PER_LAYER
    with pytest.raises(traitlets.TraitError, match=f"1 to {MAX_NEURONS_PER_LAYER} neurons"):
        lab.model.hidden = [MAX_NEURONS_PER_LAYER + 1]


# --- status and the progress check -------------------------------------------------------------


def test_status_is_one_of_a_fixed_set(lab):
    assert {"ready", "training", "diverged", "stuck", "converged", "error"} == set(STATUSES)
    with pytest.raises(traitlets.TraitError):
        lab.model.status = "confused"


def test_a_progress_check_after_each_chunk_can_say_stuck():
    class Stuck(LabModel):
        def _check_progress(self, trainer) -> bool:
            self.status, self.message = "stuck", f"still at chance after {trainer.epoch} epochs"
            return True

    model = Stuck()
    assert model.advance(3) and model.status == "stuck"
    assert model.message == "still at chance after 3 epochs"


def test_the_models_status_message_is_shown_and_a_refusal_is_kept(lab):
    lab._controls["hidden"].value = "40"  # refused by the model
    lab.model.status, lab.model.message = "stuck", "still at chance"
    assert "still at chance" in lab._messages.value and "&#x27;40&#x27;" in lab._messages.value


# --- settings the lab takes, exactly -------------------------------------------------------------


@pytest.mark.parametrize(
    "name, value",
    [
        ("learning_rate", 0.05),
        ("regularization_rate", 0.02),
        ("seed", 100000),
        ("batch_size", 31),
        ("epochs_per_frame", 50),
    ],
)
def test_a_setting_off_the_controls_list_is_used_and_shown_exactly(name, value):
    lab = Lab(autostart=False, **{name: value})
    try:
        assert getattr(lab.model, name) == value
        assert lab._controls[name].value == value
    finally:
        lab.close()


def test_a_learning_rate_off_the_list_set_later_is_shown(lab):
    lab.model.learning_rate = 0.07
    assert lab._controls["learning_rate"].value == 0.07
    assert ("0.07", 0.07) in lab._controls["learning_rate"].options


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(learnig_rate=0.3), TypeError, "did you mean 'learning_rate'"),
        (dict(hiden=[8]), TypeError, "did you mean 'hidden'"),
        (dict(hidden=[8, 4], width=16), ValueError, "hidden=[8, 4] and width=16"),
        (dict(hidden=[8], depth=2), ValueError, "not both"),
        (dict(hide=None), TypeError, "hide must be a list of parts"),
        (dict(hide=["wings"]), ValueError, "'wings', which is not a part of the lab"),
        (dict(preset=["spiral"]), TypeError, "preset must be the name of a preset"),
        (dict(data="x"), TypeError, "data must be a Dataset"),
        (dict(data_seed=-5), ValueError, "data_seed=-5 is not allowed"),
        (dict(seed=-1), ValueError, "seed=-1 is not allowed"),
        (dict(learning_rate=0), ValueError, "learning_rate=0.0 is not allowed"),
        (dict(learning_rate="fast"), TypeError, "learning_rate must be a number"),
        (dict(hidden=8), TypeError, "hidden must be a list of layer widths"),
        (dict(hidden=[8, 99]), ValueError, "each 1 to 32 neurons"),
        (dict(features="x1"), TypeError, "features must be a list"),
        (dict(features=[]), ValueError, "turn on at least one input feature"),
        (dict(dataset="moons"), ValueError, "dataset='moons' is not known"),
        (dict(dataset="digits", head="tanh"), ValueError, "the tanh output does not fit digits"),
        (dict(noise=2), ValueError, "noise=2.0 is not allowed"),
        (dict(batch_size=2.5), TypeError, "batch_size must be a whole number"),
        (dict(output_column="curves"), ValueError, "output_column='curves' is not known"),
        (dict(autostart="yes"), TypeError, "autostart must be True or False"),
    ],
)
def test_every_bad_argument_is_a_clear_error_and_starts_no_thread(kwargs, error, words):
    before = {thread for thread in threading.enumerate()}
    with pytest.raises(error) as caught:
        Lab(**kwargs)
    assert not isinstance(caught.value, traitlets.TraitError)
    assert words in str(caught.value)
    gc.collect()
    assert not [thread for thread in threading.enumerate() if thread not in before]


# --- the layout: Play, the network, the output and a curves plot together ----------------------


def test_the_loss_plot_sits_in_the_output_column(lab):
    assert lab._loss.box in lab._output.box.children
    assert lab._gradient.box not in lab._output.box.children and on_page(lab, lab._gradient.box)
    assert not on_page(lab, lab._controls["head"])  # in "More settings", closed at first
    lab._more.value = True
    assert on_page(lab, lab._controls["head"]) and on_page(lab, lab._controls["seed"])


def test_the_gradient_flow_plot_can_sit_in_the_output_column():
    lab = Lab(autostart=False, output_column="gradient_flow")
    try:
        assert lab._gradient.box in lab._output.box.children
        assert lab._loss.box not in lab._output.box.children and on_page(lab, lab._loss.box)
        view = lab._gradient.view
        assert view.width_px <= 320 and view.height_px <= 200
    finally:
        lab.close()


# --- what reaches the page: nothing a browser cannot draw ---------------------------------------


def assert_drawable(lab: Lab) -> None:
    """Every line has as many x as y values, finite; every epoch axis has a domain that
    holds the epochs drawn."""
    view = lab._gradient.view  # the gradients: rows of equal length, finite, on the axis
    rows = np.frombuffer(view.curves, dtype=np.float32)
    drawn = view.drawn()
    assert rows.size == (len(view.lines) + 1) * len(drawn["epoch"])
    assert np.isfinite(rows).all() and (rows[len(drawn["epoch"]) :] > 0).all()
    if len(drawn["epoch"]):
        assert drawn["epoch"].max() <= view.curves_top <= 1.25 * max(drawn["epoch"].max(), 1)
    # The loss curves, as the frame carries them: rows of equal length, finite.
    rows = np.frombuffer(lab._canvas.curves, dtype=np.float32)
    assert rows.size == (len(lab._loss.view.lines) + 1) * len(curves(lab)["epoch"])
    assert np.isfinite(rows).all()
    epochs, top = curves(lab)["epoch"], lab._canvas.curves_top
    if len(epochs):
        assert epochs.max() <= top <= 1.25 * max(epochs.max(), 1)


@pytest.mark.parametrize("epochs", [0, 1, 5])
def test_lines_reach_the_page_whole_and_finite(lab, epochs):
    lab.model.advance(epochs) if epochs else None
    lab.draw()
    assert_drawable(lab)


def test_a_diverged_run_draws_finite_lines(lab):
    lab.model.apply({"dataset": "plane", "activation": "relu", "learning_rate": 10.0})
    lab.model.advance(20)
    assert lab.model.status == "diverged"
    lab.draw()
    assert_drawable(lab)


def test_each_change_of_the_gradient_plot_is_one_message(lab):
    """The gradient plot's points and its epoch axis reach the page in one message (apart,
    the page would draw points of one run on the axis of another)."""
    sent = []
    view = lab._gradient.view
    view._send = lambda msg, buffers=None: sent.append(
        sorted([*msg["state"], *(path[0] for path in msg.get("buffer_paths", []))])
    )  # (the points go as a binary buffer, named in buffer_paths)
    lab._text_at = 0.0  # the gradient plot is drawn with the numbers
    lab.model.advance(3)
    lab.draw()
    assert sent == [["curves", "curves_top", "frame"]]


def test_only_the_figure_that_applies_is_on_the_page(lab):
    """A figure hidden with display:none is drawn at zero size (negative rectangles): the
    bars of digits and the plane take turns in the output column instead."""
    assert on_page(lab, lab._output.plane) and not on_page(lab, lab._output.bars)
    lab.model.dataset = "digits"
    rebuild(lab)
    assert on_page(lab, lab._output.bars) and not on_page(lab, lab._output.plane)
    assert lab._output.bars.value.count('class="dllab-bar"') == 10


def test_digits_without_hidden_layers_draw_ten_bars(lab):
    lab.model.dataset = "digits"
    lab.model.hidden = []
    rebuild(lab)
    assert len(lab._output.classes) == len(lab._output.probabilities) == 10
    assert lab._output.bars.value.count('class="dllab-bar"') == 10


def test_a_hidden_figure_leaves_the_page():
    lab = Lab(autostart=False, hide=["loss", "gradient_flow"])
    try:
        for figure in (lab._loss.view, lab._gradient.view):
            assert not on_page(lab, figure)
            found, todo = False, [lab]
            while todo:
                box = todo.pop()
                found |= box is figure
                todo.extend(getattr(box, "children", ()))
            assert not found, "a hidden figure is still in the widget tree"
        lab.model.dataset = "digits"
        rebuild(lab)
        assert lab._loss.box not in lab._output.box.children
    finally:
        lab.close()


def test_the_epoch_axes_grow_by_round_steps_not_every_epoch(lab):
    """An axis that moved every frame would squeeze the curves a little each frame."""
    lab.model.advance(100)
    lab.draw()
    tops = set()
    for _ in range(10):
        lab.model.advance(2)
        lab._text_at = 0.0  # (the gradient plot is drawn with the numbers)
        lab.draw()
        tops.add((lab._gradient.view.curves_top, lab._canvas.curves_top))
    assert tops <= {(120.0, 120.0), (160.0, 160.0)} and len(tops) <= 2  # 100 to 120 epochs


def test_a_run_stuck_at_chance_says_so_and_what_to_try():
    from dllab.lab.model import LabModel

    model = LabModel(dataset="circle", learning_rate=10.0)
    for _ in range(30):
        model.advance(2)
    assert model.status == "stuck"
    assert "Stuck" in model.message and "smaller learning rate" in model.message
    model.learning_rate = 0.03  # a new run is judged afresh
    model.sync()
    assert model.status == "ready" and model.message == ""


def test_the_too_high_a_learning_rate_preset_shows_its_lesson_within_5_seconds_of_play():
    from dllab.lab.model import LabModel
    from dllab.lab.presets import preset

    model = LabModel(**preset("too high a learning rate"))
    # The lab trains at most epochs_per_frame (1) x 40 frames/s = 40 epochs a second: 5 s
    # is 200 epochs; the preset must be flagged well before that.
    while model.epoch < 150:
        model.advance()
        if model.status in ("stuck", "diverged"):
            break
    assert model.status in ("stuck", "diverged") and model.epoch <= 150, model.epoch
    assert model.message


@pytest.mark.parametrize("last", [1, 7, 13, 28, 95, 130, 333, 999, 4321])
def test_epoch_axes_end_where_their_five_ticks_fall_on_whole_epochs(last):
    from dllab.lab.panels import _epoch_domain

    top = _epoch_domain(np.arange(last + 1))["max"]
    assert top >= last
    ticks = np.linspace(0, top, 5)
    assert last < 4 or np.allclose(ticks, np.round(ticks))


# --- pictures of shapes and convolutional layers -----------------------------------------------


def conv_lab(**settings) -> Lab:
    settings = {"dataset": "shapes", "conv_layers": 2, "filters": 4, "hidden": [6], **settings}
    return Lab(autostart=False, **settings)


@pytest.fixture
def shapes_lab():
    lab = conv_lab()
    yield lab
    lab.close()


def test_shapes_with_conv_layers_build_a_convolutional_network(shapes_lab):
    lab, model = shapes_lab, shapes_lab.model
    assert ("Shapes (24x24 pictures)", "shapes") in lab._controls["dataset"].options
    assert model.status == "ready" and model.task == "multiclass" and model.head == "softmax"
    network = model.trainer.network
    assert isinstance(network, dllab.LayerNetwork) and model.is_conv
    kinds = [(layer.kind, layer.settings()) for layer in network.layers if layer.param_shapes()]
    assert kinds == [
        ("conv", {"filters": 4, "size": 3, "padding": "same"}),
        ("conv", {"filters": 8, "size": 3, "padding": "same"}),
        ("dense", {"units": 6}),  # the hidden layers follow the conv blocks
        ("dense", {"units": 4}),  # one output per shape
    ]
    assert on_page(lab, lab._controls["conv_layers"]) and on_page(lab, lab._controls["filters"])
    # A convolutional network has no regularisation and its own first weights: said so.
    for name in ("init", "regularization", "regularization_rate"):
        assert lab._controls[name].disabled and "dense networks" in lab._controls[name].tooltip
    assert [line["label"] for line in lab._gradient.view.lines] == [
        "conv 1",
        "conv 2",
        "dense 1",
        "output",
    ]


def test_conv_settings_go_through_setup_strings_and_presets(shapes_lab):
    setup = shapes_lab.setup
    assert "conv_layers=2" in setup and "filters=4" in setup and "dataset=shapes" in setup
    twin = Lab(autostart=False, setup=setup)
    try:
        assert twin.model.settings() == shapes_lab.model.settings()
        assert twin.model.trainer.network.config() == shapes_lab.model.trainer.network.config()
        shapes_lab.model.apply(dllab.lab.presets.preset("shapes need convolutions"), whole=True)
        assert shapes_lab.model.matching_preset() == "shapes need convolutions"
        assert (shapes_lab.model.conv_layers, shapes_lab.model.filters) == (3, 8)
        assert shapes_lab._preset.value == "shapes need convolutions"
        shapes_lab.model.apply({"conv_layers": 0})  # no longer the preset
        assert shapes_lab.model.matching_preset() == "" and shapes_lab._preset.value == ""
    finally:
        twin.close()


@pytest.mark.parametrize(
    "settings, error, words",
    [
        (dict(conv_layers=4), ValueError, "conv_layers=4 is not allowed: it must be from 0 to 3"),
        (dict(conv_layers=-1), ValueError, "conv_layers=-1 is not allowed"),
        (dict(conv_layers=1.5), TypeError, "conv_layers must be a whole number"),
        (dict(filters=1), ValueError, "filters=1 is not allowed: it must be from 2 to 16"),
        (dict(filters=17), ValueError, "filters=17 is not allowed"),
        (dict(filters="8"), TypeError, "filters must be a whole number"),
        (
            dict(dataset="digits", conv_layers=3),
            ValueError,
            "conv_layers=3 is too many for digits (8 x 8 pictures)",
        ),
    ],
)
def test_bad_conv_settings_are_named(settings, error, words):
    with pytest.raises(error) as raised:
        LabModel(**settings)
    assert words in str(raised.value)


def test_conv_refusals_on_the_controls_and_in_apply_change_nothing(shapes_lab):
    lab, model = shapes_lab, shapes_lab.model
    lab._controls["dataset"].value = "digits"  # 8 x 8 pictures take 2 conv layers
    assert model.conv_layers == 2
    lab._controls["conv_layers"].value = 3
    assert model.conv_layers == 2 and lab._controls["conv_layers"].value == 2
    assert "too many for digits" in lab._messages.value
    before = model.settings()
    with pytest.raises(ValueError, match="conv_layers=3 is too many for digits"):
        model.apply({"conv_layers": 3})
    assert model.settings() == before
    # Coming from shapes with 3 conv layers, digits takes as many as it can.
    model.apply({"dataset": "shapes", "conv_layers": 3})
    lab._controls["dataset"].value = "digits"
    assert model.conv_layers == 2
    rebuild(lab)
    assert model.status == "ready" and model.is_conv


def test_a_frame_shows_each_conv_layers_feature_maps(shapes_lab):
    lab, model = shapes_lab, shapes_lab.model
    model.example = 5
    rebuild(lab)
    columns = lab._canvas.columns
    shapes = [(c["count"], c["height"], c["width"]) for c in columns]
    assert shapes == [(1, 24, 24), (4, 24, 24), (8, 12, 12), (6, 1, 1), (4, 1, 1)]
    assert [c["title"] for c in columns] == ["Input", "Conv 1", "Conv 2", "Dense 1", "Output"]
    assert columns[-1]["labels"] == list(dllab.SHAPES)
    frame = model.frame()
    network, x = model.trainer.network, model.trainer.X_test[5:6]
    run = network.forward(x)
    first_maps = run.feature_maps(1)[0]  # after the first ReLU: (4, 24, 24)
    scale = np.abs(first_maps).max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(frame.tiles[1], first_maps / np.where(scale > 0, scale, 1))
    assert all(np.abs(tiles).max() <= 1 for tiles in frame.tiles)
    np.testing.assert_allclose(frame.tiles[0][0], 2 * x.reshape(24, 24) - 1)
    # Links: each (in channel, out channel) kernel's sum; channels summed over places.
    assert lab._canvas.link_from == 0
    kernels = [np.asarray(W, dtype=float) for W in network.weights]

    def scaled(sums):  # sums of many weights: the largest drawn at 1 when it is larger
        return sums / max(1.0, np.abs(sums).max())

    np.testing.assert_allclose(frame.weights[0], scaled(kernels[0].sum(axis=(2, 3)).T), rtol=1e-6)
    np.testing.assert_allclose(frame.weights[1], scaled(kernels[1].sum(axis=(2, 3)).T), rtol=1e-6)
    by_channel = kernels[2].reshape(8, 36, 6).sum(axis=1)
    np.testing.assert_allclose(frame.weights[2], scaled(by_channel), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(frame.weights[3], kernels[3], rtol=1e-6)
    # Trained, the sums grow past 1: drawn with the largest at 1, in the same proportions.
    network.weights[1] = kernels[1] * 50
    grown = model.frame().weights[1]
    assert np.abs(grown).max() == pytest.approx(1.0)
    expected = scaled(50 * kernels[1].sum(axis=(2, 3)).T)
    np.testing.assert_allclose(grown, expected, rtol=1e-4, atol=1e-5)
    pairs = zip(shapes, shapes[1:])
    assert len(lab._canvas.links) == 4 * sum(left[0] * right[0] for left, right in pairs)
    assert len(lab._canvas.tiles) == sum(n * h * w for n, h, w in shapes)
    np.testing.assert_allclose(frame.probabilities, run.output[0], rtol=1e-6)


def test_switching_shapes_to_circle_and_back(shapes_lab):
    lab, model = shapes_lab, shapes_lab.model
    lab._controls["dataset"].value = "circle"
    rebuild(lab)
    assert not model.is_conv and model.trainer.network.sizes == [2, 6, 2]
    assert model.conv_layers == 2  # kept, unused, and its controls hidden
    assert not on_page(lab, lab._controls["conv_layers"])
    assert not on_page(lab, lab._controls["filters"])
    assert counts(lab) == [2, 6, 2] and lab._canvas.link_from == 0
    assert_canvas_matches_frame(lab)
    assert on_page(lab, lab._output.plane)
    assert not lab._controls["regularization"].disabled
    model.advance(1)
    lab._controls["dataset"].value = "shapes"
    rebuild(lab)
    assert model.is_conv and counts(lab) == [1, 4, 8, 6, 4]
    assert on_page(lab, lab._controls["conv_layers"]) and model.epoch == 0
    assert on_page(lab, lab._output.bars)
    model.advance(1)
    lab.draw()
    assert len(curves(lab)["epoch"]) >= 2


def test_conv_controls_are_hidden_for_two_dimensional_data(lab):
    assert not on_page(lab, lab._controls["conv_layers"])
    lab._controls["dataset"].value = "digits"
    assert on_page(lab, lab._controls["conv_layers"]) and on_page(lab, lab._controls["filters"])
    lab._controls["conv_layers"].value = 1
    lab._controls["filters"].value = 3
    rebuild(lab)
    assert counts(lab) == [1, 3, 4, 2, 10]


def test_a_frame_trains_part_of_an_epoch_and_the_counter_says_how_far(shapes_lab, monkeypatch):
    import dllab.lab.model as lab_model

    lab, model = shapes_lab, shapes_lab.model
    monkeypatch.setattr(lab_model, "TRAIN_SECONDS_PER_FRAME", 0.0)  # one mini-batch a frame
    batches = model.trainer.batches_per_epoch
    # A new run's first scores come a chunk per frame: the first picture waits for none.
    assert model.recording and model.trainer.history["epoch"] == []
    rebuild(lab)
    assert len(curves(lab)["epoch"]) == 0  # no curve yet, rather than the last run's
    while model.recording:
        model.go_on_recording()
    lab.draw()
    assert len(curves(lab)["epoch"]) == 1 and model.trainer.steps == 0
    for _ in range(3):
        model.advance()
    assert model.trainer.steps == 3 and model.epoch == 0
    assert model.progress == pytest.approx(3 / batches)
    lab._show_state()
    assert f"width:{3 / batches:.0%}" in lab._epoch.value
    assert model.trainer.history["epoch"] == [0]  # the curves: one point per epoch ended
    frames_recording = 0
    while model.trainer.history["epoch"][-1] < 1:
        model.advance()
        frames_recording += model.trainer.recording
    assert model.trainer.history["epoch"] == [0, 1] and model.epoch == 1
    # The epoch's scores were computed a chunk per frame, of the weights it ended with.
    assert frames_recording >= 1 and model.trainer.steps == batches
    scores = model.trainer.evaluate()
    assert model.trainer.history["test_loss"][-1] == pytest.approx(scores["test_loss"], rel=1e-5)
    assert model.trainer.history["train_accuracy"][-1] == pytest.approx(scores["train_accuracy"])


def test_training_learns_shapes_in_a_short_run():
    lab = Lab(autostart=False, preset="shapes need convolutions")
    try:
        model = lab.model
        model.advance(4)
        lab.draw()
        history = model.trainer.history
        assert history["epoch"] == [0, 1, 2, 3, 4]
        start = history["test_accuracy"][0]
        assert history["test_accuracy"][-1] > 0.75 > start + 0.4, history["test_accuracy"]
        assert history["train_loss"][-1] < history["train_loss"][0]
        drawn = lab._gradient.view.drawn()
        gradients = np.array([drawn[line["label"]] for line in lab._gradient.view.lines])
        assert gradients.shape == (5, 4) and np.all(gradients > 0)  # 5 layers, epochs 1 to 4
    finally:
        lab.close()


def test_the_loop_scores_a_paused_conv_run_without_training_it():
    lab = Lab(preset="shapes need convolutions")  # the loop runs; the lab starts paused
    try:
        model = lab.model
        wait_until(
            lambda: "accuracy" in lab._output.stats.value,  # drawn after the curves
            timeout=60,
            what="the first scores of the paused run on the page",
        )
        assert model.trainer.history["epoch"] == [0] and len(curves(lab)["epoch"]) == 1
        assert not model.recording and not model.playing and model.trainer.steps == 0
    finally:
        lab.close()


@pytest.mark.parametrize(
    "text, words",
    [
        ("dataset=shapes&conv_layers=two", "conv_layers='two': it must be a whole number"),
        ("dataset=shapes&conv_layers=5", "conv_layers=5 is not allowed: it must be from 0 to 3"),
        ("dataset=digits&conv_layers=3", "conv_layers=3 is too many for digits"),
        ("dataset=shapes&filters=40", "filters=40 is not allowed: it must be from 2 to 16"),
    ],
)
def test_a_bad_conv_setup_is_refused_and_changes_nothing(shapes_lab, text, words):
    before = shapes_lab.model.settings()
    shapes_lab._setup.value = text
    assert words in shapes_lab._messages.value.replace("&#x27;", "'")
    assert shapes_lab.model.settings() == before


# --- a run whose loss has settled stops -------------------------------------------------------


def test_a_settled_run_stops_says_so_and_play_trains_on(lab):
    model = lab.model
    lab._controls["playing"].value = True
    while model.playing and model.epoch < 3000:
        model.advance(10)
    assert model.status == "converged", f"still {model.status} at epoch {model.epoch}"
    stopped = model.epoch
    assert not model.playing and not model.paused  # stopped, not paused by the learner
    assert model.message.startswith(f"Training stopped at epoch {stopped:,}: the loss has settled.")
    done = settled(model.trainer)
    assert done is not None and done.epoch == stopped and done.recent <= done.before
    assert f"from {format_number(done.before)} to {format_number(done.recent)})" in model.message
    assert f"Over the last {done.window:,} epochs" in model.message
    assert "the loss has settled" in lab._messages.value
    assert lab._play.value is False  # the button shows Play again

    lab._play.value = True  # the learner presses Play: it trains on, judged afresh
    assert model.status == "training" and model.message == ""
    model.advance(10)
    assert model.epoch == stopped + 10 and model.status == "training"

    lab._play.value = False
    model.playing = True
    lab._controls["learning_rate"].value = 0.1  # a new setting: a new run, playing
    rebuild(lab)
    assert model.status == "ready" and model.epoch == 0 and model.playing


def test_the_loop_sends_nothing_once_the_run_has_settled():
    lab = Lab(autostart=True)
    lab.loop.patience = 0.002  # no page answers here: do not wait for one
    model = lab.model
    try:
        lab._controls["playing"].value = True
        wait_until(lambda: model.status == "converged", timeout=60, what="the run to settle")
        time.sleep(0.2)  # the last frame, which shows the message, is sent
        frames = lab._canvas.frame
        time.sleep(0.5)
        assert lab._canvas.frame == frames and not model.playing
        assert not lab.loop.thread.is_alive() or not lab.loop._has_work()
    finally:
        stop(lab)


def test_while_training_the_numbers_are_written_a_few_times_a_second(lab):
    from dllab.lab.view import TEXT_FRAMES, TEXT_INTERVAL

    model = lab.model
    model.playing = True
    model.advance()
    model.advance()  # (the status is "training" by now: a new status is written at once)
    lab._text_at, lab._frames_since_text = lab._text_at - TEXT_INTERVAL, TEXT_FRAMES
    lab.draw()  # the numbers are written...
    assert "Epoch <b>2</b>" in lab._epoch.value
    stats, gradient_x = lab._output.stats.value, list(lab._gradient.view.drawn()["epoch"])
    model.advance()
    lab.draw()  # ...and a moment later, the picture and the curves, not the numbers
    assert "Epoch <b>2</b>" in lab._epoch.value and lab._output.stats.value == stats
    assert list(lab._gradient.view.drawn()["epoch"]) == gradient_x == [1, 2]
    # The curves go with every frame, in its one message.
    assert list(curves(lab)["epoch"]) == [0, 1, 2, 3] and len(curves(lab)["test accuracy"]) == 4
    lab._text_at -= TEXT_INTERVAL  # the interval has passed, but only 1 frame was drawn
    model.advance()
    lab.draw()
    assert "Epoch <b>2</b>" in lab._epoch.value
    lab._frames_since_text = TEXT_FRAMES - 1  # and now enough frames too
    lab.draw()
    assert "Epoch <b>4</b>" in lab._epoch.value and lab._output.stats.value != stats
    assert list(lab._gradient.view.drawn()["epoch"]) == [1, 2, 3, 4]
    model.advance()
    model.playing = False  # stopped: the last frame shows its numbers at once
    lab.draw()
    assert "Epoch <b>5</b>" in lab._epoch.value


def test_a_stop_catches_the_numbers_up_without_a_new_picture(lab):
    model = lab.model
    model.playing = True
    model.advance()
    model.advance()
    lab._text_at, lab._frames_since_text = 0.0, 100  # the numbers are due...
    lab.draw()
    assert "Epoch <b>2</b>" in lab._epoch.value
    lab._text_at = time.monotonic()  # ...and were just written
    model.advance()
    lab.draw()  # ...so this frame leaves them at epoch 2
    assert "Epoch <b>2</b>" in lab._epoch.value and lab._text_behind
    frames = lab._canvas.frame
    model.playing = False  # paused: the loop is asked to catch the numbers up
    assert lab._numbers_only and lab.loop.redraw.is_set()
    lab.draw()
    assert "Epoch <b>3</b>" in lab._epoch.value
    assert list(curves(lab)["epoch"]) == [0, 1, 2, 3]  # (sent with the last frame)
    assert lab._canvas.frame == frames  # no new picture
    lab.model.focus = (1, 0)  # looking at a neuron: the picture again
    lab.draw()
    assert lab._canvas.frame == frames + 1


def test_a_training_frame_is_one_message_to_the_page(lab, monkeypatch):
    """The network picture, the output over the plane and the loss curves travel in one
    message (the server relays each message, and a room's CPU follows their number); the
    numbers only a few times a second."""
    model = lab.model
    model.playing = True
    model.advance()
    lab.draw()  # the run's first frame: its numbers, points, lines
    sent = []
    monkeypatch.setattr(
        widgets.Widget,
        "_send",
        lambda self, msg, buffers=None: sent.append(
            (type(self).__name__, [*msg["state"], *(path[0] for path in msg["buffer_paths"])])
        ),
    )
    for _ in range(3):
        model.advance()
        lab.draw()
        assert len(sent) == 1, sent
        kind, keys = sent.pop()
        assert kind == "NetworkCanvas"
        assert {"frame", "tiles", "links", "surface", "curves"} <= set(keys)
    assert list(curves(lab)["epoch"]) == [0, 1, 2, 3, 4]
    assert np.frombuffer(lab._canvas.surface, dtype=np.uint8).size == SURFACE_RESOLUTION**2


def test_the_curves_view_reads_its_rows_from_the_frame():
    canvas = NetworkCanvas()
    view = dllab.ui.CurvesView(source=canvas, title="Loss")
    view.set_lines([("a", "#000", False, False), ("b", "#999", True, True)])
    assert view.drawn() == {
        "epoch": pytest.approx([]),
        "a": pytest.approx([]),
        "b": pytest.approx([]),
    }
    rows = np.array([[0, 1, 2], [0.5, 0.4, 0.3], [0.1, 0.6, 0.9]])
    send_frame(canvas)
    canvas.show([np.zeros((1, 2, 2))], [], ["in"], curves=rows, curves_top=4)
    drawn = view.drawn()
    np.testing.assert_allclose(drawn["epoch"], [0, 1, 2])
    np.testing.assert_allclose(drawn["b"], [0.1, 0.6, 0.9], rtol=1e-6)
    assert canvas.curves_top == 4.0
    assert "a" in view.legend() and "stroke-dasharray" in view.legend()  # b is dashed
    canvas.show([np.zeros((1, 2, 2))], [], ["in"])  # a frame without curves keeps them
    np.testing.assert_allclose(view.drawn()["epoch"], [0, 1, 2])
    view.close()
    canvas.close()


def test_the_labs_kernel_loads_no_bqplot_and_no_pandas():
    """bqplot imports pandas: about 45 MB and 0.4 s of CPU in every learner's kernel, 1.3 GB
    for a room of 30. The lab draws with the toolkit's canvases and HTML instead."""
    code = (
        "import sys\n"
        "from dllab.lab import Lab\n"
        "for data in ('spiral', 'digits'):\n"
        "    lab = Lab(dataset=data, autostart=False)\n"
        "    lab.model.advance(2)\n"
        "    lab._text_at = 0.0\n"
        "    lab.draw()\n"
        "print(sorted(m for m in ('bqplot', 'pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]"]
