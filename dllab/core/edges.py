"""Hand-crafted edge features for small pictures: the kind of features a person designs.

`edge_histograms` is a simple histogram of oriented gradients (HOG, Dalal and Triggs 2005):
find the edges with Sobel's two 3 x 3 kernels, then cut the picture into a grid of cells
and, in each cell, add up how much edge there is in each direction. A square gives two
directions at right angles, a triangle three at 60 degrees, a circle every direction a
little; the grid keeps a rough idea of where each edge is.

For a page, in two sentences: "Each pixel's edge strength and direction come from
comparing its neighbours left with right and above with below. The picture is cut into
a grid of cells, and each cell counts how much edge it holds in each of a few
directions: these counts are the features."

Angles are in radians, measured counterclockwise from the x axis pointing right, with
the y axis pointing up (rows of an image go down). A kernel is applied as a neural
network's convolution layer does: each output is the sum of the kernel times the window
of pixels under it (no flip).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .checks import check_int
from .dataset import Dataset, Split

# Sobel's kernels for the brightness gradient along x (rightwards) and along y (upwards),
# scaled so that a ramp rising by 1 per pixel gives 1.
SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 8.0
SOBEL_Y = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]]) / 8.0

# A 3 x 3 grid of 9-direction histograms (every 20 degrees, as Dalal and Triggs chose): of
# the grids from 1 x 1 to 6 x 6 cells, a random forest does best with it on 24 x 24 shapes.
DEFAULT_CELLS = 3
DEFAULT_BINS = 9
MAX_CELLS = 16
MAX_BINS = 36
MAX_KERNEL_SIZE = 15


def sobel_kernels(angles: ArrayLike) -> NDArray[np.float64]:
    """Edge detectors `(n_angles, 3, 3)`: the brightness gradient along each angle.

    The kernel for angle a is cos(a) * SOBEL_X + sin(a) * SOBEL_Y: it responds most to an
    edge across which brightness rises in direction a, so angle 0 finds vertical edges
    dark on the left, angle pi / 2 horizontal edges dark below. Each kernel sums to 0.
    """
    angles = _check_angles(angles)
    return np.cos(angles)[:, None, None] * SOBEL_X + np.sin(angles)[:, None, None] * SOBEL_Y


def bar_kernels(angles: ArrayLike, size: int = 5) -> NDArray[np.float64]:
    """Line detectors `(n_angles, size, size)`: a bright bar one pixel wide along each angle.

    The bar goes through the kernel's centre in direction a (0 is horizontal, pi / 2
    vertical), drawn anti-aliased; the kernel then has its mean taken off (a flat patch
    gives 0) and unit length (sum of squares 1), so that kernels of every angle compare.
    `size` is odd, from 3 to 15.
    """
    angles = _check_angles(angles)
    size = check_int("size", size, 3, MAX_KERNEL_SIZE)
    if size % 2 == 0:
        raise ValueError(f"size={size} is not allowed: a kernel needs a centre, so an odd size")
    offset = np.arange(size) - size // 2
    x = offset[None, None, :]
    y = -offset[None, :, None]  # the y axis points up, rows go down
    # Distance of each pixel centre from the line through the centre along the angle.
    across = np.abs(-np.sin(angles)[:, None, None] * x + np.cos(angles)[:, None, None] * y)
    bars = np.clip(1.0 - across, 0.0, 1.0)
    bars -= bars.mean(axis=(1, 2), keepdims=True)
    return bars / np.linalg.norm(bars, axis=(1, 2), keepdims=True)


def gradients(images: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Brightness gradients `(gx, gy)`, each `(n_images, height, width)`, by Sobel's kernels.

    `images : (n_images, height, width)`; the edge pixels are repeated outwards first, so
    that the outputs keep the pictures' shape and a picture's border makes no edge.
    """
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="edge")
    # Sobel's kernels in two steps: the difference across (right less left, above less
    # below), then a 1-2-1 average along; a flat patch gives exactly 0.
    across_x = padded[:, :, 2:] - padded[:, :, :-2]
    gx = (across_x[:, :-2] + 2 * across_x[:, 1:-1] + across_x[:, 2:]) / 8
    across_y = padded[:, :-2, :] - padded[:, 2:, :]
    gy = (across_y[:, :, :-2] + 2 * across_y[:, :, 1:-1] + across_y[:, :, 2:]) / 8
    return gx, gy


def edge_histograms(
    images: ArrayLike,
    cells: int = DEFAULT_CELLS,
    bins: int = DEFAULT_BINS,
    image_shape: tuple[int, int] | None = None,
) -> NDArray[np.float64]:
    """Edge-orientation histograms `(n_images, cells * cells * bins)` of grayscale pictures.

    images : `(n_images, height, width)`, or `(n_images, height * width)` rows of a
        Dataset's X, with `image_shape=(height, width)` (square pictures if None).
    cells : the picture is cut into a `cells x cells` grid (from 1 to 16, at most the
        picture's side); one histogram per cell, cells in reading order.
    bins : directions per histogram, from 2 to 36, over 180 degrees: an edge from dark to
        bright and one from bright to dark count alike. Bin k is centred on k * 180 / bins
        degrees of the gradient, so bin 0 holds vertical edges (brightness changing from
        left to right); each pixel's edge strength is shared between its two nearest bins.

    Each picture's features are divided by their length (square root of the sum of
    squares), so the features do not change when a picture is made brighter (a constant
    added), its contrast raised or lowered (multiplied by a positive number) or its
    colours inverted; turning a picture by 90 degrees moves every edge by bins / 2 bins.
    """
    images = _check_images(images, image_shape)
    cells = check_int("cells", cells, 1, MAX_CELLS)
    bins = check_int("bins", bins, 2, MAX_BINS)
    n_images, height, width = images.shape
    if cells > min(height, width):
        raise ValueError(
            f"cells={cells} is not allowed for pictures of {height} x {width} pixels: "
            f"a cell needs one pixel at least, so cells must be at most {min(height, width)}"
        )
    gx, gy = gradients(images)
    strength = np.hypot(gx, gy)
    direction = np.mod(np.arctan2(gy, gx), np.pi)  # 0 to pi: the sign of an edge is dropped

    position = direction / (np.pi / bins)  # in bins, bin k centred on k
    lower = np.floor(position)
    upper_share = position - lower
    lower_bin = lower.astype(np.int64) % bins
    upper_bin = (lower_bin + 1) % bins

    cell_row = np.arange(height) * cells // height
    cell_column = np.arange(width) * cells // width
    cell = cell_row[:, None] * cells + cell_column[None, :]  # (height, width)
    first_bin = (np.arange(n_images)[:, None, None] * cells * cells + cell) * bins
    n_features = cells * cells * bins
    histograms = np.bincount(
        np.concatenate([(first_bin + lower_bin).ravel(), (first_bin + upper_bin).ravel()]),
        weights=np.concatenate(
            [(strength * (1 - upper_share)).ravel(), (strength * upper_share).ravel()]
        ),
        minlength=n_images * n_features,
    ).reshape(n_images, n_features)
    length = np.linalg.norm(histograms, axis=1, keepdims=True)
    return histograms / np.maximum(length, 1e-12)


def _check_angles(angles: Any) -> NDArray[np.float64]:
    try:
        array = np.atleast_1d(np.asarray(angles, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"angles must be numbers (radians); got {angles!r}") from None
    if array.ndim != 1 or array.size == 0 or not np.isfinite(array).all():
        raise ValueError(
            f"angles={angles!r} is not allowed: give one angle or a list of finite angles "
            "in radians"
        )
    return array


def _check_images(images: Any, image_shape: Any) -> NDArray[np.float64]:
    try:
        array = np.asarray(images, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("images must hold numbers only (grayscale pixel values)") from None
    if array.ndim == 2:
        n_images, n_pixels = array.shape
        if image_shape is None:
            side = round(np.sqrt(n_pixels))
            if side * side != n_pixels:
                raise ValueError(
                    f"images has rows of {n_pixels} pixels, not a square picture: "
                    "give image_shape=(height, width)"
                )
            image_shape = (side, side)
        height, width = (check_int("image_shape", side, 1) for side in image_shape)
        if height * width != n_pixels:
            raise ValueError(
                f"image_shape={tuple(image_shape)} holds {height * width} pixels but each row "
                f"of images has {n_pixels}"
            )
        array = array.reshape(n_images, height, width)
    elif array.ndim != 3:
        raise ValueError(
            "images must be (n_images, height, width) or (n_images, height * width); "
            f"got shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError("images is empty: it needs one picture at least")
    if not np.isfinite(array).all():
        raise ValueError("images contains NaN or infinite values; every pixel must be finite")
    return array


def edge_split(data: Split) -> Split:
    """The same split, each picture replaced by its edge histograms (the default cells and
    bins): the hand-crafted features a traditional model is given."""
    shape = data.dataset.image_shape
    train = edge_histograms(data.X_train, image_shape=shape)
    test = edge_histograms(data.X_test, image_shape=shape)
    edges = Dataset(
        name=f"{data.dataset.name}, edge histograms",
        X=np.vstack([train, test]),
        y=np.concatenate([data.y_train, data.y_test]),
        task=data.dataset.task,
        classes=data.dataset.classes,
    )
    return Split(edges, train, data.y_train, test, data.y_test, data.train_share)
