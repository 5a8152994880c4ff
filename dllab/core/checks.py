"""Argument checks shared by every public entry point.

Each check raises a ValueError (or TypeError) whose message names the parameter,
the value given and what is allowed, so a learner never sees a NumPy traceback.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

import numpy as np
from numpy.typing import NDArray

# Builds a repr of at most a dozen items per list, so that a huge list is never printed.
_REPR = reprlib.Repr()
_REPR.maxlist = _REPR.maxtuple = _REPR.maxarray = _REPR.maxdict = _REPR.maxset = 12
_REPR.maxstring = _REPR.maxother = 80


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Return `value` as an int in [low, high], or raise naming `name`."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a whole number{_range_text(low, high)}; got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name}={value} is not allowed: it must be{_range_text(low, high)}")
    return value


def check_float(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
) -> float:
    """Return `value` as a finite float in [low, high] ((low, high] with `low_open`)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number{_range_text(low, high, low_open)}; got {value!r}")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and value > high
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(
            f"{name}={value!r} is not allowed: it must be a finite number"
            f"{_range_text(low, high, low_open)}"
        )
    return value


def check_choice(name: str, value: Any, options: Iterable[str]) -> str:
    """Return `value` if it is one of `options`, else raise listing them."""
    options = list(options)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name}={value!r} is not known; choose one of: {', '.join(options)}")
    return value


def check_rng(name: str, value: Any) -> np.random.Generator:
    """Accept a seed (int) or a numpy Generator and return a Generator."""
    if isinstance(value, np.random.Generator):
        return value
    seed = check_int(name, value, 0)
    return np.random.default_rng(seed)


def check_matrix(name: str, value: Any, n_columns: int | None = None) -> NDArray[np.float64]:
    """Return `value` as a finite float64 array of shape (n_samples, n_columns)."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers only; got {short_repr(value)}") from None
    if array.ndim == 1 and n_columns == 1:
        array = array[:, None]
    if array.ndim != 2:
        hint = ""
        if array.ndim == 1 and n_columns is not None and len(array) == n_columns:
            hint = f": for one point, give a list of one row, e.g. [{array.tolist()}]"
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features); got shape {array.shape}{hint}"
        )
    if n_columns is not None and array.shape[1] != n_columns:
        raise ValueError(
            f"{name} has {array.shape[1]} columns but the network takes {n_columns} inputs"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty: it needs at least one row")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; every value must be finite")
    return array


def _range_text(low: float | None, high: float | None, low_open: bool = False) -> str:
    if low is not None and high is not None:
        return f" {'above' if low_open else 'from'} {low} {'up ' if low_open else ''}to {high}"
    if low is not None:
        return f" {'above' if low_open else 'at least'} {low}"
    if high is not None:
        return f" at most {high}"
    return ""


def short_repr(value: Any, limit: int = 60) -> str:
    """`repr(value)` cut to `limit` characters, without building the whole repr of a huge
    list or array first."""
    if isinstance(value, np.ndarray) and value.size > limit:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = _REPR.repr(value)
    return text if len(text) < limit else text[: limit - 3] + "..."
