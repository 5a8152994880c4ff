"""Argument checks shared by every public entry point.

Each check raises a ValueError (or TypeError) whose message names the parameter,
the value given and what is allowed, so a learner never sees a NumPy traceback.
"""

from __future__ import annotations

import math
import os
import reprlib
import stat
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import IO, Any, NoReturn

import numpy as np
from numpy.typing import NDArray

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # not on Windows, which has no named pipes here
_O_BINARY = getattr(os, "O_BINARY", 0)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Labels read as missing rather than as a class name: what None and NaN become as text.
MISSING_LABELS = frozenset({"", "nan", "none", "<na>", "nat"})

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
    """Return `value` as a finite float64 array of shape (n_samples, n_columns).

    Complex numbers are refused, never cut to their real part."""
    array = check_real(name, value)
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
    finite = np.isfinite(array)
    if not finite.all():
        index = int(np.argmin(finite))
        raise ValueError(
            f"{name} contains NaN or infinite values: it holds {array.flat[index]} at "
            f"{_position(array.shape, index)}; every value must be finite"
        )
    return array


def check_labels(
    name: str,
    value: Any,
    n_rows: int | None,
    allowed: str,
    rows: Sequence[int] | None = None,
) -> NDArray:
    """Return `value` as a 1-D array of labels, one per row of X (`n_rows`, None: any):
    int64 or uint64 for whole numbers (kept exact), float64, bool, or str for text.

    Refused, naming `name`, where the first bad label is and the `allowed` labels (a
    phrase such as "finite numbers or class names"): a single value, complex numbers,
    missing labels (None, NaN, empty text, "nan") and whole numbers that a float64 or an
    int64 cannot hold exactly. A label is placed by its position, or by its number in
    `rows` if given (a file's row numbers).
    """
    try:
        labels = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must hold one label per row of X, {allowed}; got {short_repr(value)}"
        ) from None
    if labels.ndim == 0:
        count = "" if n_rows is None else f" ({n_rows} rows)"
        raise ValueError(
            f"{name} must hold one label per row of X{count}; got the single value "
            f"{short_repr(value)}"
        )
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D, shape (n_samples,), one label per row of X; "
            f"got shape {labels.shape}"
        )
    if n_rows is not None and len(labels) != n_rows:
        raise ValueError(
            f"{name} has {len(labels)} values but X has {n_rows} rows; "
            "they must have the same length"
        )
    _refuse_complex(name, labels)
    place = _Place(name, allowed, rows)
    kind = labels.dtype.kind
    if kind == "O" or (kind == "f" and isinstance(value, (list, tuple))):
        # Python objects, or a list that NumPy turned into floats: look at each label, so
        # that None is not read as a class "None" and 2**63 and 2**63 + 1 stay apart.
        return _labels_from_objects(np.asarray(value, dtype=object).reshape(-1), place)
    if kind in "US":
        return _refuse_missing_text(labels.astype(str), place)
    if kind == "f":
        finite = np.isfinite(labels)
        if not finite.all():
            place.refuse(labels[np.argmin(finite)], int(np.argmin(finite)))
        return labels.astype(np.float64, copy=False)
    if kind not in "biu":
        raise TypeError(f"{name} must hold {allowed}; got values of type {labels.dtype}")
    return labels


def check_real(name: str, value: Any) -> NDArray[np.float64]:
    """`value` as a float64 array of any shape; complex numbers and anything that is not a
    number are refused (a TypeError naming `name`), never cut to their real part."""
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "cO":  # no complex number can be in it
            return array.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers only; got {short_repr(value)}") from None
    _refuse_complex(name, array)
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers only; got {short_repr(value)}") from None


def _refuse_complex(name: str, array: NDArray) -> None:
    if array.dtype.kind == "c":
        imaginary = np.flatnonzero(array.imag)
        index = int(imaginary[0]) if len(imaginary) else 0
    elif array.dtype.kind == "O":
        kinds = (complex, np.complexfloating)
        found = [i for i, item in enumerate(array.flat) if isinstance(item, kinds)]
        if not found:
            return
        index = next((i for i in found if array.flat[i].imag), found[0])
    else:
        return
    raise TypeError(
        f"{name} holds complex numbers such as {array.flat[index]} (at "
        f"{_position(array.shape, index)}), and it must hold real numbers; "
        f"take {name}.real or abs({name}) if that is what you mean"
    )


class _Place:
    """Says where a bad label is, and raises the error that refuses it."""

    def __init__(self, name: str, allowed: str, rows: Sequence[int] | None) -> None:
        self.name, self.allowed, self.rows = name, allowed, rows

    def of(self, position: int) -> str:
        return f"at position {position}" if self.rows is None else f"in row {self.rows[position]}"

    def refuse(self, label: Any, position: int) -> NoReturn:
        """Refuse a missing (None, NaN, "nan") or infinite label."""
        if isinstance(label, str) or label is None:
            shown = repr(label if label is None else str(label))
        else:
            shown = repr(float(label))
        missing = "" if isinstance(label, Real) and math.isinf(label) else ", a missing label"
        raise ValueError(
            f"{self.name} holds {shown} {self.of(position)}{missing}; labels must be {self.allowed}"
        )

    def refuse_inexact(self, label: Any, position: int, container: str) -> NoReturn:
        raise ValueError(
            f"{self.name} holds {short_repr(label)} {self.of(position)}, a whole number too "
            f"large for {container} to keep exactly, so labels would merge; give whole-number "
            f"labels from {INT64_MIN} to {INT64_MAX}, or class names as text"
        )


def _labels_from_objects(objects: NDArray, place: _Place) -> NDArray:
    """Labels given one by one: all numbers (whole ones exact), else all text."""
    all_numbers, all_whole = True, True
    for position, label in enumerate(objects):
        if label is None:
            place.refuse(label, position)
        if isinstance(label, (str, bytes)):
            all_numbers = False
        elif isinstance(label, Real):
            if not isinstance(label, Integral):
                all_whole = False
                if not math.isfinite(label):
                    place.refuse(label, position)
        else:
            all_numbers = False  # any other object stands for its text
    if not all_numbers:
        return _refuse_missing_text(np.array([_text(label) for label in objects]), place)
    if all_whole:
        for position, label in enumerate(objects):
            if not INT64_MIN <= label <= INT64_MAX:
                place.refuse_inexact(label, position, "a 64-bit integer")
        return np.array(objects, dtype=np.int64)
    for position, label in enumerate(objects):
        if isinstance(label, Integral) and int(float(label)) != label:
            place.refuse_inexact(label, position, "a float64 (beside numbers that are not whole)")
    return np.array(objects, dtype=np.float64)


def _text(label: Any) -> str:
    return label.decode() if isinstance(label, bytes) else str(label)


def _refuse_missing_text(labels: NDArray[np.str_], place: _Place) -> NDArray[np.str_]:
    for text in np.unique(labels):  # few distinct classes: cheaper than every label
        if text.strip().lower() in MISSING_LABELS:
            place.refuse(text, int(np.argmax(labels == text)))
    return labels


def _position(shape: tuple[int, ...], index: int) -> str:
    """Where flat `index` lies in an array of `shape`: "row 2, column 1", "position 5"."""
    where = np.unravel_index(index, shape)
    if len(shape) == 2:
        return f"row {where[0]}, column {where[1]}"
    if len(shape) == 1:
        return f"position {where[0]}"
    return f"index {tuple(int(i) for i in where)}"


# What a path that is not a regular file is, for the error that refuses it.
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular_file(name: str, path: Any, wanted: str, **text: Any) -> IO:
    """Open `path` for reading if it is a regular file (after symbolic links), or raise
    naming `name`, what the path is, and `wanted` ("a CSV file"). Binary, unless `text`
    gives `open`'s text arguments (encoding, newline).

    Never blocks: a named pipe is refused before it is read, and opened (to check that it
    is still the regular file looked at) without waiting for a writer.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a file path (a string); got {short_repr(path)}")
    shown = f"{name}={os.fspath(path)!r}"
    try:
        _refuse_unless_regular(shown, os.stat(path).st_mode, path, wanted)
        descriptor = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_BINARY)
    except FileNotFoundError:
        dangling = " (a symbolic link to nothing)" if os.path.islink(path) else ""
        raise ValueError(f"{shown} does not exist{dangling}; give the path of {wanted}") from None
    except OSError as error:
        raise ValueError(f"{shown} cannot be read: {error.strerror or error}") from None
    try:
        _refuse_unless_regular(shown, os.fstat(descriptor).st_mode, path, wanted)
        if _O_NONBLOCK:
            os.set_blocking(descriptor, True)
        return open(descriptor, "r" if text else "rb", **text)
    except BaseException:
        os.close(descriptor)
        raise


def _refuse_unless_regular(shown: str, mode: int, path: Any, wanted: str) -> None:
    if not stat.S_ISREG(mode):
        raise ValueError(
            f"{shown} is {file_kind(mode, path)}, not a regular file; give the path of {wanted}"
        )


def file_kind(mode: int, path: Any) -> str:
    """What a path of `os.stat(path).st_mode` is: "a folder", "a named pipe (FIFO)"..."""
    if stat.S_ISREG(mode):
        kind = "a regular file"
    else:
        kind = next((kind for is_kind, kind in _FILE_KINDS if is_kind(mode)), "a special file")
    return kind + (" (through a symbolic link)" if os.path.islink(path) else "")


def is_number(text: str) -> bool:
    """Whether `text` reads as a number (as `float` reads it: "1e3", " 2 ", "inf")."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _range_text(low: float | None, high: float | None, low_open: bool = False) -> str:
    if low is not None and high is not None:
        return f" {'above' if low_open else 'from'} {low} {'up ' if low_open else ''}to {high}"
    if low is not None:
        return f" {'above' if low_open else 'at least'} {low}"
    if high is not None:
        return f" at most {high}"
    return ""


def check_names(
    name: str, value: Any, options: Iterable[str], kind: str, kinds: str, note: str = ""
) -> list:
    """A list (or tuple or set) of names, each one of `options`, else an error naming the
    parameter, the value, the first unknown name and what it should be: `kind` says what
    each name is ("a part of the lab"), `kinds` what they are ("parts of the lab"), `note`
    adds to the list of choices."""
    options = list(options)
    choices = f"choose from: {', '.join(options)}{note}"
    listed = isinstance(value, (list, tuple, set, frozenset))
    if not listed or isinstance(value, (str, bytes, dict)):
        raise TypeError(f"{name} must be a list of {kinds}; got {short_repr(value)}; {choices}")
    unknown = [item for item in value if item not in options]
    if unknown:
        raise ValueError(
            f"{name}={list(value)!r} names {unknown[0]!r}, which is not {kind}; {choices}"
        )
    return list(value)


def short_repr(value: Any, limit: int = 60) -> str:
    """`repr(value)` cut to `limit` characters, without building the whole repr of a huge
    list or array first."""
    if isinstance(value, np.ndarray) and value.size > limit:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = _REPR.repr(value)
    return text if len(text) < limit else text[: limit - 3] + "..."
