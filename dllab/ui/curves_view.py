"""Curves over the epochs as the lab draws its losses, live: a canvas widget whose points
come in the frames of the network picture (`NetworkCanvas.show(..., curves=)`), so that a
frame of the lab is one message to the page (see `plane_view`), or, without a source, in
its own messages (`show`). The lines' names, colours and axes are its own, set once per
run."""

from __future__ import annotations

from collections.abc import Sequence

import anywidget
import numpy as np
import traitlets as t
from numpy.typing import NDArray

from .page import canvas_script
from .theme import legend_html


class CurvesView(anywidget.AnyWidget):
    """Lines over the epochs from `source`'s frames (a NetworkCanvas), or from its own
    points (`show`) when it has no source: each entry of `lines` is {"label", "colour",
    "dashed", "right"}; a line on the right axis is a share (0 to 100%), the others share
    the left axis, from 0 to a round number past their highest point, or, `log_left`, a
    log axis of whole decades around them."""

    _esm = canvas_script(__file__, "curves_view.js")

    source = anywidget.WidgetTrait().tag(sync=True)  # None: the points are its own
    # Without a source, the points, as a NetworkCanvas's frames carry them (see `show`).
    curves = t.Bytes(b"").tag(sync=True)
    curves_top = t.Float(1.0).tag(sync=True)
    frame = t.Int(0).tag(sync=True)
    log_left = t.Bool(False).tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    x_label = t.Unicode("epoch").tag(sync=True)
    left_label = t.Unicode("").tag(sync=True)
    right_label = t.Unicode("").tag(sync=True)
    lines = t.List(t.Dict()).tag(sync=True)
    width_px = t.Int(320).tag(sync=True)
    height_px = t.Int(170).tag(sync=True)

    def set_lines(self, lines: Sequence[tuple[str, str, bool, bool]]) -> None:
        """(label, colour, dashed, on the right axis) for each line, in the rows' order."""
        self.lines = [
            {"label": label, "colour": colour, "dashed": dashed, "right": right}
            for label, colour, dashed, right in lines
        ]

    def show(self, rows: NDArray, top: float) -> None:
        """Without a source: draw `rows` (the epochs, then each line's values) on an epoch
        axis ending at `top`, in one message."""
        with self.hold_sync():
            self.curves = np.asarray(rows, dtype=np.float32).tobytes()
            self.curves_top = float(top)
            self.frame += 1

    def legend(self) -> str:
        """The lines' legend, as a line of text (see `theme.legend_html`)."""
        return legend_html((line["label"], line["colour"], line["dashed"]) for line in self.lines)

    def drawn(self) -> dict[str, NDArray]:
        """The points as the page gets them: {"epoch": x, label: y for each line}."""
        values = np.frombuffer((self.source or self).curves, dtype=np.float32)
        n = len(values) // (len(self.lines) + 1) if self.lines else 0
        rows = values[: n * (len(self.lines) + 1)].reshape(-1, n) if n else np.zeros((0, 0))
        names = ["epoch"] + [line["label"] for line in self.lines]
        return {name: (rows[i] if n else np.zeros(0)) for i, name in enumerate(names)}
