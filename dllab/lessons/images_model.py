"""The model of lesson 7, images: a convolutional network trained live on pictures of
shapes, what its layers hold, and a side-by-side with traditional models. No widget in
it: `ImageLesson` (in `dllab.lessons.images`) is its view.

Changing the depth, the filters or the learning rate cancels the running training and
starts a new one from fresh weights (on a `Runner`); `version` changes after every epoch,
`frame()` is what the page shows of the chosen test example then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import traitlets as t

from ..core.checks import check_int
from ..core.conv_insight import (
    chance_edge_share,
    edge_like_share,
    scaled_maps,
    surest,
    top_patches,
)
from ..core.data import Split, split
from ..core.layer_specs import Activation, Conv
from ..core.learning_curve import CURVE_SIZES, CURVE_TEST_SIZE
from ..core.optimizers import check_learning_rate
from ..core.recipe import conv_network
from ..core.shapes import make_shapes
from ..core.training import Trainer
from ..ui import Background, Runner
from .images_compare import Comparison
from .images_curve import DataCurve

STATUSES = ("ready", "training", "done", "cancelled", "error")
MAX_CONV_LAYERS = 3
FILTER_RANGE = (2, 16)
NOISE = 0.2
SUREST_COUNT = 6
PATCH_COUNT = 4
# The second convolutional layer's cells (before pooling) see 8 x 8 pixels of the picture,
# one cell every 2 pixels: 3 x 3 kernels on 2 x 2 pools of 3 x 3 kernels.
PATCH_FIELD, PATCH_STRIDE = 8, 2


def lesson_data(n_samples: int, seed: int = 0) -> Split:
    """Shapes at noise 0.2 (where the models differ), half to train, half to test."""
    return split(make_shapes(n_samples, NOISE, seed), 0.5, seed=seed)


@dataclass(frozen=True)
class Frame:
    """The network on one test example, as the page draws it."""

    index: int
    true: str
    image: np.ndarray  # (24, 24) in [0, 1]
    maps: list[np.ndarray]  # per convolutional layer (after ReLU): (channels, h, w) in [-1, 1]
    kernels: np.ndarray | None  # the first layer's (filters, 3, 3), or None with no conv
    probabilities: np.ndarray  # (n_classes,)
    classes: tuple[str, ...]


class ImagesModel(Background, t.HasTraits):
    """A convolutional network on pictures of shapes, retrained when a setting changes.

    conv_layers : 0 (a dense network on the pixels) to 3 convolutional blocks.
    filters : channels of the first convolution, 2 to 16 (twice as many after).
    learning_rate : Adam's.
    example : the test picture shown.
    curve_sizes, curve_test : the training-set sizes of the learning curve
        (`data_curve`) and the pictures it tests on.
    """

    conv_layers = t.Int(3)
    filters = t.Int(8)
    learning_rate = t.Float(0.003)
    example = t.Int(0)
    status = t.Enum(STATUSES, default_value="ready")
    message = t.Unicode("")
    version = t.Int(0)  # changes after every epoch (and on a new run)
    run_id = t.Int(0)
    # The share of edge-like first-layer kernels in the fresh weights the run began from.
    start_edge_share = t.Float(None, allow_none=True)
    # The share of edge-like kernels among many fresh ones drawn as the first layer draws
    # its weights: what chance gives (measured once, at the first run with a convolution).
    chance_edge_share = t.Float(None, allow_none=True)

    def __init__(
        self,
        epochs: int = 15,
        n_samples: int = 2000,
        seed: int = 0,
        curve_sizes: Sequence[int] = CURVE_SIZES,
        curve_test: int = CURVE_TEST_SIZE,
        **settings: Any,
    ) -> None:
        self.epochs = check_int("epochs", epochs, 1, 500)
        self.seed = check_int("seed", seed, 0)
        self.data = lesson_data(check_int("n_samples", n_samples, 40, 20_000), self.seed)
        self.lock = threading.Lock()
        self.trainer: Trainer | None = None
        self._runner = Runner(self._train, self._failed, name="dllab-images")
        self.comparison = Comparison(self.data, self.seed)
        self.data_curve = DataCurve(curve_sizes, curve_test, NOISE, self.seed)
        super().__init__(**settings)

    @t.validate("conv_layers")
    def _check_conv_layers(self, proposal):
        return _trait_int("conv_layers", proposal.value, 0, MAX_CONV_LAYERS)

    @t.validate("filters")
    def _check_filters(self, proposal):
        return _trait_int("filters", proposal.value, *FILTER_RANGE)

    @t.validate("learning_rate")
    def _check_rate(self, proposal):
        try:
            return check_learning_rate(proposal.value)
        except (TypeError, ValueError) as error:
            raise t.TraitError(str(error)) from None

    @t.validate("example")
    def _check_example(self, proposal):
        return _trait_int("example", proposal.value, 0, len(self.data.X_test) - 1)

    @t.observe("conv_layers", "filters", "learning_rate")
    def _settings_changed(self, change) -> None:
        if self.status != "ready" or self.running:
            self.start()

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.data.dataset.classes)

    def start(self) -> None:
        """Train a new network on a background thread; a running one is cancelled."""
        self._runner.cancel()
        self._runner.request()

    def close(self) -> None:
        """Stop training, the comparison and the learning curve for good."""
        super().close()
        self.comparison.close()
        self.data_curve.close()

    def train(self, timeout: float | None = None) -> bool:
        """Train a new network and wait until it is trained; False on timeout."""
        self.start()
        return self.wait(timeout)

    # -- training ------------------------------------------------------------------------------
    def _train(self, should_stop) -> None:
        shape = self.data.dataset.image_shape
        network = conv_network(
            shape, self.conv_layers, self.filters, len(self.classes), seed=self.seed
        )
        trainer = Trainer(
            network,
            self.data,
            learning_rate=self.learning_rate,
            batch_size=32,
            optimizer="adam",
            seed=self.seed,
        )
        with self.lock:
            self.trainer = trainer
        first = network.layers[0]
        self.start_edge_share = (
            edge_like_share(network.weights[0][:, 0]) if isinstance(first, Conv) else None
        )
        if isinstance(first, Conv) and self.chance_edge_share is None:
            self.chance_edge_share = chance_edge_share(first)
        self.run_id += 1
        self.status, self.message = "training", "Training a new network..."
        self.version += 1
        started = time.perf_counter()
        for epoch in range(1, self.epochs + 1):
            if should_stop():
                self.status, self.message = "cancelled", "Cancelled: a setting changed."
                return
            with self.lock:
                trainer.run_epoch()
            accuracy = trainer.history["test_accuracy"][-1]
            self.message = (
                f"Epoch {epoch} of {self.epochs} · test accuracy {accuracy:.0%} · "
                f"{time.perf_counter() - started:.1f} s"
            )
            self.version += 1
        self.status = "done"
        self.message = (
            f"Trained {self.epochs} epochs in {time.perf_counter() - started:.1f} s: "
            f"test accuracy {trainer.history['test_accuracy'][-1]:.0%}."
        )

    def _failed(self, error: Exception) -> None:
        self.message = f"training failed: {error}"
        self.status = "error"

    # -- what the page shows -------------------------------------------------------------------
    def history(self) -> dict[str, list[float]]:
        """Loss and accuracy per epoch so far (test and training)."""
        with self.lock:
            if self.trainer is None:
                return {}
            history = self.trainer.history
            return {key: list(history[key]) for key in history.keys()}

    def frame(self) -> Frame | None:
        """The network now, on the chosen test example (None before training)."""
        with self.lock:
            trainer = self.trainer
            if trainer is None:
                return None
            network = trainer.network
            index = self.example
            run = network.forward(trainer.X_test[index : index + 1])
            maps = [
                scaled_maps(run.feature_maps(i)[0])
                for i, layer in enumerate(network.layers)
                if isinstance(layer, Activation) and run.outputs[i].ndim == 4
            ]
            kernels = None
            if isinstance(network.layers[0], Conv):
                kernels = np.array(network.weights[0][:, 0], dtype=np.float64)
            probabilities = np.array(run.output[0], dtype=np.float64)
        return Frame(
            index=index,
            true=self.classes[int(self.data.y_test[index])],
            image=self.data.X_test[index].reshape(24, 24),
            maps=maps,
            kernels=kernels,
            probabilities=probabilities,
            classes=self.classes,
        )

    def edge_share(self) -> float | None:
        """The share of first-layer kernels that match an edge or bar template (None
        without a convolution)."""
        frame = self.frame()
        return None if frame is None or frame.kernels is None else edge_like_share(frame.kernels)

    def surest(self, count: int = SUREST_COUNT) -> tuple[np.ndarray, np.ndarray] | None:
        """(indices (n_classes, count), probabilities of those) of the test pictures each
        class output is surest of."""
        with self.lock:
            if self.trainer is None:
                return None
            probabilities = self.trainer.network.output(self.trainer.X_test)
        best = surest(probabilities, count)
        return best, np.take_along_axis(probabilities.T, best, axis=1)


def _trait_int(name: str, value: Any, low: int, high: int) -> int:
    try:
        return check_int(name, value, low, high)
    except (TypeError, ValueError) as error:
        raise t.TraitError(str(error)) from None


def middle_patches(model: ImagesModel, count: int = PATCH_COUNT) -> np.ndarray | None:
    """For each channel of the second convolutional layer, the `count` test-picture
    patches (8 x 8, its receptive field) where it is largest: (channels, count, 8, 8);
    None with fewer than two convolutional layers."""
    with model.lock:
        trainer = model.trainer
        if trainer is None:
            return None
        network = trainer.network
        maps = [
            i
            for i, layer in enumerate(network.layers)
            if isinstance(layer, Activation) and len(layer.out_shape) == 3
        ]
        if len(maps) < 2:
            return None
        values = network.forward(trainer.X_test).feature_maps(maps[1])
        images = model.data.X_test.reshape(-1, 24, 24)
        return top_patches(values, images, PATCH_FIELD, PATCH_STRIDE, count)
