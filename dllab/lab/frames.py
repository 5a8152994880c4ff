"""What one redraw of the lab shows, computed from a trainer: NumPy only, no widget.

For 2-D data every neuron is drawn over the input plane (small tiles, one column per layer)
and the output, or the neuron chosen, large; for other data (handwritten digits) the
picture is one test example, the first layer's weights as images and every later neuron's
activation for that example. A convolutional network on pictures shows the test example,
then each convolutional layer's feature maps for it (a tile per channel), then each dense
layer's activations and the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..core import LayerNetwork, Trainer
from ..core.conv_insight import scaled_maps
from ..core.layer_specs import Activation, Conv, Dense, Flatten
from ..core.plane import output_score, plane_grid

Array = NDArray[np.float64]
TILE_RESOLUTION = 25  # points per side of each neuron's small heatmap
SURFACE_RESOLUTION = 50  # points per side of the output heatmap


@dataclass
class Frame:
    """What one redraw shows, computed from the model at one instant.

    tiles : one array per column of the network picture (inputs, each hidden layer,
        output), shape (n_tiles, height, width), values in [-1, 1].
    weights : the links from column `link_from` on: for each pair of columns, a matrix
        (tiles in the left one, tiles in the right one).
    surface : (SURFACE_RESOLUTION, SURFACE_RESOLUTION) output (or chosen neuron) values,
        top row first; None for data that is not 2-D.
    probabilities : (n_classes,) for data that is not 2-D: the network's output for the
        example shown; else None.
    """

    version: int
    epoch: int
    tiles: list[Array]
    weights: list[Array]
    surface: Array | None
    surface_title: str
    history: dict[str, list] = field(default_factory=dict)
    probabilities: Array | None = None
    link_from: int = 0
    titles: list[str] | None = None  # of the columns; None: the view names them


class PlanePictures:
    """The tiles and the surface of a network on 2-D data; the grids are kept per extent,
    and the network's inputs over them (and the input features' tiles) per extent and
    features: they change when a learner moves a setting, not from frame to frame."""

    def __init__(self) -> None:
        self._grids: dict[tuple[float, int], Array] = {}
        self._inputs: tuple[tuple, Array, Array] | None = None  # (key, points, input tiles)

    def grid(self, extent: float, resolution: int) -> Array:
        """`dllab.core.plane.plane_grid`, computed once per extent and resolution."""
        key = (extent, resolution)
        if key not in self._grids:
            self._grids[key] = plane_grid(extent, resolution)
        return self._grids[key]

    def __call__(
        self, trainer: Trainer, extent: float, focus: tuple[int, int]
    ) -> tuple[list[Array], Array, str, None]:
        """(tiles, surface, title, None): `focus` (column, tile) picks a hidden neuron to show
        large; any other tile shows the output. One pass over both grids, in float32 (the
        pictures are drawn with 256 shades)."""
        size, fine_size = TILE_RESOLUTION, SURFACE_RESOLUTION
        key = (extent, None if trainer.features is None else tuple(trainer.features))
        if self._inputs is None or self._inputs[0] != key:
            small = trainer.inputs(self.grid(extent, size))
            points = np.concatenate([small, trainer.inputs(self.grid(extent, fine_size))])
            self._inputs = (key, points, _normalise_inputs(small.T).reshape(-1, size, size))
        _, points, input_tiles = self._inputs
        network = trainer.network
        both = network.neuron_outputs(points, dtype=np.float32)
        cut = size * size
        tiles = [input_tiles]
        tiles += [layer[:, :cut].reshape(-1, size, size) for layer in both]
        fine = [layer[:, cut:] for layer in both]
        column, row = focus
        if 1 <= column < len(fine) and 0 <= row < len(fine[column - 1]):
            surface, title = fine[column - 1][row], f"Layer {column}, neuron {row + 1}"
        else:
            surface, title = output_score(fine[-1].T, network.head_name), "Output"
        return tiles, surface.reshape(fine_size, fine_size), title, None


def example_pictures(trainer: Trainer, example: int) -> tuple[list[Array], None, str, Array]:
    """For data that is not 2-D: (tiles, None, title, probabilities) of the chosen test
    example: the example, the first layer's weights as images, every later neuron's
    activation for it, and the network's output for it."""
    data = trainer.data.dataset
    shape = data.image_shape or (1, data.n_inputs)
    index = example % len(trainer.X_test)
    x = trainer.X_test[index : index + 1]
    run = trainer.network.forward(x)
    tiles = [(2 * x - 1).reshape(1, *shape)]
    first = trainer.network.weights[0].T
    scale = np.abs(first).max(axis=1, keepdims=True) + 1e-12
    tiles.append((first / scale).reshape(-1, *shape))
    for values in run.activations[1:-1]:
        tiles.append(np.clip(values[0], -1, 1).reshape(-1, 1, 1))
    if trainer.network.depth:
        tiles.append((2 * run.output[0] - 1).reshape(-1, 1, 1))
    return tiles, None, f"Test example {index}", run.output[0]


def layer_names(network) -> list[str]:
    """The names of a network's layers with weights, for the gradient plot: "layer 1",
    ..., "output"; a convolutional network's "conv 1", ..., "dense 1", ..., "output"."""
    if not isinstance(network, LayerNetwork):
        return [f"layer {i + 1}" for i in range(network.n_layers - 1)] + ["output"]
    kinds = [layer.kind for layer in network.layers if layer.param_shapes()][:-1]
    names = [f"{kind} {kinds[: i + 1].count(kind)}" for i, kind in enumerate(kinds)]
    return names + ["output"]


def _at_most_one(values: Array) -> Array:
    """`values` divided by their largest absolute value when that is above 1."""
    return values / max(1.0, float(np.abs(values).max(initial=0.0)))


def _normalise_inputs(columns: Array) -> Array:
    """Scale each input feature's picture to [-1, 1] (x1 spans -6..6, sin x1 spans -1..1)."""
    return columns / (np.abs(columns).max(axis=1, keepdims=True) + 1e-12)


def conv_pictures(trainer: Trainer, example: int, version: int, history: dict) -> Frame:
    """The frame of a convolutional network (a LayerNetwork from `make_trainer(...,
    conv_layers=...)`) on the chosen test example: the picture; each convolutional
    layer's feature maps after its activation, one tile per channel, each scaled to
    [-1, 1]; each dense layer's activations; the output (probabilities as 2p - 1).

    Links join a column's tiles to the next one's: between convolutional layers, the sum
    of each (input channel, output channel) kernel's weights (what a flat input map would
    pass on); from the last feature maps to the first dense layer, each channel's weights
    summed over its places (these sums, of many weights, are scaled down so that the
    largest is 1 when it is larger: a trained network's would otherwise all be drawn as
    thick as links get); between dense layers, the weights."""
    network = trainer.network
    index = example % len(trainer.X_test)
    run = network.forward(trainer.X_test[index : index + 1])
    height, width = network.input_shape[1:]
    tiles = [
        (2 * np.asarray(trainer.X_test[index], dtype=np.float64) - 1).reshape(1, height, width)
    ]
    titles, links = ["Input"], []
    conv, dense = 0, 0
    layer_weights = iter(network.weights)  # of each layer with weights, in order
    for position, layer in enumerate(network.layers):
        if isinstance(layer, Conv):
            kernels = np.asarray(next(layer_weights), dtype=np.float64)
            links.append(_at_most_one(kernels.sum(axis=(2, 3)).T))
        elif isinstance(layer, Dense):
            weights = np.asarray(next(layer_weights), dtype=np.float64)
            before = network.layers[position - 1] if position else None
            if isinstance(before, Flatten) and before.maps:
                channels = before.in_shape[0]
                weights = _at_most_one(weights.reshape(channels, -1, weights.shape[1]).sum(axis=1))
            links.append(weights)
        if not isinstance(layer, Activation):
            continue
        values = run.feature_maps(position)[0]
        if values.ndim == 3:
            conv += 1
            tiles.append(scaled_maps(values))
            titles.append(f"Conv {conv}")
        else:
            dense += 1
            tiles.append(np.clip(np.asarray(values, dtype=np.float64), -1, 1).reshape(-1, 1, 1))
            titles.append(f"Dense {dense}")
    probabilities = np.asarray(run.output[0], dtype=np.float64)
    tiles.append((2 * probabilities - 1).reshape(-1, 1, 1))
    titles.append("Output")
    return Frame(
        version,
        trainer.epoch,
        tiles,
        links,
        None,
        f"Test example {index}",
        history,
        probabilities,
        link_from=0,
        titles=titles,
    )
