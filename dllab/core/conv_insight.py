"""What a trained convolutional network's layers hold, measured: how much its first
layer's kernels look like the edge detectors a person would design (and how often fresh
random kernels do so by chance), each channel's feature maps scaled for a picture, and
the test pictures each class output is surest of.

NumPy only; the image lesson (`dllab.lessons.images`) draws what these compute.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_float, check_int
from .edges import bar_kernels, sobel_kernels
from .layer_specs import Conv

Array = NDArray[np.floating]
EDGE_ANGLES = np.arange(8) * np.pi / 4  # Sobel kernels every 45 degrees
BAR_ANGLES = np.arange(4) * np.pi / 4
# A kernel this correlated with one of Sobel's kernels counts as edge-like. Fresh random
# 3 x 3 kernels reach 0.8 4.0% of the time; the lesson's network, trained, had 36% of its
# first-layer kernels there (80 kernels of 10 networks, benchmarks/bench_edge_likeness.py).
# At 0.6 with bars added to the templates, fresh kernels already passed 56% of the time.
EDGE_LIKE = 0.8
CHANCE_KERNELS = 100_000  # fresh kernels drawn to measure the share reached by chance


def edge_templates(bars: bool = False) -> NDArray[np.float64]:
    """`(8, 3, 3)`: Sobel's edge kernels every 45 degrees; with `bars`, also bars one
    pixel wide every 45 degrees (12 in all)."""
    edges = sobel_kernels(EDGE_ANGLES)
    return np.concatenate([edges, bar_kernels(BAR_ANGLES, 3)]) if bars else edges


def template_match(kernels: Any, templates: Any) -> NDArray[np.float64]:
    """For each kernel `(n, h, w)` (or `(n, 1, h, w)`), its best absolute correlation with
    any of `templates (m, h, w)`: 1 is the template or its negative, 0 nothing alike.

    Correlation is taken after the mean of each is taken off (a flat kernel gives 0)."""
    kernels = np.asarray(kernels, dtype=np.float64)
    templates = np.asarray(templates, dtype=np.float64)
    if kernels.ndim == 4:
        if kernels.shape[1] != 1:
            raise ValueError(
                f"kernels of shape {kernels.shape} read {kernels.shape[1]} channels: give "
                "the first layer's kernels, which read one (the picture)"
            )
        kernels = kernels[:, 0]
    if kernels.ndim != 3 or templates.ndim != 3 or kernels.shape[1:] != templates.shape[1:]:
        raise ValueError(
            f"kernels {kernels.shape} and templates {templates.shape} must be (n, h, w) "
            "pictures of one size"
        )
    a = _unit_rows(kernels.reshape(len(kernels), -1))
    b = _unit_rows(templates.reshape(len(templates), -1))
    return np.abs(a @ b.T).max(axis=1)


def edge_like_share(kernels: Any, threshold: float = EDGE_LIKE, templates: Any = None) -> float:
    """The share of 3 x 3 first-layer `kernels` whose best match with `templates`
    (`edge_templates()` if None) is at least `threshold`."""
    threshold = check_float("threshold", threshold, 0.0, 1.0)
    templates = edge_templates() if templates is None else templates
    return float(np.mean(template_match(kernels, templates) >= threshold))


def chance_edge_share(
    layer: Conv,
    threshold: float = EDGE_LIKE,
    count: int = CHANCE_KERNELS,
    seed: int = 0,
    templates: Any = None,
) -> float:
    """The share of `count` fresh kernels, drawn as `layer` (a first convolutional layer,
    one input channel) draws its initial weights, that `edge_like_share` counts: what
    training has to beat."""
    if not isinstance(layer, Conv):
        raise TypeError(f"layer must be a Conv layer; got {type(layer).__name__}")
    count = check_int("count", count, 1, 10_000_000)
    weights = np.empty((count, 1, layer.size, layer.size))
    layer.initialize(weights, np.empty(count), np.random.default_rng(seed))
    return edge_like_share(weights, threshold, templates)


def chance_of_at_least(count: int, total: int, chance: float) -> float:
    """The probability that `total` fresh kernels, each edge-like with probability
    `chance`, give `count` edge-like ones or more (a binomial tail)."""
    total = check_int("total", total, 0)
    count = check_int("count", count, 0, total)
    chance = check_float("chance", chance, 0.0, 1.0)
    if count == 0:
        return 1.0  # the sum below rounds it to 0.9999999999999998
    return float(
        sum(
            math.comb(total, k) * chance**k * (1 - chance) ** (total - k)
            for k in range(count, total + 1)
        )
    )


def scaled_maps(maps: Any) -> NDArray[np.float64]:
    """Feature maps `(channels, h, w)` each divided by its largest absolute value, so
    that every tile fills [-1, 1] (a map of zeros stays zeros)."""
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3:
        raise ValueError(f"maps must be (channels, height, width); got shape {maps.shape}")
    scale = np.abs(maps).max(axis=(1, 2), keepdims=True)
    return maps / np.where(scale > 0, scale, 1.0)


def surest(probabilities: Any, count: int) -> NDArray[np.int64]:
    """`(n_classes, count)`: for each class, the rows of `probabilities (n, n_classes)`
    it gets the highest probability, highest first."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or len(probabilities) == 0:
        raise ValueError(f"probabilities must be (n_samples, n_classes); got {probabilities.shape}")
    count = check_int("count", count, 1, len(probabilities))
    return np.argsort(-probabilities, axis=0, kind="stable")[:count].T


def top_patches(maps: Any, images: Any, field: int, stride: int, count: int) -> NDArray[np.float64]:
    """For each channel of `maps (n_images, channels, h, w)`, the `count` patches of
    `images (n_images, H, W)` (each `field x field`, centred under the map's cell, which
    covers `stride` pixels) where the channel is largest: `(channels, count, field, field)`."""
    maps = np.asarray(maps, dtype=np.float64)
    images = np.asarray(images, dtype=np.float64)
    if maps.ndim != 4 or images.ndim != 3 or len(maps) != len(images):
        raise ValueError(
            f"maps {maps.shape} must be (n_images, channels, h, w) and images {images.shape} "
            "(n_images, H, W), one map per image"
        )
    field = check_int("field", field, 1, 64)
    stride = check_int("stride", stride, 1, 64)
    n, channels, h, w = maps.shape
    count = check_int("count", count, 1, n * h * w)
    pad = field
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))
    flat = maps.transpose(1, 0, 2, 3).reshape(channels, -1)
    best = np.argsort(-flat, axis=1, kind="stable")[:, :count]
    image, row, column = np.unravel_index(best, (n, h, w))
    top = (row * stride + (stride - field) // 2 + pad).ravel()
    left = (column * stride + (stride - field) // 2 + pad).ravel()
    rows = top[:, None] + np.arange(field)
    columns = left[:, None] + np.arange(field)
    patches = padded[image.ravel()[:, None, None], rows[:, :, None], columns[:, None, :]]
    return patches.reshape(channels, count, field, field)


def _unit_rows(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    rows = rows - rows.mean(axis=1, keepdims=True)
    length = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(length > 0, length, 1.0)
