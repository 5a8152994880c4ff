"""Lesson 7's side-by-side: traditional models against a dense and a convolutional
network, on the same pictures of shapes and the same split, with the test accuracy and
the CPU time of each (training and scoring, features included, on one thread).

`Comparison` runs them on a `Runner` when asked and writes the sentences under the
table from what it measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import traitlets as t

from ..core.baselines import fit_baseline
from ..core.data import Split
from ..core.edges import edge_split
from ..core.recipe import conv_network, make_trainer
from ..core.training import Trainer
from ..ui import Background, Runner

STATUSES = ("ready", "running", "done", "cancelled", "error")
CNN_LAYERS, CNN_FILTERS, CNN_EPOCHS = 3, 8, 40
DENSE_HIDDEN, DENSE_EPOCHS = (128, 64), 30

EDGES_EXPLAINED = (
    "Each pixel's edge strength and direction come from comparing its neighbours left "
    "with right and above with below. The picture is cut into a 3 x 3 grid of cells, and "
    "each cell counts how much edge it holds in each of 9 directions: these 81 counts, "
    "designed by a person, are the features."
)


def _trained(trainer: Trainer, epochs: int, should_stop) -> float | None:
    for _ in range(epochs):
        if should_stop():
            return None
        trainer.run_epoch()
    return trainer.evaluate()["test_accuracy"]


def dense_trainer(data: Split, seed: int) -> Trainer:
    """The dense network of the comparison, fresh, with its trainer."""
    return make_trainer(
        data,
        hidden=DENSE_HIDDEN,
        activation="relu",
        init="he",
        optimizer="adam",
        learning_rate=0.001,
        batch_size=32,
        seed=seed,
    )


def conv_trainer(data: Split, seed: int) -> Trainer:
    """The convolutional network of the comparison, fresh, with its trainer (batches of
    32, or the whole training set if smaller)."""
    network = conv_network(
        data.dataset.image_shape, CNN_LAYERS, CNN_FILTERS, data.dataset.n_classes, seed=seed
    )
    batch_size = min(32, len(data.y_train))
    return Trainer(
        network, data, learning_rate=0.003, batch_size=batch_size, optimizer="adam", seed=seed
    )


def dense_network(data: Split, seed: int, should_stop) -> float | None:
    return _trained(dense_trainer(data, seed), DENSE_EPOCHS, should_stop)


def convolutional_network(data: Split, seed: int, should_stop) -> float | None:
    return _trained(conv_trainer(data, seed), CNN_EPOCHS, should_stop)


MODELS: dict[str, Callable[[Split, int, Callable[[], bool]], float | None]] = {
    "Logistic regression on raw pixels": lambda data, seed, stop: (
        fit_baseline("logistic_raw", data, seed=seed).test_score
    ),
    "Random forest on raw pixels": lambda data, seed, stop: (
        fit_baseline("random_forest", data, seed=seed).test_score
    ),
    "Random forest on edge histograms": lambda data, seed, stop: (
        fit_baseline("random_forest", edge_split(data), seed=seed).test_score
    ),
    "Dense network on raw pixels": dense_network,
    "Convolutional network on raw pixels": convolutional_network,
}
CNN, RF_PIXELS, RF_EDGES = (
    "Convolutional network on raw pixels",
    "Random forest on raw pixels",
    "Random forest on edge histograms",
)


@dataclass(frozen=True)
class Row:
    name: str
    accuracy: float
    seconds: float  # CPU seconds of this thread


def summary(rows: list[Row]) -> str:
    """The sentences under the table, from the results."""
    by_name = {row.name: row for row in rows}
    if CNN not in by_name:
        return ""
    cnn = by_name[CNN]
    best = max(rows, key=lambda row: row.accuracy)
    parts = [
        f"The best here is the {best.name[0].lower()}{best.name[1:]} ({best.accuracy:.0%})."
        if best.name != CNN
        else f"The convolutional network is the best here ({cnn.accuracy:.0%}, "
        f"trained in {cnn.seconds:.0f} s of CPU)."
    ]
    for other, what in ((RF_PIXELS, "the same pixels"), (RF_EDGES, "the edge histograms")):
        if other in by_name:
            gap = 100 * (cnn.accuracy - by_name[other].accuracy)
            word = "above" if gap >= 0 else "below"
            parts.append(
                f"It is {abs(gap):.0f} points {word} a random forest on {what}"
                f" ({by_name[other].accuracy:.0%})."
            )
    if RF_EDGES in by_name and RF_PIXELS in by_name:
        parts.append(
            "On raw pixels a shape can be anywhere, so no single pixel tells much; "
            "edge histograms, designed by a person, or convolutions, learned, look for "
            "edges wherever they are."
        )
    return " ".join(parts)


class Comparison(Background, t.HasTraits):
    """Every model of MODELS on one split, run on a background thread by `start()`."""

    status = t.Enum(STATUSES, default_value="ready")
    message = t.Unicode("")
    rows = t.List()  # of Row, in the order of MODELS, filled in as each finishes

    def __init__(self, data: Split, seed: int = 0) -> None:
        super().__init__()
        self.data, self.seed = data, seed
        self._runner = Runner(self._run, self._failed, name="dllab-images-compare")

    def start(self) -> None:
        if not self.running:
            self._runner.request()

    def _run(self, should_stop) -> None:
        self.rows = []
        self.status = "running"
        n_train = len(self.data.X_train)
        for number, (name, fit) in enumerate(MODELS.items(), start=1):
            self.message = f"Training {number} of {len(MODELS)}: {name.lower()}..."
            started = time.thread_time()
            accuracy = fit(self.data, self.seed, should_stop)
            if accuracy is None or should_stop():
                self.status, self.message = "cancelled", "Cancelled."
                return
            self.rows = [*self.rows, Row(name, float(accuracy), time.thread_time() - started)]
        self.message = (
            f"Done: {len(MODELS)} models, each trained on the same {n_train:,} pictures and "
            f"tested on the other {len(self.data.X_test):,}."
        )
        self.status = "done"

    def _failed(self, error: Exception) -> None:
        self.message = f"the comparison failed: {error}"
        self.status = "error"
