"""Data sets: TensorFlow Playground's six 2-D sets, scikit-learn's digits, and your own data.

Label conventions, shared by the network trainer and the widgets:

- binary: `y` is float64 -1.0 / +1.0, the playground's labels;
- multiclass: `y` is int64 0..K-1, indexing `Dataset.classes`;
- regression: `y` is float64.

The 2-D generators follow the playground's `src/dataset.ts`: one signature
`(n_samples, noise, rng) -> Dataset`, with a NumPy Generator in place of `Math.random`.
"""

from __future__ import annotations

import array
import collections
import csv
import gzip
import importlib.util
import itertools
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from numbers import Integral
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .checks import (
    check_choice,
    check_float,
    check_int,
    check_labels,
    check_matrix,
    check_rng,
    is_number,
    open_regular_file,
)

TASKS = ("regression", "binary", "multiclass")
PLAYGROUND_SETS = ("circle", "xor", "gauss", "spiral", "plane", "multi_gauss")
DATASETS = PLAYGROUND_SETS + ("digits",)

MAX_NOISE = 0.5  # the playground's noise slider goes from 0 to 50 %
MAX_SAMPLES = 100_000
PLAYGROUND_EXTENT = 6.0  # the playground draws its sets on [-6, 6]^2
MIN_TRAIN_SHARE, MAX_TRAIN_SHARE = 0.1, 0.9
# Cells of a CSV file read as "no value here".
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})

LABELS_ALLOWED = "finite numbers or class names, none missing"

_PLAYGROUND_INPUTS = ("x1", "x2")
_SIGN_CLASSES = ("-1", "+1")


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Inputs `X : (n_samples, n_inputs)` and labels `y : (n_samples,)` for one task.

    `y` is float64 -1/+1 for binary, int64 0..K-1 for multiclass and float64 for regression.
    `extent` is the half-width of the square input domain of a 2-D set (None otherwise).
    """

    name: str
    X: NDArray[np.float64]
    y: NDArray
    task: str
    classes: tuple[str, ...] = ()
    input_names: tuple[str, ...] = ()
    image_shape: tuple[int, int] | None = None
    extent: float | None = None

    def __post_init__(self) -> None:
        check_choice("task", self.task, TASKS)
        if self.X.ndim != 2 or self.y.shape != (self.X.shape[0],):
            raise ValueError(
                f"Dataset needs X of shape (n_samples, n_inputs) and y of shape (n_samples,); "
                f"got X {self.X.shape} and y {self.y.shape}"
            )

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.X.shape[1]

    @property
    def n_classes(self) -> int:
        """0 for regression, 2 for binary, K for multiclass."""
        if self.task == "regression":
            return 0
        if self.task == "binary":
            return 2
        return len(self.classes) if self.classes else int(self.y.max()) + 1

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, {self.task}, "
            f"{self.n_samples} samples x {self.n_inputs} inputs)"
        )


@dataclass(frozen=True, eq=False, repr=False)
class Split:
    """A data set shuffled and cut into a training part and a test part."""

    dataset: Dataset
    X_train: NDArray[np.float64]
    y_train: NDArray
    X_test: NDArray[np.float64]
    y_test: NDArray
    train_share: float

    def __repr__(self) -> str:
        return f"Split({self.dataset!r}, train {len(self.y_train)}, test {len(self.y_test)})"


# --- TensorFlow Playground's 2-D sets -------------------------------------------------------


def circle(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Class +1 inside radius 2.5, class -1 on the ring from radius 3.5 to 5.

    The first half of the points is drawn at radius U(0, 2.5), the second at U(3.5, 5).
    Noise does not move a point: its label is read at the point shifted by U(-5, 5) * noise
    on each axis, so noisy labels flip near the boundary.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    radius = 5.0
    n_inside, n_outside = _halves(n_samples)
    distance = np.concatenate(
        [rng.uniform(0.0, 0.5 * radius, n_inside), rng.uniform(0.7 * radius, radius, n_outside)]
    )
    angle = rng.uniform(0.0, 2 * np.pi, n_samples)
    X = np.column_stack([distance * np.sin(angle), distance * np.cos(angle)])
    label_at = X + rng.uniform(-radius, radius, (n_samples, 2)) * noise
    y = np.where(np.hypot(label_at[:, 0], label_at[:, 1]) < 0.5 * radius, 1.0, -1.0)
    return _playground_set("circle", X, y, "binary")


def xor(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Label sign(x1 * x2) (+1 on the axes): +1 in the first and third quadrants.

    Coordinates are U(-5, 5) pushed 0.3 away from the axes. As for `circle`, noise shifts
    the point at which the label is read by U(-5, 5) * noise on each axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    padding = 0.3
    X = rng.uniform(-5.0, 5.0, (n_samples, 2))
    X += np.where(X > 0, padding, -padding)
    label_at = X + rng.uniform(-5.0, 5.0, (n_samples, 2)) * noise
    y = np.where(label_at[:, 0] * label_at[:, 1] >= 0, 1.0, -1.0)
    return _playground_set("xor", X, y, "binary")


def gauss(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two Gaussian clusters: class +1 around (2, 2), class -1 around (-2, -2).

    Noise sets the variance of each coordinate, mapped linearly from [0, 0.5] to [0.5, 4].
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    variance = 0.5 + (4.0 - 0.5) * noise / MAX_NOISE
    n_positive, n_negative = _halves(n_samples)
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n_positive, n_negative], axis=0)
    X = rng.normal(centres, np.sqrt(variance))
    y = np.repeat([1.0, -1.0], [n_positive, n_negative])
    return _playground_set("gauss", X, y, "binary")


def spiral(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Two interleaved spiral arms, class +1 and class -1 (the +1 arm turned by pi).

    Point i of an arm of n points sits at radius r = 5 i / n and angle
    t = 1.75 * 2 pi i / n + delta, as (r sin t, r cos t), moved by U(-1, 1) * noise per axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    n_positive, n_negative = _halves(n_samples)
    X = np.concatenate(
        [_spiral_arm(n_positive, 0.0, noise, rng), _spiral_arm(n_negative, np.pi, noise, rng)]
    )
    y = np.repeat([1.0, -1.0], [n_positive, n_negative])
    return _playground_set("spiral", X, y, "binary")


def _spiral_arm(
    n_points: int, delta: float, noise: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    step = np.arange(n_points) / n_points
    radius = 5.0 * step
    angle = 1.75 * 2 * np.pi * step + delta
    arm = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return arm + rng.uniform(-1.0, 1.0, (n_points, 2)) * noise


def plane(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Regression on a tilted plane: y = (x1 + x2) / 10 for points U(-6, 6)^2.

    The playground maps x1 + x2 from [-10, 10] onto [-1, 1] without clamping, so y
    reaches +-1.2 (more with noise). Noise shifts the point at which y is read by
    U(-6, 6) * noise on each axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    X = rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2))
    label_at = X + rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2)) * noise
    y = (label_at[:, 0] + label_at[:, 1]) / 10.0
    return _playground_set("plane", X, y, "regression")


_BUMP_CENTRES = np.array(
    [[-4.0, 2.5], [0.0, 2.5], [4.0, 2.5], [-4.0, -2.5], [0.0, -2.5], [4.0, -2.5]]
)
_BUMP_SIGNS = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])


def multi_gauss(n_samples: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Regression on six cone-shaped bumps of height +-1 in a 3 x 2 grid, for points U(-6, 6)^2.

    Each bump is sign * clip(1 - distance / 2, 0, 1); y is the bump largest in absolute
    value, 0 further than 2 from every centre. Noise shifts the point at which y is read
    by U(-6, 6) * noise on each axis.
    """
    n_samples, noise, rng = _check_generator_args(n_samples, noise, rng)
    X = rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2))
    label_at = X + rng.uniform(-PLAYGROUND_EXTENT, PLAYGROUND_EXTENT, (n_samples, 2)) * noise
    distances = np.linalg.norm(label_at[:, None, :] - _BUMP_CENTRES[None, :, :], axis=2)
    bumps = _BUMP_SIGNS * np.clip(1.0 - distances / 2.0, 0.0, 1.0)  # (n_samples, 6)
    # argmax keeps the first of equal bumps, as the playground's strict ">" does.
    strongest = np.argmax(np.abs(bumps), axis=1)
    y = bumps[np.arange(n_samples), strongest]
    return _playground_set("multi_gauss", X, y, "regression")


GENERATORS: dict[str, Callable[[int, float, np.random.Generator], Dataset]] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "plane": plane,
    "multi_gauss": multi_gauss,
}
DEFAULT_N_SAMPLES = {
    "circle": 500,
    "xor": 500,
    "gauss": 500,
    "spiral": 500,
    "plane": 1200,
    "multi_gauss": 1200,
}


def _check_generator_args(
    n_samples: Any, noise: Any, rng: Any
) -> tuple[int, float, np.random.Generator]:
    return (
        check_int("n_samples", n_samples, 2, MAX_SAMPLES),
        _check_noise(noise),
        check_rng("rng", rng),
    )


def _check_noise(noise: Any) -> float:
    allowed = f"a fraction from 0.0 to {MAX_NOISE} (0% to {MAX_NOISE:.0%} noise)"
    try:
        return check_float("noise", noise, 0.0, MAX_NOISE)
    except TypeError:
        raise TypeError(f"noise must be {allowed}; got {noise!r}") from None
    except ValueError:
        raise ValueError(f"noise={noise!r} is not allowed: it must be {allowed}") from None


def _halves(n_samples: int) -> tuple[int, int]:
    # The playground loops `i < numSamples / 2` per class; for an odd count the
    # first class takes the extra point so that the total stays n_samples.
    return n_samples - n_samples // 2, n_samples // 2


def _playground_set(name: str, X: NDArray[np.float64], y: NDArray, task: str) -> Dataset:
    return Dataset(
        name=name,
        X=X,
        y=y,
        task=task,
        classes=_SIGN_CLASSES if task == "binary" else (),
        input_names=_PLAYGROUND_INPUTS,
        extent=PLAYGROUND_EXTENT,
    )


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
    noise = _check_noise(noise)
    rng = check_rng("seed", seed)
    if name == "digits":
        digits = load_digits()
        if n_samples is None:
            return digits
        n_samples = check_int("n_samples", n_samples, 2, digits.n_samples)
        keep = _balanced_subset(digits.y, n_samples, rng)
        return replace(digits, X=digits.X[keep], y=digits.y[keep])
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


# --- Your own data -----------------------------------------------------------------------------

# Whole-number labels with more distinct values than this are read as a quantity to
# predict (regression), not as class numbers, unless `task` says otherwise.
MAX_INFERRED_CLASSES = 20


def from_arrays(
    X: Any,
    y: Any,
    task: str | None = None,
    name: str = "my data",
    input_names: Sequence[str] | None = None,
) -> Dataset:
    """Make a Dataset from inputs `X : (n_samples, n_inputs)` and labels `y : (n_samples,)`.

    With `task=None` the task is inferred from `y`: numbers that are not all whole, or
    whole numbers with more than MAX_INFERRED_CLASSES distinct values (prices, counts)
    -> regression; two distinct values -> binary (mapped to -1/+1 in sorted order); 3 to
    MAX_INFERRED_CLASSES whole numbers, or text -> multiclass (mapped to 0..K-1 in sorted
    order). The original labels are kept, as text, in `classes`. Pass `task` to decide.
    """
    inputs = _check_inputs(X)
    labels = _check_labels(y, inputs.shape[0], "y")
    if not isinstance(name, str):
        raise TypeError(f"name must be a string; got {name!r}")
    names = _check_input_names(input_names, inputs.shape[1])
    return _build_dataset(inputs, labels, task, name, names, "y")


def from_csv(
    path: str | os.PathLike,
    target: str | int = -1,
    task: str | None = None,
    name: str | None = None,
) -> Dataset:
    """Read a comma-separated file with a header row; `target` names or indexes the label column.

    Every other column is an input and must hold numbers. The task is inferred as in
    `from_arrays`; text labels are class names. `name` defaults to the file's name.
    The file is read row by row, the inputs straight into a float64 array: reading takes
    little more memory than that array (8 bytes a value) and the target column's text.
    """
    with open_regular_file("path", path, "a CSV file", newline="", encoding="utf-8-sig") as file:
        file_path = Path(path)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None; got {name!r}")
        rows = _read_csv(file, file_path, target)
    header, target_name = rows.header, rows.header[rows.target_index]
    return _build_dataset(
        rows.inputs(),
        _parse_target(rows.cells, rows.row_numbers, file_path.name, target_name),
        task,
        file_path.stem if name is None else name,
        tuple(header[index] for index in rows.input_indices),
        f"target column {target_name!r}",
    )


def _build_dataset(
    X: NDArray[np.float64],
    labels: NDArray,
    task: str | None,
    name: str,
    input_names: tuple[str, ...],
    label_name: str,
) -> Dataset:
    if task is not None:
        check_choice("task", task, TASKS)
    y, task, classes = _encode_labels(labels, task, label_name)
    return Dataset(name=name, X=X, y=y, task=task, classes=classes, input_names=input_names)


def _check_inputs(X: Any) -> NDArray[np.float64]:
    inputs = check_matrix("X", X).copy()
    if inputs.shape[0] < 2:
        raise ValueError("X has 1 row; a data set needs at least 2 samples")
    return inputs


def _check_labels(y: Any, n_rows: int, label_name: str) -> NDArray:
    """Return `y` as a 1-D array of finite numbers (whole numbers as integers, exact) or
    of text."""
    labels = check_labels(label_name, y, n_rows, LABELS_ALLOWED)
    return labels.astype(str) if labels.dtype.kind == "b" else labels


def _encode_labels(
    labels: NDArray, task: str | None, label_name: str
) -> tuple[NDArray, str, tuple[str, ...]]:
    """Map labels to the conventions of `task` (inferred when None): (y, task, classes)."""
    distinct = np.unique(labels)
    if labels.dtype.kind == "U":
        if task == "regression":
            raise ValueError(
                f"task='regression' does not fit {label_name}: it holds text such as "
                f"{str(distinct[0])!r}, and regression needs numbers; "
                "use task='binary' or 'multiclass' for class names"
            )
        classes = tuple(str(label) for label in distinct)
    else:
        whole = distinct == np.round(distinct)
        if task is None and (not whole.all() or len(distinct) > MAX_INFERRED_CLASSES):
            task = "regression"
        if task == "regression":
            return labels.astype(np.float64), "regression", ()
        if not whole.all():
            raise ValueError(
                f"task={task!r} does not fit {label_name}: it holds numbers that are not whole, "
                f"such as {distinct[~whole][0]:g}, which cannot be class labels; "
                "use task='regression'"
            )
        classes = tuple(str(int(label)) for label in distinct)
    if len(classes) < 2:
        wanted = "classification" if task is None else f"task={task!r}"
        hint = " (use task='regression' for a constant target)" if task is None else ""
        raise ValueError(
            f"{label_name} holds a single class {classes[0]!r}; "
            f"{wanted} needs at least two classes{hint}"
        )
    if task is None:
        task = "binary" if len(classes) == 2 else "multiclass"
    if task == "binary" and len(classes) > 2:
        raise ValueError(
            f"task='binary' does not fit {label_name}: it has {len(classes)} classes "
            f"({_preview(classes)}) and binary needs exactly two; use task='multiclass'"
        )
    codes = np.searchsorted(distinct, labels)
    if task == "binary":
        return np.where(codes == 1, 1.0, -1.0), task, classes
    return codes.astype(np.int64), task, classes


def _check_input_names(input_names: Any, n_inputs: int) -> tuple[str, ...]:
    if input_names is None:
        return tuple(f"x{index + 1}" for index in range(n_inputs))
    if isinstance(input_names, str) or not isinstance(input_names, Sequence):
        raise TypeError(f"input_names must be a list of strings; got {input_names!r}")
    if not all(isinstance(input_name, str) for input_name in input_names):
        raise TypeError(f"input_names must be a list of strings; got {list(input_names)!r}")
    if len(input_names) != n_inputs:
        raise ValueError(
            f"input_names has {len(input_names)} names but X has {n_inputs} columns; "
            "give one name per column"
        )
    return tuple(input_names)


def _read_csv(file: IO[str], file_path: Path, target: Any) -> _Rows:
    """The header and the data rows, checked as they are read."""
    shown = repr(str(file_path))
    reader = csv.reader(file)
    rows = None
    row, row_start, start = [], 1, 1  # the last row read, the line it starts on, the next's
    try:
        for row in reader:
            row_start, start = start, reader.line_num + 1
            if any(cell.strip() for cell in row):  # skip blank lines
                if rows is None:
                    header = _check_header(row, shown)
                    rows = _Rows(header, _target_column(target, header), file_path.name)
                else:
                    rows.add(row, reader.line_num)
    except UnicodeDecodeError:
        raise ValueError(f"path={shown} is not a text file (UTF-8 expected)") from None
    except csv.Error as error:
        raise ValueError(
            f"path={shown} is not a valid CSV file: {error} (line {reader.line_num})"
        ) from None
    except OSError as error:
        raise ValueError(f"path={shown} cannot be read: {error.strerror}") from None
    except ValueError:
        _refuse_unclosed_quote(file_path, row, row_start)  # the cause, if it is one
        raise
    _refuse_unclosed_quote(file_path, row, row_start)
    if rows is None:
        raise ValueError(
            f"path={shown} is empty; a CSV file needs a header row of column names "
            "and at least two rows of data"
        )
    if len(rows.cells) < 2:
        found = "no data rows" if not rows.cells else "only one data row"
        raise ValueError(
            f"path={shown} has a header but {found}; it needs at least two rows of data"
        )
    return rows


def _check_header(row: list[str], shown: str) -> list[str]:
    """The first row that is not blank, checked to be a header of column names."""
    header = [cell.strip() for cell in row]
    if len(header) < 2:
        raise ValueError(
            f"path={shown} has a single column {header[0]!r}; it needs input columns and "
            "a target column, separated by commas"
        )
    if all(is_number(cell) for cell in header):
        raise ValueError(
            f"path={shown} starts with a row of numbers ({', '.join(header)}); "
            "the first row must be a header of column names"
        )
    repeated = sorted({cell for cell in header if header.count(cell) > 1})
    if repeated:
        raise ValueError(f"path={shown} names a column twice: {', '.join(map(repr, repeated))}")
    return header


class _Rows:
    """A CSV file's data rows, gathered as they are read: the inputs as float64 numbers
    in one growing buffer, the target column's cells as text, and each row's number in
    the file (for messages). A list of Python strings per cell would take some 17 times
    the file's size."""

    SHARED_CELLS = 1000  # target cells kept once each, while there are this few distinct

    def __init__(self, header: list[str], target_index: int, where: str) -> None:
        self.header, self.target_index, self.where = header, target_index, where
        self.input_indices = [i for i in range(len(header)) if i != target_index]
        self.values = array.array("d")
        self.cells: list[str] = []
        self.shared: dict[str, str] = {}
        self.row_numbers = array.array("q")

    def add(self, row: list[str], row_number: int) -> None:
        if len(row) != len(self.header):
            raise ValueError(
                f"{self.where}, row {row_number}: {len(row)} values but the header has "
                f"{len(self.header)} columns; every row needs one value per column"
            )
        try:
            values = [float(row[index]) for index in self.input_indices]
            # NaN and infinity parse as floats; their sum is not finite (nor is a sum that
            # overflows: then every value passes the check below).
            bad = not math.isfinite(sum(values))
        except ValueError:
            bad = True
        if bad:  # find the cell, and say what is wrong with it
            values = [
                _parse_number(row[index], self.where, row_number, self.header[index])
                for index in self.input_indices
            ]
        target_name = self.header[self.target_index]
        cell = _present(row[self.target_index], self.where, row_number, target_name)
        if len(self.shared) < self.SHARED_CELLS:
            cell = self.shared.setdefault(cell, cell)
        self.values.extend(values)
        self.cells.append(cell)
        self.row_numbers.append(row_number)

    def inputs(self) -> NDArray[np.float64]:
        """The input columns, (n_rows, n_inputs), once every row is added (a view of the
        buffer, not a copy)."""
        return np.frombuffer(self.values, dtype=np.float64).reshape(-1, len(self.input_indices))


def _refuse_unclosed_quote(file_path: Path, row: list[str], first_line: int) -> None:
    """Raise if `row`, read from `first_line` on, runs to the end of the file inside a quote
    (csv then reads the rest of the file as one value), naming the line the quote opens on."""
    if not any("\n" in cell or "\r" in cell for cell in row):
        return  # no quoted value ran past the end of a line
    try:
        with open_regular_file("path", file_path, "", newline="", encoding="utf-8-sig") as file:
            try:
                for _ in csv.reader(itertools.islice(file, first_line - 1, None), strict=True):
                    pass
                return
            except csv.Error as error:
                if "unexpected end of data" not in str(error):
                    return
            file.seek(0)
            reader = csv.reader(itertools.islice(file, first_line - 1, None))
            last_rows = collections.deque(reader, maxlen=1)
    except (ValueError, OSError):  # UnicodeDecodeError is a ValueError
        return  # the error already found stands
    # The open value is the row's last: it holds every line from its quote to the end.
    value = last_rows[0][-1] if last_rows and last_rows[0] else ""
    last_line = first_line - 1 + reader.line_num
    opening_line = last_line - value.count("\n") + value.endswith("\n")
    raise ValueError(
        f'{file_path.name}, line {opening_line}: a quote (") opens a value that is never '
        "closed, so the rest of the file would be read as that one value; close the quote"
    )


def _target_column(target: Any, header: list[str]) -> int:
    n_columns = len(header)
    if isinstance(target, str):
        if target.strip() in header:
            return header.index(target.strip())
        raise ValueError(
            f"target={target!r} is not a column of the file; the columns are: {', '.join(header)}"
        )
    if isinstance(target, Integral) and not isinstance(target, bool):
        if -n_columns <= target < n_columns:
            return int(target) % n_columns
        raise ValueError(
            f"target={target} is not a column index: the file has {n_columns} columns, "
            f"so use 0 to {n_columns - 1} (or -1 for the last)"
        )
    raise TypeError(f"target must be a column name or a column index; got {target!r}")


def _present(cell: str, where: str, row_number: int, column: str) -> str:
    text = cell.strip()
    if text.lower() in MISSING_MARKERS:
        raise ValueError(
            f"{where}, row {row_number}, column {column!r}: the value is missing ({cell!r}); "
            "every cell must hold a value"
        )
    return text


def _parse_number(cell: str, where: str, row_number: int, column: str) -> float:
    text = _present(cell, where, row_number, column)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(
            f"{where}, row {row_number}, column {column!r} holds the text {text!r}; "
            "input columns must hold numbers (text is allowed in the target column only)"
        ) from None
    if not math.isfinite(value):
        raise ValueError(
            f"{where}, row {row_number}, column {column!r} holds {text!r}; "
            "values must be finite numbers"
        )
    return value


def _parse_target(cells: list[str], row_numbers: Sequence[int], where: str, column: str) -> NDArray:
    """Numbers if every cell is a number (whole numbers as exact integers), else text
    (class names)."""
    if not all(is_number(cell) for cell in cells):
        return np.array(cells)
    return check_labels(
        f"{where}, column {column!r}",
        [_number(cell) for cell in cells],
        None,
        LABELS_ALLOWED,
        rows=row_numbers,
    )


def _number(cell: str) -> int | float:
    try:
        return int(cell)
    except ValueError:
        return float(cell)


def _preview(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + ", ..." if len(names) > limit else shown


# --- Train / test split ------------------------------------------------------------------------


def split(dataset: Dataset, train_share: float = 0.5, seed: int | np.random.Generator = 0) -> Split:
    """Shuffle with `seed`, then the first round(train_share * n_samples) samples train.

    `train_share` must be from 0.1 to 0.9 and leave at least one sample on each side.
    """
    if not isinstance(dataset, Dataset):
        raise TypeError(
            "dataset must be a Dataset (from make_dataset, from_arrays or from_csv); "
            f"got {type(dataset).__name__}"
        )
    train_share = _check_train_share(train_share)
    rng = check_rng("seed", seed)
    n_samples = dataset.n_samples
    n_train = round(train_share * n_samples)
    if n_train < 1 or n_train >= n_samples:
        side = "training" if n_train < 1 else "testing"
        raise ValueError(
            f"train_share={train_share} leaves no sample for {side}: the data set has only "
            f"{n_samples} samples; both parts need at least one"
        )
    order = rng.permutation(n_samples)
    train, test = order[:n_train], order[n_train:]
    return Split(
        dataset=dataset,
        X_train=dataset.X[train],
        y_train=dataset.y[train],
        X_test=dataset.X[test],
        y_test=dataset.y[test],
        train_share=train_share,
    )


def check_split(data: Any) -> Split:
    """Return `data` if it is a Split whose parts hold finite real inputs and one label
    per row: a Split made by hand is checked as `from_arrays` checks data."""
    if not isinstance(data, Split):
        raise TypeError(
            f"data must be a Split (from dllab.split(dataset, train_share)); "
            f"got {type(data).__name__}"
        )
    for part in ("train", "test"):
        X = check_matrix(f"data.X_{part}", getattr(data, f"X_{part}"))
        check_labels(f"data.y_{part}", getattr(data, f"y_{part}"), len(X), LABELS_ALLOWED)
    return data


def _check_train_share(train_share: Any) -> float:
    allowed = (
        f"from {MIN_TRAIN_SHARE} to {MAX_TRAIN_SHARE} "
        f"({MIN_TRAIN_SHARE:.0%} to {MAX_TRAIN_SHARE:.0%} of the data for training)"
    )
    try:
        return check_float("train_share", train_share, MIN_TRAIN_SHARE, MAX_TRAIN_SHARE)
    except TypeError:
        raise TypeError(f"train_share must be a number {allowed}; got {train_share!r}") from None
    except ValueError:
        raise ValueError(
            f"train_share={train_share!r} is not allowed: it must be {allowed}"
        ) from None
