"""What a depth x width sweep found: every network's scores, loss curves and surface, and
the network to recommend (the smallest of those that tie with the best)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .checks import check_float
from .network import Network
from .plane import DEFAULT_EXTENT

Array = NDArray[np.float64]

# Two networks tie when their test losses differ by at most this much: less than another
# seed or another split of the same data would change.
TIE_MARGIN = 0.01
Cell = tuple[int, int]  # (depth, width)


@dataclass(frozen=True)
class Pick:
    """The network a sweep recommends, and the ones that tie with the best.

    best : (depth, width) of the lowest test loss, `best_loss`.
    ties : every trained network whose test loss is within `margin` of the best (the
        best among them), smallest first.
    smallest : the first of `ties`: the fewest parameters (weights and biases), then the
        fewest layers. When many networks tie, it is the one to recommend: more layers
        or neurons bought nothing.
    """

    best: Cell
    best_loss: float
    ties: tuple[Cell, ...]
    margin: float

    @property
    def smallest(self) -> Cell:
        return self.ties[0]

    @property
    def many_tie(self) -> bool:
        return len(self.ties) > 1


@dataclass(eq=False)
class SweepResult:
    """Scores of every (depth, width) network; NaN where a network was not trained
    (the sweep was cancelled first) or diverged.

    train_loss, test_loss, train_accuracy, test_accuracy : (n_depths, n_widths), after the
        last epoch. Row i is `depths[i]` hidden layers, column j `widths[j]` units each.
    train_history, test_history : (n_depths, n_widths, epochs + 1) losses after each epoch,
        epoch 0 being the initial weights.
    done : (n_depths, n_widths) True once a network has finished all its epochs.
    diverged : (n_depths, n_widths) True where the loss became infinite or NaN.
    surfaces : (n_depths, n_widths, resolution, resolution) each trained network's output
        score over [-extent, extent]^2 (-1 orange to +1 blue), top row first as
        `plane_grid` lays it out; NaN where not trained or diverged. Resolution 0 when
        the data is not 2-D (or no surface was asked for).
    n_inputs, n_outputs : the networks' input and output sizes (for counting parameters).
    """

    depths: tuple[int, ...]
    widths: tuple[int, ...]
    epochs: int
    train_loss: Array
    test_loss: Array
    train_accuracy: Array
    test_accuracy: Array
    train_history: Array
    test_history: Array
    done: NDArray[np.bool_]
    diverged: NDArray[np.bool_]
    surfaces: Array = field(default_factory=lambda: np.zeros((0, 0, 0, 0)), repr=False)
    extent: float = DEFAULT_EXTENT
    n_inputs: int = 2
    n_outputs: int = 1
    cancelled: bool = False
    seconds: float = 0.0
    _networks: dict[Cell, Network] = field(default_factory=dict, repr=False)

    @classmethod
    def empty(
        cls,
        depths: Sequence[int],
        widths: Sequence[int],
        epochs: int,
        resolution: int = 0,
        extent: float = DEFAULT_EXTENT,
        n_inputs: int = 2,
        n_outputs: int = 1,
    ) -> SweepResult:
        shape = (len(depths), len(widths))
        blank = lambda *extra: np.full(shape + extra, np.nan)  # noqa: E731
        return cls(
            tuple(depths),
            tuple(widths),
            epochs,
            *(blank() for _ in range(4)),
            blank(epochs + 1),
            blank(epochs + 1),
            np.zeros(shape, dtype=bool),
            np.zeros(shape, dtype=bool),
            surfaces=blank(resolution, resolution),
            extent=float(extent),
            n_inputs=n_inputs,
            n_outputs=n_outputs,
        )

    @property
    def n_networks(self) -> int:
        return len(self.depths) * len(self.widths)

    @property
    def n_done(self) -> int:
        return int(self.done.sum())

    def cell(self, depth: int, width: int) -> tuple[int, int]:
        """(row, column) of the network with `depth` hidden layers of `width` units."""
        if depth not in self.depths or width not in self.widths:
            raise ValueError(
                f"depth={depth}, width={width} is not in this sweep: depths are "
                f"{list(self.depths)}, widths {list(self.widths)}"
            )
        return self.depths.index(depth), self.widths.index(width)

    def history(self, depth: int, width: int) -> dict[str, Array]:
        """Loss curves of one network: {"epoch", "train_loss", "test_loss"}, each
        (epochs + 1,), NaN where it was not trained."""
        row, column = self.cell(depth, width)
        return {
            "epoch": np.arange(self.epochs + 1),
            "train_loss": self.train_history[row, column].copy(),
            "test_loss": self.test_history[row, column].copy(),
        }

    def network(self, depth: int, width: int) -> Network:
        """The trained network (a copy), once it is done."""
        row, column = self.cell(depth, width)
        if not self.done[row, column]:
            raise ValueError(f"the network with depth={depth}, width={width} was not trained")
        return self._networks[depth, width].copy()

    def surface(self, depth: int, width: int) -> Array:
        """(resolution, resolution): what the network draws over the plane, top row first;
        NaN if it diverged."""
        row, column = self.cell(depth, width)
        if not self.surfaces.shape[-1]:
            raise ValueError("this sweep kept no surfaces: its data is not 2-D")
        if not self.done[row, column]:
            raise ValueError(f"the network with depth={depth}, width={width} was not trained")
        return self.surfaces[row, column].copy()

    def n_parameters(self, depth: int, width: int) -> int:
        """Weights and biases of the network with `depth` hidden layers of `width` units."""
        sizes = [self.n_inputs, *[width] * depth, self.n_outputs]
        return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))

    def best(self) -> Cell | None:
        """(depth, width) of the network with the lowest test loss, or None if none is done."""
        scores = self._scores()
        if not np.isfinite(scores).any():
            return None
        row, column = np.unravel_index(np.argmin(scores), scores.shape)
        return self.depths[row], self.widths[column]

    def pick(self, margin: float = TIE_MARGIN) -> Pick | None:
        """The best network and those that tie with it: a test loss at most `margin` above
        the lowest (absolute, in the loss's units). None if no network is done."""
        margin = check_float("margin", margin, 0)
        best = self.best()
        if best is None:
            return None
        scores = self._scores()
        lowest = float(scores[self.cell(*best)])
        rows, columns = np.nonzero(scores <= lowest + margin)
        ties = [(self.depths[row], self.widths[column]) for row, column in zip(rows, columns)]
        ties.sort(key=lambda cell: (self.n_parameters(*cell), cell[0], scores[self.cell(*cell)]))
        return Pick(best, lowest, tuple(ties), margin)

    def _scores(self) -> Array:
        return np.where(self.done & ~self.diverged, self.test_loss, np.inf)
