"""Telling a learner when training cannot learn: a run stuck at chance with saturated or
dead neurons.

A learning rate far too high can leave a network in a state it never leaves: the loss
stays finite (so the run does not diverge), but its neurons are pushed onto a flat part of
their activation (tanh and sigmoid pinned at their limits, relu never positive), where the
gradient is almost zero, and the network guesses no better than chance. `diagnose`
recognises that state from the trainer's history and one forward pass; the lab calls it
after each chunk of epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .layer_specs import Activation
from .layered import LayerNetwork
from .network import Network
from .training import Trainer

Array = NDArray[np.float64]

MIN_EPOCHS = 30  # younger runs are not judged: many start slowly
WINDOW_EPOCHS = 20  # recent scores: this many epochs (or the last tenth of the run)
IMPROVEMENT = 0.02  # a median loss 2% below the one half a window before is progress
CHANCE_MARGIN = 0.1  # accuracy within 10% of the way from the majority share to 100%
LOSS_AT_CHANCE = 0.9  # regression: a loss above 90% of predicting the mean's is no better
PINNED_SHARE = 0.75  # a neuron is saturated when pinned on 3/4 of the training points
STUCK_SHARE = 0.5  # more than half the hidden neurons saturated or dead
MAX_POINTS = 300  # training points in the one forward pass
TANH_LIMIT = 0.97  # |tanh| above this: slope 1 - a^2 below 0.06
SIGMOID_LIMIT = 0.03  # sigmoid within this of 0 or 1: slope a (1 - a) below 0.03
GELU_FLAT = -3.0  # gelu's slope is below 0.02 left of -3
PINNED_AT = {"tanh": "-1 or 1", "sigmoid": "0 or 1"}  # the limits of the saturating ones


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong with a run: `status` ("stuck") and a `message` for the learner.

    flat_neurons, hidden_neurons : how many hidden neurons are saturated or dead, of all.
    flat_layers : the hidden layers (1 = first) whose neurons are all saturated or dead.
    output_saturated : True if a tanh output neuron is pinned at -1 or 1.
    """

    status: str
    message: str
    flat_neurons: int
    hidden_neurons: int
    flat_layers: tuple[int, ...] = ()
    output_saturated: bool = False

    @property
    def flat_share(self) -> float:
        """Share of hidden neurons that are saturated or dead, 0 to 1."""
        return self.flat_neurons / self.hidden_neurons


def diagnose(trainer: Trainer, previous: Diagnosis | None = None) -> Diagnosis | None:
    """A Diagnosis if `trainer`'s run cannot learn any more; None while it is fine, too
    young to judge (under MIN_EPOCHS epochs), without hidden layer, or diverged (the
    trainer's own status and message say so).

    "stuck" means all three: the network does no better than a constant guess (see
    `at_chance`), its training loss has stopped falling (see `stalled`), and its neurons
    are flat on the training inputs (see `flat_neurons`): more than STUCK_SHARE of the
    hidden neurons saturated or dead, or a whole hidden layer, or a tanh output pinned at
    -1 or 1 (then almost no gradient flows back past them).
    previous : the diagnosis of the same run one check before. A run found stuck stays
        stuck while it is at chance with its neurons flat, even when its loss drops from
        one plateau to another, so that the message does not blink on and off.
    Costs one forward pass on at most MAX_POINTS training points.
    """
    if not isinstance(trainer, Trainer):
        raise TypeError(
            f"diagnose needs a dllab Trainer (e.g. from make_trainer); got {type(trainer).__name__}"
        )
    if previous is not None and not isinstance(previous, Diagnosis):
        raise TypeError(
            f"previous must be the last Diagnosis of this run, or None; "
            f"got {type(previous).__name__}"
        )
    if trainer.diverged or trainer.epoch < MIN_EPOCHS or not hidden_activation(trainer.network):
        return None
    if len(trainer.history) == 0 or not at_chance(trainer):
        return None
    if previous is None and not stalled(trainer):
        return None
    flat_counts, widths, output_pinned = flat_neurons(trainer)
    flat, total = sum(flat_counts), sum(widths)
    flat_layers = tuple(i + 1 for i, (n, w) in enumerate(zip(flat_counts, widths)) if n == w)
    if flat <= STUCK_SHARE * total and not flat_layers and not output_pinned:
        return None
    message = stuck_message(
        hidden_activation(trainer.network),
        flat,
        total,
        flat_layers,
        output_pinned,
        outcome(trainer),
    )
    return Diagnosis("stuck", message, flat, total, flat_layers, output_pinned)


def recent_halves(trainer: Trainer) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Masks over the history's points: the earlier and the later half of the recent
    window, the last WINDOW_EPOCHS epochs (or the last tenth of a long run, whose history
    keeps fewer points)."""
    epochs = np.asarray(trainer.history["epoch"])
    span = max(WINDOW_EPOCHS, trainer.epoch // 10)
    later = epochs > trainer.epoch - span // 2
    earlier = (epochs > trainer.epoch - span) & ~later
    return earlier, later


def recent_median(trainer: Trainer, key: str) -> float:
    """The median of a history column over the later half of the recent window: one lucky
    epoch of a run that thrashes about is not progress."""
    _, later = recent_halves(trainer)
    return float(np.median(np.asarray(trainer.history[key])[later]))


def at_chance(trainer: Trainer) -> bool:
    """True if the recent training scores are no better than a constant guess: for
    classes, an accuracy near the majority class's share (`accuracy_at_chance`) or a loss
    no lower than the best constant output's; for regression, a loss above LOSS_AT_CHANCE
    times that of predicting the mean."""
    loss = recent_median(trainer, "train_loss")
    guess = constant_guess_loss(trainer)
    if is_regression(trainer):
        return loss >= LOSS_AT_CHANCE * guess
    return accuracy_at_chance(trainer) or loss >= guess


def accuracy_at_chance(trainer: Trainer) -> bool:
    """True if the recent training accuracy is within CHANCE_MARGIN of the way from the
    majority class's share (what always guessing that class scores) to 100%."""
    _, counts = np.unique(trainer.data.y_train, return_counts=True)
    majority = counts.max() / counts.sum()
    accuracy = recent_median(trainer, "train_accuracy")
    return accuracy <= majority + CHANCE_MARGIN * (1.0 - majority)


def stalled(trainer: Trainer) -> bool:
    """True if the training loss has stopped falling: its median over the later half of
    the recent window is not IMPROVEMENT below its median over the earlier half. A run
    that drops from one plateau to another is stalled again half a window later."""
    earlier, later = recent_halves(trainer)
    if not (earlier.any() and later.any()):
        return False  # nothing to compare with
    losses = np.asarray(trainer.history["train_loss"])
    return bool(np.median(losses[later]) > (1.0 - IMPROVEMENT) * np.median(losses[earlier]))


def constant_guess_loss(trainer: Trainer) -> float:
    """The training loss of the best constant output: the mean target (the mean value, or
    each class's share), which minimises squared error and cross-entropy alike."""
    network, T = trainer.network, trainer.T_train
    mean = np.repeat(T.mean(axis=0, keepdims=True), len(T), axis=0)
    share = np.clip(mean, 1e-12, 1.0 - 1e-12)
    Z = {
        "linear": mean,
        "tanh": np.arctanh(np.clip(mean, -1.0 + 1e-12, 1.0 - 1e-12)),
        "sigmoid": np.log(share / (1.0 - share)),
        "softmax": np.log(share),
    }[network.head_name]
    return network.head.loss(Z, network.head.output(Z), T)


def is_regression(trainer: Trainer) -> bool:
    return trainer.data.dataset.task == "regression"


def outcome(trainer: Trainer) -> str:
    """What the stuck network does, in words, e.g. "guesses no better than chance"."""
    if is_regression(trainer):
        return "predicts no better than the mean"
    right = f"{recent_median(trainer, 'train_accuracy'):.0%} right on the training data"
    if accuracy_at_chance(trainer):
        return f"guesses no better than chance ({right})"
    return f"stopped learning at {right}"


def flat_neurons(trainer: Trainer) -> tuple[list[int], list[int], bool]:
    """On up to MAX_POINTS training points: how many neurons of each hidden layer are
    saturated (tanh, sigmoid: pinned on PINNED_SHARE of the points) or dead (relu and its
    kin: flat on every point), the layers' widths, and whether a tanh output is pinned on
    every point. A pinned tanh output passes no gradient back (its squared-error gradient
    is multiplied by 1 - a^2); the cross-entropy and linear outputs' gradients do not
    vanish that way. In a convolutional layer a neuron is a channel, flat when it is flat
    at every place of the picture."""
    network = trainer.network
    X = trainer.X_train
    X = X[:: max(1, len(X) // MAX_POINTS)][:MAX_POINTS]
    activation = hidden_activation(network)
    run, layers = hidden_values(network, X)
    needed = PINNED_SHARE if activation in PINNED_AT else 1.0
    flat_counts = [
        int(np.count_nonzero(flat_region(activation, Z, A).mean(axis=0) >= needed))
        for Z, A in layers
    ]
    output_pinned = network.head_name == "tanh" and bool(
        flat_region("tanh", run.pre_activations[-1], run.output).all()
    )
    return flat_counts, [A.shape[1] for _, A in layers], output_pinned


def hidden_activation(network: Network | LayerNetwork) -> str | None:
    """The activation of a network's hidden layers (a LayerNetwork's first), or None
    when it has no hidden layer."""
    if isinstance(network, LayerNetwork):
        names = [layer.name for layer in network.layers if isinstance(layer, Activation)]
        return names[0] if names else None
    return network.activation if network.depth else None


def hidden_values(
    network: Network | LayerNetwork, X: Array
) -> tuple[Any, list[tuple[Array, Array]]]:
    """A forward pass on `X` and each hidden layer's (values in, values out) of its
    activation, `(n_points, neurons)`; a convolutional layer's are `(n_points * places,
    channels)`."""
    run = network.forward(X)
    if not isinstance(network, LayerNetwork):
        return run, list(zip(run.pre_activations[:-1], run.activations[:-1]))
    layers = []
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Activation) and index > 0:
            before, after = run.outputs[index - 1], run.outputs[index]
            if after.ndim == 4:  # (channels, height, width, images): a row per place
                before = before.reshape(len(before), -1).T
                after = after.reshape(len(after), -1).T
            layers.append((before, after))
    return run, layers


def flat_region(activation: str, Z: Array, A: Array) -> NDArray[np.bool_]:
    """Where an activation's slope is almost zero, (n_points, width)."""
    if activation == "tanh":
        return np.abs(A) > TANH_LIMIT
    if activation == "sigmoid":
        return np.abs(A - 0.5) > 0.5 - SIGMOID_LIMIT
    if activation in ("relu", "leaky_relu"):
        return Z <= 0.0
    if activation == "gelu":
        return Z < GELU_FLAT
    return np.zeros(Z.shape, dtype=bool)  # linear: never flat


def stuck_message(
    activation: str,
    flat: int,
    total: int,
    flat_layers: tuple[int, ...],
    output_pinned: bool,
    result: str,
) -> str:
    """The message for a stuck run: `flat` of `total` hidden neurons flat, among them the
    whole of `flat_layers`, the output neuron pinned or not, and `result`, what the network
    does (see `outcome`)."""
    if activation in PINNED_AT:
        state = f"saturated (their outputs pinned at {PINNED_AT[activation]})"
    else:
        zero = "0" if activation == "relu" else "almost 0"
        state = f"dead (their output is {zero} for every training point)"
    what = f"{flat} of {total} hidden neurons ({flat / total:.0%}) are {state}"
    if flat_layers and flat < total:
        names = " and ".join(str(layer) for layer in flat_layers)
        what += f", all of hidden layer{'s' if len(flat_layers) > 1 else ''} {names}"
    if output_pinned:
        what = f"the output neuron is pinned at -1 or 1, and {what}"
    return (
        f"Stuck: {what}, so almost no gradient flows back to the weights, and the network "
        f"{result}. Try a smaller learning rate, then Reset."
    )
