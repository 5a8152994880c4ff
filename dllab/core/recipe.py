"""One recipe for "a network and its trainer for these settings", used by the lab and
every lesson, so that a setting means the same thing everywhere.

A dense network (`Network`) by default; with `conv_layers` > 0, on pictures (data with an
`image_shape`), a convolutional one (`LayerNetwork`): `conv_layers` blocks of 3 x 3
convolution, activation and 2 x 2 max pooling, then the dense hidden layers, then the
output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .activations import ACTIVATIONS
from .checks import check_choice, check_int
from .data import Split
from .heads import DEFAULT_HEAD, HEADS
from .layer_specs import Activation, Conv, Dense, Flatten, Layer, MaxPool
from .layered import LayerNetwork
from .network import Network
from .training import Trainer

KERNEL_SIZE = 3  # each convolution's kernels are 3 x 3
MAX_FILTERS = 64
# The dense layer the image lesson puts after its convolutional blocks.
CONV_HIDDEN = (32,)


def max_conv_layers(image_shape: Sequence[int]) -> int:
    """How many convolution-and-pooling blocks pictures of `image_shape` (height, width)
    take: each block halves them, and a 3 x 3 kernel needs at least 3 x 3 pixels
    (8 x 8 digits take 2, 24 x 24 shapes 4)."""
    side, blocks = min(image_shape), 0
    while side >= KERNEL_SIZE:
        side, blocks = side // 2, blocks + 1
    return blocks


def conv_layers_spec(
    conv_layers: int,
    filters: int,
    hidden: Sequence[int] = CONV_HIDDEN,
    activation: str = "relu",
) -> list[Layer]:
    """`conv_layers` blocks of 3 x 3 convolution, activation and 2 x 2 max pooling
    (`filters` channels in the first, twice as many after), then a dense layer of each
    width in `hidden` with the activation."""
    conv_layers = check_int("conv_layers", conv_layers, 0)
    filters = check_int("filters", filters, 1, MAX_FILTERS)
    activation = check_choice("activation", activation, ACTIVATIONS)
    layers: list[Layer] = []
    for index in range(conv_layers):
        channels = filters if index == 0 else 2 * filters
        layers += [Conv(channels, KERNEL_SIZE), Activation(activation), MaxPool()]
    layers.append(Flatten())
    for units in hidden:
        layers += [Dense(units), Activation(activation)]
    return layers


def conv_network(
    image_shape: Sequence[int],
    conv_layers: int,
    filters: int,
    n_outputs: int,
    *,
    hidden: Sequence[int] = CONV_HIDDEN,
    activation: str = "relu",
    head: str = "softmax",
    seed: int = 0,
    dtype: str = "float32",
) -> LayerNetwork:
    """A LayerNetwork on grey pictures of `image_shape` (height, width) made of
    `conv_layers_spec(conv_layers, filters, hidden, activation)`, then `n_outputs` outputs
    and the head. Too many blocks for the pictures is a ValueError saying how many fit."""
    height, width = (check_int("image_shape", side, 1) for side in image_shape)
    most = max_conv_layers((height, width))
    if isinstance(conv_layers, int) and not isinstance(conv_layers, bool) and conv_layers > most:
        raise ValueError(
            f"conv_layers={conv_layers} is too many for pictures of {height} x {width}: "
            f"each convolutional layer halves them, and its 3 x 3 kernels need at least "
            f"3 x 3 pixels; choose 0 to {most}"
        )
    return LayerNetwork(
        (1, height, width),
        conv_layers_spec(conv_layers, filters, hidden, activation),
        head=head,
        n_outputs=n_outputs,
        seed=seed,
        dtype=dtype,
    )


def make_trainer(
    data: Split,
    hidden: Sequence[int] = (4, 2),
    *,
    activation: str = "tanh",
    head: str | None = None,
    init: str = "playground",
    regularization: str = "none",
    regularization_rate: float = 0.0,
    features: Sequence[str] | None = None,
    learning_rate: float = 0.03,
    batch_size: int = 10,
    optimizer: str = "sgd",
    seed: int = 0,
    conv_layers: int = 0,
    filters: int = 8,
) -> Trainer:
    """A fresh network with hidden layers `hidden` on `data`, and its Trainer.

    The input size follows `features` (2-D data only) or the data; the output size follows
    the head, by default the one that fits the data's task (tanh for two classes, softmax
    for more, linear for regression). `batch_size` is cut to the training set's size.

    conv_layers : 0 for a dense `Network`; more, on pictures only, for a convolutional
        `LayerNetwork` (float32) of `conv_network(..., conv_layers, filters, hidden=hidden)`:
        `filters` channels in the first convolution, twice as many after. Its weights
        start from PyTorch's default scheme (`init` is for dense networks), and it has no
        regularisation (any but "none" is refused).
    """
    if not isinstance(data, Split):
        raise TypeError(
            f"data must be a Split (from dllab.split(dataset, train_share)); "
            f"got {type(data).__name__}"
        )
    dataset = data.dataset
    head = DEFAULT_HEAD[dataset.task] if head is None else head
    head = check_choice("head", head, HEADS)
    n_outputs = HEADS[head].n_outputs(dataset.n_classes)
    conv_layers = check_int("conv_layers", conv_layers, 0)
    if conv_layers:
        network = _conv_for(data, hidden, activation, head, n_outputs, conv_layers, filters, seed)
        _refuse_for_conv("regularization", regularization, "none")
        _refuse_for_conv("features", features, None)
    else:
        network = Network(
            [len(features) if features else dataset.n_inputs, *hidden, n_outputs],
            activation=activation,
            head=head,
            init=init,
            regularization=regularization,
            regularization_rate=regularization_rate,
            seed=seed,
        )
    return Trainer(
        network,
        data,
        features=list(features) if features else None,
        learning_rate=learning_rate,
        batch_size=min(batch_size, len(data.y_train)),
        optimizer=optimizer,
        seed=seed,
    )


def _conv_for(data, hidden, activation, head, n_outputs, conv_layers, filters, seed):
    dataset = data.dataset
    if dataset.image_shape is None or math.prod(dataset.image_shape) != dataset.n_inputs:
        raise ValueError(
            f"conv_layers={conv_layers} needs pictures, and {dataset.name} is not pictures "
            "(it has no image_shape): use conv_layers=0"
        )
    return conv_network(
        dataset.image_shape,
        conv_layers,
        filters,
        n_outputs,
        hidden=list(hidden),
        activation=activation,
        head=head,
        seed=seed,
    )


def _refuse_for_conv(name, value, allowed) -> None:
    if value != allowed and not (allowed is None and not value):
        raise ValueError(
            f"{name}={value!r} applies to dense networks only: a convolutional network "
            f"(conv_layers > 0) takes {name}={allowed!r}"
        )
