"""Training a Network on a Split: mini-batch steps, epochs, history, divergence.

The trainer is plain Python with no widget in it: the lab's model drives it and
the lessons' notebooks may use it directly.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .checks import check_choice, check_float, check_int, check_rng
from .data import Split, check_split
from .features import check_features, feature_matrix
from .layered import LayerNetwork
from .network import Network, with_ones
from .optimizers import OPTIMIZERS, check_learning_rate, make_optimizer

Array = NDArray[np.float64]

DIVERGED_MESSAGE = (
    "training diverged: the loss became infinite or NaN. Try a smaller learning rate, then reset."
)
# Points kept per history column: the loss plot shows at most a few thousand, and a long run
# thins its history to stay under the limit, so more only costs memory.
MAX_HISTORY_LIMIT = 100_000
HISTORY_KEYS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class History:
    """Per-epoch records that stay bounded. Past `limit` points, every other point is
    dropped and the spacing between kept points doubles, so a long run keeps its whole
    shape at an even, coarser resolution; the latest point is always the current one."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = check_int("history_limit", limit, 10, MAX_HISTORY_LIMIT)
        self.columns: dict[str, list] = {key: [] for key in HISTORY_KEYS}
        self.columns["gradient_size"] = []
        self.spacing = 1  # epochs between kept points

    def append(self, **values: object) -> None:
        epochs = self.columns["epoch"]
        # The last point stands in for "now" until it is `spacing` past the one before.
        provisional = len(epochs) >= 2 and epochs[-1] - epochs[-2] < self.spacing
        for key, column in self.columns.items():
            if provisional:
                column[-1] = values[key]
            else:
                column.append(values[key])
        if len(epochs) > self.limit:
            for key, column in self.columns.items():
                self.columns[key] = column[:-1:2] + column[-1:]
            self.spacing *= 2

    def __getitem__(self, key: str) -> list:
        return self.columns[key]

    def __len__(self) -> int:
        return len(self.columns["epoch"])

    def keys(self):
        return self.columns.keys()


class Trainer:
    """Trains `network` on `data` with mini-batch gradient descent.

    features : for 2-D data, the input features fed to the network (names from
        FEATURES, e.g. ["x1", "x2", "x1*x2"]); None feeds the raw inputs.
    learning_rate, batch_size, optimizer : the usual ("sgd", "momentum" or "adam").
    seed : shuffles the mini-batches; with the same network and seed, runs are
        bit-identical.
    history_limit : points kept per history column, 10 to MAX_HISTORY_LIMIT (see History).
    """

    def __init__(
        self,
        network: Network | LayerNetwork,
        data: Split,
        features: Sequence[str] | None = None,
        learning_rate: float = 0.03,
        batch_size: int = 10,
        optimizer: str = "sgd",
        seed: int | np.random.Generator = 0,
        history_limit: int = 1000,
    ) -> None:
        if not isinstance(network, (Network, LayerNetwork)):
            raise TypeError(
                f"network must be a dllab Network; got {type(network).__name__} "
                "(a LayerNetwork trains too)"
            )
        self.network = network
        self.data = check_split(data)
        self.features = None if features is None else check_features(features)
        if self.features is not None and data.dataset.n_inputs != 2:
            raise ValueError(
                f"features={list(self.features)} are made from 2-D points, but "
                f"{data.dataset.name} has {data.dataset.n_inputs} inputs: use features=None"
            )
        self.X_train = self.inputs(data.X_train)
        self.X_test = self.inputs(data.X_test)
        # With the column of ones the network's forward pass takes (see with_ones).
        self._X_train1 = with_ones(self.X_train)
        self._X_test1 = with_ones(self.X_test)
        # Both, one under the other: a network scored in one piece takes one pass over them.
        self._X_both1 = np.concatenate([self._X_train1, self._X_test1])
        check_fits(network, data, self.X_train.shape[1])
        if isinstance(network, LayerNetwork):  # e.g. an embedding's symbol indices
            network.check_inputs("data.X_train", self.X_train)
            network.check_inputs("data.X_test", self.X_test)
        self.learning_rate = check_learning_rate(learning_rate)
        n_train = len(self.X_train)
        self.batch_size = check_int("batch_size", batch_size, 1)
        if self.batch_size > n_train:
            raise ValueError(
                f"batch_size={batch_size} is larger than the training set ({n_train} samples): "
                f"choose 1 to {n_train}"
            )
        self.optimizer_name = check_choice("optimizer", optimizer, OPTIMIZERS)
        self.seed = seed if isinstance(seed, int) else None
        check_rng("seed", seed)
        # A copy, so that reset() replays the same batches from a Generator too.
        self._seed = copy.deepcopy(seed)
        self.history_limit = check_int("history_limit", history_limit, 10, MAX_HISTORY_LIMIT)
        self.T_train = network.encode_labels("data.y_train", data.y_train, len(self.X_train))
        self.T_test = network.encode_labels("data.y_test", data.y_test, len(self.X_test))
        self._initial_params = network.params.copy()
        self._gradients = network.gradient_buffer()
        self._twin = network.copy()  # scores a pass's weights while training goes on
        self.reset()

    def inputs(self, X: Array) -> Array:
        """The network's inputs for raw points `X`: the chosen features, or X itself."""
        return X if self.features is None else feature_matrix(X, self.features)

    def reset(self) -> None:
        """Back to the initial weights, an empty history and a fresh optimiser."""
        self.network.params[...] = self._initial_params
        self.rng = check_rng("seed", copy.deepcopy(self._seed))
        self.optimizer = make_optimizer(self.optimizer_name, self.learning_rate)
        self.epoch = 0
        self.steps = 0
        self.status = "ready"
        self.message = ""
        self.history = History(self.history_limit)
        self.last_gradients = None
        self._epoch_data: tuple[Array, Array] | None = None  # the pass under way, shuffled
        self._next_batch = 0
        self._pending = None  # the record of a pass, being computed (see run_batches)

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    def train(self, epochs: int = 1) -> History:
        """Run `epochs` passes over the training set; stop early if the loss diverges."""
        epochs = check_int("epochs", epochs, 0)
        for _ in range(epochs):
            if not self.run_epoch():
                break
        return self.history

    def run_epoch(self) -> bool:
        """One pass over the shuffled training set in mini-batches (or the rest of the pass
        under way), then one history record. Returns False (and sets status "diverged") if
        the loss became non-finite."""
        return self.run_batches()

    def run_batches(
        self, most: int | None = None, defer_record: bool = False, deadline: float | None = None
    ) -> bool:
        """Up to `most` mini-batches (None: all) of the current pass over the shuffled
        training set; a pass that ends is recorded in the history. False if the run
        diverged.

        defer_record : the scores of a pass that ends are computed later, a chunk of
            samples at a time, by `record_some` (on a copy of the weights it ended with),
            so that no call takes longer than a few mini-batches.
        deadline : stop after the first mini-batch that ends at or after this
            `time.perf_counter()`."""
        if self._pending is not None and (not defer_record or most is None):
            self.record_some(None)
        if self.diverged:
            return False
        if self._epoch_data is None:
            order = self.rng.permutation(len(self.X_train))
            self._epoch_data = (self._X_train1[order], self.T_train[order])
            self._next_batch = 0
        X, T = self._epoch_data
        size, n_batches = self.batch_size, self.batches_per_epoch
        stop = n_batches if most is None else min(n_batches, self._next_batch + max(0, most))
        # A diverging run overflows: the record catches it at the end of the pass.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for batch in range(self._next_batch, stop):
                start = batch * size
                self._step(X[start : start + size], T[start : start + size], with_loss=False)
                if deadline is not None and time.perf_counter() >= deadline:
                    stop = batch + 1
                    break
        self._next_batch = stop
        if stop < n_batches:
            return True
        self._epoch_data, self._next_batch = None, 0
        self.epoch += 1
        if not defer_record:
            return self.record()
        if not np.isfinite(self.network.params).all():
            return self._diverge()
        self._pending = self._recording()
        return True

    @property
    def batches_per_epoch(self) -> int:
        """Mini-batches in one pass (a last batch smaller than batch_size is left out)."""
        return len(self.X_train) // self.batch_size

    @property
    def progress(self) -> float:
        """Epochs trained, counting the part of the pass under way: 3.25 is a quarter
        into the fourth epoch."""
        return self.epoch + self._next_batch / self.batches_per_epoch

    @property
    def recording(self) -> bool:
        """True while the scores of a finished pass are still being computed."""
        return self._pending is not None

    def start_record(self) -> None:
        """Record the current weights a chunk at a time (see `record_some`), as at the end
        of a pass with `defer_record`: a slow network's first scores need not hold up its
        first picture."""
        if self._pending is None:
            self._pending = self._recording()

    def record_some(self, most: int | None = 1) -> bool:
        """Compute up to `most` chunks (None: all) of the record under way (see
        `run_batches(defer_record=True)`); the history gets it once whole. False if the
        run diverged."""
        count = 0
        while self._pending is not None and (most is None or count < most):
            try:
                next(self._pending)
            except StopIteration:
                self._pending = None
            count += 1
        return not self.diverged

    def train_within(self, epochs: int, seconds: float) -> bool:
        """Train until `epochs` more passes have ended and been recorded, or `seconds`
        have gone by, whichever comes first (at least one mini-batch or one chunk of a
        record): a live view calls this once a frame, and a slow network then trains part
        of an epoch per frame. Returns False if the run diverged."""
        epochs = check_int("epochs", epochs, 1)
        deadline = time.perf_counter() + check_float("seconds", seconds, 0.0)
        goal = self.epoch + epochs
        while not self.diverged:
            if self._pending is not None:
                self.record_some(1)
            elif self.epoch >= goal:
                break
            else:  # the rest of the pass, or what fits before the deadline
                self.run_batches(None, defer_record=True, deadline=deadline)
            if time.perf_counter() >= deadline:
                break
        return not self.diverged

    def _recording(self):
        """The record of the pass just ended, a chunk at a time (a generator): the weights
        are copied now, and scored on the training and test sets chunk by chunk."""
        twin = self._twin
        twin.params[...] = self.network.params
        epoch, gradient_size = self.epoch, self.gradient_sizes()
        chunk = getattr(twin, "chunk", None)
        if chunk is None:  # a network scored in one piece
            scores = self._scores(twin)
            yield
        else:
            scores = {}
            for part, X1, T, y in self._parts():
                loss, right = 0.0, 0.0
                for start in range(0, len(X1), chunk):
                    stop = start + chunk
                    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                        run = twin._forward(X1[start:stop])
                        share = len(T[start:stop]) / len(T)
                        loss += share * twin.head.loss(
                            run.pre_activations[-1], run.output, T[start:stop]
                        )
                        right += share * accuracy(twin, run.output, y[start:stop])
                    yield
                scores[f"{part}_loss"], scores[f"{part}_accuracy"] = float(loss), float(right)
        if not (math.isfinite(scores["train_loss"]) and math.isfinite(scores["test_loss"])):
            self._diverge()
            return
        self.history.append(epoch=epoch, gradient_size=gradient_size, **scores)

    def _parts(self):
        return (
            ("train", self._X_train1, self.T_train, self.data.y_train),
            ("test", self._X_test1, self.T_test, self.data.y_test),
        )

    def step(self) -> bool:
        """One mini-batch step on a random batch (the backprop inspector steps this way)."""
        if self.diverged:
            return False
        batch = self.rng.choice(len(self.X_train), self.batch_size, replace=False)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            loss = self._step(self._X_train1[batch], self.T_train[batch])
        ok = math.isfinite(loss) and bool(np.isfinite(self.network.params).all())
        return ok or self._diverge()

    def _step(self, X1: Array, T: Array, with_loss: bool = True) -> float:
        """Forward, backward and update on one batch of inputs (with their column of
        ones) and encoded targets."""
        network = self.network
        run = network._forward(X1, reuse=True)
        gradients = network._backward(run, T, self._gradients, with_loss)
        self.optimizer.update(network.params, self._gradients.flat)
        self.steps += 1
        self.last_gradients = gradients
        return gradients.loss

    def evaluate(self) -> dict[str, float]:
        """Loss and accuracy on the training and test sets."""
        return self._scores(self.network)

    def _scores(self, network: Network | LayerNetwork) -> dict[str, float]:
        """Loss and accuracy of `network` on the training and test sets: in one forward
        pass over both (a pass per set costs a small network twice the NumPy calls), or
        a pass per set for a network scored a chunk at a time (a convolutional one)."""
        n, scores = len(self._X_train1), {}
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if getattr(network, "chunk", None) is None:
                run = network._forward(self._X_both1)
                Z, A = run.pre_activations[-1], run.output
                outputs = [(Z[:n], A[:n]), (Z[n:], A[n:])]
            else:
                runs = [network._forward(X1) for X1 in (self._X_train1, self._X_test1)]
                outputs = [(run.pre_activations[-1], run.output) for run in runs]
            for (part, _, T, y), (Z, A) in zip(self._parts(), outputs):
                scores[f"{part}_loss"] = float(network.head.loss(Z, A, T))
                scores[f"{part}_accuracy"] = accuracy(network, A, y)
        return scores

    def record(self) -> bool:
        """Append the current scores to the history; False if they are not finite."""
        if not np.isfinite(self.network.params).all():
            return self._diverge()
        with np.errstate(over="ignore", invalid="ignore"):
            scores = self.evaluate()
        if not (math.isfinite(scores["train_loss"]) and math.isfinite(scores["test_loss"])):
            return self._diverge()
        self.history.append(epoch=self.epoch, gradient_size=self.gradient_sizes(), **scores)
        return True

    def gradient_sizes(self) -> list[float]:
        """Root-mean-square weight gradient of each layer in the last step (0 before any)."""
        if self.last_gradients is None:
            return [0.0] * self.network.n_layers
        layers = self.last_gradients.weights
        # All layers in a few NumPy calls; a layer whose squares overflow or underflow (a
        # run on its way to diverging, or a vanishing gradient) is measured on its own.
        sizes = np.array([g.size for g in layers])
        if sizes.min() > 0:
            flat = np.concatenate([g.ravel() for g in layers])
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                squares = np.add.reduceat(flat * flat, np.cumsum(sizes) - sizes)
            rms = np.sqrt(squares / sizes)
            if np.isfinite(rms).all() and (rms > 0).all():
                return rms.tolist()
        return [root_mean_square(g) for g in layers]

    def _diverge(self) -> bool:
        self.status = "diverged"
        self.message = DIVERGED_MESSAGE
        return False


def root_mean_square(values: Array) -> float:
    """sqrt(mean(values**2)), scaled by the largest value first: a gradient of 1e200, which
    a run on its way to diverging reaches, must not overflow to inf with a warning."""
    largest = float(np.abs(values).max())
    if largest == 0.0 or not math.isfinite(largest):
        return largest
    return largest * float(np.sqrt(np.mean(np.square(values / largest))))


def accuracy(network: Network, output: Array, y: NDArray) -> float:
    """Share of correct labels for classification; NaN for regression."""
    if network.head.tasks == ("regression",):
        return float("nan")
    predicted = network.head.predict(output)
    if network.head_name == "softmax" and np.asarray(y).dtype.kind == "f":
        y = (np.asarray(y) > 0).astype(np.int64)
    return float(np.mean(predicted == y))


def check_fits(network: Network | LayerNetwork, data: Split, n_inputs: int) -> None:
    """Refuse a network whose inputs or head do not fit the data, with a plain message."""
    dataset = data.dataset
    if network.sizes[0] != n_inputs:
        if isinstance(network, LayerNetwork):
            fix = f"give an input_shape of {n_inputs} values, not {network.input_shape}"
        else:
            fix = f"make sizes[0] = {n_inputs}"
        raise ValueError(
            f"the network takes {network.sizes[0]} inputs but the data gives {n_inputs} "
            f"per sample: {fix}"
        )
    if dataset.task not in network.head.tasks:
        raise ValueError(
            f"head={network.head_name!r} does not fit {dataset.task} data ({dataset.name}): "
            f"it learns {' or '.join(network.head.tasks)} data"
        )
    n_outputs = network.head.n_outputs(dataset.n_classes)
    if network.sizes[-1] != n_outputs:
        raise ValueError(
            f"the network has {network.sizes[-1]} outputs but {dataset.name} needs "
            f"{n_outputs} with head={network.head_name!r}: make sizes[-1] = {n_outputs}"
        )
