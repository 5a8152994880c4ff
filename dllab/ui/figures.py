"""bqplot figures shared by the lab and the lessons, and the one way to change a mark.

`Figure.hold_sync()` does not hold its marks' changes: `update` holds each mark, so that
x and y of different lengths never reach the page apart (a torn line draws `null` paths).
"""

from __future__ import annotations

from typing import Any

import bqplot as bq
import ipywidgets as w
import numpy as np
from numpy.typing import NDArray

from ..core.plane import DEFAULT_EXTENT
from .theme import BLUE, ORANGE, WHITE


def update(mark: Any, **values: Any) -> None:
    """Set several traits of one mark (or scale, axis, figure) in one message."""
    with mark.hold_sync():
        for name, value in values.items():
            setattr(mark, name, value)


def diverging_scale(low: float = -1.0, high: float = 1.0) -> bq.ColorScale:
    """Orange for negative, white for zero, blue for positive, as the playground draws."""
    return bq.ColorScale(colors=[ORANGE, WHITE, BLUE], min=low, max=high, mid=0)


class PlaneFigure:
    """A model's output over the input plane (a heatmap from orange -1 to blue +1) with the
    training points (white rims) and, when shown, the test points (black rims).

    `figure` is the bqplot Figure to lay out. Surfaces are given as images are drawn:
    `(resolution, resolution)`, row 0 at the top (x2 = +extent), as
    `dllab.core.plane.plane_grid` computes them.
    """

    def __init__(
        self,
        title: str = "Output",
        size_px: int = 315,
        resolution: int = 50,
        point_size: int = 24,
        margin: dict | None = None,
    ) -> None:
        self.x_scale, self.y_scale = bq.LinearScale(), bq.LinearScale()
        colour = diverging_scale()
        self.extent = DEFAULT_EXTENT
        axis = np.linspace(-self.extent, self.extent, resolution)
        self.surface = bq.HeatMap(
            x=axis,
            y=axis,
            color=np.zeros((resolution, resolution)),
            scales={"x": self.x_scale, "y": self.y_scale, "color": colour},
        )
        scales = {"x": self.x_scale, "y": self.y_scale, "color": colour}
        self.train_points = bq.Scatter(
            x=[], y=[], color=[], stroke="white", scales=scales, default_size=point_size
        )
        self.test_points = bq.Scatter(
            x=[],
            y=[],
            color=[],
            stroke="black",
            visible=False,
            scales=scales,
            default_size=point_size,
        )
        self.figure = bq.Figure(
            marks=[self.surface, self.train_points, self.test_points],
            axes=[
                bq.Axis(scale=self.x_scale, num_ticks=5),
                bq.Axis(scale=self.y_scale, side="left", num_ticks=5),
            ],
            title=title,
            padding_x=0,
            padding_y=0,
            fig_margin=margin or dict(top=40, bottom=25, left=35, right=10),
            layout=w.Layout(width=f"{size_px}px", height=f"{size_px}px"),
        )

    def show_surface(
        self,
        values: NDArray[np.float64],
        extent: float | None = None,
        title: str | None = None,
    ) -> None:
        """Draw `values` (resolution, resolution), top row first, over [-extent, extent]^2
        (sent to the page in float32: colours need no more)."""
        values = np.asarray(values, dtype=np.float32)
        changes: dict[str, Any] = {"color": values[::-1]}
        if extent is not None and (extent != self.extent or len(self.surface.x) != len(values)):
            self.extent = extent
            axis = np.linspace(-extent, extent, values.shape[0])
            changes.update(x=axis, y=axis)
        elif len(self.surface.x) != values.shape[0]:
            axis = np.linspace(-self.extent, self.extent, values.shape[0])
            changes.update(x=axis, y=axis)
        update(self.surface, **changes)
        if title is not None and title != self.figure.title:
            self.figure.title = title

    def show_points(
        self,
        X_train: NDArray,
        y_train: NDArray,
        X_test: NDArray | None = None,
        y_test: NDArray | None = None,
    ) -> None:
        """The points, coloured by label (labels beyond [-1, 1] are clipped)."""
        for mark, X, y in (
            (self.train_points, X_train, y_train),
            (self.test_points, X_test, y_test),
        ):
            if X is None:
                X, y = np.zeros((0, 2)), np.zeros(0)
            update(mark, x=X[:, 0], y=X[:, 1], color=np.clip(np.asarray(y, dtype=float), -1, 1))

    def show_test(self, visible: bool) -> None:
        if self.test_points.visible != visible:
            self.test_points.visible = visible
