"""The shared widget toolkit (dllab.ui), headless: binding, messages, the runner, the
plane figure, and the engine's plane helpers and training recipe it draws on."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import warnings

import ipywidgets as w
import numpy as np
import pytest
import traitlets as t

import dllab
from dllab.core.plane import output_score, plane_extent, plane_grid
from dllab.ui import MessageArea, PlaneFigure, Runner, bind, build_controls, update
from dllab.ui.theme import format_number, plural


class Settings(t.HasTraits):
    rate = t.Float(0.03)
    count = t.Int(3)
    name = t.Unicode("a")

    @t.validate("count")
    def _check_count(self, proposal):
        if proposal.value > 10:
            raise t.TraitError(f"count={proposal.value} is not allowed: at most 10")
        return proposal.value


def test_a_refusal_is_shown_and_kept_until_an_accepted_change():
    model, messages = Settings(), MessageArea()
    slider = bind(model, "count", w.IntSlider(min=0, max=20), messages)
    slider.value = 15
    assert model.count == 3 and slider.value == 3
    assert "count=15" in messages.value
    messages.status("training")  # the model's own news does not wipe the refusal
    assert "count=15" in messages.value and "training" in messages.value
    slider.value = 4
    assert model.count == 4 and "count=15" not in messages.value


def test_the_model_flows_back_and_the_control_makes_room_for_its_value():
    model = Settings()
    rates = bind(model, "rate", w.SelectionSlider(options=[("0.01", 0.01), ("0.03", 0.03)]))
    box = bind(model, "count", w.BoundedIntText(min=0, max=5))
    model.rate = 0.05
    assert rates.value == 0.05 and [v for _, v in rates.options] == [0.01, 0.03, 0.05]
    model.count = 9
    assert box.value == 9 and box.max >= 9


def test_on_accept_runs_for_the_learners_changes_only():
    model, accepted = Settings(), []
    text = bind(model, "name", w.Text(), on_accept=accepted.append)
    model.name = "from the model"
    assert text.value == "from the model" and accepted == []
    text.value = "typed"
    assert model.name == "typed" and accepted == ["name"]


def test_controls_are_declared_as_data():
    model = Settings()
    table = [
        ("count", w.IntSlider, dict(description="Count", max=lambda m: m.count * 2)),
        ("name", w.Text, dict(description="Name")),
    ]
    controls = build_controls(model, table)
    assert controls["count"].max == 6 and controls["count"].description == "Count"
    controls["name"].value = "b"
    assert model.name == "b"


def test_message_area_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind='loud'"):
        MessageArea().status("x", "loud")


def test_runner_merges_requests_cancels_and_reports_errors():
    runs, errors, release = [], [], threading.Event()

    def job(should_stop):
        runs.append(time.monotonic())
        while not release.is_set() and not should_stop():
            time.sleep(0.005)

    runner = Runner(job, errors.append, name="test-runner")
    runner.request()
    while not runs:
        time.sleep(0.005)
    for _ in range(10):
        runner.request()  # while the first run is under way: one more run, not ten
    time.sleep(0.05)
    release.set()
    assert runner.wait(5)
    assert len(runs) == 2 and errors == []
    release.clear()
    runner.request()
    time.sleep(0.05)
    runner.cancel()
    assert runner.wait(5) and len(runs) == 3
    runner.close()


def test_runner_error_path_keeps_the_thread_for_the_next_request():
    errors, calls = [], []

    def job(should_stop):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("broke")

    runner = Runner(job, errors.append)
    runner.request()
    assert runner.wait(5)
    runner.request()
    assert runner.wait(5)
    assert [str(e) for e in errors] == ["broke"] and len(calls) == 2
    runner.close()


def test_runner_cancelled_before_it_starts_is_idle():
    runner = Runner(lambda should_stop: None, lambda error: None)
    runner.cancel()
    assert runner.wait(1) and not runner.running


def test_update_sends_a_marks_traits_together():
    import bqplot as bq

    line = bq.Lines(x=[0, 1], y=[0, 1], scales={"x": bq.LinearScale(), "y": bq.LinearScale()})
    sent = []

    class Comm:  # stands in for the page: records each message the mark sends
        kernel, comm_id = True, "test"

        def close(self, *args, **kwargs):
            pass

        def on_msg(self, callback):
            pass

        def send(self, data, buffers=None):
            sent.append(set(data.get("state", {})))

    line.comm = Comm()
    update(line, x=np.arange(5), y=np.arange(5) ** 2)
    line.comm = None
    assert sent == [{"x", "y"}]


def test_plane_figure_draws_top_row_first_and_points():
    figure = PlaneFigure()
    surface = np.zeros((10, 10))
    surface[0] = 1.0  # the top row
    figure.show_surface(surface, extent=3.0, title="Layer 1")
    assert figure.surface.color[-1].tolist() == [1.0] * 10  # bqplot's last row is the top
    assert figure.surface.y[-1] == 3.0 and figure.figure.title == "Layer 1"
    figure.show_points(np.array([[1.0, 2.0]]), np.array([3.0]))
    assert figure.train_points.color.tolist() == [1.0]
    figure.show_test(True)
    assert figure.test_points.visible


def test_plane_grid_rows_go_from_the_top():
    grid = plane_grid(2.0, 3).reshape(3, 3, 2)
    assert grid[0, 0].tolist() == [-2.0, 2.0] and grid[-1, -1].tolist() == [2.0, -2.0]
    with pytest.raises(ValueError, match="resolution"):
        plane_grid(2.0, 1)


def test_output_score_maps_every_head_to_minus_one_plus_one():
    assert output_score(np.array([[0.0], [1.0]]), "sigmoid").tolist() == [-1.0, 1.0]
    assert output_score(np.array([[0.9, 0.1]]), "softmax").tolist() == pytest.approx([-0.8])
    assert output_score(np.array([[3.0]]), "tanh").tolist() == [1.0]


def test_plane_extent_of_own_data_has_a_margin():
    data = dllab.from_arrays(np.array([[0.0, 2.0], [1.0, -1.0]]), np.array([0, 1]))
    assert plane_extent(data) == pytest.approx(2.2)
    assert plane_extent(dllab.make_dataset("circle")) == 6.0


def test_make_trainer_fits_the_head_and_inputs_to_the_data():
    data = dllab.split(dllab.load_digits(), 0.5, seed=0)
    trainer = dllab.make_trainer(data, [8], activation="relu")
    assert trainer.network.sizes == [64, 8, 10] and trainer.network.head_name == "softmax"
    plane = dllab.split(dllab.make_dataset("xor"), 0.5, seed=0)
    trainer = dllab.make_trainer(plane, [], features=["x1", "x2", "x1*x2"])
    assert trainer.network.sizes == [3, 1]
    with pytest.raises(ValueError, match="head='nope'"):
        dllab.make_trainer(plane, [2], head="nope")


@pytest.mark.parametrize(
    "value, text",
    [
        (0.0123, "0.012"),
        (3.4712, "3.47"),
        (3.59e-05, "0.0000359"),
        (0, "0"),
        (-0.5, "-0.5"),
        (3127.857, "3,128"),
        (123.45, "123"),
        (1.23e11, "1.2 × 10¹¹"),
    ],
)
def test_numbers_are_written_as_a_person_reads_them(value, text):
    assert format_number(value) == text
    assert "e" not in format_number(value)


def test_plural():
    assert plural(1, "epoch") == "1 epoch" and plural(2, "epoch") == "2 epochs"


def test_network_canvas_sends_shades_as_bytes_and_a_diverged_networks_values_safely():
    from dllab.ui import NetworkCanvas

    canvas = NetworkCanvas()
    values = np.array([-1.0, 0.0, 1.0, -3.0, 2.0, np.nan, np.inf, -np.inf, 0.5]).reshape(1, 3, 3)
    weights = [np.array([[0.5, np.nan], [np.inf, -np.inf]])]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing printed under a diverged lab
        canvas.show([values, values], weights, ["in", "out"])
    # -1 -> 0, 0 -> 128 (127.5 rounded to even), +1 -> 255; out of range clipped; NaN the middle.
    assert list(canvas.tiles[:9]) == [0, 128, 255, 0, 255, 128, 255, 0, 191]
    links = np.frombuffer(canvas.links, dtype=np.float32)
    assert links[0] == 0.5 and links[1] == 0 and links[2] == np.inf and links[3] == -np.inf
    canvas.show([values[:, :1, :1]], [np.array([[0.25]])], ["in"])
    assert list(canvas.tiles) == [0] and np.frombuffer(canvas.links, np.float32)[0] == 0.25


@pytest.mark.parametrize("bad", ["abc", [1, 2, 3], None, [1.5, 2], [True, 0]])
def test_network_canvas_ignores_a_malformed_neuron_from_the_page(bad):
    from dllab.ui import NetworkCanvas

    canvas = NetworkCanvas()
    canvas.hovered = [1, 2]
    with canvas.hold_trait_notifications():  # as ipywidgets applies a message from the page
        canvas.set_state({"hovered": bad})
    assert canvas.hovered == [1, 2]


@pytest.mark.parametrize("content", [{"type": "drawn", "frame": "abc"}, "junk", {"x": 1}])
def test_network_canvas_ignores_a_malformed_message_from_the_page(content):
    from dllab.ui import NetworkCanvas

    canvas = NetworkCanvas()
    canvas._on_browser_message(canvas, content, [])
    assert canvas.drawn == 0


def test_background_gives_a_model_its_runners_calls():
    from dllab.ui import Background

    class Work(Background, t.HasTraits):
        def __init__(self):
            super().__init__()
            self.steps = 0
            self._runner = Runner(self._job, lambda error: None)

        def _job(self, should_stop):
            while not should_stop():
                self.steps += 1
                time.sleep(0.001)

    work = Work()
    work._runner.request()
    while not work.steps:
        time.sleep(0.005)
    assert work.running
    work.cancel()
    assert work.wait(5) and not work.running
    work.close()
    assert work._runner.closed


def test_a_kernels_logger_stops_making_debug_records_its_handlers_drop():
    import logging

    from dllab.ui.kernel import drop_unseen_debug_records

    logger = logging.getLogger("dllab-test-kernel-app")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        drop_unseen_debug_records(logger)
        assert logger.level == logging.WARNING
        assert not logger.isEnabledFor(logging.INFO) and logger.isEnabledFor(logging.ERROR)
        # A second handler that writes everything: every record is still made.
        logger.setLevel(logging.DEBUG)
        everything = logging.StreamHandler()
        logger.addHandler(everything)
        drop_unseen_debug_records(logger)
        assert logger.level == logging.DEBUG
        # Records passed on to other loggers' handlers: left as it is.
        logger.removeHandler(everything)
        logger.propagate = True
        drop_unseen_debug_records(logger)
        assert logger.level == logging.DEBUG
    finally:
        logger.handlers.clear()
    drop_unseen_debug_records()  # outside a kernel: nothing to do, no error


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
@pytest.mark.parametrize("widget", ["NetworkCanvas", "PlaneView", "CurvesView"])
def test_the_toolkits_canvas_scripts_parse(widget, tmp_path):
    script = tmp_path / "widget.mjs"
    script.write_text(getattr(dllab.ui, widget)._esm)
    result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_bars_html_draws_each_share_as_tall_as_it_is_and_names_each_bar():
    import re

    from dllab.ui.theme import bars_html

    shares = [0.5, 0.25, 0.0, 1.0, float("nan")]
    labels = ["cat", "dog", "<b>", "owl", "bee"]
    page = bars_html(labels, shares, "Class probabilities", (250, 250))
    heights = [int(h) for h in re.findall(r'class="dllab-bar" style="[^"]*height:(\d+)px', page)]
    assert heights == [94, 47, 0, 188, 0]  # of 188 pixels; a share that is not a number: 0
    assert [f"{s:.0%}" for s in (0.5, 0.25, 0.0, 1.0, 0.0)] == re.findall(
        r'<span style="font-size:11px;color:#555">(\d+%)</span>', page
    )
    assert "&lt;b&gt;" in page and "<b>" not in page  # names are text, not markup
    assert 'aria-label="Class probabilities"' in page and "width:250px;height:250px" in page
