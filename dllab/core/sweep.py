"""Train a grid of small networks at once: every (depth, width) pair, vectorised.

Networks with the same number of hidden layers are stacked along a first axis and trained
together with batched matrix products (`np.matmul` on `(n_networks, batch, width)` arrays).
Narrower networks are padded to the group's widest: their extra units start with zero
weights and biases, their activations are masked to zero and their gradients masked out, so
they stay exactly zero and each network computes what it would compute alone.

Every network starts from the weights `Network(sizes, ..., seed=seed)` draws and sees the
same mini-batches as `Trainer(network, data, seed=seed)` would give it (one
`rng.permutation` per epoch, batches of `batch_size`, the last partial batch dropped), so
`sweep` gives the losses of training each network alone, to float tolerance, much faster.

On 2-D data the sweep also keeps what each trained network draws over the plane (its
output score on a grid), computed for a whole depth at once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import ACTIVATIONS
from .checks import check_choice, check_int
from .data import Split, check_split
from .features import check_features
from .heads import DEFAULT_HEAD, HEADS
from .network import INITIALIZERS, Network
from .optimizers import OPTIMIZERS, make_optimizer
from .plane import output_score, plane_extent, plane_grid
from .sweep_result import TIE_MARGIN, Pick, SweepResult
from .training import Trainer, accuracy

__all__ = ["TIE_MARGIN", "Pick", "SweepResult", "batch_orders", "check_grid", "sweep"]
Array = NDArray[np.float64]

MAX_DEPTH = 10
MAX_WIDTH = 64
MAX_EPOCHS = 100_000
MAX_NETWORKS = 400
MAX_RESOLUTION = 200


def sweep(
    data: Split,
    depths: Sequence[int] = range(1, 7),
    widths: Sequence[int] = (2, 3, 4, 6, 8, 12),
    activation: str = "tanh",
    head: str | None = None,
    features: Sequence[str] | None = None,
    learning_rate: float = 0.03,
    batch_size: int = 10,
    epochs: int = 300,
    seed: int = 0,
    optimizer: str = "sgd",
    init: str = "playground",
    callback: Callable[[int, int, SweepResult], Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, int], Any] | None = None,
    surface_resolution: int = 50,
) -> SweepResult:
    """Train one network per (depth, width) on `data` and score them all.

    depths : numbers of hidden layers (1 to MAX_DEPTH); widths : units per hidden layer
        (1 to MAX_WIDTH). Each network has `depth` hidden layers of `width` units.
    head : output head, by default the one that fits the data (DEFAULT_HEAD).
    features, learning_rate, batch_size, optimizer, seed, init : as for `Network` and
        `Trainer`; `seed` both draws the initial weights and shuffles the batches.
    callback(depth, width, result) : called for each network once it is trained, with the
        result so far (the networks of one depth train together, so finish together).
    should_stop() : checked after every epoch; once it returns True the sweep stops and
        returns what is done (`cancelled` is True, the rest NaN).
    progress(depth, epoch) : called after every epoch of the group of networks training.
    surface_resolution : on 2-D data, each network's output over the plane is kept on a
        grid of this many points a side (`result.surface(depth, width)`); 0 keeps none.
    """
    depths, widths = check_grid(depths, widths)
    epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
    seed = check_int("seed", seed, 0)
    resolution = check_int("surface_resolution", surface_resolution, 0, MAX_RESOLUTION)
    activation = check_choice("activation", activation, ACTIVATIONS)
    check_choice("optimizer", optimizer, OPTIMIZERS)
    check_choice("init", init, INITIALIZERS)
    for name, function in (("callback", callback), ("should_stop", should_stop)):
        if function is not None and not callable(function):
            raise TypeError(f"{name} must be a function or None; got {function!r}")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a function or None; got {progress!r}")
    dataset = check_split(data).dataset
    if head is None:
        head = DEFAULT_HEAD[dataset.task]
    head = check_choice("head", head, HEADS)
    n_outputs = HEADS[head].n_outputs(dataset.n_classes)

    if features is not None:
        features = check_features(features)
    n_inputs = dataset.n_inputs if features is None else len(features)

    def build(depth: int, width: int) -> Network:
        sizes = [n_inputs, *[width] * depth, n_outputs]
        return Network(sizes, activation=activation, head=head, init=init, seed=seed)

    # One Trainer checks everything the way training one network alone would, and
    # gives the inputs and encoded targets every network shares.
    reference = Trainer(
        build(depths[0], widths[0]),
        data,
        features=features,
        learning_rate=learning_rate,
        batch_size=batch_size,
        optimizer=optimizer,
        seed=seed,
    )
    resolution = resolution if dataset.n_inputs == 2 else 0
    extent = plane_extent(dataset)
    grid = reference.inputs(plane_grid(extent, resolution)) if resolution else None
    result = SweepResult.empty(
        depths, widths, epochs, resolution, extent, n_inputs=n_inputs, n_outputs=n_outputs
    )
    started = time.perf_counter()
    orders = batch_orders(len(reference.X_train), epochs, seed)
    for row, depth in enumerate(depths):
        networks = [build(depth, width) for width in widths]
        group = _Group(networks, reference, optimizer)
        finished = group.train(orders, reference, result, row, should_stop, progress)
        result.seconds = time.perf_counter() - started
        if not finished:
            result.cancelled = True
            result.train_history[row] = result.test_history[row] = np.nan
            break
        if grid is not None:
            group.draw(grid, head, result.surfaces[row])
        for column, (width, network) in enumerate(zip(widths, networks)):
            group.unpack(column, network)
            result._networks[depth, width] = network
        result.done[row] = True
        if callback is not None:
            for width in widths:
                callback(depth, width, result)
    return result


def batch_orders(n_train: int, epochs: int, seed: int) -> NDArray[np.intp]:
    """(epochs, n_train): the sample order of each epoch, exactly as `Trainer` draws it."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n_train) for _ in range(epochs)])


class _Group:
    """Networks with the same depth, padded to the widest and trained together.

    `params` is one flat vector holding, layer by layer, every network's weights
    `(n_networks, n_in, n_out)` and then biases `(n_networks, 1, n_out)`, so one optimiser
    call updates them all. `mask` is 1 on real parameters and 0 on padding.
    """

    def __init__(self, networks: list[Network], reference: Trainer, optimizer: str) -> None:
        self.networks = networks
        self.n = n = len(networks)
        first = networks[0]
        self.head = first.head
        self.activate, self.derivative = ACTIVATIONS[first.activation]
        widest = max(network.sizes[1] for network in networks)
        sizes = [first.sizes[0], *[widest] * first.depth, first.sizes[-1]]
        self.shapes = [(n, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self.params = np.zeros(sum(n * (n_in + 1) * n_out for _, n_in, n_out in self.shapes))
        self.mask = np.zeros_like(self.params)
        self.grads = np.zeros_like(self.params)
        self.owner = np.empty(len(self.params), dtype=np.intp)  # network of each parameter
        self.weights, self.biases = self._layers(self.params)
        self.weights_T = [W.transpose(0, 2, 1) for W in self.weights]
        self.flip = {2: (1, 0), 3: (0, 2, 1)}  # transposes a batch's inputs or activations
        self.grad_weights, self.grad_biases = self._layers(self.grads)
        weight_mask, bias_mask = self._layers(self.mask)
        for views in self._layers(self.owner):
            for view in views:
                view[...] = np.arange(n).reshape(n, 1, 1)
        for i, network in enumerate(networks):
            for layer, (W, b) in enumerate(zip(network.weights, network.biases)):
                n_in, n_out = W.shape
                self.weights[layer][i, :n_in, :n_out] = W
                self.biases[layer][i, 0, :n_out] = b
                weight_mask[layer][i, :n_in, :n_out] = 1.0
                bias_mask[layer][i, 0, :n_out] = 1.0
        # Padded units must output exactly 0: activations with f(0) != 0 (sigmoid) need
        # their outputs masked.
        self.mask_units = bool(self.activate(np.zeros(1))[0] != 0.0)
        self.unit_masks = [mask.copy() for mask in bias_mask[:-1]]
        self.optimizer = make_optimizer(optimizer, reference.learning_rate)
        self.alive = np.ones(n, dtype=bool)
        self.ones = np.ones(reference.batch_size)
        # Training and test points in one forward pass per epoch.
        self.X_all = np.concatenate([reference.X_train, reference.X_test])
        self.n_train = len(reference.X_train)

    def _layers(self, flat: NDArray) -> tuple[list[NDArray], list[NDArray]]:
        """Views of a flat vector laid out like `params`: weights (n, n_in, n_out) of every
        layer, then biases (n, 1, n_out)."""
        weights, offset = [], 0
        for shape in self.shapes:
            weights.append(flat[offset : offset + math.prod(shape)].reshape(shape))
            offset += math.prod(shape)
        biases = []
        for n, _, n_out in self.shapes:
            biases.append(flat[offset : offset + n * n_out].reshape(n, 1, n_out))
            offset += n * n_out
        return weights, biases

    def forward(self, X: Array) -> tuple[list[Array], list[Array]]:
        """Pre-activations and activations of every layer, each (n, n_samples, n_out)."""
        pre_activations, activations = [], []
        A = X
        last = len(self.weights) - 1
        for layer, (W, b) in enumerate(zip(self.weights, self.biases)):
            Z = np.matmul(A, W)
            Z += b
            if layer == last:
                # 2-D, as the head expects (softmax normalises over axis 1).
                A = self.head.output(Z.reshape(-1, Z.shape[-1])).reshape(Z.shape)
            else:
                A = self.activate(Z)
                if self.mask_units:
                    A *= self.unit_masks[layer]
            pre_activations.append(Z)
            activations.append(A)
        return pre_activations, activations

    def step(self, X: Array, T: Array) -> None:
        """One mini-batch step for every network: X (batch, n_inputs), T (batch, n_outputs)."""
        Zs, As = self.forward(X)
        # Each network's mean loss over the batch: len(T) is the batch size.
        delta = self.head.delta(Zs[-1], As[-1], T)
        for i in range(len(self.weights) - 1, -1, -1):
            A_prev = As[i - 1] if i else X
            np.matmul(A_prev.transpose(self.flip[A_prev.ndim]), delta, out=self.grad_weights[i])
            np.matmul(self.ones, delta, out=self.grad_biases[i][:, 0, :])
            if i:
                delta = np.matmul(delta, self.weights_T[i])
                delta *= self.derivative(Zs[i - 1], A_prev)
        self.grads *= self.mask
        self.optimizer.update(self.params, self.grads)

    def evaluate(self, reference: Trainer, row: int, result: SweepResult, epoch: int) -> None:
        """Record each network's training and test loss after `epoch`, as Trainer does."""
        Zs, As = self.forward(self.X_all)
        Z, A = Zs[-1], As[-1]
        train, test = slice(None, self.n_train), slice(self.n_train, None)
        for i in range(self.n):
            if not self.alive[i]:
                continue
            train_loss = self.head.loss(Z[i, train], A[i, train], reference.T_train)
            test_loss = self.head.loss(Z[i, test], A[i, test], reference.T_test)
            result.train_history[row, i, epoch] = train_loss
            result.test_history[row, i, epoch] = test_loss
            if not (math.isfinite(train_loss) and math.isfinite(test_loss)):
                self._diverge(i, row, result, epoch)

    def _diverge(self, i: int, row: int, result: SweepResult, epoch: int) -> None:
        # Zero weights output a constant: the other networks go on, this one stays put.
        self.alive[i] = False
        mine = self.owner == i
        self.mask[mine] = 0.0
        self.params[mine] = 0.0
        result.diverged[row, i] = True
        result.train_history[row, i, epoch:] = np.nan
        result.test_history[row, i, epoch:] = np.nan

    def train(
        self,
        orders: NDArray[np.intp],
        reference: Trainer,
        result: SweepResult,
        row: int,
        should_stop: Callable[[], bool] | None,
        progress: Callable[[int, int], Any] | None,
    ) -> bool:
        """Train every epoch; False if `should_stop` asked to stop first."""
        size = reference.batch_size
        depth = result.depths[row]
        with np.errstate(over="ignore", invalid="ignore"):
            self.evaluate(reference, row, result, 0)
            for epoch, order in enumerate(orders, start=1):
                if should_stop is not None and should_stop():
                    return False
                X, T = reference.X_train[order], reference.T_train[order]
                for start in range(0, len(X) - size + 1, size):
                    self.step(X[start : start + size], T[start : start + size])
                self.evaluate(reference, row, result, epoch)
                if progress is not None:
                    progress(depth, epoch)
            self.score(reference, row, result)
        return True

    def score(self, reference: Trainer, row: int, result: SweepResult) -> None:
        """Final losses (the last epoch's) and accuracies of the networks still alive."""
        output = self.forward(self.X_all)[1][-1]
        data = reference.data
        for i, network in enumerate(self.networks):
            if self.alive[i]:
                result.train_loss[row, i] = result.train_history[row, i, -1]
                result.test_loss[row, i] = result.test_history[row, i, -1]
                train, test = output[i, : self.n_train], output[i, self.n_train :]
                result.train_accuracy[row, i] = accuracy(network, train, data.y_train)
                result.test_accuracy[row, i] = accuracy(network, test, data.y_test)

    def draw(self, grid: Array, head: str, surfaces: Array) -> None:
        """Every network's output score on `grid` (resolution**2, n_inputs), reshaped into
        `surfaces` (n, resolution, resolution); NaN for the networks that diverged."""
        with np.errstate(over="ignore", invalid="ignore"):
            outputs = self.forward(grid)[1][-1]
        for i in range(self.n):
            score = output_score(outputs[i], head) if self.alive[i] else np.nan
            surfaces[i] = np.reshape(score, surfaces.shape[1:]) if self.alive[i] else score

    def unpack(self, i: int, network: Network) -> None:
        """Copy network i's trained weights (without padding) back into `network`."""
        for layer, (W, b) in enumerate(zip(network.weights, network.biases)):
            n_in, n_out = W.shape
            W[...] = self.weights[layer][i, :n_in, :n_out]
            b[...] = self.biases[layer][i, 0, :n_out]


def check_grid(depths: Any, widths: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Check a sweep's depths (1 to MAX_DEPTH) and widths (1 to MAX_WIDTH)."""
    depths = _check_sizes("depths", depths, "hidden layers", MAX_DEPTH, "range(1, 7)")
    widths = _check_sizes("widths", widths, "units per layer", MAX_WIDTH, "(2, 4, 8)")
    if len(depths) * len(widths) > MAX_NETWORKS:
        raise ValueError(
            f"{len(depths)} depths x {len(widths)} widths = {len(depths) * len(widths)} "
            f"networks is too many: at most {MAX_NETWORKS}"
        )
    return depths, widths


def _check_sizes(name: str, values: Any, what: str, largest: int, example: str) -> tuple[int, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, range)):
        raise TypeError(
            f"{name} must be a list of whole numbers ({what}), e.g. {example}; got {values!r}"
        )
    values = tuple(values)
    if not values:
        raise ValueError(f"{name}=[] is empty: give at least one number of {what}, e.g. {example}")
    checked = tuple(check_int(f"{name} ({what})", value, 1, largest) for value in values)
    if len(set(checked)) != len(checked):
        raise ValueError(f"{name}={list(checked)} repeats a value; give each one once")
    return checked
