"""The containers every data set comes in: `Dataset` (inputs, labels, task) and `Split`
(a data set cut into a training and a test part).

Label conventions, shared by the network trainer and the widgets:

- binary: `y` is float64 -1.0 / +1.0, the playground's labels;
- multiclass: `y` is int64 0..K-1, indexing `Dataset.classes`;
- regression: `y` is float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import (
    check_choice,
    check_float,
    check_labels,
    check_matrix,
    check_rng,
)

TASKS = ("regression", "binary", "multiclass")
MIN_TRAIN_SHARE, MAX_TRAIN_SHARE = 0.1, 0.9
LABELS_ALLOWED = "finite numbers or class names, none missing"


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
