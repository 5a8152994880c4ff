"""Headless tests of the "Why depth matters" lesson: press the buttons, send the clicks a
browser would send, then assert on the models' traits and on the marks' arrays."""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np
import pytest
import traitlets as t

from dllab.core.sweep import Pick
from dllab.lessons import DepthSweep, LayerGallery, SweepModel
from dllab.lessons.sweep_model import network_name, pick_text
from dllab.ui import Runner

TINY = dict(dataset="circle", depths=[1, 2], widths=[2, 4, 8], epochs=4)


def click_cell(sweep: DepthSweep, row: int, column: int) -> None:
    """What bqplot's GridHeatMap sends when a cell is clicked in the browser."""
    data = {"rowNum": row, "columnNum": column, "row": "", "column": "", "color": 0.1}
    sweep._heatmap._handle_custom_msg({"event": "element_click", "data": data}, [])


def wait_until(condition, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


# -- the sweep ---------------------------------------------------------------------------------


def test_a_sweep_fills_the_heatmap_and_labels_every_cell():
    sweep = DepthSweep(**TINY)
    assert sweep._heatmap.color.shape == (2, 3) and len(sweep._values.text) == 0
    sweep.run(background=False)
    result = sweep.model.result
    np.testing.assert_array_equal(sweep._heatmap.color, result.test_loss)
    assert list(sweep._values.text) == [f"{loss:.3f}" for loss in result.test_loss.ravel()]
    assert list(sweep._heatmap.row) == ["1 layer", "2 layers"]
    assert list(sweep._heatmap.column) == ["width 2", "width 4", "width 8"]
    assert sweep.model.status == "done"
    assert "Done: 6 networks" in sweep._progress.value
    # With nothing chosen, the curve shows the best network, outlined in the grid.
    best = result.best()
    np.testing.assert_array_equal(sweep._heatmap.selected, [result.cell(*best)])
    assert sweep._curve.visible and sweep._curve_figure.title.startswith("Best so far")


def test_the_heatmap_fills_in_one_depth_at_a_time():
    sweep = DepthSweep(**TINY)
    snapshots = []
    sweep.model.observe(
        lambda change: snapshots.append((list(sweep._values.text), sweep._heatmap.color.copy())),
        names="n_done",
    )
    sweep.run(background=False)
    counts = [len(texts) for texts, _ in snapshots if texts]
    assert counts == [3, 6]
    first_texts, first_colours = next(snapshot for snapshot in snapshots if snapshot[0])
    result = sweep.model.result
    np.testing.assert_array_equal(first_colours[0], result.test_loss[0])
    # Untrained cells are drawn in the middle colour, with no number.
    assert np.all(first_colours[1] == sweep._colours.mid)


def test_clicking_a_cell_shows_its_curve_and_epoch_count():
    sweep = DepthSweep(**TINY)
    sweep.run(background=False)
    click_cell(sweep, 1, 0)
    assert sweep.model.chosen == (2, 2)
    history = sweep.model.result.history(2, 2)
    np.testing.assert_array_equal(sweep._curve.x, np.arange(5))
    np.testing.assert_array_equal(sweep._curve.y, [history["test_loss"], history["train_loss"]])
    assert sweep._curve_figure.title == "Chosen: 2 layers of 2 neurons"
    assert "<b>4</b> epochs" in sweep._details.value
    np.testing.assert_array_equal(sweep._heatmap.selected, [[1, 0]])


def test_run_button_runs_in_the_background_and_cancel_stops_halfway():
    sweep = DepthSweep(dataset="spiral", depths=[1, 2, 3], widths=[2, 4], epochs=400)
    run, cancel = sweep._run, sweep._cancel
    assert not run.disabled and cancel.disabled
    run.click()
    wait_until(lambda: sweep.model.n_done >= 2, what="the first depth")
    assert run.disabled and not cancel.disabled and sweep._dataset.disabled
    assert sweep.model.start() is False  # one sweep at a time
    cancel.click()
    assert sweep.model.wait(10)
    n_done = sweep.model.n_done
    assert sweep.model.status == "cancelled" and n_done < 6
    assert f"Cancelled after {n_done} of 6 networks." in sweep._progress.value
    assert len(sweep._values.text) == n_done
    assert not run.disabled and cancel.disabled


def test_choosing_another_dataset_clears_the_grid():
    sweep = DepthSweep(**TINY)
    sweep.run(background=False)
    sweep._dataset.value = "xor"
    assert sweep.model.dataset == "xor" and sweep.model.status == "ready"
    assert len(sweep._values.text) == 0 and sweep.model.chosen == (-1, -1)
    assert not sweep._curve.visible and "Press <b>Run</b>" in sweep._details.value


def test_a_refused_setting_shows_a_message_not_a_traceback():
    sweep = DepthSweep(dataset="circle", depths=[1, 2], widths=[2, 3], epochs=2, batch_size=400)
    sweep._run.click()
    assert sweep.model.wait(10)
    assert sweep.model.status == "error"
    assert "batch_size=400 is larger than the training set" in sweep._message.value
    assert "Traceback" not in sweep._message.value and not sweep._run.disabled


@pytest.mark.parametrize(
    "settings, words",
    [
        (dict(dataset="moons"), "dataset='moons' is not known"),
        (dict(depths=[]), "depths=[] is empty"),
        (dict(depths=[3]), "depths=[3] gives nothing to compare"),
        (dict(widths=[0]), "widths (units per layer)=0"),
        (dict(epochs=0), "epochs=0"),
        (dict(learning_rate=-1.0), "learning_rate=-1.0"),
    ],
)
def test_bad_settings_are_refused(settings, words):
    with pytest.raises(ValueError) as caught:
        DepthSweep(**settings)
    assert words in str(caught.value)


def test_the_model_has_no_widget():
    model = SweepModel(**TINY)
    assert not any(isinstance(value, widgets.Widget) for value in vars(model).values())


# -- the gallery -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gallery():
    gallery = LayerGallery(epochs=20, digits_epochs=2, autostart=False)
    gallery.train()
    yield gallery
    gallery.close()


def test_gallery_shows_first_and_last_hidden_layer_over_the_plane(gallery):
    columns = gallery._plane_canvas.columns
    assert [c["title"] for c in columns] == [
        "First hidden layer",
        "Last hidden layer (4)",
        "Output",
    ]
    assert [c["count"] for c in columns] == [8, 8, 1]
    # The first layer's tiles are exactly its neurons over the plane.
    plane = gallery.model.plane
    first = plane.trainer.network.neuron_outputs(plane.grid(columns[0]["height"]))[0]
    pixels = np.frombuffer(gallery._plane_canvas.tiles, dtype=np.uint8)[: first.size]
    expected = np.clip((first + 1) * 127.5, 0, 255).round()
    np.testing.assert_array_equal(pixels, expected.ravel())
    assert "Trained." in gallery._status.value


def test_gallery_shows_digit_weights_and_activations_for_the_chosen_example(gallery):
    columns = gallery._digits_canvas.columns
    assert [(c["title"], c["count"], c["height"]) for c in columns] == [
        ("Example", 1, 8),
        ("Layer 1 weights", 16, 8),
        ("Layer 2", 16, 1),
        ("Output", 10, 1),
    ]
    # Links join layer 1 to layer 2 and layer 2 to the output: 16 x 16 + 16 x 10.
    canvas, network = gallery._digits_canvas, gallery.model.digits.trainer.network
    assert canvas.link_from == 1 and len(canvas.links) == 4 * (16 * 16 + 16 * 10)
    links = np.frombuffer(canvas.links, dtype=np.float32)
    np.testing.assert_allclose(links[-160:], network.weights[2].ravel(), rtol=1e-6)
    frame, tiles = gallery._digits_canvas.frame, gallery._digits_canvas.tiles
    gallery._example.value = 7
    assert gallery.model.digits.example == 7
    assert gallery._digits_canvas.frame == frame + 1 and gallery._digits_canvas.tiles != tiles


@pytest.mark.parametrize(
    "settings, words",
    [
        (dict(hidden=[8]), "needs at least 2"),
        (dict(hidden=[8, 100]), "hidden (layer width)=100"),
        (dict(digits_hidden=[]), "digits_hidden=[] has no hidden layer"),
        (dict(epochs=0), "epochs=0"),
    ],
)
def test_bad_gallery_settings_are_refused(settings, words):
    with pytest.raises(ValueError) as caught:
        LayerGallery(autostart=False, **settings)
    assert words in str(caught.value)


# -- the network to recommend, and what it draws ---------------------------------------------


def test_when_networks_tie_the_headline_names_the_smallest_of_them():
    """On the circle, 2 layers of 8 neurons has the lowest test loss, but 2 layers of 4 is
    within 0.01 of it: the sweep recommends the smaller one and says that they tie."""
    sweep = DepthSweep(dataset="circle", depths=[1, 2], widths=[2, 4, 8], epochs=80)
    sweep.run(background=False)
    result = sweep.model.result
    assert result.best() == (2, 8) and result.pick().ties == ((2, 4), (2, 8))
    assert (
        "2 of 6 networks tie within 0.01 of the lowest test loss (0.009); "
        "the smallest of them: 2 layers of 4 neurons." in sweep._progress.value
    )
    # The smaller network is the one shown and outlined.
    np.testing.assert_array_equal(sweep._heatmap.selected, [[1, 1]])
    assert sweep._curve_figure.title == "Best so far: 2 layers of 4 neurons"
    assert "The smallest of the <b>2</b> networks" in sweep._details.value


def test_a_lone_best_network_is_named_as_such():
    sweep = DepthSweep(**TINY)
    sweep.run(background=False)
    pick = sweep.model.result.pick()
    assert not pick.many_tie  # 4 epochs: nothing ties
    assert f"Lowest test loss: {network_name(*pick.best)}" in sweep._progress.value
    assert "tie" not in sweep._progress.value and "smallest" not in sweep._details.value


def test_pick_text_counts_the_ties():
    pick = Pick(best=(6, 8), best_loss=0.0001, ties=((1, 3), (2, 4), (6, 8)), margin=0.01)
    assert pick_text(pick, 36) == (
        "3 of 36 networks tie within 0.01 of the lowest test loss (0.0001); "
        "the smallest of them: 1 layer of 3 neurons."
    )
    alone = Pick(best=(3, 12), best_loss=0.159, ties=((3, 12),), margin=0.01)
    assert pick_text(alone, 36) == "Lowest test loss: 3 layers of 12 neurons (0.159)."


def test_the_shown_network_draws_its_surface_beside_its_curve():
    sweep = DepthSweep(**TINY)
    data = sweep.model.data
    np.testing.assert_array_equal(sweep._plane.train_points.x, data.X_train[:, 0])
    np.testing.assert_array_equal(sweep._plane.train_points.color, data.y_train)
    assert not np.any(sweep._plane.surface.color)  # nothing trained: a blank plane
    sweep.run(background=False)
    result = sweep.model.result
    shown = sweep.model.shown()
    # bqplot's HeatMap draws row 0 at the bottom: the surface goes in bottom row first.
    expected = result.surface(*shown)[::-1]
    np.testing.assert_array_equal(sweep._plane.surface.color, expected.astype(np.float32))
    assert sweep._plane.surface.color.shape == (50, 50)
    click_cell(sweep, 0, 0)
    expected = result.surface(1, 2)[::-1]
    np.testing.assert_array_equal(sweep._plane.surface.color, expected.astype(np.float32))
    assert sweep._plane.figure.title == "What it draws over the plane"
    # A new dataset: its points, and a blank plane until the next run.
    sweep._dataset.value = "xor"
    np.testing.assert_array_equal(sweep._plane.train_points.y, sweep.model.data.X_train[:, 1])
    assert not np.any(sweep._plane.surface.color)


def test_the_sweep_runs_on_the_toolkits_runner_and_closes_with_its_widget():
    sweep = DepthSweep(**TINY)
    assert isinstance(sweep.model._runner, Runner)
    with pytest.raises(t.TraitError):
        sweep.model.status = "finished"  # one of a fixed set
    sweep.close()
    assert sweep.model._runner.closed and sweep.model.start() is True  # a no-op once closed
    assert not sweep.model.running


def expected_answer(gallery, index: int) -> tuple[str, str, float]:
    """The true digit, the network's answer and its probability, computed here."""
    trainer = gallery.model.digits.trainer
    probabilities = trainer.network.output(trainer.X_test[index : index + 1])[0]
    return str(trainer.data.y_test[index]), str(np.argmax(probabilities)), probabilities.max()


def test_gallery_says_the_true_digit_and_the_networks_answer(gallery):
    for index in (3, 11):
        gallery._example.value = index
        true, said, probability = expected_answer(gallery, index)
        text = f"True digit: {true} · the network says: {said} ({probability:.0%})"
        assert text in gallery._answer.value
        assert gallery.model.answer().text() == text


def test_gallery_marks_a_wrong_answer(gallery):
    answers = [expected_answer(gallery, index) for index in range(60)]
    wrong = next(i for i, (true, said, _) in enumerate(answers) if true != said)
    right = next(i for i, (true, said, _) in enumerate(answers) if true == said)
    gallery._example.value = wrong
    assert "wrong" in gallery._answer.value and not gallery.model.answer().right
    gallery._example.value = right
    assert "wrong" not in gallery._answer.value and gallery.model.answer().right


def test_gallery_trains_on_the_runner_and_stops_when_closed():
    gallery = LayerGallery(epochs=100_000, digits_epochs=2, autostart=True)
    assert isinstance(gallery.model._runner, Runner) and gallery.model.training
    with pytest.raises(t.TraitError):
        gallery.model.stage = "finished"  # one of a fixed set
    gallery.close()
    assert gallery.model.wait(10) and not gallery.model.training
    assert gallery.model.plane.epoch < 100_000 and gallery.model.answer() is None
