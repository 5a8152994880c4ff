"""Tests of dllab.core.convergence: a run whose loss has settled is told apart from one
that still learns, by the rule its message states."""

from __future__ import annotations

import pytest

from dllab.core import make_dataset, make_trainer, split
from dllab.core.convergence import FLOOR, MIN_EPOCHS, MIN_WINDOW, Settled, settled
from dllab.core.training import History, Trainer


def circle_trainer(dataset: str = "circle", **options) -> Trainer:
    """The lab's default run: circle, 2 hidden layers of 4 and 2, the playground's
    settings."""
    data = split(make_dataset(dataset, seed=0), 0.5, seed=0)
    return make_trainer(data, (4, 2), features=["x1", "x2"], **options)


def with_history(losses: list[float], tests: list[float] | None = None) -> Trainer:
    """A trainer whose history holds one training (and test) loss per epoch."""
    trainer = circle_trainer()
    trainer.history = History(limit=100_000)
    tests = losses if tests is None else tests
    for epoch, (loss, test) in enumerate(zip(losses, tests), 1):
        trainer.history.append(
            epoch=epoch,
            train_loss=loss,
            test_loss=test,
            train_accuracy=0.5,
            test_accuracy=0.5,
            gradient_size=[0.1],
        )
    trainer.epoch = len(losses)
    return trainer


def test_a_flat_loss_has_settled():
    found = settled(with_history([1.0] * 100 + [0.5] * 900))
    assert isinstance(found, Settled)
    assert (found.epoch, found.window, found.before, found.recent) == (1000, 500, 0.5, 0.5)
    assert not found.by_floor


def test_a_loss_that_still_falls_has_not_settled():
    # 2% lower every 100 epochs: more than the 1% over the last half the rule asks for.
    losses = [0.9 * 0.98 ** (epoch / 100) for epoch in range(1000)]
    assert settled(with_history(losses)) is None
    # ...and 0.5% lower every 500 epochs is less: settled.
    slow = [0.9 * 0.995 ** (epoch / 500) for epoch in range(1000)]
    found = settled(with_history(slow))
    assert found is not None and found.window == 500 and not found.by_floor
    assert 0 < (found.before - found.recent) / found.before < 0.01


def test_a_test_loss_still_climbing_is_worth_watching():
    # The training loss is flat near zero; the test loss climbs 5% over the last half.
    flat = [0.01] * 1000
    climbing = [0.5 * (1 + 0.05 * max(0, epoch - 500) / 500) for epoch in range(1000)]
    assert settled(with_history(flat, climbing)) is None
    assert settled(with_history(flat, [0.5] * 1000)) is not None


def test_a_plateau_before_a_fall_is_not_taken_for_the_end():
    # 550 flat epochs, then the loss drops: judged at 600, the last 300 epochs still fall.
    losses = [0.7] * 550 + [0.7 - 0.01 * i for i in range(50)]
    assert settled(with_history(losses)) is None


def test_young_runs_and_tiny_falls():
    assert settled(with_history([0.5] * (MIN_EPOCHS - 1))) is None
    assert settled(with_history([0.5] * MIN_EPOCHS)) is not None
    # A loss near zero that still halves moves less than FLOOR: settled.
    tiny = [4 * FLOOR * 0.5 ** (epoch / 100) for epoch in range(1000)]
    found = settled(with_history(tiny))
    assert found is not None and found.by_floor


def test_since_judges_only_the_epochs_after_play_was_pressed():
    trainer = with_history([0.5] * 1000)
    assert settled(trainer, since=0) is not None
    assert settled(trainer, since=600) is None  # 400 epochs since: too young to judge
    longer = with_history([0.5] * 1000 + [0.5] * MIN_EPOCHS)
    assert settled(longer, since=1000) is not None


def test_the_window_grows_with_the_run():
    found = settled(with_history([0.5] * 2000))
    assert found is not None and found.window == 1000 > MIN_WINDOW


def test_the_lab_default_run_settles_after_it_has_learned():
    trainer = circle_trainer()
    found = None
    while found is None and trainer.epoch < 3000:
        trainer.train(10)
        found = settled(trainer)
    assert found is not None, "circle never settled in 3000 epochs"
    assert MIN_EPOCHS <= found.epoch < 3000
    assert trainer.history["test_accuracy"][-1] >= 0.95
    assert trainer.history["train_loss"][-1] < 0.05


def test_a_diverged_run_is_not_judged():
    trainer = circle_trainer("plane", learning_rate=10.0, activation="relu")
    trainer.train(MIN_EPOCHS + 10)
    assert trainer.diverged
    assert settled(trainer) is None


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="settled needs a dllab Trainer"):
        settled("trainer")
    with pytest.raises(ValueError, match="since"):
        settled(circle_trainer(), since=-1)
