"""Tests of dllab.core.edges: Sobel and bar kernels, and edge-orientation histograms."""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core.edges import (
    SOBEL_X,
    SOBEL_Y,
    bar_kernels,
    edge_histograms,
    gradients,
    sobel_kernels,
)


def step(angle: float, size: int = 16) -> np.ndarray:
    """One picture `(1, size, size)`: dark, then bright in direction `angle` (y up)."""
    offset = np.arange(size) - (size - 1) / 2
    x, y = offset[None, :], -offset[:, None]
    return (np.cos(angle) * x + np.sin(angle) * y > 0).astype(float)[None]


def random_pictures(n: int = 5, size: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, size, size))


# --- Kernels -----------------------------------------------------------------------------------


def test_sobel_kernels_at_0_and_90_degrees_are_sobels():
    kernels = sobel_kernels([0.0, np.pi / 2])
    assert kernels.shape == (2, 3, 3)
    assert np.allclose(kernels[0], SOBEL_X) and np.allclose(kernels[1], SOBEL_Y)
    assert np.allclose(kernels.sum(axis=(1, 2)), 0.0)


@pytest.mark.parametrize("ramp_angle", [0.0, 0.4, 2.0, -1.0])
def test_a_sobel_kernel_measures_the_slope_along_its_angle(ramp_angle):
    offset = np.arange(3) - 1.0
    x, y = offset[None, :], -offset[:, None]
    ramp = np.cos(ramp_angle) * x + np.sin(ramp_angle) * y  # rises by 1 per pixel
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    responses = (sobel_kernels(angles) * ramp).sum(axis=(1, 2))
    assert np.allclose(responses, np.cos(angles - ramp_angle))


def test_bar_kernels_are_centred_unit_lines():
    bars = bar_kernels([0.0, np.pi / 4, np.pi / 2], size=5)
    assert bars.shape == (3, 5, 5)
    assert np.allclose(bars.sum(axis=(1, 2)), 0.0)
    assert np.allclose(np.linalg.norm(bars, axis=(1, 2)), 1.0)
    horizontal, diagonal, vertical = bars
    assert np.argmax(horizontal.sum(axis=1)) == 2  # the middle row
    assert np.allclose(vertical, horizontal.T)
    assert np.allclose(np.diag(np.fliplr(diagonal)), diagonal.max())  # up and to the right


def test_a_bar_kernel_answers_most_to_its_own_bar():
    angles = np.linspace(0, np.pi, 8, endpoint=False)
    bars = bar_kernels(angles, size=7)
    responses = np.einsum("aij,bij->ab", bars, bars)  # kernel a on the bar of kernel b
    assert np.array_equal(responses.argmax(axis=0), np.arange(8))


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: sobel_kernels([]), ValueError, ["angles=[]"]),
        (lambda: sobel_kernels([0.0, np.nan]), ValueError, ["finite"]),
        (lambda: sobel_kernels("up"), TypeError, ["angles", "'up'"]),
        (lambda: bar_kernels(0.0, size=4), ValueError, ["size=4", "odd"]),
        (lambda: bar_kernels(0.0, size=1), ValueError, ["size=1", "from 3"]),
    ],
)
def test_bad_kernel_settings_are_named(call, error, words):
    with pytest.raises(error) as raised:
        call()
    for word in words:
        assert word in str(raised.value)


# --- Edge histograms ---------------------------------------------------------------------------


def test_gradients_keep_the_pictures_shape():
    gx, gy = gradients(random_pictures(3, 10))
    assert gx.shape == gy.shape == (3, 10, 10)
    flat_x, flat_y = gradients(np.full((1, 6, 6), 0.7))
    assert np.allclose(flat_x, 0.0) and np.allclose(flat_y, 0.0)  # no edge at the border


def test_gradients_apply_the_sobel_kernels():
    pictures = random_pictures(3, 10)
    padded = np.pad(pictures, ((0, 0), (1, 1), (1, 1)), mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(1, 2))
    expected = np.einsum("nhwij,kij->knhw", windows, sobel_kernels([0.0, np.pi / 2]))
    assert np.allclose(np.stack(gradients(pictures)), expected)


def test_default_features():
    assert edge_histograms(random_pictures(2, 24)).shape == (2, 3 * 3 * 9)


@pytest.mark.parametrize("cells, bins", [(1, 8), (3, 9), (4, 6)])
def test_one_histogram_per_cell(cells, bins):
    pictures = random_pictures(5, 24)
    features = edge_histograms(pictures, cells=cells, bins=bins)
    assert features.shape == (5, cells * cells * bins)
    assert np.allclose(np.linalg.norm(features, axis=1), 1.0)
    assert features.min() >= 0.0
    # Rows of a Dataset's X give the same features.
    assert np.allclose(edge_histograms(pictures.reshape(5, -1), cells, bins), features)


def test_pictures_that_are_not_square():
    pictures = random_pictures(2, 12)[:, :, :8]
    features = edge_histograms(pictures.reshape(2, -1), cells=2, bins=4, image_shape=(12, 8))
    assert np.allclose(features, edge_histograms(pictures, cells=2, bins=4))


@pytest.mark.parametrize(
    "edge_angle, expected_bin",
    [(0.0, 0), (np.pi, 0), (np.pi / 4, 2), (np.pi / 2, 4), (-np.pi / 2, 4), (3 * np.pi / 4, 6)],
    ids=["vertical", "vertical inverted", "diagonal", "horizontal", "horizontal inverted", "anti"],
)
def test_an_edge_lands_in_the_bin_of_its_direction(edge_angle, expected_bin):
    features = edge_histograms(step(edge_angle), cells=1, bins=8)[0]
    assert np.argmax(features) == expected_bin
    assert features[expected_bin] > 0.95


def test_an_edge_lands_in_the_cells_it_crosses():
    picture = np.zeros((1, 16, 16))
    picture[:, :, 3:] = 1.0  # a vertical edge between columns 2 and 3: the first column of cells
    features = edge_histograms(picture, cells=4, bins=8).reshape(4, 4, 8)
    assert np.allclose(features[:, 1:], 0.0)
    assert np.allclose(features[:, 0, 1:], 0.0)  # bin 0 only
    assert np.allclose(features[:, 0, 0], 0.5)  # four equal cells of a unit vector


def test_a_flat_picture_has_no_edges():
    features = edge_histograms(np.full((2, 8, 8), 0.3), cells=2, bins=8)
    assert np.array_equal(features, np.zeros((2, 32)))


def test_brightness_contrast_and_inversion_change_nothing():
    pictures = random_pictures()
    features = edge_histograms(pictures, cells=3, bins=9)
    for changed in (pictures + 0.4, 0.25 * pictures, 3.0 * pictures - 1.0, 1.0 - pictures):
        assert np.allclose(edge_histograms(changed, cells=3, bins=9), features)


@pytest.mark.parametrize("bins", [4, 8, 12])
def test_turning_a_picture_by_90_degrees_moves_every_edge_by_half_the_bins(bins):
    pictures = random_pictures(4, 16)
    turned = np.rot90(pictures, axes=(1, 2))  # counterclockwise
    cells = 4
    features = edge_histograms(pictures, cells=cells, bins=bins).reshape(4, cells, cells, bins)
    turned_features = edge_histograms(turned, cells=cells, bins=bins)
    # The cells turn with the picture, and each direction moves by 90 degrees.
    expected = np.roll(np.rot90(features, axes=(1, 2)), bins // 2, axis=3)
    assert np.allclose(turned_features, expected.reshape(4, -1))


@pytest.mark.parametrize(
    "settings, error, words",
    [
        ({"cells": 0}, ValueError, ["cells=0", "from 1"]),
        ({"cells": 9}, ValueError, ["cells=9", "at most 8"]),
        ({"bins": 1}, ValueError, ["bins=1", "from 2"]),
        ({"bins": 2.5}, TypeError, ["bins", "whole number"]),
        ({"images": np.zeros((2, 10))}, ValueError, ["10 pixels", "image_shape"]),
        ({"images": np.zeros((2, 64)), "image_shape": (4, 8)}, ValueError, ["32 pixels", "64"]),
        ({"images": np.zeros(64)}, ValueError, ["(n_images, height, width)", "(64,)"]),
        ({"images": np.zeros((0, 8, 8))}, ValueError, ["empty"]),
        ({"images": np.full((1, 8, 8), np.nan)}, ValueError, ["NaN"]),
        ({"images": [["a"]]}, TypeError, ["numbers"]),
    ],
)
def test_bad_histogram_settings_are_named(settings, error, words):
    arguments = {"images": np.zeros((2, 8, 8)), **settings}
    with pytest.raises(error) as raised:
        edge_histograms(**arguments)
    for word in words:
        assert word in str(raised.value)


# --- What the features are for -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_forest_sees_shapes_better_in_edges_than_in_pixels(seed):
    """On 600 pictures (300 to train), edge histograms beat raw pixels by 25 points."""
    from dllab.core.baselines import fit_baseline
    from dllab.core.data import Dataset, Split, split
    from dllab.core.shapes import make_shapes

    data = split(make_shapes(600, noise=0.1, seed=seed), train_share=0.5, seed=seed)
    on_pixels = fit_baseline("random_forest", data, seed=seed).test_score
    train_edges, test_edges = edge_histograms(data.X_train), edge_histograms(data.X_test)
    edges = Dataset(
        "shapes' edges",
        np.vstack([train_edges, test_edges]),
        np.concatenate([data.y_train, data.y_test]),
        "multiclass",
        data.dataset.classes,
    )
    edge_data = Split(edges, train_edges, data.y_train, test_edges, data.y_test, 0.5)
    on_edges = fit_baseline("random_forest", edge_data, seed=seed).test_score
    assert on_edges > on_pixels + 0.25


def test_edge_split_keeps_the_split_and_gives_each_picture_its_histograms():
    from dllab.core.data import split
    from dllab.core.edges import edge_split
    from dllab.core.shapes import make_shapes

    data = split(make_shapes(40, 0.1, 0), 0.5, seed=0)
    edges = edge_split(data)
    assert edges.X_train.shape == (20, 81) and np.array_equal(edges.y_test, data.y_test)
    assert np.allclose(edges.X_test[0], edge_histograms(data.X_test[:1], image_shape=(24, 24))[0])
