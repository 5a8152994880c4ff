"""Headless tests of lesson 1: `BackpropInspector` and `DescentPath`.

Buttons are clicked with `.click()`; what the page shows is read back from the widgets (the
tables' `data-value` attributes hold every number at full precision, the heatmaps' colour
arrays, the canvas's labels and links) and compared with what the engine computes.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest

from dllab.core import ACTIVATIONS, PLAYGROUND_SETS
from dllab.core.descent import (
    CLICK_STEP,
    DESCENT_START,
    DESCENT_WINDOW,
    descent_path,
)
from dllab.lessons import BackpropInspector, DescentPath
from dllab.lessons.backprop_model import InspectorModel
from dllab.lessons.backprop_stages import ACTIVATION_TEXT
from dllab.ui.theme import format_number

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_forward_backward.ipynb"

# --- helpers -----------------------------------------------------------------------------------


def button(widget: widgets.Widget, description: str) -> widgets.Button:
    """The one Button with this description in the widget tree."""
    found, todo = [], [widget]
    while todo:
        node = todo.pop()
        todo.extend(getattr(node, "children", ()))
        if isinstance(node, widgets.Button) and node.description == description:
            found.append(node)
    assert len(found) == 1, f"expected one {description!r} button, found {len(found)}"
    return found[0]


def click(inspector: BackpropInspector, *stages: str) -> None:
    for stage in stages:
        button(inspector, stage).click()


def shown_tables(inspector: BackpropInspector) -> dict[str, np.ndarray]:
    """Every table on the page, by caption, as the full-precision numbers it shows."""
    tables = {}
    pattern = r'<table class="dllab-matrix" data-caption="([^"]*)">(.*?)</table>'
    for caption, body in re.findall(pattern, inspector._tables.value, flags=re.S):
        rows = [
            [float(value) for value in re.findall(r'data-value="([^"]*)"', row)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
        ]
        tables[html.unescape(caption)] = np.array([row for row in rows if row])
    return tables


def text_of(widget: widgets.HTML) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))


@pytest.fixture
def inspector():
    widget = BackpropInspector()
    yield widget
    widget.close()


def with_bias(W, b):
    return np.vstack([W, b[None, :]])


# --- BackpropInspector: the numbers shown are the engine's --------------------------------------


def test_starts_ready_with_the_batch_shown(inspector):
    model = inspector.model
    assert model.stage == "ready" and model.network.sizes == [2, 3, 2, 1]
    np.testing.assert_array_equal(
        shown_tables(inspector)["x and target y"], np.column_stack([model.X, model.targets])
    )
    assert "Batch 1" in text_of(inspector._indicator)


def test_forward_shows_every_layer_of_the_engine_forward_pass(inspector):
    click(inspector, "Forward")
    model = inspector.model
    run = model.network.forward(model.X)
    tables = shown_tables(inspector)
    for i, k in enumerate("₁₂₃"):
        np.testing.assert_array_equal(tables[f"z{k}"], run.pre_activations[i])
        np.testing.assert_array_equal(tables[f"a{k}"], run.activations[i])
        np.testing.assert_array_equal(
            tables[f"W{k} and b{k}"],
            with_bias(model.network.weights[i], model.network.biases[i]),
        )
    assert model.stage == "forward"
    assert "z₁ = a₀ · W₁ + b₁" in text_of(inspector._tables)
    # The worked example's result is the engine's first pre-activation, and the cells show
    # three significant digits.
    explanation = inspector._explanation.value
    assert f"<b>{format_number(run.pre_activations[0][0, 0])}</b>" in explanation
    assert f">{format_number(run.activations[0][1, 2])}</td>" in inspector._tables.value


def test_loss_shows_the_engine_loss_and_how_it_is_made(inspector):
    click(inspector, "Loss")  # the forward pass is computed on the way
    model = inspector.model
    loss = model.network.loss(model.X, model.y)
    table = shown_tables(inspector)["output a, target y"]
    np.testing.assert_array_equal(table[:, 0], model.network.forward(model.X).output[:, 0])
    np.testing.assert_array_equal(table[:, 1], model.targets[:, 0])
    np.testing.assert_allclose(table[:, 2], 0.5 * (table[:, 0] - table[:, 1]) ** 2)
    assert table[:, 2].mean() == pytest.approx(loss, rel=1e-12)
    assert f"= {format_number(loss)}" in text_of(inspector._tables)
    assert model.batch_loss == loss


def test_backward_shows_the_engine_gradients_from_the_output_back(inspector):
    model = inspector.model
    click(inspector, "Forward", "Loss", "Backward")
    expected = model.network.loss_and_gradients(model.X, model.y)
    tables = shown_tables(inspector)
    for i, k in enumerate("₁₂₃"):
        np.testing.assert_array_equal(tables[f"dL/dz{k}"], expected.deltas[i])
        np.testing.assert_array_equal(
            tables[f"dL/dW{k} and dL/db{k}"], with_bias(expected.weights[i], expected.biases[i])
        )
    shown = text_of(inspector._tables)
    assert shown.index("1st: output layer") < shown.index("2nd: layer 2") < shown.index("3rd")


def test_update_moves_every_weight_against_its_gradient(inspector):
    model = inspector.model
    click(inspector, "Forward", "Loss", "Backward")
    before = model.network.copy()
    grads = before.loss_and_gradients(model.X, model.y)
    click(inspector, "Update")
    rate = model.learning_rate
    tables = shown_tables(inspector)
    for i in range(model.network.n_layers):
        W_new = before.weights[i] - rate * grads.weights[i]
        b_new = before.biases[i] - rate * grads.biases[i]
        np.testing.assert_array_equal(model.network.weights[i], W_new)
        np.testing.assert_array_equal(model.network.biases[i], b_new)
    # Each layer's three tables: its parameters before, their gradients, and after.
    for i, k in enumerate("₁₂₃"):
        np.testing.assert_array_equal(
            tables[f"W{k}, b{k} before"], with_bias(before.weights[i], before.biases[i])
        )
        np.testing.assert_array_equal(
            tables[f"dL/dW{k}, dL/db{k}"], with_bias(grads.weights[i], grads.biases[i])
        )
        np.testing.assert_array_equal(
            tables[f"W{k}, b{k} after"],
            with_bias(model.network.weights[i], model.network.biases[i]),
        )
    assert "W₁ ← W₁ − 0.1 × dL/dW₁" in text_of(inspector._tables)
    step = model.last_step
    assert step.loss_after == model.network.loss(model.X, model.y) < step.loss_before
    assert model.steps_taken == 1 and "updates so far: 1" in text_of(inspector._indicator)


def test_update_straight_away_takes_one_full_step(inspector):
    model = inspector.model
    before = model.network.copy()
    grads = before.loss_and_gradients(model.X, model.y)
    click(inspector, "Update")
    np.testing.assert_array_equal(
        model.network.params, before.params - model.learning_rate * grads.flat
    )
    # The next Forward is a new round, with the new weights.
    click(inspector, "Forward")
    np.testing.assert_array_equal(
        shown_tables(inspector)["a₁"], model.network.forward(model.X).activations[0]
    )


def test_the_current_stage_is_highlighted(inspector):
    click(inspector, "Backward")
    assert button(inspector, "Backward").button_style == "primary"
    assert button(inspector, "Forward").button_style == ""
    current = re.search(r'dllab-current"[^>]*>(\w+)<', inspector._indicator.value)
    assert current and current.group(1) == "Backward"


def test_next_batch_keeps_the_weights_and_starts_again(inspector):
    model = inspector.model
    click(inspector, "Update")
    first_batch, weights = model.batch_indices.copy(), model.network.params.copy()
    click(inspector, "Next batch")
    assert model.stage == "ready" and model.batch_number == 1
    assert not np.array_equal(model.batch_indices, first_batch)
    np.testing.assert_array_equal(model.network.params, weights)
    np.testing.assert_array_equal(shown_tables(inspector)["x and target y"][:, :2], model.X)
    assert "Batch 2" in text_of(inspector._indicator)


def test_batches_wrap_around_the_data():
    model = InspectorModel(batch_size=30)
    model.batch_number = 3  # examples 90..119: wraps to the start
    assert len(set(model.batch_indices.tolist())) == 30


def test_canvas_shows_the_first_example_and_the_weights(inspector):
    click(inspector, "Forward")
    model, canvas = inspector.model, inspector._canvas
    run = model.network.forward(model.X)
    assert [column["count"] for column in canvas.columns] == [2, 3, 2, 1]
    assert canvas.columns[1]["labels"] == [format_number(v) for v in run.activations[0][0]]
    links = np.frombuffer(canvas.links, dtype=np.float32)
    expected = np.concatenate([W.ravel() for W in model.network.weights])
    np.testing.assert_allclose(links, expected, rtol=1e-6)
    click(inspector, "Backward")
    assert canvas.columns[-1]["title"] == "Output: dL/dz"
    deltas = model.gradients.deltas
    assert canvas.columns[2]["labels"] == [format_number(v) for v in deltas[1][0]]


def test_sizes_dropdown_rebuilds_and_switches_to_heatmaps(inspector):
    inspector._controls["sizes"].value = (2, 8, 8, 1)
    model = inspector.model
    assert model.network.sizes == [2, 8, 8, 1] and model.stage == "ready"
    assert [column["count"] for column in inspector._canvas.columns] == [2, 8, 8, 1]
    click(inspector, "Forward")
    assert inspector._tables.layout.display == "none"
    assert inspector._heatmaps.layout.display is None
    assert "the row ex 1 of the heatmaps" in text_of(inspector._caption)
    run = model.network.forward(model.X)
    layer_1 = inspector._heatmap_rows[1]  # row 0 is the input
    np.testing.assert_array_equal(layer_1.maps[1].color, run.pre_activations[0])
    np.testing.assert_array_equal(layer_1.maps[2].color, run.activations[0])
    assert list(layer_1.maps[2].row) == ["ex 1", "ex 2", "ex 3", "ex 4"]
    assert layer_1.figures[2].title == "a₁ (4×8)"
    # One output neuron: its matrices are one column wide, shown as a strip of numbers.
    output = inspector._heatmap_rows[3]
    assert output.figures[2].layout.display == "none"
    assert f">{format_number(run.output[0, 0])}</td>" in output.strips[2].value
    click(inspector, "Backward", "Update")  # no error with a 16-wide layer and shapes changing
    inspector._controls["sizes"].value = (2, 2, 1)
    click(inspector, "Forward")
    assert inspector._tables.layout.display is None
    assert set(shown_tables(inspector)) >= {"z₁", "a₂"}


def test_a_large_batch_is_shown_as_heatmaps(inspector):
    inspector._controls["batch_size"].value = 16
    click(inspector, "Forward", "Loss", "Backward")
    assert not inspector.model.shows_numbers
    np.testing.assert_array_equal(
        inspector._heatmap_rows[1].maps[0].color, inspector.model.gradients.deltas[1]
    )


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_every_activation_has_its_formula_and_runs(activation):
    assert activation in ACTIVATION_TEXT
    inspector = BackpropInspector(activation=activation)
    click(inspector, "Forward", "Loss", "Backward", "Update")
    assert inspector.model.steps_taken == 1
    inspector.close()


@pytest.mark.parametrize("dataset", PLAYGROUND_SETS)
def test_every_playground_set_runs_through_the_stages(dataset):
    inspector = BackpropInspector(dataset=dataset, sizes=(2, 2, 1))
    click(inspector, "Backward")
    head = "linear" if dataset in ("plane", "multi_gauss") else "tanh"
    assert inspector.model.network.head_name == head
    expected = "(a₂ − y) / n" if head == "linear" else "(a₂ − y)(1 − a₂²) / n"
    assert expected in text_of(inspector._tables)
    inspector.close()


def test_a_refused_setting_shows_a_message_and_is_put_back(inspector):
    rate = inspector._controls["learning_rate"]
    rate.options = [*rate.options, ("0", 0.0)]  # a value the model refuses
    rate.value = 0.1
    rate.value = 0.0
    assert inspector.model.learning_rate == 0.1 and rate.value == 0.1
    assert "learning_rate=0.0 is not allowed" in text_of(inspector._message)


def test_a_size_not_in_the_list_is_added_to_the_dropdown():
    inspector = BackpropInspector(sizes=[2, 5, 1])
    assert inspector._controls["sizes"].value == (2, 5, 1)
    assert "2-5-1" in inspector._controls["sizes"].options[-1][0]
    built = []
    inspector.model.observe(lambda change: built.append(change.new), names="sizes")
    inspector.model.sizes = (2, 4, 4, 1)
    assert inspector._controls["sizes"].value == (2, 4, 4, 1)
    assert built == [(2, 4, 4, 1)]  # showing the new options did not pick another network
    assert inspector.model.network.sizes == [2, 4, 4, 1]
    inspector.close()


@pytest.mark.parametrize(
    "settings, error, words",
    [
        (dict(dataset="moons"), ValueError, "dataset='moons' is not known"),
        (dict(dataset="digits"), ValueError, "dataset='digits' is not known"),
        (dict(batch_size=0), ValueError, "batch_size=0 is not allowed"),
        (dict(batch_size=101), ValueError, "batch_size=101 is not allowed"),
        (dict(batch_size=2.5), TypeError, "batch_size must be a whole number"),
        (dict(learning_rate=0), ValueError, "learning_rate=0.0 is not allowed"),
        (dict(learning_rate=-0.1), ValueError, "learning_rate=-0.1 is not allowed"),
        (dict(learning_rate="fast"), TypeError, "learning_rate must be a number"),
        (dict(sizes=(3, 2, 1)), ValueError, "must start with 2 and end with 1"),
        (dict(sizes=(2, 40, 1)), ValueError, "too large to inspect"),
        (dict(sizes="2-3-1"), TypeError, "sizes must be a list"),
        (dict(activation="swish"), ValueError, "activation='swish' is not known"),
        (dict(speed=2), TypeError, "unknown setting 'speed'; choose from: sizes, dataset"),
    ],
)
def test_bad_settings_are_refused_clearly(settings, error, words):
    with pytest.raises(error, match=re.escape(words)):
        BackpropInspector(**settings)


def test_bad_settings_later_are_refused_and_change_nothing(inspector):
    with pytest.raises(ValueError, match="batch_size=0"):
        inspector.model.batch_size = 0
    with pytest.raises(ValueError, match="stage='sideways'"):
        inspector.model.show("sideways")
    assert inspector.model.batch_size == 4


# --- what the learner reads: the diagram's example, the network, the numbers --------------------


def test_the_diagram_says_it_shows_example_1_and_which_row_that_is(inspector):
    model = inspector.model
    for stage in ("Ready", "Forward", "Loss", "Backward", "Update"):
        if stage != "Ready":
            click(inspector, stage)
        caption = text_of(inspector._caption)
        x, target = model.X[0], model.targets[0, 0]
        assert f"x₁ = {format_number(x[0])}, x₂ = {format_number(x[1])}" in caption
        assert f"target y = {format_number(target)}" in caption
        if stage == "Update":  # new biases and weights: the same for every example
            assert "inputs are example 1 of the batch" in caption
            assert "the same for every example" in caption
        else:
            assert "values for example 1 of the batch" in caption
            assert "the row ex 1 of the tables, marked in yellow" in caption
        assert inspector._canvas.columns[0]["title"] == "Example 1: x"
        assert inspector._canvas.columns[0]["labels"] == [format_number(v) for v in x]
        # In every table with a row per example, the row "ex 1" (and only it) is marked.
        marked = re.findall(r'dllab-in-diagram"[^>]*>([^<]*)<', inspector._tables.value)
        per_example = inspector._tables.value.count(">ex 2</th>")
        assert marked == ["ex 1"] * per_example
        assert per_example >= 1 or stage == "Update"  # Update shows only parameters


@pytest.mark.parametrize(
    "sizes, words",
    [
        (
            (2, 3, 2, 1),
            "2 inputs → 3 neurons → 2 neurons → 1 output neuron (2 hidden layers); "
            "20 weights and biases",
        ),
        (
            (2, 2, 1),
            "2 inputs → 2 neurons → 1 output neuron (1 hidden layer); 9 weights and biases",
        ),
        (
            (2, 8, 8, 1),
            "2 inputs → 8 neurons → 8 neurons → 1 output neuron (2 hidden layers); "
            "105 weights and biases",
        ),
    ],
)
def test_the_network_is_described_as_it_is(inspector, sizes, words):
    inspector._controls["sizes"].value = sizes
    assert words in text_of(inspector._about)
    assert "4 of the 100 points of the Circle data" in text_of(inspector._about)
    n_parameters = inspector.model.network.params.size
    assert f"{n_parameters} weights and biases" in text_of(inspector._about)


def test_the_description_follows_the_batch_and_the_data(inspector):
    inspector._controls["batch_size"].value = 8
    inspector._controls["dataset"].value = "plane"
    about = text_of(inspector._about)
    assert "8 of the 100 points of the Plane (regression) data" in about
    assert "target y (a number)" in about


def test_the_notebook_does_not_say_the_network_has_two_neurons():
    notebook = json.loads(NOTEBOOK.read_text())
    text = " ".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "two neurons" not in text
    assert "BackpropInspector()" in text and "DescentPath()" in text


def page_text(inspector: BackpropInspector) -> str:
    """Everything the inspector writes for the learner to read (no attribute values)."""
    parts = [inspector._about, inspector._indicator, inspector._caption, inspector._explanation]
    labels = [label for column in inspector._canvas.columns for label in column["labels"]]
    return " ".join([*(text_of(part) for part in parts), text_of(inspector._tables), *labels])


def test_tiny_numbers_are_written_as_decimals_not_exponents(inspector):
    model = inspector.model
    for i in range(model.network.n_layers):  # tiny weights: tiny z, a and gradients
        model.network.weights[i] = model.network.weights[i] * 1e-4
        model.network.biases[i] = np.full_like(model.network.biases[i], 3.59e-05)
    for stage in ("Forward", "Loss", "Backward", "Update"):
        click(inspector, stage)
        text = page_text(inspector)
        assert not re.search(r"\de-\d", text), (stage, re.findall(r"\S*\de-\d\S*", text)[:3])
    click(inspector, "Forward")
    assert "0.0000359" in text_of(inspector._tables)  # a bias, as a decimal


# --- DescentPath ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rate, kind",
    [(0.001, "on its way"), (0.01, "on its way"), (0.1, "converged"), (0.2, "diverged")],
)
def test_learning_rate_slider_crawls_converges_or_diverges(rate, kind):
    descent = DescentPath()
    descent._rate.value = rate
    run = descent.model.run
    assert descent.model.learning_rate == rate
    assert f'data-kind="{kind}"' in descent._verdict.value
    np.testing.assert_array_equal(descent._path_line.x, run.points[:, 0])
    np.testing.assert_array_equal(descent._loss_line.y, run.losses)
    descent.close()


def test_a_too_large_rate_diverges_with_a_message_and_no_exception():
    descent = DescentPath()
    descent._rate.value = 3.0
    run = descent.model.run
    assert run.diverged and len(run.losses) < 31  # cut once the loss passed the limit
    assert np.isfinite(run.points).all() and np.isfinite(run.losses).all()
    assert text_of(descent._verdict).startswith("Diverged")
    assert "lower the learning rate" in text_of(descent._verdict)
    (_, w1_high), (_, w2_high) = DESCENT_WINDOW
    assert np.abs(run.points[-1]).max() > max(w1_high, w2_high)  # the path has left the map
    assert len(descent._loss_line.x) < descent._step_scale.max == 30  # and stops short
    descent.close()


def test_steps_slider_sets_the_path_length():
    descent = DescentPath(learning_rate=0.05)
    descent._steps.value = 7
    assert descent.model.run.points.shape == (8, 2)
    assert len(descent._path_dots.x) == 7
    assert descent._step_scale.max == 7  # the loss plot spans the steps asked for
    descent.close()


def test_clicking_the_map_or_dragging_the_dot_moves_the_start():
    descent = DescentPath()
    targets = descent._click_targets
    index = 5 * 41 + 3  # row 5, column 3 of the grid
    descent._map_clicked(targets, {"event": "element_click", "data": {"index": index}})
    expected = (-2.0 + 3 * CLICK_STEP, -2.0 + 5 * CLICK_STEP)
    assert descent.model.start == pytest.approx(expected)
    np.testing.assert_allclose(descent._path_line.x[0], expected[0])
    with descent._start.hold_trait_notifications():  # as a drag arrives from the browser
        descent._start.x, descent._start.y = [1.0], [0.5]
    assert descent.model.start == (1.0, 0.5)
    np.testing.assert_allclose(descent.model.run.points[0], [1.0, 0.5])
    button(descent, "Back to start").click()
    assert descent.model.start == DESCENT_START
    descent.close()


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(learning_rate=0), ValueError, "learning_rate=0.0 is not allowed"),
        (dict(learning_rate=-1), ValueError, "learning_rate=-1.0 is not allowed"),
        (dict(steps=0), ValueError, "steps=0 is not allowed"),
        (dict(steps=1.5), TypeError, "steps must be a whole number"),
        (dict(start=(1.0,)), ValueError, "start=(1.0,) is not allowed"),
        (dict(start=("a", "b")), TypeError, "start must be two numbers"),
    ],
)
def test_descent_bad_input_is_refused_clearly(kwargs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        DescentPath(**kwargs)
    arguments = {"learning_rate": 0.1, "steps": 30, **kwargs}
    with pytest.raises(error, match=re.escape(words)):
        descent_path(**arguments)


def test_the_descent_path_is_sent_in_one_message_per_mark():
    """x and y of different lengths must never reach the page apart (a torn line)."""
    descent = DescentPath()
    sent = []

    class Comm:  # stands in for the page: records each message a mark sends
        kernel, comm_id = True, "test"

        def __init__(self, name):
            self.name = name

        def close(self, *args, **kwargs):
            pass

        def on_msg(self, callback):
            pass

        def send(self, data, buffers=None):
            sent.append((self.name, set(data.get("state", {}))))

    marks = {"path": descent._path_line, "dots": descent._path_dots, "loss": descent._loss_line}
    for name, mark in marks.items():
        mark.comm = Comm(name)
    descent._steps.value = 12  # new lengths for every line
    descent._rate.value = 3.0  # and a path cut short
    for mark in marks.values():
        mark.comm = None
    assert sent and all(fields == {"x", "y"} for _, fields in sent), sent
    assert len(descent._path_line.x) == len(descent._path_line.y) < 13
    descent.close()


def test_descent_status_is_one_of_the_verdicts_and_numbers_read_plainly():
    descent = DescentPath(learning_rate=0.3)
    model = descent.model
    assert model.status == "diverged" and "lower the learning rate" in model.message
    with pytest.raises(Exception, match="status"):
        model.status = "exploded"
    descent._rate.value = 0.1
    assert model.status == "converged"
    assert not re.search(r"\de-\d", text_of(descent._verdict))
    descent.close()


def test_the_first_setting_may_be_given_without_its_name():
    inspector = BackpropInspector((2, 2, 1), batch_size=2)
    assert inspector.model.sizes == (2, 2, 1) and inspector.model.batch_size == 2
    inspector.close()
    descent = DescentPath(0.2, steps=10)
    assert descent.model.learning_rate == 0.2 and descent.model.steps == 10
    with pytest.raises(TypeError, match="unknown setting 'rate'; choose from: learning_rate"):
        DescentPath(rate=0.2)
    descent.close()
