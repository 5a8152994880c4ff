"""The model of lesson 3's depth sweep: its settings, its (partial) result and its
progress, with no widget in it. `DepthSweep` (in `dllab.lessons.sweep`) is its view."""

from __future__ import annotations

import time
from typing import Any

import traitlets as t

from ..core import make_dataset, split
from ..core.checks import check_choice, check_int
from ..core.data import Split
from ..core.optimizers import check_learning_rate
from ..core.plane import plane_extent
from ..core.sweep import MAX_EPOCHS, Pick, SweepResult, check_grid, sweep
from ..ui import Background, Runner
from ..ui.theme import format_number, plural

SWEEP_DATASETS = ("spiral", "xor", "circle")
STATUSES = ("ready", "running", "done", "cancelled", "error")
PROGRESS_INTERVAL = 0.25  # seconds between progress messages while a sweep runs
SURFACE_RESOLUTION = 50  # points a side of each network's picture of the plane


def layers_label(depth: int) -> str:
    return plural(depth, "layer")


def network_name(depth: int, width: int) -> str:
    """'1 layer of 3 neurons'."""
    return f"{layers_label(depth)} of {plural(width, 'neuron')}"


def lesson_data(dataset: str) -> Split:
    """The lesson's data: the playground's set, half for training, half for testing."""
    return split(make_dataset(dataset, seed=0), 0.5, seed=0)


def pick_text(pick: Pick, n_networks: int) -> str:
    """The headline of a sweep: the best network, or the smallest of many that tie."""
    if not pick.many_tie:
        return f"Lowest test loss: {network_name(*pick.best)} ({format_number(pick.best_loss)})."
    return (
        f"{len(pick.ties)} of {plural(n_networks, 'network')} tie within "
        f"{format_number(pick.margin)} of the lowest test loss "
        f"({format_number(pick.best_loss)}); the smallest of them: {network_name(*pick.smallest)}."
    )


class SweepModel(Background, t.HasTraits):
    """A depth x width sweep: its settings, its (partial) result and its progress.

    `start()` sweeps on a background thread, `run()` waits for it, `cancel()` stops it
    after the current epoch, `close()` for good. The result fills in as networks finish;
    `n_done` changes once per finished depth, `progress` at most every PROGRESS_INTERVAL
    seconds.
    """

    dataset = t.Unicode("spiral")
    status = t.Enum(STATUSES, default_value="ready")
    message = t.Unicode("")
    progress = t.Unicode("")
    n_done = t.Int(0)
    run_id = t.Int(0)  # a new run (and an empty result) each time it changes
    chosen = t.Tuple(t.Int(), t.Int(), default_value=(-1, -1))  # (depth, width) or none

    def __init__(
        self,
        dataset: str = "spiral",
        depths: Any = range(1, 7),
        widths: Any = (2, 3, 4, 6, 8, 12),
        epochs: int = 300,
        learning_rate: float = 0.03,
        batch_size: int = 10,
        seed: int = 0,
    ) -> None:
        dataset = check_choice("dataset", dataset, SWEEP_DATASETS)
        self.depths, self.widths = check_grid(depths, widths)
        for name, values in (("depths", self.depths), ("widths", self.widths)):
            if len(values) < 2:  # and a grid of one row or column is more than bqplot draws
                raise ValueError(
                    f"{name}={list(values)} gives nothing to compare: give at least two values"
                )
        self.epochs = check_int("epochs", epochs, 1, MAX_EPOCHS)
        self.settings = dict(
            learning_rate=check_learning_rate(learning_rate),
            batch_size=check_int("batch_size", batch_size, 1),
            seed=check_int("seed", seed, 0),
        )
        self.data = lesson_data(dataset)
        self.result = self._empty()
        self._runner = Runner(self._job, self._failed, name="dllab-sweep")
        self._last_progress = 0.0
        super().__init__(dataset=dataset)

    @t.validate("dataset")
    def _check_dataset(self, proposal):
        try:
            return check_choice("dataset", proposal.value, SWEEP_DATASETS)
        except ValueError as error:
            raise t.TraitError(str(error)) from None

    @t.observe("dataset")
    def _dataset_changed(self, change) -> None:
        if self.running:
            self.cancel()
            self.wait()
        self.data = lesson_data(change.new)
        self._clear()
        self.status, self.message = "ready", ""

    @property
    def n_networks(self) -> int:
        return len(self.depths) * len(self.widths)

    # -- running ------------------------------------------------------------------------------
    def start(self) -> bool:
        """Sweep on a background thread; False (and nothing changes) if one is running."""
        if self.running:
            return False
        self._runner.request()
        return True

    def run(self) -> SweepResult:
        """Sweep and wait for the result (partial if cancelled)."""
        if not self.start():
            raise RuntimeError("a sweep is running on its own thread: cancel() or wait() first")
        self.wait()
        return self.result

    def _job(self, should_stop) -> None:
        self._clear()
        self.status, self.message = "running", ""
        self.progress = f"Preparing {self.n_networks} networks..."
        result = sweep(
            self.data,
            self.depths,
            self.widths,
            epochs=self.epochs,
            callback=self._network_done,
            should_stop=should_stop,
            progress=self._epoch_done,
            surface_resolution=SURFACE_RESOLUTION,
            **self.settings,
        )
        self.result = result
        self.n_done = result.n_done
        if result.cancelled:
            self.progress = f"Cancelled after {result.n_done} of {self.n_networks} networks."
            self.status = "cancelled"
        else:
            self.progress = self._summary(result)
            self.status = "done"

    def _failed(self, error: Exception) -> None:
        refused = isinstance(error, (ValueError, TypeError))  # a setting, e.g. batch_size
        self.message = str(error) if refused else f"the sweep failed: {error}"
        self.progress = ""
        self.status = "error"

    def _empty(self) -> SweepResult:
        extent = plane_extent(self.data.dataset)
        return SweepResult.empty(self.depths, self.widths, self.epochs, SURFACE_RESOLUTION, extent)

    def _clear(self) -> None:
        self.result = self._empty()
        self.n_done = 0
        self.chosen = (-1, -1)
        self.progress = ""
        self.run_id += 1

    def _network_done(self, depth: int, width: int, result: SweepResult) -> None:
        self.result = result
        self.n_done = result.n_done  # a whole depth at once: one change, one redraw

    def _epoch_done(self, depth: int, epoch: int) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL or epoch == self.epochs:
            self._last_progress = now
            self.progress = (
                f"Training the networks with {layers_label(depth)}: epoch {epoch} of {self.epochs} "
                f"· {self.result.n_done} of {self.n_networks} networks done"
            )

    def _summary(self, result: SweepResult) -> str:
        text = f"Done: {result.n_done} networks in {result.seconds:.1f} s."
        pick = result.pick()
        return text if pick is None else f"{text} {pick_text(pick, result.n_done)}"

    # -- choosing a network ------------------------------------------------------------------
    def shown(self) -> tuple[int, int] | None:
        """The network to show: the one chosen, else the smallest of those that tie with the
        best so far."""
        depth, width = self.chosen
        if depth in self.depths and width in self.widths:
            return depth, width
        pick = self.result.pick()
        return None if pick is None else pick.smallest
