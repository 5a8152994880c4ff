"""Small grayscale pictures of shapes: the class is the shape, never the place.

`make_shapes` draws the outline of a circle, a square, a triangle or a cross at a random
position, size and rotation on a square canvas, then adds noise. The outlines are sized
to the same perimeter, so every class puts about as much ink on the canvas: counting
bright pixels, or looking at one fixed pixel, tells little. What tells the shapes apart
are their edges and corners (none on a circle, four right angles on a square, three sharp
ones on a triangle, inward corners on a cross), and these can be anywhere in the picture.

Each shape is a signed distance function (negative inside, zero on the outline, in
units of the shape's scale); a pixel's ink is how much of it a stroke of the outline
covers, which anti-aliases the lines. Everything is computed for up to CHUNK pictures of
a class at once: there is no loop over pixels or pictures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_choice, check_float, check_int, check_rng
from .dataset import Dataset
from .playground import MAX_NOISE

SHAPES = ("circle", "square", "triangle", "cross")

DEFAULT_SIZE = 24
DEFAULT_N_SAMPLES = 2000
MAX_SAMPLES = 20_000  # 20,000 pictures of 24 x 24 are 92 MB of float64
# Pictures drawn at once: bounds the memory the drawing takes whatever n_samples.
CHUNK = 1000
MIN_SIZE = 16  # below this a small cross or triangle is a blob of a few pixels
MAX_SIZE = 128

# Perimeter of each outline, as a share of the canvas side: 28 to 50 pixels on 24 x 24
# (a square of side 7 to 12.5, a circle of diameter 9 to 16).
PERIMETER_RANGE = (1.15, 2.1)
STROKE_WIDTH_RANGE = (1.2, 2.0)  # pixels
CONTRAST_RANGE = (0.6, 1.0)  # ink above the background
BACKGROUND_RANGE = (0.0, 0.15)
# Pixels between the canvas' edge and the nearest ink: the outermost row and column stay
# empty, so that every shape is whole.
BORDER = 1.0
# At noise n: Gaussian pixel noise of standard deviation PIXEL_NOISE_PER_NOISE * n, and on
# average SCRATCHES_PER_NOISE * n short scratches (straight strokes of 2 to 5 pixels) put
# anywhere, alike for every class.
PIXEL_NOISE_PER_NOISE = 1.0
SCRATCHES_PER_NOISE = 8.0
SCRATCH_LENGTH_RANGE = (2.0, 5.0)

_CROSS_ARM_HALF_WIDTH = 0.4  # of the arm's half-length


def make_shapes(
    n_samples: int = DEFAULT_N_SAMPLES,
    noise: float = 0.1,
    seed: int | np.random.Generator = 0,
    size: int = DEFAULT_SIZE,
    classes: Sequence[str] = SHAPES,
) -> Dataset:
    """Outlines of shapes at random places, sizes and angles: `X : (n_samples, size * size)`.

    Each row is a `size x size` picture, row by row, with values in [0, 1] (0 is black);
    `y : (n_samples,)` is the index of the shape in `classes`. The classes are balanced
    (their counts differ by one at most) and the samples come in random order.

    n_samples : from 2 to 20,000.
    noise : from 0 to 0.5: the standard deviation of Gaussian pixel noise, and a number
        of random scratches (8 * noise on average per picture). The same seed at another
        noise draws the same outlines with other noise.
    seed : an int or a numpy Generator; the same seed gives the same pictures.
    size : the side of the canvas in pixels, from 16 to 128.
    classes : the shapes to draw, from SHAPES (at least two, no repeats).
    """
    n_samples = check_int("n_samples", n_samples, 2, MAX_SAMPLES)
    noise = check_float("noise", noise, 0.0, MAX_NOISE)
    rng = check_rng("seed", seed)
    size = check_int("size", size, MIN_SIZE, MAX_SIZE)
    classes = _check_classes(classes)

    labels = rng.permutation(np.arange(n_samples) % len(classes))
    # Noise has its own stream: the same seed at another noise draws the same outlines.
    noise_rng = np.random.default_rng(rng.integers(2**63))
    images = np.empty((n_samples, size, size))
    for label, name in enumerate(classes):
        members = np.flatnonzero(labels == label)
        for start in range(0, len(members), CHUNK):
            chunk = members[start : start + CHUNK]
            pictures = draw_outlines(name, len(chunk), size, rng)
            _add_noise(pictures, noise, noise_rng)
            images[chunk] = pictures
    return Dataset(
        name="shapes",
        X=images.reshape(n_samples, size * size),
        y=labels.astype(np.int64),
        task="multiclass",
        classes=classes,
        input_names=tuple(f"pixel {index}" for index in range(size * size)),
        image_shape=(size, size),
    )


def draw_outlines(
    shape: str, n_images: int, size: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """`n_images` noiseless pictures `(n_images, size, size)` of `shape`, in [0, 1].

    Each outline has a random perimeter (PERIMETER_RANGE times `size`, shrunk if the turned
    shape would not fit), stroke width, angle, contrast and background, and a random place
    where all of it fits inside the canvas with BORDER pixels to spare.
    """
    shape = check_choice("shape", shape, SHAPES)
    distance_at, unit_perimeter, unit_corners = _OUTLINES[shape]
    stroke = rng.uniform(*STROKE_WIDTH_RANGE, n_images)
    angle = rng.uniform(0.0, 2 * np.pi, n_images)
    scale = rng.uniform(*PERIMETER_RANGE, n_images) * size / unit_perimeter

    # Extent of the turned shape around its centre, (n_images,) each, in pixels.
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    corners_x = cos * unit_corners[:, 0] - sin * unit_corners[:, 1]
    corners_y = sin * unit_corners[:, 0] + cos * unit_corners[:, 1]
    low_x, high_x = corners_x.min(axis=1), corners_x.max(axis=1)
    low_y, high_y = corners_y.min(axis=1), corners_y.max(axis=1)
    # Ink reaches half a stroke plus half a pixel (the anti-aliasing) past the outline.
    reach = stroke / 2 + 0.5 + BORDER
    room = size - 2 * reach
    scale = np.minimum(scale, room / np.maximum(high_x - low_x, high_y - low_y))
    # The centre goes anywhere the shape fits (no room left over for a shape made to fit).
    free_x = np.maximum(room - scale * (high_x - low_x), 0.0)
    free_y = np.maximum(room - scale * (high_y - low_y), 0.0)
    centre_x = reach - scale * low_x + rng.random(n_images) * free_x
    centre_y = reach - scale * low_y + rng.random(n_images) * free_y

    # Pixel centres in the shape's own frame: moved to its centre, turned back, scaled.
    pixel = np.arange(size) + 0.5
    dx = pixel[None, None, :] - centre_x[:, None, None]
    dy = pixel[None, :, None] - centre_y[:, None, None]
    cos, sin = cos[:, :, None], sin[:, :, None]
    local_x = (cos * dx + sin * dy) / scale[:, None, None]
    local_y = (-sin * dx + cos * dy) / scale[:, None, None]
    distance = np.abs(distance_at(local_x, local_y)) * scale[:, None, None]  # in pixels
    # Share of the pixel the stroke covers, as a box filter one pixel wide.
    ink = np.clip(stroke[:, None, None] / 2 + 0.5 - distance, 0.0, 1.0)

    contrast = rng.uniform(*CONTRAST_RANGE, n_images)[:, None, None]
    background = rng.uniform(*BACKGROUND_RANGE, n_images)[:, None, None]
    return background + contrast * ink


# --- Signed distances of the unit shapes (after Inigo Quilez's 2-D distance functions) ----


def _circle_distance(x: NDArray, y: NDArray) -> NDArray:
    """Circle of radius 1."""
    return np.hypot(x, y) - 1.0


def _box_distance(x: NDArray, y: NDArray, half_width: float, half_height: float) -> NDArray:
    qx, qy = np.abs(x) - half_width, np.abs(y) - half_height
    outside = np.hypot(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    return outside + np.minimum(np.maximum(qx, qy), 0.0)


def _square_distance(x: NDArray, y: NDArray) -> NDArray:
    """Square of side 2."""
    return _box_distance(x, y, 1.0, 1.0)


def _triangle_distance(x: NDArray, y: NDArray) -> NDArray:
    """Equilateral triangle of side 2, centred on its centroid, one corner up."""
    k = np.sqrt(3.0)
    px = np.abs(x) - 1.0
    py = -y + 1.0 / k  # image rows grow downwards: the corner at y = -2/sqrt(3) is up
    fold = px + k * py > 0
    px, py = (
        np.where(fold, (px - k * py) / 2, px),
        np.where(fold, (-k * px - py) / 2, py),
    )
    px = px - np.clip(px, -2.0, 0.0)
    return -np.hypot(px, py) * np.sign(py)


def _cross_distance(x: NDArray, y: NDArray) -> NDArray:
    """Plus sign of two arms 2 long and 2 * _CROSS_ARM_HALF_WIDTH wide."""
    arm_length, arm_width = 1.0, _CROSS_ARM_HALF_WIDTH
    ax, ay = np.abs(x), np.abs(y)
    px, py = np.maximum(ax, ay), np.minimum(ax, ay)  # fold onto the arm along x
    qx, qy = px - arm_length, py - arm_width
    k = np.maximum(qx, qy)
    wx = np.where(k > 0, qx, arm_width - px)
    wy = np.where(k > 0, qy, -k)
    return np.sign(k) * np.hypot(np.maximum(wx, 0.0), np.maximum(wy, 0.0))


def _cross_corners() -> NDArray[np.float64]:
    """The plus sign's 8 outer corners (its 4 inner ones never set its extent)."""
    a, w = 1.0, _CROSS_ARM_HALF_WIDTH
    signs = np.array([(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)])
    return np.concatenate([signs * (a, w), signs * (w, a)])


def _circle_points(n_points: int = 32) -> NDArray[np.float64]:
    # The corners of a polygon drawn around the circle: at any angle, its extent is the
    # circle's, give or take 0.5 %.
    turn = np.linspace(0.0, 2 * np.pi, n_points, endpoint=False)
    return np.column_stack([np.cos(turn), np.sin(turn)]) / np.cos(np.pi / n_points)


_SQRT3 = np.sqrt(3.0)
# shape -> (signed distance, perimeter of the unit shape, points that bound it)
_OUTLINES: dict[str, tuple[Callable[[NDArray, NDArray], NDArray], float, NDArray]] = {
    "circle": (_circle_distance, 2 * np.pi, _circle_points()),
    "square": (
        _square_distance,
        8.0,
        np.array([(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)]),
    ),
    "triangle": (
        _triangle_distance,
        6.0,
        np.array([(0.0, -2 / _SQRT3), (1.0, 1 / _SQRT3), (-1.0, 1 / _SQRT3)]),
    ),
    # A plus sign's outline: 4 ends of 2w and 8 sides of (1 - w), 8 in all whatever w.
    "cross": (_cross_distance, 8.0, _cross_corners()),
}


def _add_noise(images: NDArray[np.float64], noise: float, rng: np.random.Generator) -> None:
    """Scratches and Gaussian pixel noise, in place, then clip to [0, 1]."""
    if noise > 0:
        n_images, size, _ = images.shape
        background = images.min(axis=(1, 2))[:, None, None]  # no outline fills a picture
        n_scratches = rng.poisson(SCRATCHES_PER_NOISE * noise, n_images)
        # The k-th scratch of every picture that has k or more, one round per k.
        for round_number in range(int(n_scratches.max(initial=0))):
            owners = np.flatnonzero(n_scratches > round_number)
            scratches = _draw_scratches(len(owners), size, rng)
            contrast = rng.uniform(*CONTRAST_RANGE, len(owners))[:, None, None]
            # Where strokes cross, the brightest ink wins, as for pen strokes.
            images[owners] = np.maximum(images[owners], background[owners] + contrast * scratches)
        images += rng.normal(0.0, PIXEL_NOISE_PER_NOISE * noise, images.shape)
    np.clip(images, 0.0, 1.0, out=images)


def _draw_scratches(n_scratches: int, size: int, rng: np.random.Generator) -> NDArray:
    """Ink `(n_scratches, size, size)` of straight strokes 1 pixel wide, anywhere."""
    length = rng.uniform(*SCRATCH_LENGTH_RANGE, n_scratches)[:, None, None]
    angle = rng.uniform(0.0, np.pi, n_scratches)
    centre = rng.uniform(0.0, size, (n_scratches, 2))
    pixel = np.arange(size) + 0.5
    dx = pixel[None, None, :] - centre[:, 0, None, None]
    dy = pixel[None, :, None] - centre[:, 1, None, None]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    along = np.clip(cos * dx + sin * dy, -length / 2, length / 2)
    distance = np.hypot(dx - along * cos, dy - along * sin)
    return np.clip(1.0 - distance, 0.0, 1.0)


def _check_classes(classes: Any) -> tuple[str, ...]:
    if isinstance(classes, str) or not isinstance(classes, Sequence):
        raise TypeError(f"classes must be a list of shape names from {SHAPES}; got {classes!r}")
    names = tuple(check_choice("classes", name, SHAPES) for name in classes)
    if len(names) < 2:
        raise ValueError(f"classes={list(names)} is not allowed: it needs two shapes at least")
    if len(set(names)) != len(names):
        raise ValueError(f"classes={list(names)} names a shape twice")
    return names
