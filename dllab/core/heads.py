"""Output heads: the last layer's activation paired with the loss it is trained on.

A head turns the last layer's pre-activation `Z : (n_samples, n_outputs)` into the
network's output, measures the loss against targets, and gives `dL/dZ`, the
gradient that backpropagation starts from. Losses are means over the samples.

| head      | output  | loss                              | labels it learns      |
|-----------|---------|-----------------------------------|-----------------------|
| linear    | Z       | squared error, 0.5 * (A - y)^2    | real numbers          |
| tanh      | tanh Z  | squared error (TensorFlow Playground) | -1 / +1           |
| sigmoid   | sigma Z | binary cross-entropy              | -1 / +1 (as 0 / 1)    |
| softmax   | softmax | cross-entropy                     | classes 0 .. K-1      |
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

from .activations import sigmoid

Array = NDArray[np.float64]
TINY = np.finfo(np.float64).tiny


class Head:
    """Base class; subclasses set `name`, `tasks` and the four methods below."""

    name = ""
    tasks: tuple[str, ...] = ()
    labels = "numbers"  # the labels `targets` takes, as error messages describe them

    def allowed_labels(self, n_outputs: int) -> str:
        """The labels this head learns from, as a phrase: "-1 or +1, the tanh head's ..."."""
        return self.labels

    def n_outputs(self, n_classes: int) -> int:
        """How many output units this head needs for data with `n_classes` (0: regression)."""
        return 1

    def targets(self, y: NDArray, n_outputs: int) -> Array:
        """Encode labels `y : (n_samples,)` as targets `(n_samples, n_outputs)`."""
        return np.asarray(y, dtype=np.float64).reshape(-1, 1)

    def output(self, Z: Array) -> Array:
        raise NotImplementedError

    def fast_output(self, Z: Array) -> Array:
        """`output(Z)` for the training loop, which runs under np.errstate with overflow,
        divide and invalid ignored: it may take a route that overflows, detect it and
        recover, where `output` never overflows."""
        return self.output(Z)

    def loss(self, Z: Array, A: Array, T: Array) -> float:
        raise NotImplementedError

    def delta(self, Z: Array, A: Array, T: Array) -> Array:
        """dL/dZ for the mean loss over the batch."""
        raise NotImplementedError

    def predict(self, A: Array) -> NDArray:
        """Labels in the dataset's convention (-1/+1, class index, or value)."""
        return np.where(A[:, 0] >= 0.0, 1.0, -1.0)

    def confidence(self, A: Array) -> Array:
        """Probability-like confidence in the predicted label, (n_samples,) in [0.5, 1]."""
        return 0.5 + 0.5 * np.abs(A[:, 0])


class LinearHead(Head):
    name = "linear"
    tasks = ("regression",)
    labels = "finite numbers, the values the linear head predicts"

    def output(self, Z: Array) -> Array:
        return Z

    def loss(self, Z: Array, A: Array, T: Array) -> float:
        return float(0.5 * np.square(A - T).sum() / len(T))

    def delta(self, Z: Array, A: Array, T: Array) -> Array:
        delta = A - T
        delta *= 1.0 / len(T)
        return delta

    def predict(self, A: Array) -> NDArray:
        return A[:, 0].copy()

    def confidence(self, A: Array) -> Array:
        return np.full(len(A), np.nan)


class TanhHead(Head):
    name = "tanh"
    tasks = ("binary",)
    labels = "-1 or +1, the tanh head's two classes"

    def output(self, Z: Array) -> Array:
        return np.tanh(Z)

    def loss(self, Z: Array, A: Array, T: Array) -> float:
        return float(0.5 * np.square(A - T).sum() / len(T))

    def delta(self, Z: Array, A: Array, T: Array) -> Array:
        delta = A - T
        delta *= 1.0 - A * A
        delta *= 1.0 / len(T)
        return delta


class SigmoidHead(Head):
    name = "sigmoid"
    tasks = ("binary",)
    labels = "-1 or +1, the sigmoid head's two classes (0 is read as -1)"

    def targets(self, y: NDArray, n_outputs: int) -> Array:
        return (np.asarray(y, dtype=np.float64).reshape(-1, 1) > 0).astype(np.float64)

    def output(self, Z: Array) -> Array:
        return sigmoid(Z)

    def loss(self, Z: Array, A: Array, T: Array) -> float:
        # softplus(Z) - T Z, computed without overflow.
        softplus = np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z)))
        return float((softplus - T * Z).sum() / len(T))

    def delta(self, Z: Array, A: Array, T: Array) -> Array:
        delta = A - T
        delta *= 1.0 / len(T)
        return delta

    def predict(self, A: Array) -> NDArray:
        return np.where(A[:, 0] >= 0.5, 1.0, -1.0)

    def confidence(self, A: Array) -> Array:
        return np.maximum(A[:, 0], 1.0 - A[:, 0])


class SoftmaxHead(Head):
    name = "softmax"
    tasks = ("multiclass", "binary")

    def n_outputs(self, n_classes: int) -> int:
        return n_classes

    def allowed_labels(self, n_outputs: int) -> str:
        signs = " (or -1 and +1)" if n_outputs == 2 else ""
        return f"class numbers 0 to {n_outputs - 1}{signs}, one per output of the softmax head"

    def targets(self, y: NDArray, n_outputs: int) -> Array:
        y = np.asarray(y)
        binary = n_outputs == 2 and y.dtype.kind == "f" and np.isfinite(y).all()
        index = (y > 0).astype(np.int64) if binary else y
        # Checked here, as np.eye(K)[-1] would silently read label -1 as class K - 1.
        if index.dtype.kind not in "iuf":
            raise TypeError(f"y must hold class numbers; got values of type {index.dtype}")
        known = np.isin(index, np.arange(n_outputs))
        if not known.all():
            raise ValueError(
                f"y holds the label {index[~known][0].item()!r}, but the softmax head's "
                f"{n_outputs} outputs are for the classes 0 to {n_outputs - 1}"
            )
        return np.eye(n_outputs)[index.astype(np.int64)]

    def output(self, Z: Array) -> Array:
        E = Z - Z.max(axis=1, keepdims=True)
        np.exp(E, out=E)
        E /= E.sum(axis=1, keepdims=True)
        return E

    def fast_output(self, Z: Array) -> Array:
        # exp(Z) over its row sums S, without first subtracting each row's max. This is
        # as exact as `output` while every S and 1 / S is below about 1e154, which
        # S @ S + R @ R being finite proves: then no exp overflowed, and what underflowed
        # was below 1e-154 of its row's sum. Otherwise (huge logits), the shifted form.
        # Row sums as a product with ones of Z's dtype: faster than sum() on short rows,
        # and a float32 Z is not copied to float64 for it.
        E = np.exp(Z)
        S = np.dot(E, _ones(Z.shape[1], Z.dtype))
        R = 1.0 / S
        if not math.isfinite(np.dot(S, S) + np.dot(R, R)):
            return self.output(Z)
        E *= R[:, None]
        return E

    def loss(self, Z: Array, A: Array, T: Array) -> float:
        # log(A) floored at the smallest normal float of A's dtype: exact wherever A is
        # above it (1e-308 in float64), and a large finite loss (not infinity) where the
        # softmax underflows. The floor in A's dtype keeps a float32 A in float32.
        tiny = TINY if A.dtype == np.float64 else np.finfo(A.dtype).tiny
        return float(-(T * np.log(np.maximum(A, tiny))).sum() / len(T))

    def delta(self, Z: Array, A: Array, T: Array) -> Array:
        delta = A - T
        delta *= 1.0 / len(T)
        return delta

    def predict(self, A: Array) -> NDArray:
        return A.argmax(axis=1)

    def confidence(self, A: Array) -> Array:
        return A.max(axis=1)


@functools.lru_cache(maxsize=8)
def _ones(n: int, dtype: np.dtype) -> Array:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


HEADS: dict[str, Head] = {
    head.name: head for head in (TanhHead(), SigmoidHead(), SoftmaxHead(), LinearHead())
}

# The head each kind of data starts with (the playground's choice for binary data).
DEFAULT_HEAD = {"binary": "tanh", "multiclass": "softmax", "regression": "linear"}
