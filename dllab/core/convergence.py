"""Telling when training has nothing more to show: the loss has settled.

TensorFlow Playground trains for as long as the page is open. On a workshop's server every
playing lab costs CPU, and a run whose loss no longer falls only repeats the same picture.
`settled` says when the training loss has stopped falling, measured on the trainer's
history, in words a learner can check on the loss plot; the lab then stops training and
says so (pressing Play trains on).

The rule: over the last `window` epochs (half the run, at least MIN_WINDOW) the
lowest training loss is less than IMPROVEMENT (1%) below the lowest before them, or less
than FLOOR below it in absolute terms (a loss of 0.0004 falling to 0.0003 is not worth a
server's CPU), and the test loss moved by no more than that either way over the same
epochs (a network that overfits has a training loss near zero and a test loss still
climbing: that is worth watching). Runs younger than MIN_EPOCHS are not judged. With the
lab's presets (one epoch a frame) runs stop between epoch 500 and 1,100, and the
overfitting one once its test loss has climbed and levelled off; the digits and
regression presets, whose test loss keeps moving, train on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import check_int
from .training import Trainer

MIN_EPOCHS = 500  # younger runs are not judged: many sit on a plateau before they fall
MIN_WINDOW = 200  # the recent epochs compared with all before them...
WINDOW_SHARE = 0.5  # ...or this share of the run, if longer (plateaus grow with the run)
IMPROVEMENT = 0.01  # a fall of less than 1% of the loss is no progress...
FLOOR = 1e-3  # ...nor one of less than this


@dataclass(frozen=True)
class Settled:
    """A run whose training loss has settled.

    epoch : the epoch it was judged at.
    window : the recent epochs compared with those before.
    before, recent : the lowest training loss before the window and within it.
    """

    epoch: int
    window: int
    before: float
    recent: float

    @property
    def by_floor(self) -> bool:
        """True if it counts as settled only because the fall is below FLOOR (a loss near
        zero still falling by more than IMPROVEMENT of itself)."""
        return self.before - self.recent > IMPROVEMENT * self.before


def settled(trainer: Trainer, since: int = 0) -> Settled | None:
    """A `Settled` if `trainer`'s training loss has stopped falling, judged on the epochs
    after `since` (the epoch the learner last pressed Play at); None while it still falls,
    when too few epochs are known, or for a diverged run."""
    if not isinstance(trainer, Trainer):
        raise TypeError(
            f"settled needs a dllab Trainer (e.g. from make_trainer); got {type(trainer).__name__}"
        )
    since = check_int("since", since, 0)
    epoch = trainer.epoch
    span = epoch - since
    window = max(MIN_WINDOW, int(WINDOW_SHARE * span))
    if trainer.diverged or span < max(MIN_EPOCHS, window + 1) or len(trainer.history) == 0:
        return None
    epochs = np.asarray(trainer.history["epoch"])
    losses = np.asarray(trainer.history["train_loss"], dtype=float)
    judged = epochs > since
    earlier = judged & (epochs <= epoch - window)
    recent = epochs > epoch - window
    if not earlier.any() or not recent.any():
        return None
    before, now = float(losses[earlier].min()), float(losses[recent].min())
    if before - now > max(IMPROVEMENT * before, FLOOR):
        return None
    tests = np.asarray(trainer.history["test_loss"], dtype=float)
    test_then, test_now = float(tests[earlier][-1]), float(tests[-1])
    if abs(test_now - test_then) > max(IMPROVEMENT * test_then, FLOOR):
        return None
    return Settled(epoch, window, before, now)
