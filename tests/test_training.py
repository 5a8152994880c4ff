"""Tests of dllab.core's trainer: reproducibility, divergence, history, gradient sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dllab.core.data import make_dataset, split
from dllab.core.network import Network
from dllab.core.training import History, Trainer, root_mean_square

CIRCLE = split(make_dataset("circle", seed=0), 0.5, seed=0)  # 250 training samples
PLANE = split(make_dataset("plane", seed=0), 0.5, seed=0)  # 600 training samples
COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


def circle_trainer(network_seed=0, seed=0, **options) -> Trainer:
    net = Network([2, 4, 2, 1], seed=network_seed)
    return Trainer(
        net, CIRCLE, **{"learning_rate": 0.03, "batch_size": 10, "seed": seed, **options}
    )


def run(trainer: Trainer, epochs: int) -> dict[str, np.ndarray]:
    trainer.train(epochs)
    record = {key: np.array(trainer.history[key]) for key in trainer.history.keys()}
    record["params"] = trainer.network.params.copy()
    return record


def assert_same_run(first: dict, second: dict) -> None:
    assert first.keys() == second.keys()
    for key in first:
        assert np.array_equal(first[key], second[key]), key


# --- Reproducibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_same_seed_and_settings_give_bit_identical_runs(optimizer):
    first = run(circle_trainer(optimizer=optimizer), 20)
    second = run(circle_trainer(optimizer=optimizer), 20)
    assert len(first["train_loss"]) == 20
    assert_same_run(first, second)


def test_different_seeds_give_different_runs():
    reference = run(circle_trainer(), 10)
    other_batches = run(circle_trainer(seed=1), 10)
    other_weights = run(circle_trainer(network_seed=1), 10)
    for other in (other_batches, other_weights):
        assert not np.array_equal(reference["train_loss"], other["train_loss"])
        assert not np.array_equal(reference["params"], other["params"])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_reset_then_training_again_reproduces_the_first_run(optimizer):
    trainer = circle_trainer(optimizer=optimizer)
    initial = trainer.network.params.copy()
    first = run(trainer, 15)
    trainer.reset()
    assert trainer.epoch == 0 and trainer.steps == 0 and len(trainer.history) == 0
    assert trainer.status == "ready" and trainer.last_gradients is None
    np.testing.assert_array_equal(trainer.network.params, initial)
    assert_same_run(first, run(trainer, 15))


def test_reset_reproduces_a_run_seeded_with_a_generator():
    trainer = circle_trainer(seed=np.random.default_rng(5))
    first = run(trainer, 5)
    trainer.reset()
    assert_same_run(first, run(trainer, 5))
    assert_same_run(first, run(circle_trainer(seed=np.random.default_rng(5)), 5))


def test_single_steps_are_reproducible_after_reset():
    trainer = circle_trainer()
    for _ in range(30):
        assert trainer.step()
    after_steps = trainer.network.params.copy()
    trainer.reset()
    for _ in range(30):
        trainer.step()
    np.testing.assert_array_equal(trainer.network.params, after_steps)
    assert trainer.steps == 30


@pytest.mark.parametrize("batch_size, steps", [(10, 25), (7, 35), (250, 1), (1, 250)])
def test_an_epoch_is_one_pass_of_whole_batches(batch_size, steps):
    trainer = circle_trainer(batch_size=batch_size)
    assert trainer.run_epoch()
    assert trainer.epoch == 1 and trainer.steps == steps
    assert trainer.run_epoch()
    assert trainer.epoch == 2 and trainer.steps == 2 * steps


# --- Divergence --------------------------------------------------------------------------------

DIVERGING = {
    "relu, linear head, plane, lr 10": (
        {"activation": "relu", "head": "linear"},
        PLANE,
        {"learning_rate": 10.0},
    ),
    "he init, lr 50": (
        {"activation": "relu", "head": "linear", "init": "he"},
        PLANE,
        {"learning_rate": 50.0},
    ),
    "tanh, momentum, lr 50": (
        {"activation": "tanh", "head": "linear"},
        PLANE,
        {"learning_rate": 50.0, "optimizer": "momentum"},
    ),
    "linear, one sample per step, lr 3": (
        {"activation": "linear", "head": "linear"},
        PLANE,
        {"learning_rate": 3.0, "batch_size": 1},
    ),
}


@pytest.mark.filterwarnings("error")  # no NumPy RuntimeWarning may escape
@pytest.mark.parametrize("network_options, data, options", DIVERGING.values(), ids=DIVERGING.keys())
def test_a_diverging_run_stops_cleanly_and_can_start_again(network_options, data, options):
    net = Network([2, 8, 8, 1], seed=1, **network_options)
    trainer = Trainer(net, data, **{"batch_size": 10, **options})
    initial = net.params.copy()

    assert trainer.train(100) is trainer.history

    assert trainer.status == "diverged" and trainer.diverged
    assert trainer.message.startswith("training diverged")
    stopped_at = trainer.epoch
    history = {key: list(trainer.history[key]) for key in trainer.history.keys()}
    assert stopped_at < 100
    # What was recorded before the blow-up is kept, and every recorded value is a number.
    assert len(trainer.history) == len(history["epoch"]) == stopped_at - 1
    assert all(math.isfinite(loss) for loss in history["train_loss"])
    assert trainer.run_epoch() is False
    assert trainer.step() is False
    trainer.train(10)
    assert trainer.epoch == stopped_at and trainer.status == "diverged"

    trainer.reset()

    assert trainer.status == "ready" and trainer.message == "" and not trainer.diverged
    assert len(trainer.history) == 0
    np.testing.assert_array_equal(net.params, initial)
    # Trainable again: the same run replays, up to the same blow-up.
    assert trainer.run_epoch() is (stopped_at > 1)
    trainer.train(100)
    assert trainer.epoch == stopped_at and trainer.diverged
    for key in history.keys():
        assert np.array_equal(trainer.history[key], history[key], equal_nan=True), key


@pytest.mark.filterwarnings("error")
def test_single_steps_notice_divergence():
    net = Network([2, 8, 8, 1], activation="relu", head="linear", seed=1)
    trainer = Trainer(net, PLANE, learning_rate=50.0, batch_size=10)
    results = [trainer.step() for _ in range(200)]
    assert results[0] is True
    assert results[-1] is False and trainer.status == "diverged"
    first_failure = results.index(False)
    assert not any(results[first_failure:])
    assert trainer.message.startswith("training diverged")


@pytest.mark.filterwarnings("error")
def test_a_healthy_run_stays_ready():
    trainer = circle_trainer()
    trainer.train(30)
    assert trainer.status == "ready" and trainer.message == "" and trainer.epoch == 30


# --- History -----------------------------------------------------------------------------------


def test_history_stays_bounded_over_a_long_run():
    trainer = circle_trainer(history_limit=50)
    trainer.record()  # epoch 0, before any training
    for _ in range(500):
        trainer.run_epoch()
        assert len(trainer.history) <= 50
    history = trainer.history
    epochs = history["epoch"]
    assert 25 <= len(history) <= 50
    assert epochs[0] == 0 and epochs[-1] == 500
    assert all(later > earlier for earlier, later in zip(epochs, epochs[1:]))
    assert len(set(np.diff(epochs[:-1]))) == 1  # evenly spaced, bar the latest
    for key in history.keys():
        assert len(history[key]) == len(epochs), key
    # The latest record is the network as it is now.
    now = trainer.evaluate()
    assert history["train_loss"][-1] == now["train_loss"]
    assert history["test_accuracy"][-1] == now["test_accuracy"]


@pytest.mark.parametrize("limit", [10, 11, 64])
def test_history_keeps_first_and_latest_points_whatever_the_limit(limit):
    history = History(limit)
    for epoch in range(2000):
        history.append(
            epoch=epoch,
            train_loss=1.0 / (epoch + 1),
            test_loss=2.0 / (epoch + 1),
            train_accuracy=0.5,
            test_accuracy=0.5,
            gradient_size=[float(epoch)],
        )
        epochs = history["epoch"]
        assert len(history) <= limit
        assert epochs[0] == 0 and epochs[-1] == epoch
    assert all(later > earlier for earlier, later in zip(epochs, epochs[1:]))
    # The whole run at an even resolution: every kept point but the latest (which stands in
    # for "now") is a multiple of one spacing, with no gap and no crowding.
    gaps = set(np.diff(epochs[:-1]))
    assert len(gaps) == 1 and 0 < epochs[-1] - epochs[-2] <= gaps.pop()
    # Every column stays aligned with its epoch.
    for epoch, loss, size in zip(epochs, history["train_loss"], history["gradient_size"]):
        assert loss == 1.0 / (epoch + 1) and size == [float(epoch)]


def test_history_limit_is_checked():
    with pytest.raises(ValueError, match=r"history_limit=3 is not allowed"):
        History(3)


def test_history_columns():
    trainer = circle_trainer()
    trainer.train(3)
    history = trainer.history
    assert set(history.keys()) == set(COLUMNS) | {"gradient_size"}
    assert history["epoch"] == [1, 2, 3]
    for key in ("train_accuracy", "test_accuracy"):
        assert all(0.0 <= value <= 1.0 for value in history[key])


def test_regression_records_nan_accuracy():
    net = Network([2, 3, 1], head="linear", seed=0)
    trainer = Trainer(net, PLANE, learning_rate=0.01)
    trainer.train(2)
    assert all(math.isnan(value) for value in trainer.history["test_accuracy"])
    assert all(math.isfinite(value) for value in trainer.history["test_loss"])


# --- Gradient sizes ----------------------------------------------------------------------------


def test_gradient_sizes_are_recorded_per_layer_per_epoch():
    trainer = circle_trainer()
    trainer.record()
    assert trainer.history["gradient_size"] == [[0.0, 0.0, 0.0]]  # no step yet
    for _ in range(4):
        trainer.run_epoch()
        last = trainer.last_gradients.weights
        expected = [float(np.sqrt(np.mean(g * g))) for g in last]
        np.testing.assert_allclose(trainer.history["gradient_size"][-1], expected, rtol=1e-12)
    sizes = np.array(trainer.history["gradient_size"])
    assert sizes.shape == (5, trainer.network.n_layers)
    assert (sizes[1:] > 0).all()


def test_gradient_sizes_of_huge_tiny_and_zero_gradients_are_each_layers_own():
    # All layers are measured together unless a layer's squares overflow or underflow:
    # then each layer alone, scaled, as root_mean_square does.
    trainer = circle_trainer()
    trainer.run_epoch()
    layers = trainer.last_gradients.weights
    for scale in (1e200, 1e-200):
        layers[0][...] *= scale
        expected = [root_mean_square(g) for g in layers]
        with np.errstate(all="raise"):
            np.testing.assert_allclose(trainer.gradient_sizes(), expected, rtol=1e-12)
        assert trainer.gradient_sizes()[0] > 0
        layers[0][...] /= scale
    layers[1][...] = 0.0  # dead neurons pass back nothing
    sizes = trainer.gradient_sizes()
    assert sizes[1] == 0.0 and sizes[0] > 0 and sizes[2] > 0


def test_scores_from_one_pass_over_both_sets_are_each_sets_own():
    trainer = circle_trainer()
    trainer.train(3)
    network, scores = trainer.network, trainer.evaluate()
    for part, X, y in (
        ("train", CIRCLE.X_train, CIRCLE.y_train),
        ("test", CIRCLE.X_test, CIRCLE.y_test),
    ):
        assert scores[f"{part}_loss"] == pytest.approx(network.loss(X, y), rel=1e-12)
        right = float(np.mean(network.predict(X) == y))
        assert scores[f"{part}_accuracy"] == pytest.approx(right, abs=1e-12)
    assert trainer.history["test_loss"][-1] == pytest.approx(scores["test_loss"], rel=1e-12)


def test_a_deadline_passed_stops_the_pass_after_one_mini_batch():
    trainer = circle_trainer()
    assert trainer.run_batches(None, defer_record=True, deadline=0.0)
    assert (trainer.steps, trainer.progress) == (1, 1 / trainer.batches_per_epoch)
    assert trainer.run_batches(None, defer_record=True, deadline=math.inf)
    assert trainer.steps == trainer.batches_per_epoch and trainer.epoch == 1
    # The same batches, in the same order, as a pass run without a deadline.
    other = circle_trainer()
    other.run_batches(None, defer_record=True)
    assert np.array_equal(trainer.network.params, other.network.params)


def test_root_mean_square_does_not_overflow():
    values = np.array([[3.0, -4.0], [0.0, 0.0]])
    assert root_mean_square(values) == pytest.approx(2.5, rel=1e-15)
    with np.errstate(all="raise"):
        assert root_mean_square(values * 1e300) == pytest.approx(2.5e300, rel=1e-15)
    assert root_mean_square(np.zeros(3)) == 0.0
    assert root_mean_square(np.array([np.inf, 1.0])) == math.inf


def test_sigmoid_gradients_vanish_towards_the_first_layer():
    net = Network([2, 8, 8, 8, 8, 8, 8, 1], activation="sigmoid", seed=0)
    assert net.depth == 6
    trainer = Trainer(net, CIRCLE, learning_rate=0.03, batch_size=10)
    trainer.train(5)
    sizes = np.array(trainer.history["gradient_size"])  # (epochs, layers)
    assert sizes.shape == (5, 7)
    # sigmoid' <= 1/4: each layer back shrinks the gradient, the first layer's by 100x or more.
    assert (sizes[:, -1] > 100 * sizes[:, 0]).all()
    assert (sizes[:, -1] > sizes[:, 3]).all() and (sizes[:, 3] > sizes[:, 0]).all()


# --- Optimisers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "optimizer, learning_rate", [("sgd", 0.03), ("momentum", 0.03), ("adam", 0.01)]
)
def test_every_optimiser_lowers_the_training_loss_on_circle(optimizer, learning_rate):
    trainer = circle_trainer(optimizer=optimizer, learning_rate=learning_rate)
    trainer.record()
    trainer.train(30)
    losses = trainer.history["train_loss"]
    assert trainer.status == "ready"
    assert losses[-1] < 0.5 * losses[0]
    assert trainer.history["train_accuracy"][-1] > trainer.history["train_accuracy"][0]
