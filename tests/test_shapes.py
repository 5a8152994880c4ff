"""Tests of dllab.core.shapes: outlines of shapes at random places, sizes and angles."""

from __future__ import annotations

import numpy as np
import pytest

import dllab
from dllab.core.data import Dataset
from dllab.core.shapes import MIN_SIZE, SHAPES, draw_outlines, make_shapes


def ink(images: np.ndarray) -> np.ndarray:
    """Noiseless pictures `(n, h, w)` less their background (the darkest pixel)."""
    return images - images.min(axis=(1, 2), keepdims=True)


def test_a_dataset_of_pictures():
    data = make_shapes(40, noise=0.1, seed=0)
    assert isinstance(data, Dataset)
    assert data.name == "shapes"
    assert data.task == "multiclass"
    assert data.classes == SHAPES
    assert data.image_shape == (24, 24)
    assert data.X.shape == (40, 24 * 24) and data.X.dtype == np.float64
    assert data.y.shape == (40,) and data.y.dtype == np.int64
    assert set(data.y) == set(range(len(SHAPES)))
    assert len(data.input_names) == 24 * 24


@pytest.mark.parametrize("n_samples", [2, 7, 400, 4001])
def test_classes_are_balanced(n_samples):
    counts = np.bincount(make_shapes(n_samples, 0.0, seed=3, size=16).y, minlength=len(SHAPES))
    assert counts.sum() == n_samples
    assert counts.max() - counts.min() <= 1


def test_samples_come_in_random_order():
    labels = make_shapes(400, seed=0).y
    assert not np.array_equal(labels, np.sort(labels))


def test_a_choice_of_classes():
    data = make_shapes(60, seed=1, classes=["cross", "square"], size=32)
    assert data.classes == ("cross", "square")
    assert data.image_shape == (32, 32) and data.X.shape == (60, 32 * 32)
    assert np.bincount(data.y).tolist() == [30, 30]


@pytest.mark.parametrize("noise", [0.0, 0.1, 0.5])
def test_pixels_stay_from_0_to_1(noise):
    X = make_shapes(200, noise=noise, seed=2).X
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert X.max() > 0.5  # the outlines are drawn


@pytest.mark.parametrize("size", [MIN_SIZE, 24, 41])
@pytest.mark.parametrize("shape", SHAPES)
def test_every_outline_lies_inside_the_canvas(shape, size):
    images = ink(draw_outlines(shape, 1000, size, np.random.default_rng(size)))
    border = np.concatenate(
        [images[:, 0, :], images[:, -1, :], images[:, :, 0], images[:, :, -1]], axis=1
    )
    assert border.max() == 0.0
    # ... and the outlines go near every side: the place varies over the whole canvas.
    inked = images > 0.05
    assert inked[:, 1, :].any() and inked[:, -2, :].any()
    assert inked[:, :, 1].any() and inked[:, :, -2].any()


@pytest.mark.parametrize("shape", SHAPES)
def test_place_size_and_angle_vary(shape):
    images = ink(draw_outlines(shape, 300, 24, np.random.default_rng(0)))
    weight = images.sum(axis=(1, 2))
    rows = (images.sum(axis=2) * np.arange(24)).sum(axis=1) / weight
    columns = (images.sum(axis=1) * np.arange(24)).sum(axis=1) / weight
    assert rows.std() > 1.5 and columns.std() > 1.5  # centres spread over pixels
    assert np.ptp((images > 0.3).sum(axis=(1, 2))) > 20  # small and large outlines


def test_every_class_puts_about_as_much_ink():
    data = make_shapes(2000, noise=0.0, seed=4)
    images = ink(data.X.reshape(-1, 24, 24))
    amount = images.sum(axis=(1, 2)) / images.max(axis=(1, 2))  # contrast taken off
    per_class = np.array([amount[data.y == label].mean() for label in range(len(SHAPES))])
    assert np.ptp(per_class) < 0.1 * per_class.mean()


def test_the_same_seed_gives_the_same_pictures():
    first, again = make_shapes(100, 0.2, seed=7), make_shapes(100, 0.2, seed=7)
    assert np.array_equal(first.X, again.X) and np.array_equal(first.y, again.y)
    from_generator = make_shapes(100, 0.2, seed=np.random.default_rng(7))
    assert np.array_equal(first.X, from_generator.X)


def test_other_seeds_give_other_pictures():
    first, other = make_shapes(100, 0.0, seed=7), make_shapes(100, 0.0, seed=8)
    assert not np.array_equal(first.y, other.y)
    assert np.abs(first.X - other.X).mean() > 0.05


def test_noise_is_added_to_the_same_outlines():
    """The same seed at another noise: the same outlines, more noise."""
    clean = make_shapes(300, 0.0, seed=5).X
    # Without noise, most of a picture is its flat background.
    flat = (clean == clean.min(axis=1, keepdims=True)).mean(axis=1)
    assert flat.min() > 0.5
    spread = []
    for noise in (0.05, 0.2, 0.5):
        noisy = make_shapes(300, noise, seed=5)
        assert np.array_equal(noisy.y, make_shapes(300, 0.0, seed=5).y)
        spread.append(np.std(noisy.X - clean))
    assert 0.0 < spread[0] < spread[1] < spread[2]


def test_2000_pictures_take_well_under_a_few_seconds():
    import time

    started = time.process_time()
    make_shapes(2000, 0.2, seed=0)
    assert time.process_time() - started < 5.0


@pytest.mark.parametrize(
    "settings, error, words",
    [
        ({"n_samples": 0}, ValueError, ["n_samples=0", "from 2"]),
        ({"n_samples": -5}, ValueError, ["n_samples=-5"]),
        ({"n_samples": 2.5}, TypeError, ["n_samples", "whole number"]),
        ({"n_samples": 10**6}, ValueError, ["n_samples=1000000", "to 20000"]),
        ({"noise": -0.1}, ValueError, ["noise=-0.1", "0.0 to 0.5"]),
        ({"noise": 0.8}, ValueError, ["noise=0.8"]),
        ({"noise": "high"}, TypeError, ["noise", "'high'"]),
        ({"seed": -1}, ValueError, ["seed=-1"]),
        ({"size": 8}, ValueError, ["size=8", f"from {MIN_SIZE}"]),
        ({"size": 1000}, ValueError, ["size=1000"]),
        ({"classes": ["circle", "hexagon"]}, ValueError, ["classes='hexagon'", "triangle"]),
        ({"classes": ["circle"]}, ValueError, ["classes=['circle']", "two shapes"]),
        ({"classes": ["circle", "circle"]}, ValueError, ["twice"]),
        ({"classes": "circle"}, TypeError, ["classes must be a list"]),
    ],
)
def test_bad_settings_are_named(settings, error, words):
    with pytest.raises(error) as raised:
        make_shapes(**{"n_samples": 20, **settings})
    for word in words:
        assert word in str(raised.value)


def test_an_unknown_shape_is_named():
    with pytest.raises(ValueError, match="shape='star'"):
        draw_outlines("star", 3, 24, np.random.default_rng(0))


def test_make_dataset_builds_the_shapes():
    data = dllab.make_dataset("shapes", noise=0.2, seed=3, n_samples=40)
    again = make_shapes(40, 0.2, 3)
    assert data.image_shape == (24, 24) and data.n_samples == 40
    assert np.array_equal(data.X, again.X) and np.array_equal(data.y, again.y)
