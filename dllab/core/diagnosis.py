"""Telling a learner when training cannot learn: a run stuck at chance with saturated or
dead neurons.

A learning rate far too high can leave a network in a state it never leaves: the loss
stays finite (so the run does not diverge), but most hidden neurons are pushed to a flat
part of their activation (tanh and sigmoid pinned at their limits, relu never positive),
where the gradient is almost zero, and the network guesses no better than chance.
`diagnose` recognises that state from the trainer's history and one forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .training import Trainer

Array = NDArray[np.float64]

MIN_EPOCHS = 30  # younger runs are not judged: many start slowly
WINDOW_EPOCHS = 20  # "no longer improving" looks back this far (or a fifth of the run)
IMPROVEMENT = 0.01  # a new best loss at least 1% below the old one counts as progress
CHANCE_MARGIN = 0.1  # accuracy within 10% of the way from the majority share to 100%
REGRESSION_CHANCE = 0.9  # a loss above 90% of the predict-the-mean loss is no better
PINNED_SHARE = 0.9  # a neuron is saturated when pinned on 90% of the training points
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
    """

    status: str
    message: str
    flat_neurons: int
    hidden_neurons: int

    @property
    def flat_share(self) -> float:
        """Share of hidden neurons that are saturated or dead, 0 to 1."""
        return self.flat_neurons / self.hidden_neurons


def diagnose(trainer: Trainer) -> Diagnosis | None:
    """A Diagnosis if `trainer`'s run cannot learn any more; None while it is fine, too
    young to judge (under MIN_EPOCHS epochs), without hidden layer, or diverged (the
    trainer's own status and message say so).

    "stuck" means all three: the training accuracy is at chance (regression: the loss is
    no better than predicting the mean), the loss has stopped improving (see `stalled`),
    and more than STUCK_SHARE of the hidden neurons are saturated or dead on the training
    inputs. Costs one forward pass on at most MAX_POINTS training points.
    """
    if not isinstance(trainer, Trainer):
        raise TypeError(
            f"diagnose needs a dllab Trainer (e.g. from make_trainer); got {type(trainer).__name__}"
        )
    if trainer.diverged or trainer.epoch < MIN_EPOCHS or trainer.network.depth == 0:
        return None
    if len(trainer.history) == 0 or not (at_chance(trainer) and stalled(trainer)):
        return None
    flat, total = flat_neurons(trainer)
    if flat <= STUCK_SHARE * total:
        return None
    message = stuck_message(
        trainer.network.activation, flat, total, regression=is_regression(trainer)
    )
    return Diagnosis("stuck", message, flat, total)


def is_regression(trainer: Trainer) -> bool:
    return trainer.data.dataset.task == "regression"


def at_chance(trainer: Trainer) -> bool:
    """True if the latest training score is no better than a constant guess: accuracy
    within CHANCE_MARGIN of the way from the majority class's share to 100%, or for
    regression a loss above REGRESSION_CHANCE times the loss of predicting the mean."""
    history = trainer.history
    if is_regression(trainer):
        T = trainer.T_train
        guess_mean = 0.5 * float(np.square(T - T.mean(axis=0)).sum()) / len(T)
        return history["train_loss"][-1] >= REGRESSION_CHANCE * guess_mean
    _, counts = np.unique(trainer.data.y_train, return_counts=True)
    majority = counts.max() / counts.sum()
    return history["train_accuracy"][-1] <= majority + CHANCE_MARGIN * (1.0 - majority)


def stalled(trainer: Trainer) -> bool:
    """True if no training loss in the recent window beats the best one before it by
    IMPROVEMENT. The window is WINDOW_EPOCHS epochs, or a fifth of a longer run (the
    history keeps fewer points of a long run)."""
    epochs = np.asarray(trainer.history["epoch"])
    losses = np.asarray(trainer.history["train_loss"])
    start = trainer.epoch - max(WINDOW_EPOCHS, trainer.epoch // 5)
    recent = epochs > start
    if recent.all() or not recent.any():
        return False  # nothing to compare with
    return bool(losses[recent].min() > (1.0 - IMPROVEMENT) * losses[~recent].min())


def flat_neurons(trainer: Trainer) -> tuple[int, int]:
    """How many hidden neurons are saturated (tanh, sigmoid: pinned on PINNED_SHARE of the
    points) or dead (relu, leaky relu: never positive), on up to MAX_POINTS training
    points; and how many hidden neurons there are."""
    network = trainer.network
    X = trainer.X_train
    X = X[:: max(1, len(X) // MAX_POINTS)][:MAX_POINTS]
    run = network.forward(X)
    needed = PINNED_SHARE if network.activation in PINNED_AT else 1.0
    shares = np.concatenate(
        [
            flat_region(network.activation, Z, A).mean(axis=0)
            for Z, A in zip(run.pre_activations[:-1], run.activations[:-1])
        ]
    )
    return int(np.count_nonzero(shares >= needed)), len(shares)


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


def stuck_message(activation: str, flat: int, total: int, regression: bool = False) -> str:
    """The plain-words message for a stuck run with `flat` of `total` hidden neurons flat."""
    count = f"{flat} of {total} neurons ({flat / total:.0%})"
    if activation in PINNED_AT:
        what = (
            f"{count} are saturated (their outputs pinned at {PINNED_AT[activation]}), "
            "so their gradients are almost zero"
        )
    else:
        zero = "0" if activation == "relu" else "almost 0"
        what = (
            f"{count} are dead (their output is {zero} for every training point), "
            "so they pass almost no gradient back"
        )
    guess = "predicts no better than the mean" if regression else "guesses no better than chance"
    return f"Stuck: {what} and the network {guess}. Try a smaller learning rate, then Reset."
