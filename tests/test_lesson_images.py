"""Lesson 7, images: the measures of a convolutional network's layers (NumPy only), the
model retraining live on its Runner, and the view's marks."""

from __future__ import annotations

import time

import numpy as np
import pytest
import traitlets as t

from dllab.core.conv_insight import (
    edge_like_share,
    edge_templates,
    scaled_maps,
    surest,
    template_match,
    top_patches,
)
from dllab.core.edges import sobel_kernels
from dllab.lessons.images_compare import CNN, RF_EDGES, RF_PIXELS, Row, summary

SMALL = dict(epochs=2, n_samples=200)


# -- conv_insight ------------------------------------------------------------------------------
def test_a_sobel_kernel_or_its_negative_matches_perfectly():
    kernels = np.stack([sobel_kernels(0.3)[0], -sobel_kernels(2.0)[0]])
    assert template_match(kernels, sobel_kernels([0.3, 2.0])) == pytest.approx([1, 1])


def test_a_flat_or_checkered_kernel_is_not_edge_like():
    flat = np.ones((3, 3))
    checkered = np.indices((3, 3)).sum(axis=0) % 2 * 2 - 1.0
    match = template_match(np.stack([flat, checkered]), edge_templates())
    assert match[0] == 0
    assert match[1] < 0.6
    assert edge_like_share(np.stack([flat, checkered, sobel_kernels(1.0)[0]])) == pytest.approx(
        1 / 3
    )


def test_template_match_refuses_kernels_of_another_size():
    with pytest.raises(ValueError, match="one size"):
        template_match(np.zeros((2, 5, 5)), edge_templates())
    with pytest.raises(ValueError, match="channels"):
        template_match(np.zeros((2, 3, 3, 3)), edge_templates())


def test_scaled_maps_fill_minus_one_to_one_each():
    maps = np.stack([np.arange(4.0).reshape(2, 2), -np.ones((2, 2)) * 5, np.zeros((2, 2))])
    scaled = scaled_maps(maps)
    assert np.abs(scaled).max(axis=(1, 2)) == pytest.approx([1, 1, 0])
    with pytest.raises(ValueError, match="channels, height, width"):
        scaled_maps(np.zeros((2, 2)))


def test_surest_gives_each_class_its_most_sure_rows():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95]])
    assert surest(p, 2).tolist() == [[0, 2], [3, 1]]
    with pytest.raises(ValueError, match="count"):
        surest(p, 5)


def test_top_patches_cut_the_picture_under_the_largest_cell():
    images = np.zeros((2, 8, 8))
    images[1, 2:5, 4:7] = 1.0
    maps = np.zeros((2, 1, 4, 4))
    maps[1, 0, 1, 2] = 3.0  # cell (1, 2) covers pixels 2-3 and 4-5
    patches = top_patches(maps, images, field=4, stride=2, count=1)
    assert patches.shape == (1, 1, 4, 4)
    assert patches[0, 0].tolist() == images[1, 1:5, 3:7].tolist()


# -- the comparison's sentences ----------------------------------------------------------------
def test_summary_is_written_from_the_results():
    rows = [Row(RF_PIXELS, 0.42, 1.0), Row(RF_EDGES, 0.81, 1.0), Row(CNN, 0.89, 9.0)]
    text = summary(rows)
    assert "convolutional network is the best here (89%" in text
    assert "47 points above a random forest on the same pixels" in text
    assert "8 points above a random forest on the edge histograms" in text
    worse = summary([Row(RF_EDGES, 0.9, 1.0), Row(CNN, 0.8, 9.0)])
    assert "The best here is the random forest on edge histograms (90%)" in worse
    assert "10 points below" in worse
    assert summary([Row(RF_EDGES, 0.9, 1.0)]) == ""


# -- the model -----------------------------------------------------------------------------------
@pytest.fixture
def model():
    from dllab.lessons import ImagesModel

    made = ImagesModel(**SMALL)
    yield made
    made.close()


def test_the_model_trains_and_shows_every_conv_layer(model):
    assert model.status == "ready" and model.frame() is None
    model.train()
    assert model.status == "done"
    assert len(model.history()["epoch"]) == 2
    frame = model.frame()
    assert [m.shape for m in frame.maps] == [(8, 24, 24), (16, 12, 12), (16, 6, 6)]
    assert all(np.abs(m).max() <= 1 for m in frame.maps)
    assert frame.kernels.shape == (8, 3, 3)
    assert frame.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert 0 <= model.edge_share() <= 1 and model.start_edge_share is not None
    indices, probabilities = model.surest(3)
    assert indices.shape == probabilities.shape == (4, 3)
    assert (np.diff(probabilities, axis=1) <= 0).all()


def test_a_new_setting_cancels_the_run_and_trains_afresh(model):
    model.epochs = 200
    model.start()
    deadline = time.monotonic() + 30
    while model.version < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    run = model.run_id
    model.epochs = 1
    model.conv_layers = 1
    assert model.wait(60)
    assert model.run_id == run + 1 and model.status == "done"
    frame = model.frame()
    assert [m.shape for m in frame.maps] == [(8, 24, 24)]
    model.conv_layers = 0
    model.wait(60)
    assert model.frame().maps == [] and model.frame().kernels is None
    assert model.edge_share() is None


def test_the_middle_patches_are_where_each_channel_is_largest(model):
    from dllab.lessons.images_model import middle_patches

    assert middle_patches(model) is None
    model.train()
    patches = middle_patches(model, count=2)
    assert patches.shape == (16, 2, 8, 8)
    assert patches.max() <= 1 and patches.min() >= 0
    model.conv_layers = 1
    model.wait(60)
    assert middle_patches(model) is None


def test_the_model_refuses_bad_settings(model):
    for trait, value in (("conv_layers", 4), ("filters", 1), ("example", -1)):
        with pytest.raises(t.TraitError, match=trait):
            setattr(model, trait, value)
    with pytest.raises(t.TraitError, match="learning_rate"):
        model.learning_rate = -1.0
    assert model.status == "ready"


def test_the_comparison_runs_every_model_on_the_same_split(model):
    comparison = model.comparison
    assert comparison.status == "ready" and comparison.rows == []
    comparison.start()
    assert comparison.wait(120)
    assert comparison.status == "done"
    assert [row.name for row in comparison.rows][-1] == CNN
    assert len(comparison.rows) == 5
    assert all(0 <= row.accuracy <= 1 and row.seconds > 0 for row in comparison.rows)


# -- the view ------------------------------------------------------------------------------------
@pytest.fixture
def lesson():
    from dllab.lessons import ImageLesson

    made = ImageLesson(autostart=False, **SMALL)
    yield made
    made.close()


def test_the_view_draws_each_section_once_trained(lesson):
    lesson.train()
    assert [c["title"] for c in lesson._network.columns] == [
        "Picture",
        "Conv 1",
        "Conv 2",
        "Conv 3",
        "Output",
    ]
    assert lesson._accuracy.marks[0].y.shape == (2, 2)
    assert [c["count"] for c in lesson._kernels.columns] == [8, 8, 8]
    assert "of 8 kernels" in lesson._edge_share.value
    assert "fresh, random weights" in lesson._edge_share.value
    assert lesson._bars.y.sum() == pytest.approx(1, abs=1e-5)
    assert [len(grid.captions) for grid in lesson._surest] == [6] * 4
    assert all(c.startswith("square ") for c in lesson._surest[1].captions)
    assert "Test picture 0" in lesson._answer.value
    assert [c["count"] for c in lesson._patches.columns] == [16] * 4
    assert [c["height"] for c in lesson._patches.columns] == [8] * 4


def test_the_depth_slider_retrains_and_redraws(lesson):
    lesson.train()
    frame = lesson._network.frame
    lesson.controls["conv_layers"].value = 1
    lesson.model.wait(60)
    time.sleep(0.15)
    lesson.model.example = lesson.model.example  # nothing new
    assert [c["title"] for c in lesson._network.columns] == ["Picture", "Conv 1", "Output"]
    assert lesson._network.frame > frame
    lesson.controls["conv_layers"].value = 0
    lesson.model.wait(60)
    assert lesson._kernels.layout.display == "none"
    assert lesson._patches.layout.display == "none"
    assert "no kernels" in lesson._edge_share.value


def test_the_example_slider_picks_the_picture(lesson):
    lesson.train()
    lesson.controls["example"].value = 7
    assert "Test picture 7" in lesson._answer.value
    expected = 2 * lesson.model.data.X_test[7] - 1
    first = np.frombuffer(lesson._network.tiles, dtype=np.uint8)[: 24 * 24]
    assert first == pytest.approx(np.round((expected + 1) * 127.5), abs=1)


def test_the_compare_button_fills_the_table_and_its_sentences(lesson):
    assert lesson._table.value == "" and lesson._compare_text.value == ""
    lesson._compare_button.click()
    assert lesson.comparison.wait(120)
    assert lesson.comparison.status == "done"
    assert lesson._table.value.count("<tr>") == 6
    assert "points" in lesson._compare_text.value
    assert "Done: 5 models" in lesson._compare_status.value
    assert not lesson._compare_button.disabled
