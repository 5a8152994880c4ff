"""Your own data: from arrays, or from a CSV file read row by row."""

from __future__ import annotations

import array
import collections
import csv
import itertools
import math
import os
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .checks import (
    check_choice,
    check_labels,
    check_matrix,
    is_number,
    open_regular_file,
)
from .dataset import LABELS_ALLOWED, TASKS, Dataset

# Cells of a CSV file read as "no value here".
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})


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
