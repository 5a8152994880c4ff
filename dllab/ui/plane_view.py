"""The output over the input plane as the lab draws it, live: a canvas widget whose surface
comes in the frames of the network picture.

A frame of the lab used to be three messages to the page (the network picture, the output
surface and the loss curves), each relayed by the server: for a room of learners, the
server's and the kernels' CPU per frame follow the number of messages
(benchmarks/bench_load.py). Here the surface is a part of `NetworkCanvas`'s frame
(`NetworkCanvas.show(..., surface=)`), and `PlaneView` draws it with its own points,
extent and options, which change once per run.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets as t
from numpy.typing import NDArray

from ..core.plane import DEFAULT_EXTENT
from .page import canvas_script

DEFAULT_SIZE_PX = 250


class PlaneView(anywidget.AnyWidget):
    """The surface of `source` (a NetworkCanvas) over [-extent, extent]^2, with the
    training points (white rims) and, when `show_test`, the test points (black rims),
    coloured by label on the network picture's orange-to-blue scale."""

    _esm = canvas_script(__file__, "plane_view.js")

    source = anywidget.WidgetTrait().tag(sync=True)
    points = t.Bytes(b"").tag(sync=True)  # float32 x1, x2 pairs, training points first
    values = t.Bytes(b"").tag(sync=True)  # one byte per point: (label + 1) * 127.5
    test = t.Bytes(b"").tag(sync=True)  # one byte per point: 1 for a test point
    show_test = t.Bool(False).tag(sync=True)
    extent = t.Float(DEFAULT_EXTENT).tag(sync=True)
    size_px = t.Int(DEFAULT_SIZE_PX).tag(sync=True)

    def show_points(
        self,
        X_train: NDArray,
        y_train: NDArray,
        X_test: NDArray | None = None,
        y_test: NDArray | None = None,
        extent: float | None = None,
    ) -> None:
        """The points, coloured by label (labels beyond [-1, 1] are clipped), in one message
        with the plane's extent."""
        X_test = np.zeros((0, 2)) if X_test is None else X_test
        y_test = np.zeros(0) if y_test is None else y_test
        X = np.concatenate([np.asarray(X_train, float), np.asarray(X_test, float)])
        y = np.concatenate([np.asarray(y_train, float).ravel(), np.asarray(y_test, float).ravel()])
        colours = (np.clip(np.nan_to_num(y), -1, 1) + 1) * 127.5
        with self.hold_sync():
            self.points = X[:, :2].astype(np.float32).tobytes()
            self.values = colours.round().astype(np.uint8).tobytes()
            self.test = np.repeat([0, 1], [len(X_train), len(X_test)]).astype(np.uint8).tobytes()
            if extent is not None:
                self.extent = float(extent)

    def point_arrays(self) -> tuple[NDArray, NDArray, NDArray]:
        """(xy, colour values in [-1, 1], is_test) as the page reads them."""
        xy = np.frombuffer(self.points, dtype=np.float32).reshape(-1, 2)
        values = np.frombuffer(self.values, dtype=np.uint8) / 127.5 - 1
        return xy, values, np.frombuffer(self.test, dtype=np.uint8).astype(bool)
