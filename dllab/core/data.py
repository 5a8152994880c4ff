"""Data sets: TensorFlow Playground's six 2-D sets, scikit-learn's digits, and your own
data, with `make_dataset` to build any of the named ones. The pieces live in
`dataset` (the containers and the split), `playground` (the 2-D generators) and
`own_data` (arrays and CSV files); this module gathers them.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .checks import (
    check_choice,
    check_int,
    check_rng,
)
from .dataset import (
    LABELS_ALLOWED,
    MAX_TRAIN_SHARE,
    MIN_TRAIN_SHARE,
    TASKS,
    Dataset,
    Split,
    check_split,
    split,
)
from .own_data import MAX_INFERRED_CLASSES, MISSING_MARKERS, from_arrays, from_csv
from .playground import (
    DEFAULT_N_SAMPLES,
    GENERATORS,
    MAX_NOISE,
    MAX_SAMPLES,
    PLAYGROUND_EXTENT,
    PLAYGROUND_SETS,
    check_noise,
    circle,
    gauss,
    multi_gauss,
    plane,
    spiral,
    xor,
)
from .shapes import DEFAULT_N_SAMPLES as SHAPES_N_SAMPLES
from .shapes import make_shapes

DATASETS = PLAYGROUND_SETS + ("digits", "shapes")

__all__ = [
    "DATASETS",
    "DEFAULT_N_SAMPLES",
    "GENERATORS",
    "LABELS_ALLOWED",
    "MAX_INFERRED_CLASSES",
    "MAX_NOISE",
    "MAX_SAMPLES",
    "MAX_TRAIN_SHARE",
    "MIN_TRAIN_SHARE",
    "MISSING_MARKERS",
    "PLAYGROUND_EXTENT",
    "PLAYGROUND_SETS",
    "TASKS",
    "Dataset",
    "Split",
    "check_split",
    "circle",
    "from_arrays",
    "from_csv",
    "gauss",
    "load_digits",
    "make_dataset",
    "multi_gauss",
    "plane",
    "spiral",
    "split",
    "xor",
]


# --- Digits and the entry point ---------------------------------------------------------------


def _digits_table() -> NDArray[np.float64]:
    """scikit-learn's digits file, (1797, 65): 64 pixels 0..16, then the digit.

    Read straight from scikit-learn's package folder, without importing scikit-learn:
    that import (with SciPy) adds about 70 MB to every kernel that shows digits, and
    a workshop server runs one kernel per learner."""
    spec = importlib.util.find_spec("sklearn")  # finds the folder, runs none of its code
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            with gzip.open(path, "rt", encoding="utf-8") as file:
                return np.loadtxt(file, delimiter=",")
    from sklearn.datasets import load_digits as sklearn_load_digits  # the file has moved

    digits = sklearn_load_digits()
    return np.column_stack([digits.data, digits.target]).astype(np.float64)


def load_digits() -> Dataset:
    """scikit-learn's 1797 handwritten digits: `X : (1797, 64)` pixels in [0, 1], 10 classes."""
    table = _digits_table()
    return Dataset(
        name="digits",
        X=np.ascontiguousarray(table[:, :-1], dtype=np.float64) / 16.0,
        y=table[:, -1].astype(np.int64),
        task="multiclass",
        classes=tuple(str(digit) for digit in range(10)),
        input_names=tuple(f"pixel {index}" for index in range(64)),
        image_shape=(8, 8),
    )


def make_dataset(
    name: str,
    noise: float = 0.0,
    seed: int | np.random.Generator = 0,
    n_samples: int | None = None,
) -> Dataset:
    """Build the data set `name` (one of DATASETS) with `noise` in [0, 0.5].

    `n_samples` defaults to the playground's (500 for classification, 1200 for regression);
    for digits, None means all 1797 and a number picks a class-balanced random subset.
    Digits ignores `noise`.
    """
    name = check_choice("name", name, DATASETS)
    noise = check_noise(noise)
    rng = check_rng("seed", seed)
    if name == "digits":
        digits = load_digits()
        if n_samples is None:
            return digits
        n_samples = check_int("n_samples", n_samples, 2, digits.n_samples)
        keep = _balanced_subset(digits.y, n_samples, rng)
        return replace(digits, X=digits.X[keep], y=digits.y[keep])
    if name == "shapes":
        return make_shapes(SHAPES_N_SAMPLES if n_samples is None else n_samples, noise, rng)
    if n_samples is None:
        n_samples = DEFAULT_N_SAMPLES[name]
    return GENERATORS[name](n_samples, noise, rng)


def _balanced_subset(labels: NDArray, n_keep: int, rng: np.random.Generator) -> NDArray:
    """Sorted indices of `n_keep` samples drawn at random, the classes as even as possible."""
    order = rng.permutation(len(labels))
    rank_in_class = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = labels[order] == label
        rank_in_class[members] = np.arange(members.sum())
    # Round-robin over the classes: every class's first pick, then every second pick, ...
    chosen = order[np.lexsort((np.arange(len(labels)), rank_in_class))][:n_keep]
    return np.sort(chosen)
