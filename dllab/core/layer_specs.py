"""The layers a `LayerNetwork` is built from: each one's settings, the shapes it takes
and gives (checked when the network is built, with errors naming the layer), its weights'
shapes and initial values, and calls to its forward/backward pair in `layers.py`.

Image layers hold feature maps as (channels, height, width, images) (see `layers.py`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import layers as L
from .activations import ACTIVATIONS
from .checks import check_choice, check_int, short_repr

Array = np.ndarray


class Layer:
    """A layer's settings; built into a network, it also knows its input and output shapes
    (per sample) and the shapes of its weights and biases."""

    kind = ""

    def settings(self) -> dict[str, Any]:
        return {}

    def config(self) -> dict[str, Any]:
        return {"type": self.kind, **self.settings()}

    def build(self, shape: tuple[int, ...], first: bool) -> tuple[int, ...]:
        """Check the layer fits an input of `shape` per sample; return its output shape."""
        self.in_shape = shape
        self.out_shape = self.output_shape(shape, first)
        return self.out_shape

    def output_shape(self, shape: tuple[int, ...], first: bool) -> tuple[int, ...]:
        return shape

    def param_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        """(weights shape, biases shape), or None for a layer without weights."""
        return None

    def initialize(self, weights: Array, bias: Array, rng: np.random.Generator) -> None:
        """PyTorch's default: weights and biases uniform in +-1 / sqrt(inputs per unit)."""
        limit = 1.0 / math.sqrt(weights.size / weights.shape[0])
        weights[...] = rng.uniform(-limit, limit, size=weights.shape)
        bias[...] = rng.uniform(-limit, limit, size=bias.shape)

    def forward(self, x: Array, params: tuple, workspace: dict | None) -> tuple[Array, Any]:
        raise NotImplementedError

    def backward(
        self, dout: Array, cache: Any, need_dx: bool, workspace: dict, out: Any = None
    ) -> tuple:
        """(dx or None, dweights, dbias), the gradients written into `out` (dweights, dbias)
        when given; a layer without weights returns (dx, None, None)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.settings().items())
        return f"{type(self).__name__}({arguments})"


def _refuse_unless_maps(layer: Layer, shape: tuple[int, ...]) -> None:
    if len(shape) != 3:
        raise ValueError(
            f"{layer!r} takes images of shape (channels, height, width), but its input has "
            f"shape {shape}: give input_shape=(channels, height, width), and put image layers "
            "before Flatten()"
        )


class Conv(Layer):
    """2-D convolution: `filters` kernels of `size` x `size` over all input channels,
    stride 1, then a bias per filter. padding "same" keeps the image size (odd sizes),
    "valid" shrinks it by size - 1."""

    kind = "conv"

    def __init__(self, filters: int, size: int = 3, padding: str = "same") -> None:
        self.filters = check_int("filters", filters, 1, 4096)
        self.size = check_int("size", size, 1, 64)
        self.padding = check_choice("padding", padding, L.PADDINGS)
        if self.padding == "same" and self.size % 2 == 0:
            raise ValueError(
                f"size={size} with padding='same' is not allowed: 'same' needs an odd kernel "
                "size (1, 3, 5, ...) to pad both sides alike; use padding='valid'"
            )

    def settings(self) -> dict[str, Any]:
        return {"filters": self.filters, "size": self.size, "padding": self.padding}

    def output_shape(self, shape: tuple[int, ...], first: bool) -> tuple[int, ...]:
        _refuse_unless_maps(self, shape)
        channels, height, width = shape
        if self.size > height or self.size > width:
            raise ValueError(
                f"{self!r}: kernels of {self.size} x {self.size} are larger than its input "
                f"images of {height} x {width}; use a size up to {min(height, width)}"
            )
        shrink = 0 if self.padding == "same" else self.size - 1
        return (self.filters, height - shrink, width - shrink)

    def param_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return (self.filters, self.in_shape[0], self.size, self.size), (self.filters,)

    def forward(self, x, params, workspace):
        return L.conv_forward(x, params[0], params[1], self.padding, workspace)

    def backward(self, dout, cache, need_dx, workspace, out=None):
        return L.conv_backward(dout, cache, need_dx, workspace, out)


class MaxPool(Layer):
    """2 x 2 max pooling, stride 2: halves the height and width (an odd last row or
    column is dropped)."""

    kind = "maxpool"
    after_relu = False

    def __init__(self, size: int = 2) -> None:
        self.size = check_int("size", size, 2, 2)

    def settings(self) -> dict[str, Any]:
        return {"size": self.size}

    def output_shape(self, shape, first):
        _refuse_unless_maps(self, shape)
        channels, height, width = shape
        if height < 2 or width < 2:
            raise ValueError(
                f"{self!r} leaves nothing of its input images of {height} x {width}: "
                "2 x 2 pooling needs images at least 2 x 2"
            )
        return (channels, height // 2, width // 2)

    def forward(self, x, params, workspace):
        return L.maxpool_forward(x, workspace)

    def backward(self, dout, cache, need_dx, workspace, out=None):
        return L.maxpool_backward(dout, cache, workspace, self.after_relu), None, None


class Flatten(Layer):
    """All of a sample's values in one row, e.g. feature maps (C, H, W) -> C*H*W."""

    kind = "flatten"

    def output_shape(self, shape, first):
        self.maps = len(shape) == 3
        return (math.prod(shape),)

    def forward(self, x, params, workspace):
        return L.flatten_forward(x, self.maps)

    def backward(self, dout, cache, need_dx, workspace, out=None):
        return L.flatten_backward(dout, cache), None, None


class Dense(Layer):
    """A fully connected layer of `units` outputs (a row of values in, a row out)."""

    kind = "dense"

    def __init__(self, units: int) -> None:
        self.units = check_int("units", units, 1, 4096)

    def settings(self) -> dict[str, Any]:
        return {"units": self.units}

    def output_shape(self, shape, first):
        if len(shape) != 1:
            raise ValueError(
                f"{self!r} takes a row of values per sample, but its input has shape {shape}: "
                "put Flatten() before it"
            )
        return (self.units,)

    def param_shapes(self):
        return (self.in_shape[0], self.units), (self.units,)

    def initialize(self, weights, bias, rng):
        limit = 1.0 / math.sqrt(weights.shape[0])
        weights[...] = rng.uniform(-limit, limit, size=weights.shape)
        bias[...] = rng.uniform(-limit, limit, size=bias.shape)

    def forward(self, x, params, workspace):
        return L.dense_forward(x, params[0], params[1], workspace)

    def backward(self, dout, cache, need_dx, workspace, out=None):
        return L.dense_backward(dout, cache, need_dx, out)


class Activation(Layer):
    """One of ACTIVATIONS applied to every value."""

    kind = "activation"

    def __init__(self, name: str) -> None:
        self.name = check_choice("activation", name, ACTIVATIONS)

    def settings(self) -> dict[str, Any]:
        return {"name": self.name}

    before_pool = False  # a ReLU before a MaxPool: the pool applies its derivative

    def forward(self, x, params, workspace):
        return L.activation_forward(x, self.name, workspace)

    def backward(self, dout, cache, need_dx, workspace, out=None):
        if self.before_pool:
            return dout, None, None
        return L.activation_backward(dout, cache, workspace), None, None

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def ReLU() -> Activation:  # noqa: N802 (read as a layer, like the classes beside it)
    return Activation("relu")


def Tanh() -> Activation:  # noqa: N802
    return Activation("tanh")


class Embedding(Layer):
    """A table of `n_symbols` vectors of `dim` values: each input index is replaced by
    its row (makemore's `C[X]`). The first layer only: it takes symbol indices."""

    kind = "embedding"

    def __init__(self, n_symbols: int, dim: int) -> None:
        self.n_symbols = check_int("n_symbols", n_symbols, 1, 100_000)
        self.dim = check_int("dim", dim, 1, 4096)

    def settings(self) -> dict[str, Any]:
        return {"n_symbols": self.n_symbols, "dim": self.dim}

    def output_shape(self, shape, first):
        if not first or len(shape) != 1:
            raise ValueError(
                f"{self!r} must be the first layer, with input_shape=(context,): it reads "
                f"a row of symbol indices per sample; got input of shape {shape}"
            )
        return (shape[0], self.dim)

    def param_shapes(self):
        return (self.n_symbols, self.dim), (0,)

    def initialize(self, weights, bias, rng):
        weights[...] = rng.normal(0.0, 1.0, size=weights.shape)  # as makemore's randn

    def forward(self, x, params, workspace):
        return L.embedding_forward(x, params[0])

    def backward(self, dout, cache, need_dx, workspace, out=None):
        return None, L.embedding_backward(dout, cache, None if out is None else out[0]), None


LAYERS: dict[str, type[Layer]] = {
    kind.kind: kind for kind in (Conv, MaxPool, Flatten, Dense, Activation, Embedding)
}


def layer_from_config(config: Any) -> Layer:
    """The layer `Layer.config()` describes, e.g. {"type": "conv", "filters": 8, ...}."""
    if not isinstance(config, dict) or config.get("type") not in LAYERS:
        raise ValueError(
            f"layer {short_repr(config)} is not known: a layer is a dict whose 'type' is "
            f"one of {', '.join(LAYERS)}"
        )
    settings = {key: value for key, value in config.items() if key != "type"}
    try:
        return LAYERS[config["type"]](**settings)
    except TypeError as error:
        raise ValueError(f"layer {short_repr(config)} has wrong settings: {error}") from None
