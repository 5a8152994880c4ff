"""A fully connected neural network in plain NumPy.

Layer i computes `Z = A_prev @ W + b`, then `A = activation(Z)`; the last layer uses
the head's output function.

All weights and biases live in one flat float64 vector, so the optimiser updates
them in one call. It holds one block per layer, `(n_in + 1, n_out)`: the weights, then
the biases as a last row. A bias is a weight on an input that is always 1, so each
layer's input carries a trailing column of ones and one matrix product computes
`A_prev @ W + b` (and, backwards, the gradients of W and b together). `weights[i]`
(shape `(n_in, n_out)`) and `biases[i]` (shape `(n_out,)`) are views into the blocks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import ACTIVATIONS
from .checks import (
    check_choice,
    check_float,
    check_int,
    check_labels,
    check_matrix,
    check_real,
    check_rng,
    is_number,
    short_repr,
)
from .heads import HEADS

Array = NDArray[np.float64]

INITIALIZERS = ("playground", "xavier", "he")
REGULARIZERS = ("none", "l1", "l2")
MAX_WIDTH = 4096
# Caps generous for teaching (the lessons' largest network, 64-128-10, has 9 610
# parameters), checked before anything is allocated: 2 million float64 parameters are
# 16 MB per copy, and training keeps about five copies (weights, gradient, optimiser state,
# the initial weights), where [2] + [4096] * 20 + [1] would take 5 GB.
MAX_HIDDEN_LAYERS = 100
MAX_PARAMS = 2_000_000


@dataclass
class Pass:
    """Everything a forward pass computed, layer by layer (the lab draws all of it).

    layer_inputs[i] : (n_samples, sizes[i] + 1), layer i's input and a column of ones, the
        input its biases multiply (`activations[i - 1]` is a view into `layer_inputs[i]`).
    pre_activations[i], activations[i] : (n_samples, sizes[i + 1]); the last is the output.
    inputs : (n_samples, n_inputs), the network's inputs.
    """

    layer_inputs: list[Array]
    pre_activations: list[Array]
    activations: list[Array]

    @property
    def inputs(self) -> Array:
        return self.layer_inputs[0][:, :-1]

    @property
    def output(self) -> Array:
        return self.activations[-1]


@dataclass
class Gradients:
    """dL/dparameter for every layer, and dL/dZ (`deltas`) for every layer's pre-activation.

    `weights[i]` and `biases[i]` are views into `flat`, laid out like `Network.params`.
    """

    loss: float
    flat: Array
    weights: list[Array]
    biases: list[Array]
    deltas: list[Array]


class GradientBuffer:
    """A flat vector laid out like `Network.params`, with per-layer views: `blocks[i]`
    `(n_in + 1, n_out)`, and in it `weights[i] : (n_in, n_out)` and `biases[i] : (n_out,)`."""

    def __init__(self, flat: Array, shapes: list[tuple[int, int]]) -> None:
        self.flat = flat
        self.blocks = []
        offset = 0
        for n_in, n_out in shapes:
            size = (n_in + 1) * n_out
            self.blocks.append(flat[offset : offset + size].reshape(n_in + 1, n_out))
            offset += size
        self.weights = [block[:-1] for block in self.blocks]
        self.biases = [block[-1] for block in self.blocks]


class ParamList(list):
    """A list of parameter views: assigning an item copies the new values in place."""

    def __init__(self, views: list[Array], kind: str) -> None:
        super().__init__(views)
        self._kind = kind

    def __setitem__(self, index: Any, value: Any) -> None:  # type: ignore[override]
        if not isinstance(index, int):
            raise TypeError(f"{self._kind}[...] takes one layer index; got {index!r}")
        target = list.__getitem__(self, index)
        array = check_real(f"{self._kind}[{index}]", value)
        if array.shape != target.shape:
            raise ValueError(
                f"{self._kind}[{index}] must have shape {target.shape}; got shape {array.shape}"
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{self._kind}[{index}] contains NaN or infinite values")
        target[...] = array

    def __delitem__(self, index: Any) -> None:  # type: ignore[override]
        raise TypeError(f"layers cannot be removed from {self._kind}; build a new Network")

    def append(self, value: Any) -> None:
        raise TypeError(f"layers cannot be added to {self._kind}; build a new Network")


class Network:
    """A multilayer perceptron.

    sizes : layer sizes from inputs to outputs, e.g. [2, 4, 2, 1] (2 inputs, hidden
        layers of 4 and 2, one output); [2, 1] has no hidden layer.
    activation : hidden-layer activation, one of ACTIVATIONS.
    head : output head and loss, one of HEADS ("tanh", "sigmoid", "softmax", "linear").
    init : "playground" (uniform(-0.5, 0.5), bias 0.1), "xavier" or "he".
    regularization, regularization_rate : "none", "l1" or "l2" penalty on the weights.
    seed : an int or a numpy Generator for the initial weights.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "tanh",
        head: str = "tanh",
        init: str = "playground",
        regularization: str = "none",
        regularization_rate: float = 0.0,
        seed: int | np.random.Generator = 0,
    ) -> None:
        self.sizes = check_sizes(sizes)
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.head_name = check_choice("head", head, HEADS)
        self.init = check_choice("init", init, INITIALIZERS)
        self.regularization = check_choice("regularization", regularization, REGULARIZERS)
        self.regularization_rate = check_float("regularization_rate", regularization_rate, 0, 10)
        if self.head_name == "softmax" and self.sizes[-1] < 2:
            raise ValueError(
                f"sizes={self.sizes} ends with {self.sizes[-1]} output: "
                "the softmax head needs one output per class (2 or more)"
            )
        if self.head_name != "softmax" and self.sizes[-1] != 1:
            raise ValueError(
                f"sizes={self.sizes} ends with {self.sizes[-1]} outputs: "
                f"the {self.head_name} head has exactly 1 output (use head='softmax' for classes)"
            )
        self.head = HEADS[self.head_name]
        self._act, self._act_derivative = ACTIVATIONS[self.activation]
        self._shapes = list(zip(self.sizes[:-1], self.sizes[1:]))
        self.params = np.zeros(count_params(self.sizes))
        views = GradientBuffer(self.params, self._shapes)
        self._blocks = views.blocks
        self.weights = ParamList(views.weights, "weights")
        self.biases = ParamList(views.biases, "biases")
        self._weights_T = [W.T for W in self.weights]
        self.n_weights = sum(W.size for W in self.weights)
        # 1.0 where params holds a weight, 0.0 at a bias: the penalty applies to weights.
        self._is_weight = np.ones_like(self.params)
        for bias in GradientBuffer(self._is_weight, self._shapes).biases:
            bias[...] = 0.0
        self._workspace: dict[int, list[tuple[Array, Array]]] = {}
        self.initialize(seed)

    # -- set-up ----------------------------------------------------------------------------
    def initialize(self, seed: int | np.random.Generator = 0) -> None:
        """Draw fresh weights with this network's `init` scheme, in place."""
        rng = check_rng("seed", seed)
        for W, b in zip(self.weights, self.biases):
            n_in, n_out = W.shape
            if self.init == "playground":
                W[...] = rng.uniform(-0.5, 0.5, size=W.shape)
                b[...] = 0.1
            elif self.init == "xavier":
                limit = np.sqrt(6.0 / (n_in + n_out))
                W[...] = rng.uniform(-limit, limit, size=W.shape)
                b[...] = 0.0
            else:
                W[...] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=W.shape)
                b[...] = 0.0

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.sizes) - 2

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers plus the output layer)."""
        return len(self.sizes) - 1

    def config(self) -> dict[str, Any]:
        """The settings that rebuild this network's shape (not its weights)."""
        return {
            "sizes": list(self.sizes),
            "activation": self.activation,
            "head": self.head_name,
            "init": self.init,
            "regularization": self.regularization,
            "regularization_rate": self.regularization_rate,
        }

    def copy(self) -> Network:
        """An independent twin: same settings and weights, its own arrays."""
        return _rebuild(self.config(), self.params)

    # copy.copy, copy.deepcopy and pickle rebuild the network, so that weights and
    # biases stay views of the new network's own params.
    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any], Array]]:
        return _rebuild, (self.config(), self.params.copy())

    def __deepcopy__(self, memo: dict[int, Any]) -> Network:
        return self.copy()

    def __repr__(self) -> str:
        return (
            f"Network(sizes={self.sizes}, activation={self.activation!r}, head={self.head_name!r})"
        )

    # -- computing -------------------------------------------------------------------------
    def forward(self, X: Array) -> Pass:
        """Run `X : (n_samples, sizes[0])` through every layer, keeping each layer's values."""
        X1 = with_ones(check_matrix("X", X, self.sizes[0]))
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return self._forward(X1)

    def output(self, X: Array) -> Array:
        """The network's output for `X`: probabilities, tanh scores or values."""
        return self.forward(X).output

    def neuron_outputs(self, X: Array, dtype: Any = np.float64) -> list[Array]:
        """Every neuron's activation over many points, one row per neuron.

        X : (n_points, sizes[0]), e.g. a grid over the input plane.
        dtype : float64, or float32 for pictures: the same values to about 1e-6, computed
            several times faster (tanh above all).
        Returns a list over layers of arrays (sizes[i + 1], n_points), ready to be
        reshaped into one heatmap per neuron. Computed in a transposed layout, which
        is several times faster than `forward` for thousands of points.
        """
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype={dtype} is not allowed: float64 or float32")
        A = check_matrix("X", X, self.sizes[0]).T.astype(dtype, copy=False)
        layers = []
        last = self.n_layers - 1
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            Z = W.T.astype(dtype, copy=False) @ A
            Z += b[:, None].astype(dtype, copy=False)
            A = self.head.output(Z.T).T if i == last else self._act(Z)
            A = A.astype(dtype, copy=False)  # (gelu computes in float64)
            layers.append(A)
        return layers

    def predict(self, X: Array) -> NDArray:
        """Labels in the dataset's convention: -1/+1, class index, or a real value."""
        return self.head.predict(self.output(X))

    def loss(self, X: Array, y: NDArray) -> float:
        """Mean data loss on (X, y), without the regularisation penalty."""
        X, T = self._check_batch(X, y)
        run = self.forward(X)
        return self.head.loss(run.pre_activations[-1], run.output, T)

    def targets(self, y: NDArray) -> Array:
        """Encode labels `y : (n_samples,)` as the head's targets `(n_samples, n_outputs)`."""
        return self.encode_labels("y", y)

    def encode_labels(self, name: str, y: Any, n_rows: int | None = None) -> Array:
        """`targets(y)`, with errors naming `name`; `n_rows`: the rows of X, if known."""
        allowed = self.head.allowed_labels(self.sizes[-1])
        labels = check_labels(name, y, n_rows, allowed)
        if labels.dtype.kind not in "biuf":
            example = next(label for label in labels if not is_number(label))
            raise TypeError(
                f"{name} holds text such as {str(example)!r}, and labels must be {allowed}; "
                "dllab.from_arrays turns class names into such labels"
            )
        return self.head.targets(labels, self.sizes[-1])

    def penalty(self) -> float:
        """The regularisation term added to the loss."""
        if self.regularization == "none":
            return 0.0
        weights = self.params * self._is_weight
        if self.regularization == "l1":
            return self.regularization_rate * float(np.abs(weights).sum())
        return self.regularization_rate * 0.5 * float(weights @ weights)

    def loss_and_gradients(self, X: Array, y: NDArray) -> Gradients:
        """Forward and backward pass on one batch: the loss (data loss plus penalty) and
        the gradient of that loss for every weight, bias and pre-activation."""
        X, T = self._check_batch(X, y)
        run = self.forward(X)
        grads = self._backward(run, T, self.gradient_buffer())
        grads.loss += self.penalty()
        return grads

    # -- the hot path (arguments already checked) ------------------------------------------
    def _check_batch(self, X: Array, y: NDArray) -> tuple[Array, Array]:
        X = check_matrix("X", X, self.sizes[0])
        return X, self.encode_labels("y", y, len(X))

    def _forward(self, X1: Array, reuse: bool = False) -> Pass:
        """The forward pass on `X1 = with_ones(X)`, run under np.errstate with overflow,
        divide and invalid ignored (the heads' fast paths may overflow, then recover).

        With `reuse`, the hidden layers' outputs are written into arrays kept from the
        last pass on a batch of the same size: faster, and the training loop's previous
        pass is no longer needed by then.
        """
        pre_activations, activations, layer_inputs = [], [], [X1]
        activate, dot = self._act, np.dot  # np.dot: the BLAS call of @, with less overhead
        A1 = X1
        for block, (A1_next, A) in zip(self._blocks, self._layer_outputs(len(X1), reuse)):
            Z = dot(A1, block)
            pre_activations.append(Z)
            activations.append(activate(Z, out=A))
            layer_inputs.append(A1_next)
            A1 = A1_next
        Z = dot(A1, self._blocks[-1])
        pre_activations.append(Z)
        activations.append(self.head.fast_output(Z))
        return Pass(layer_inputs, pre_activations, activations)

    def _layer_outputs(self, n_samples: int, reuse: bool) -> list[tuple[Array, Array]]:
        """For each hidden layer, an array (n_samples, width + 1) whose last column is ones,
        and the view of the other columns, where the layer's output goes."""
        if reuse and n_samples in self._workspace:
            return self._workspace[n_samples]
        arrays = [np.ones((n_samples, width + 1)) for width in self.sizes[1:-1]]
        outputs = [(A1, A1[:, :-1]) for A1 in arrays]
        if reuse:
            self._workspace = {n_samples: outputs}
        return outputs

    def _backward(
        self, run: Pass, T: Array, buffer: GradientBuffer, with_loss: bool = True
    ) -> Gradients:
        """Backpropagate from targets `T`, writing the gradient into `buffer`. The batch
        loss is only computed `with_loss` (training checks divergence once per epoch)."""
        Zs, As, inputs = run.pre_activations, run.activations, run.layer_inputs
        loss = self.head.loss(Zs[-1], As[-1], T) if with_loss else math.nan
        delta = self.head.delta(Zs[-1], As[-1], T)
        deltas = [delta]
        derivative, dot, blocks = self._act_derivative, np.dot, buffer.blocks
        for i in range(self.n_layers - 1, 0, -1):
            # One product gives the weights' and the biases' gradients (the ones column).
            dot(inputs[i].T, delta, out=blocks[i])
            delta = dot(delta, self._weights_T[i])
            delta *= derivative(Zs[i - 1], As[i - 1])
            deltas.append(delta)
        dot(inputs[0].T, delta, out=blocks[0])
        if self.regularization != "none":
            self._add_penalty_gradient(buffer.flat)
        deltas.reverse()
        return Gradients(loss, buffer.flat, buffer.weights, buffer.biases, deltas)

    def gradient_buffer(self) -> GradientBuffer:
        """A fresh vector shaped like `params`, with its per-layer views."""
        return GradientBuffer(np.empty_like(self.params), self._shapes)

    def _add_penalty_gradient(self, flat: Array) -> None:
        if self.regularization == "none" or self.regularization_rate == 0:
            return
        weights = self.params * self._is_weight
        term = np.sign(weights) if self.regularization == "l1" else weights
        term *= self.regularization_rate
        flat += term


def _rebuild(config: dict[str, Any], params: Array) -> Network:
    network = Network(**config)
    network.params[...] = params
    return network


def with_ones(X: Array) -> Array:
    """`X : (n_samples, n)` with a last column of ones: `(n_samples, n + 1)`, the layout
    `Network._forward` takes (the ones are the input that the biases multiply)."""
    X1 = np.empty((X.shape[0], X.shape[1] + 1))
    X1[:, :-1] = X
    X1[:, -1] = 1.0
    return X1


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """Check layer sizes [n_inputs, hidden..., n_outputs]: each 1 to MAX_WIDTH, at most
    MAX_HIDDEN_LAYERS hidden layers and MAX_PARAMS parameters in all."""
    is_vector = isinstance(sizes, np.ndarray) and sizes.ndim == 1
    if isinstance(sizes, (str, bytes)) or not (isinstance(sizes, Sequence) or is_vector):
        raise TypeError(
            f"sizes must be a list of layer sizes from inputs to outputs, e.g. [2, 4, 1]; "
            f"got {short_repr(sizes)}"
        )
    if len(sizes) < 2:
        raise ValueError(
            f"sizes={short_repr(list(sizes))} needs at least an input and an output size, "
            "e.g. [2, 1]"
        )
    if len(sizes) > MAX_HIDDEN_LAYERS + 2:
        raise ValueError(
            f"sizes={short_repr(sizes)} has {len(sizes) - 2} hidden layers; "
            f"at most {MAX_HIDDEN_LAYERS} are allowed"
        )
    if is_vector:
        sizes = sizes.tolist()
    names = ["inputs"] + [f"hidden layer {i + 1} width" for i in range(len(sizes) - 2)]
    names.append("outputs")
    checked = [check_int(f"sizes ({name})", s, 1, MAX_WIDTH) for name, s in zip(names, sizes)]
    n_params = count_params(checked)
    if n_params > MAX_PARAMS:
        raise ValueError(
            f"sizes={short_repr(checked)} makes a network of {n_params:,} parameters; "
            f"at most {MAX_PARAMS:,} are allowed (fewer or narrower hidden layers fit)"
        )
    return checked


def count_params(sizes: Sequence[int]) -> int:
    """Weights and biases of a network of layer sizes `sizes`: sum of (n_in + 1) * n_out."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
