"""The network picture as a canvas widget: tiles per layer and weighted links.

bqplot's heatmap marks cannot redraw 48 tiles at 20 frames per second, so the tiles go
to the browser as bytes (one per pixel) and a small canvas script paints them. The
browser answers each frame once drawn; `wait_drawn` lets the training loop send no
faster than the page draws, so nothing queues up however slow the browser is.
"""

from __future__ import annotations

import logging
import pathlib
import threading
from collections.abc import Sequence

import anywidget
import numpy as np
import traitlets as t
from numpy.typing import NDArray

from .page import FromPage, from_page

log = logging.getLogger("dllab")
NOWHERE = [-1, -1]


class NetworkCanvas(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).with_name("network_canvas.js")

    columns = t.List(t.Dict()).tag(sync=True)
    tiles = t.Bytes(b"").tag(sync=True)
    links = t.Bytes(b"").tag(sync=True)
    link_from = t.Int(0).tag(sync=True)
    frame = t.Int(0).tag(sync=True)
    run = t.Int(0).tag(sync=True)  # which training run the frame belongs to
    width_px = t.Int(560).tag(sync=True)
    height_px = t.Int(430).tag(sync=True)
    hovered = FromPage(list(NOWHERE)).tag(sync=True)  # [column, tile], set by the page
    selected = FromPage(list(NOWHERE)).tag(sync=True)

    @t.validate("hovered", "selected")
    def _check_neuron(self, proposal):
        """A neuron is [column, tile] ([-1, -1]: none); anything else from the page is
        ignored and logged."""
        value = proposal.value
        good = (
            isinstance(value, (list, tuple))
            and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        )
        return list(from_page(self, proposal, good, "not [column, tile]"))

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.drawn = 0
        self._drawn_changed = threading.Condition()
        self.on_msg(self._on_browser_message)

    def show(
        self,
        tiles: Sequence[NDArray[np.float64]],
        weights: Sequence[NDArray[np.float64]],
        titles: Sequence[str],
        labels: Sequence[Sequence[str] | None] | None = None,
        link_from: int = 0,
        run: int = 0,
    ) -> None:
        """Send one frame: `tiles[c]` is (n_tiles, height, width) in [-1, 1] for column c;
        `weights[i]` joins column link_from + i to the next one."""
        labels = labels or [None] * len(tiles)
        columns = [
            {
                "count": int(block.shape[0]),
                "height": int(block.shape[1]),
                "width": int(block.shape[2]),
                "title": title,
                "labels": list(names or []),
            }
            for block, title, names in zip(tiles, titles, labels)
        ]
        pixels = np.concatenate([block.ravel() for block in tiles])
        quantised = (np.nan_to_num(np.clip(pixels, -1.0, 1.0)) + 1.0) * 127.5  # 0 to 255
        links = np.concatenate([W.ravel() for W in weights]) if len(weights) else np.zeros(0)
        with self.hold_sync():
            if columns != self.columns:
                self.columns = columns
            self.link_from = link_from
            self.run = run
            self.tiles = quantised.round().astype(np.uint8).tobytes()
            self.links = np.nan_to_num(links).astype(np.float32).tobytes()
            self.frame += 1

    def wait_drawn(self, timeout: float, behind: int = 0) -> bool:
        """Wait until the browser has drawn the frames sent, all but the last `behind`;
        False on timeout (no page open, or a page drawing slower than that)."""
        with self._drawn_changed:
            return self._drawn_changed.wait_for(lambda: self.drawn >= self.frame - behind, timeout)

    def _on_browser_message(self, widget, content, buffers) -> None:
        if not (isinstance(content, dict) and content.get("type") == "drawn"):
            log.warning("ignored a message from the page: %.200r", content)
            return
        frame = content.get("frame")
        if not isinstance(frame, int) or isinstance(frame, bool):
            log.warning("ignored a 'drawn' message whose frame is %.80r, not a number", frame)
            return
        with self._drawn_changed:
            self.drawn = max(self.drawn, frame)
            self._drawn_changed.notify_all()
