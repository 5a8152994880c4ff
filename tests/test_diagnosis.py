"""Tests of dllab.core.diagnosis: a run that cannot learn says so, in plain words; healthy
runs, slow starters and runs that learn in jumps never do."""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core import make_dataset, make_trainer, split
from dllab.core.diagnosis import MAX_POINTS, MIN_EPOCHS, Diagnosis, diagnose, flat_neurons
from dllab.core.training import Trainer

CHUNK = 10  # epochs between checks, as the lab checks after each chunk


def lab_trainer(
    dataset: str = "circle",
    hidden=(4, 2),
    data_seed: int = 0,
    n_samples: int | None = None,
    **options,
) -> Trainer:
    """A trainer as the lab builds it: its defaults (the playground's), 2-D data fed as
    x1, x2, half of the points for training."""
    data = split(make_dataset(dataset, seed=data_seed, n_samples=n_samples), 0.5, seed=data_seed)
    features = ["x1", "x2"] if data.dataset.n_inputs == 2 else None
    return make_trainer(data, hidden, features=features, **options)


def checks(trainer: Trainer, epochs: int) -> list[Diagnosis | None]:
    """Train `epochs` in chunks, diagnosing after each chunk with the last diagnosis
    passed on, as the lab does."""
    found: list[Diagnosis | None] = []
    diagnosis = None
    for _ in range(epochs // CHUNK):
        trainer.train(CHUNK)
        diagnosis = diagnose(trainer, diagnosis)
        found.append(diagnosis)
    return found


# --- Stuck runs ---------------------------------------------------------------------------


def test_tanh_on_spiral_at_learning_rate_10_is_stuck_and_says_what_to_try():
    # The hardening issue's case: the loss stays finite, so the trainer reports nothing.
    trainer = lab_trainer("spiral", learning_rate=10.0)
    found = checks(trainer, 60)
    assert trainer.status == "ready" and trainer.message == ""
    assert found[-1] is not None
    assert found[-1].status == "stuck"
    assert found[-1].flat_neurons == 6 and found[-1].hidden_neurons == 6
    message = found[-1].message
    assert message.startswith("Stuck: ")
    assert "6 of 6 hidden neurons (100%) are saturated (their outputs pinned at -1 or 1)" in message
    assert "no better than chance" in message
    assert "Try a smaller learning rate, then Reset." in message


def test_dead_relu_neurons_are_named_as_dead():
    trainer = lab_trainer("circle", hidden=(8, 8), activation="relu", learning_rate=3.0)
    diagnosis = checks(trainer, 40)[-1]
    assert diagnosis is not None and diagnosis.status == "stuck"
    assert diagnosis.flat_share > 0.5
    assert f"{diagnosis.flat_neurons} of 16 hidden neurons" in diagnosis.message
    assert "are dead (their output is 0 for every training point)" in diagnosis.message


def test_a_wholly_dead_layer_blocks_a_regression_network():
    # Only 2 of 6 neurons are dead, but they are all of layer 2: nothing reaches layer 1.
    trainer = lab_trainer("plane", activation="relu", learning_rate=1.0)
    diagnosis = checks(trainer, 60)[-1]
    assert diagnosis is not None and diagnosis.status == "stuck"
    assert diagnosis.flat_layers == (2,)
    assert "all of hidden layer 2" in diagnosis.message
    assert "predicts no better than the mean" in diagnosis.message


def test_a_pinned_tanh_output_blocks_every_gradient():
    # Only 2 of 6 hidden neurons are saturated, but the output is -1 or 1 everywhere.
    trainer = lab_trainer("circle", learning_rate=10.0, data_seed=3)
    diagnosis = checks(trainer, 40)[-1]
    assert diagnosis is not None and diagnosis.output_saturated
    assert diagnosis.flat_share < 0.5
    assert "the output neuron is pinned at -1 or 1" in diagnosis.message


# --- Runs that must not be flagged ---------------------------------------------------------

HEALTHY = {
    # The lab's default: the playground's circle, 4-2 tanh, learning rate 0.03.
    "lab default": (dict(), 300),
    # A slow start: near chance for many epochs, then learning slowly.
    "slow start": (dict(dataset="xor", learning_rate=0.001), 300),
    # Deep relu with Adam: its loss jumps back up several times on its way.
    "deep relu, in jumps": (
        dict(
            dataset="spiral",
            hidden=(8, 8, 8, 8),
            activation="relu",
            optimizer="adam",
            learning_rate=0.01,
        ),
        300,
    ),
    # The old "too high a learning rate" preset: saturated and stalled, but right.
    "saturated but right": (dict(dataset="gauss", learning_rate=3.0), 100),
    "digits": (
        dict(dataset="digits", n_samples=500, hidden=(16,), activation="relu", learning_rate=0.1),
        60,
    ),
    "regression": (dict(dataset="multi_gauss", hidden=(8, 8), learning_rate=0.01), 200),
}


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_runs_are_never_flagged(name):
    settings, epochs = HEALTHY[name]
    trainer = lab_trainer(**settings)
    found = checks(trainer, epochs)
    flagged = [CHUNK * (i + 1) for i, diagnosis in enumerate(found) if diagnosis is not None]
    assert flagged == [], f"{name} flagged at epochs {flagged}"
    assert trainer.status == "ready"


def test_young_runs_are_not_judged():
    trainer = lab_trainer("spiral", learning_rate=10.0)
    trainer.train(MIN_EPOCHS - 1)
    assert diagnose(trainer) is None
    trainer.train(1)
    assert diagnose(trainer) is not None


def test_a_diverged_run_is_left_to_the_trainers_own_message():
    trainer = lab_trainer("multi_gauss", hidden=(8, 8), learning_rate=10.0)
    trainer.train(MIN_EPOCHS + CHUNK)
    assert trainer.diverged
    assert diagnose(trainer) is None


def test_a_stuck_run_stays_stuck_when_its_loss_drops_to_another_plateau():
    trainer = lab_trainer("spiral", learning_rate=10.0)
    stuck = checks(trainer, 40)[-1]
    assert stuck is not None
    # Ten more epochs on a lower plateau, still at chance with every neuron saturated.
    history, last = trainer.history, trainer.history["train_loss"][-1]
    for _ in range(CHUNK):
        trainer.epoch += 1
        scores = {key: history[key][-1] for key in history.keys() if key != "epoch"}
        history.append(**{**scores, "epoch": trainer.epoch, "train_loss": 0.9 * last})
    assert diagnose(trainer) is None  # the loss fell: on its own, that looks like progress
    assert diagnose(trainer, stuck) is not None


def test_a_previous_diagnosis_does_not_make_a_healthy_run_stuck():
    trainer = lab_trainer()
    trainer.train(100)
    previous = Diagnosis("stuck", "Stuck: ...", 6, 6)
    assert diagnose(trainer, previous) is None


def test_one_forward_pass_on_at_most_a_few_hundred_points(monkeypatch):
    trainer = lab_trainer("digits", hidden=(16,), activation="relu")  # 898 training points
    assert len(trainer.X_train) > MAX_POINTS
    shapes = []
    forward = trainer.network.forward
    monkeypatch.setattr(trainer.network, "forward", lambda X: shapes.append(X.shape) or forward(X))
    flat_neurons(trainer)
    assert len(shapes) == 1 and shapes[0][0] <= MAX_POINTS


@pytest.mark.parametrize(
    "thing", [None, "trainer", lab_trainer().network, {"history": []}], ids=repr
)
def test_anything_but_a_trainer_is_a_clear_type_error(thing):
    with pytest.raises(TypeError, match="diagnose needs a dllab Trainer"):
        diagnose(thing)


def test_previous_must_be_a_diagnosis():
    with pytest.raises(TypeError, match="previous must be the last Diagnosis"):
        diagnose(lab_trainer(), previous="stuck")


def test_a_diagnosis_is_frozen():
    diagnosis = Diagnosis("stuck", "Stuck: ...", 3, 4)
    assert diagnosis.flat_share == 0.75
    with pytest.raises(AttributeError):
        diagnosis.status = "ready"
    assert np.isclose(Diagnosis("stuck", "", 1, 3).flat_share, 1 / 3)


# --- The "too high a learning rate" preset shows its lesson ---------------------------------

# The recommended preset: the playground's circle and 4-2 tanh network at learning rate 10.
TOO_HIGH = {"dataset": "circle", "learning_rate": 10.0}
PRESET_EPOCHS = 150  # what the lab trains in 5 s at 50 epochs per second, with margin


@pytest.mark.slow
@pytest.mark.parametrize("seed, data_seed", [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)])
def test_too_high_a_learning_rate_is_stuck_within_the_budget_and_learns_at_003(seed, data_seed):
    trainer = lab_trainer(seed=seed, data_seed=data_seed, **TOO_HIGH)
    diagnosis = None
    while diagnosis is None and not trainer.diverged and trainer.epoch < PRESET_EPOCHS:
        trainer.train(2)  # the lab's epochs per frame
        diagnosis = diagnose(trainer, diagnosis)
    assert trainer.diverged or diagnosis.status == "stuck"
    calm = lab_trainer(seed=seed, data_seed=data_seed, **{**TOO_HIGH, "learning_rate": 0.03})
    calm.train(300)
    assert calm.history["test_accuracy"][-1] >= 0.95
