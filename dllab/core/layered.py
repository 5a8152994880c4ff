"""A network built from a list of layers: convolutions, pooling, embeddings, dense layers.

    LayerNetwork((1, 24, 24), [Conv(8, 3), ReLU(), MaxPool(), Conv(16, 3), ReLU(), MaxPool(),
                               Flatten(), Dense(32), ReLU()], head="softmax", n_outputs=4)
    LayerNetwork((3,), [Embedding(27, 10), Flatten(), Dense(200), Tanh()],
                 head="softmax", n_outputs=27)

A last dense layer of `n_outputs` units feeds the head (one of HEADS), as in `Network`.
Inputs are rows of `prod(input_shape)` values, as a Dataset holds them: images flattened in
(channel, row, column) order, or a context of symbol indices for an embedding.

All weights live in one flat vector, `params` (float64, or float32 with dtype="float32"),
layer after layer, each layer's weights then its biases; `weights[i]` and `biases[i]` are
views into it, for the i-th layer that has weights. The optimisers and the Trainer work
on it as on `Network.params`. The layers' settings and shapes are in `layer_specs.py`,
their forward and backward functions in `layers.py`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checks import check_choice, check_int, check_labels, check_real, check_rng, short_repr
from .heads import HEADS
from .layer_specs import (
    LAYERS,
    Activation,
    Conv,
    Dense,
    Embedding,
    Flatten,
    Layer,
    MaxPool,
    ReLU,
    Tanh,
    layer_from_config,
)
from .network import MAX_PARAMS, ParamList

__all__ = [
    "LAYERS",
    "Activation",
    "Conv",
    "Dense",
    "Embedding",
    "Flatten",
    "Layer",
    "LayerNetwork",
    "LayerPass",
    "LayerGradients",
    "MaxPool",
    "ReLU",
    "Tanh",
]

Array = NDArray[np.floating]
DTYPES = ("float64", "float32")
# Values one sample makes at any layer: 24 x 24 images with 64 filters make 36 864.
MAX_VALUES_PER_SAMPLE = 1_000_000
MAX_LAYERS = 100
# Values kept by one chunk of a pass over a whole data set (32 MB in float64).
EVALUATION_VALUES = 4_000_000


@dataclass
class LayerPass:
    """Everything a forward pass computed, layer by layer.

    inputs : the network's input in the engine's layout.
    outputs[i] : layer i's output; image layers' as (channels, height, width, images)
        (`feature_maps(i)` shows them image first), others as (images, ...). The last is
        the output layer's, the head's input.
    output : (n_samples, n_outputs), the head's output.
    """

    inputs: Array
    outputs: list[Array]
    caches: list[Any]
    output: Array

    @property
    def logits(self) -> Array:
        return self.outputs[-1]

    @property
    def pre_activations(self) -> list[Array]:
        """[logits]: `pre_activations[-1]` is the head's input, as in `Network`'s Pass."""
        return [self.outputs[-1]]

    def feature_maps(self, layer: int) -> Array:
        """Layer `layer`'s output with images first: (n_samples, ...) (a view)."""
        out = self.outputs[layer]
        return out.transpose(3, 0, 1, 2) if out.ndim == 4 else out


@dataclass
class LayerGradients:
    """The batch loss and dL/dparameter: `flat` laid out like `params`, `weights[i]` and
    `biases[i]` its views for the i-th layer with weights."""

    loss: float
    flat: Array
    weights: list[Array]
    biases: list[Array]


class LayerBuffer:
    """A flat vector laid out like `LayerNetwork.params`, with per-layer views."""

    def __init__(self, flat: Array, shapes: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> None:
        self.flat = flat
        self.weights, self.biases = [], []
        offset = 0
        for weight_shape, bias_shape in shapes:
            for shape, views in ((weight_shape, self.weights), (bias_shape, self.biases)):
                size = math.prod(shape)
                views.append(flat[offset : offset + size].reshape(shape))
                offset += size


class LayerNetwork:
    """A network made of `layers` (Conv, MaxPool, Flatten, Dense, Activation, ReLU, Tanh,
    Embedding), then a dense output layer of `n_outputs` units and the head.

    input_shape : one sample's shape: (channels, height, width) for images, (context,) for
        symbol indices read by an Embedding, (n_inputs,) for plain rows.
    head : one of HEADS; "softmax" needs n_outputs >= 2, the others exactly 1.
    seed : an int or a numpy Generator for the initial weights.
    dtype : "float64", or "float32" (faster training; gradient checks use float64).
    """

    def __init__(
        self,
        input_shape: Sequence[int],
        layers: Sequence[Layer],
        head: str = "softmax",
        n_outputs: int = 2,
        seed: int | np.random.Generator = 0,
        dtype: str = "float64",
    ) -> None:
        self.input_shape = _check_input_shape(input_shape)
        self.head_name = check_choice("head", head, HEADS)
        self.head = HEADS[self.head_name]
        self.n_outputs = check_int("n_outputs", n_outputs, 1, 4096)
        if (self.head_name == "softmax") != (self.n_outputs >= 2) or self.n_outputs < 1:
            wanted = "2 or more (one per class)" if self.head_name == "softmax" else "1"
            raise ValueError(f"n_outputs={n_outputs} does not fit head={head!r}: it needs {wanted}")
        self.dtype = np.dtype(check_choice("dtype", dtype, DTYPES))
        self.layers = _build(self.input_shape, layers, self.n_outputs)
        self.sizes = [math.prod(self.input_shape)] + [math.prod(x.out_shape) for x in self.layers]
        self._slots = [i for i, layer in enumerate(self.layers) if layer.param_shapes()]
        self._shapes = [self.layers[i].param_shapes() for i in self._slots]
        self.params = np.zeros(count_layer_params(self._shapes), self.dtype)
        views = LayerBuffer(self.params, self._shapes)
        self.weights = ParamList(views.weights, "weights")
        self.biases = ParamList(views.biases, "biases")
        self._slot_of = [None] * len(self.layers)  # layer index -> index into weights
        for slot, index in enumerate(self._slots):
            self._slot_of[index] = slot
        self._params = [None] * len(self.layers)
        for slot, index in enumerate(self._slots):
            self._params[index] = (views.weights[slot], views.biases[slot])
        self._workspaces: list[dict] = [{} for _ in self.layers]
        self._embeds = isinstance(self.layers[0], Embedding)
        self.chunk = max(16, EVALUATION_VALUES // _values_per_sample(self.layers))
        self.initialize(seed)

    # -- set-up ----------------------------------------------------------------------------
    def initialize(self, seed: int | np.random.Generator = 0) -> None:
        """Draw fresh weights (PyTorch's default scheme; embeddings standard normal)."""
        rng = check_rng("seed", seed)
        for index, (weights, bias) in zip(self._slots, zip(self.weights, self.biases)):
            self.layers[index].initialize(weights, bias, rng)

    @property
    def n_layers(self) -> int:
        """Number of layers with weights (the output layer included)."""
        return len(self._slots)

    def config(self) -> dict[str, Any]:
        """The settings that rebuild this network's shape (not its weights)."""
        return {
            "input_shape": list(self.input_shape),
            "layers": [layer.config() for layer in self.layers[:-1]],
            "head": self.head_name,
            "n_outputs": self.n_outputs,
            "dtype": self.dtype.name,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LayerNetwork:
        """The network `config()` describes (fresh weights)."""
        return cls(**_settings_from_config(config))

    def copy(self) -> LayerNetwork:
        """An independent twin: same settings and weights, its own arrays."""
        twin = LayerNetwork.from_config(self.config())
        twin.params[...] = self.params
        return twin

    def __deepcopy__(self, memo: dict[int, Any]) -> LayerNetwork:
        return self.copy()

    # pickle and copy.copy rebuild the network from its settings and weights (its views
    # and buffers are remade, not copied).
    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any], Array]]:
        return _rebuild, (self.config(), self.params.copy())

    def __repr__(self) -> str:
        layers = ", ".join(repr(layer) for layer in self.layers)
        return f"LayerNetwork({self.input_shape}, [{layers}], head={self.head_name!r})"

    def summary(self) -> list[tuple[str, tuple[int, ...], int]]:
        """(layer, output shape per sample, number of weights and biases) for each layer."""
        rows = []
        for layer in self.layers:
            shapes = layer.param_shapes()
            n_params = sum(math.prod(shape) for shape in shapes) if shapes else 0
            rows.append((repr(layer), layer.out_shape, n_params))
        return rows

    # -- computing -------------------------------------------------------------------------
    def forward(self, X: Any) -> LayerPass:
        """Run `X : (n_samples, prod(input_shape))` (or `(n_samples, *input_shape)`)
        through every layer, keeping each layer's output."""
        X = self.check_inputs("X", X)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return self._run(X, reuse=False)

    def output(self, X: Any) -> Array:
        """The head's output for `X` (computed in chunks for many samples)."""
        X = self.check_inputs("X", X)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            return self._scores(X).output

    def predict(self, X: Any) -> NDArray:
        """Labels in the dataset's convention: -1/+1, class index, or a real value."""
        return self.head.predict(self.output(X))

    def loss(self, X: Any, y: NDArray) -> float:
        """Mean loss on (X, y)."""
        X = self.check_inputs("X", X)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            run = self._scores(X)
        T = self.encode_labels("y", y, len(run.output))
        return self.head.loss(run.logits, run.output, T)

    def targets(self, y: NDArray) -> Array:
        return self.encode_labels("y", y)

    def encode_labels(self, name: str, y: Any, n_rows: int | None = None) -> Array:
        """Labels `y` as the head's targets `(n_samples, n_outputs)`, in this network's dtype."""
        labels = check_labels(name, y, n_rows, self.head.allowed_labels(self.n_outputs))
        return self.head.targets(labels, self.n_outputs).astype(self.dtype, copy=False)

    def penalty(self) -> float:
        return 0.0

    def loss_and_gradients(self, X: Any, y: NDArray) -> LayerGradients:
        """Forward and backward pass on one batch: the loss and every parameter's gradient."""
        run = self.forward(X)
        T = self.encode_labels("y", y, len(run.output))
        return self._backward(run, T, self.gradient_buffer())

    def check_inputs(self, name: str, X: Any) -> Array:
        """`X` as rows of prod(input_shape) values, or an error naming `name`."""
        array = np.asarray(X)
        n_values = self.sizes[0]
        if array.ndim == 1 + len(self.input_shape) and array.shape[1:] == self.input_shape:
            array = array.reshape(len(array), n_values)
        if array.ndim != 2 or array.shape[1] != n_values:
            raise ValueError(
                f"{name} must hold one sample per row, {n_values} values each (input_shape="
                f"{self.input_shape}); got shape {array.shape}"
            )
        array = check_real(name, array)
        if self._embeds:
            n_symbols = self.layers[0].n_symbols
            bad = (array != np.round(array)) | (array < 0) | (array >= n_symbols)
            if bad.any():
                raise ValueError(
                    f"{name} holds {array[bad][0].item()!r}, and the embedding reads symbol "
                    f"indices: whole numbers from 0 to {n_symbols - 1}"
                )
        elif not np.isfinite(array).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        return array

    # -- the hot path (arguments already checked) ------------------------------------------
    def _forward(self, X1: Array, reuse: bool = False) -> LayerPass:
        """The forward pass on inputs with a last column of ones (`with_ones(X)`, which the
        Trainer gives every network), under np.errstate as in `Network._forward`.

        Without `reuse` (the Trainer scoring a whole data set), a pass over more samples
        than `chunk` runs chunk by chunk, so that memory holds one chunk's feature maps and
        windows, and keeps only the logits and the output (`outputs` is [logits]).
        """
        X = X1[:, :-1]
        return self._run(X, reuse) if reuse else self._scores(X)

    def _scores(self, X: Array) -> LayerPass:
        """A pass that keeps every layer's values up to `chunk` samples, and beyond, runs
        chunk by chunk and keeps only the logits and the output."""
        if len(X) <= self.chunk:
            return self._run(X, False)
        parts = [self._run(X[i : i + self.chunk], False) for i in range(0, len(X), self.chunk)]
        logits = np.concatenate([part.logits for part in parts])
        output = np.concatenate([part.output for part in parts])
        return LayerPass(X, [logits], [], output)

    def _run(self, X: Array, reuse: bool) -> LayerPass:
        x = X.reshape(len(X), *self.input_shape)
        if self._embeds:
            x = x.astype(np.intp)
        else:
            if x.ndim == 4:  # the layers' layout, (channels, rows, columns, images)
                x = np.empty(x.shape[1:] + x.shape[:1], self.dtype)
                x[...] = X.reshape(len(X), *self.input_shape).transpose(1, 2, 3, 0)
            else:
                x = x.astype(self.dtype, copy=False)
        inputs, outputs, caches = x, [], []
        for layer, params, workspace in zip(self.layers, self._params, self._workspaces):
            x, cache = layer.forward(x, params, workspace if reuse else None)
            outputs.append(x)
            caches.append(cache)
        return LayerPass(inputs, outputs, caches, self.head.fast_output(x))

    def _backward(
        self, run: LayerPass, T: Array, buffer: LayerBuffer, with_loss: bool = True
    ) -> LayerGradients:
        """Backpropagate from targets `T`, writing the gradient into `buffer`."""
        Z, A = run.outputs[-1], run.output
        loss = self.head.loss(Z, A, T) if with_loss else math.nan
        dout = self.head.delta(Z, A, T)
        slots = self._slot_of
        for index in range(len(self.layers) - 1, -1, -1):
            slot = slots[index]
            out = None if slot is None else (buffer.weights[slot], buffer.biases[slot])
            workspace = self._workspaces[index]
            dout = self.layers[index].backward(dout, run.caches[index], index > 0, workspace, out)[
                0
            ]
        return LayerGradients(loss, buffer.flat, buffer.weights, buffer.biases)

    def gradient_buffer(self) -> LayerBuffer:
        """A fresh vector shaped like `params`, with its per-layer views."""
        return LayerBuffer(np.zeros_like(self.params), self._shapes)


def _values_per_sample(layers: list[Layer]) -> int:
    """Values a forward pass keeps per sample: every layer's output, and each
    convolution's windows (size * size per input value)."""
    total = 0
    for layer in layers:
        total += math.prod(layer.out_shape)
        if isinstance(layer, Conv):
            total += layer.size**2 * math.prod(layer.in_shape)
    return total


def _rebuild(config: dict[str, Any], params: Array) -> LayerNetwork:
    network = LayerNetwork.from_config(config)
    network.params[...] = params
    return network


def _check_input_shape(input_shape: Any) -> tuple[int, ...]:
    if isinstance(input_shape, (str, bytes)) or not isinstance(input_shape, Sequence):
        raise TypeError(
            "input_shape must be one sample's shape, e.g. (1, 24, 24) for grayscale images "
            f"or (3,) for a context of 3 symbols; got {short_repr(input_shape)}"
        )
    if len(input_shape) not in (1, 3):
        raise ValueError(
            f"input_shape={short_repr(input_shape)} is not allowed: give (channels, height, "
            "width) for images or (n_inputs,) for rows"
        )
    shape = tuple(check_int("input_shape", size, 1, 100_000) for size in input_shape)
    if math.prod(shape) > MAX_VALUES_PER_SAMPLE:
        raise ValueError(
            f"input_shape={shape} makes {math.prod(shape):,} values per sample; at most "
            f"{MAX_VALUES_PER_SAMPLE:,} are allowed"
        )
    return shape


def _build(input_shape: tuple[int, ...], layers: Any, n_outputs: int) -> list[Layer]:
    """Copies of `layers` plus the output layer, each built on its input's shape."""
    if isinstance(layers, Layer) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a list of layers, e.g. [Dense(8), Tanh()]; got {layers!r}")
    if len(layers) > MAX_LAYERS:
        raise ValueError(f"layers has {len(layers)} layers; at most {MAX_LAYERS} are allowed")
    built, shape = [], input_shape
    for index, layer in enumerate([*layers, Dense(n_outputs)]):
        if not isinstance(layer, Layer):
            raise TypeError(
                f"layers[{index}] = {short_repr(layer)} is not a layer; use Conv, MaxPool, "
                "Flatten, Dense, Activation, ReLU, Tanh or Embedding"
            )
        layer = copy.copy(layer)
        if index == len(layers) and len(shape) != 1:
            raise ValueError(
                f"the output layer takes a row per sample, but the last layer gives shape "
                f"{shape}: end the layers with Flatten()"
            )
        shape = layer.build(shape, first=index == 0)
        if math.prod(shape) > MAX_VALUES_PER_SAMPLE:
            raise ValueError(
                f"layers[{index}] = {layer!r} makes {math.prod(shape):,} values per sample; "
                f"at most {MAX_VALUES_PER_SAMPLE:,} are allowed"
            )
        built.append(layer)
    for before, after in zip(built, built[1:]):
        if isinstance(after, MaxPool) and getattr(before, "name", None) == "relu":
            before.before_pool = after.after_relu = True
    return built


def _settings_from_config(config: Any) -> dict[str, Any]:
    """LayerNetwork's keyword arguments from `config()`'s JSON form, checked."""
    allowed = {"input_shape", "layers", "head", "n_outputs", "dtype"}
    if not isinstance(config, dict) or set(config) != allowed:
        keys = sorted(config) if isinstance(config, dict) else short_repr(config)
        raise ValueError(f"a layer network's settings have the keys {sorted(allowed)}; got {keys}")
    layers = config["layers"]
    if not isinstance(layers, list) or len(layers) > MAX_LAYERS:
        raise ValueError(f"layers must be a list of at most {MAX_LAYERS} layers")
    return {**config, "layers": [layer_from_config(layer) for layer in layers]}


def count_config_params(config: Any) -> int:
    """The number of parameters of the network `config` describes, found without making
    the network (so that a saved file's size can be checked before it is read)."""
    settings = _settings_from_config(config)
    shape = _check_input_shape(settings["input_shape"])
    n_outputs = check_int("n_outputs", settings["n_outputs"], 1, 4096)
    built = _build(shape, settings["layers"], n_outputs)
    return count_layer_params([layer.param_shapes() for layer in built if layer.param_shapes()])


def count_layer_params(shapes: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> int:
    """Weights and biases of layers of these (weights, biases) shapes, at most MAX_PARAMS."""
    n_params = sum(math.prod(w) + math.prod(b) for w, b in shapes)
    if n_params > MAX_PARAMS:
        raise ValueError(
            f"these layers make a network of {n_params:,} parameters; at most "
            f"{MAX_PARAMS:,} are allowed (fewer filters or units fit)"
        )
    return n_params
