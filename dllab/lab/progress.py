"""How a lab's run is going, checked every CHECK_EVERY epochs: stuck at chance with its
neurons saturated or dead (dllab.core.diagnosis), or its loss settled
(dllab.core.convergence), in the words the lab shows."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.convergence import FLOOR, IMPROVEMENT, Settled, settled
from ..core.diagnosis import Diagnosis, diagnose
from ..core.training import Trainer
from ..ui.theme import format_number
from .limits import CHECK_EVERY


@dataclass(frozen=True)
class Verdict:
    """What a check found: the lab's `status` and `message`; `stop`: stop playing."""

    status: str
    message: str
    stop: bool = False


class ProgressCheck:
    """The checks of one run. `restart()` for a new run; `train_on(epoch)` when the
    learner presses Play after the run settled (it is judged afresh from there)."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self._diagnosis: Diagnosis | None = None
        self._judged_from = 0  # the epoch Play was last pressed at (see `settled`)
        self._checked_at = 0  # the epoch of the last check

    def train_on(self, epoch: int) -> None:
        self._judged_from = self._checked_at = epoch

    def __call__(self, trainer: Trainer, playing: bool) -> Verdict | None:
        """None between checks; else stuck (goes on), settled while playing (stops), or
        training."""
        if trainer.epoch < self._checked_at + CHECK_EVERY:
            return None
        self._checked_at = trainer.epoch
        self._diagnosis = diagnose(trainer, self._diagnosis)
        if self._diagnosis is not None:
            return Verdict(self._diagnosis.status, self._diagnosis.message)
        done = settled(trainer, self._judged_from) if playing else None
        if done is not None:
            return Verdict("converged", settled_message(done), stop=True)
        return Verdict("training", "")


def settled_message(done: Settled) -> str:
    """What the lab says when it stops a run whose loss has settled."""
    less_than = format_number(FLOOR) if done.by_floor else f"{IMPROVEMENT:.0%}"
    return (
        f"Training stopped at epoch {done.epoch:,}: the loss has settled. Over the last "
        f"{done.window:,} epochs the lowest training loss fell by less than {less_than} "
        f"(from {format_number(done.before)} to {format_number(done.recent)}). "
        "Press Play to train on."
    )
