"""The network picture as a canvas widget: tiles per layer and weighted links.

bqplot's heatmap marks cannot redraw 48 tiles at 20 frames per second, so the tiles go
to the browser as bytes (one per pixel) and a small canvas script paints them. The
browser answers every `ack_every`-th frame once drawn, and the last one drawn when no
newer one follows within 0.3 s; `wait_drawn` lets the training loop send no faster than
the page draws, so nothing queues up however slow the browser is.

Each answer also times a round trip: from the frame leaving the kernel to its answer
coming back (less the time the page held the answer). `queueing` compares the newest
with the shortest of the last few seconds' round trips: when frames wait in line on the
way (in the server, or in a browser busy with the frames before them), that difference
grows, and the training loop sends less often (dllab.lab.loop). The page draws in
animation frames, so a frame that comes before the screen showed the last one is drawn
over unseen; each answer says how many frames the page showed, and `unshown` gives the
share it did not: the training loop sends less often while that is high too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence

import anywidget
import numpy as np
import traitlets as t
from numpy.typing import NDArray

from .kernel import drop_unseen_debug_records
from .page import FromPage, canvas_script, from_page

log = logging.getLogger("dllab")
NOWHERE = [-1, -1]
ROUND_TRIPS_KEPT = 30  # round trips `queueing` compares (about 3 s of frames)


class NetworkCanvas(anywidget.AnyWidget):
    _esm = canvas_script(__file__, "network_canvas.js")

    columns = t.List(t.Dict()).tag(sync=True)
    tiles = t.Bytes(b"").tag(sync=True)
    links = t.Bytes(b"").tag(sync=True)
    link_from = t.Int(0).tag(sync=True)
    # The output over the plane (drawn by a PlaneView), in the same message as the picture:
    # one byte per point as the tiles, surface_size x surface_size, top row first.
    surface = t.Bytes(b"").tag(sync=True)
    surface_size = t.Int(0).tag(sync=True)
    surface_title = t.Unicode("").tag(sync=True)
    # Curves over the epochs (drawn by a CurvesView), also in the same message: float32
    # rows, the epochs first, then one row per line; the epoch axis ends at curves_top.
    curves = t.Bytes(b"").tag(sync=True)
    curves_top = t.Float(1.0).tag(sync=True)
    frame = t.Int(0).tag(sync=True)
    run = t.Int(0).tag(sync=True)  # which training run the frame belongs to
    # The page answers every this many frames (and the last one once frames stop): an
    # answer costs the kernel a message in and two out, and the server relays all three.
    ack_every = t.Int(1, min=1).tag(sync=True)
    width_px = t.Int(560).tag(sync=True)
    height_px = t.Int(430).tag(sync=True)
    hovered = FromPage(list(NOWHERE)).tag(sync=True)  # [column, tile], set by the page
    selected = FromPage(list(NOWHERE)).tag(sync=True)
    # Set by the page: True while its tab is hidden (another tab in front, the window
    # minimised, the laptop asleep), when nobody sees what is drawn.
    page_hidden = FromPage(False).tag(sync=True)

    @t.validate("page_hidden")
    def _check_hidden(self, proposal):
        good = isinstance(proposal.value, bool)
        return from_page(self, proposal, good, "not true or false")

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
        self._sent_at: dict[int, float] = {}  # frame -> when it left the kernel
        self._round_trips: deque[float] = deque(maxlen=ROUND_TRIPS_KEPT)
        self._new_round_trip = False
        self._unshown: float | None = None  # see `unshown`
        self.on_msg(self._on_browser_message)
        drop_unseen_debug_records()  # the page's answers are messages the kernel handles

    def show(
        self,
        tiles: Sequence[NDArray[np.float64]],
        weights: Sequence[NDArray[np.float64]],
        titles: Sequence[str],
        labels: Sequence[Sequence[str] | None] | None = None,
        link_from: int = 0,
        run: int = 0,
        surface: NDArray[np.float64] | None = None,
        surface_title: str = "",
        curves: NDArray | None = None,
        curves_top: float = 1.0,
    ) -> None:
        """Send one frame: `tiles[c]` is (n_tiles, height, width) in [-1, 1] for column c;
        `weights[i]` joins column link_from + i to the next one; `surface`, (n, n) in
        [-1, 1] with its top row first, goes with it (None: no surface), and so do
        `curves` (rows: the epochs, then each line's values) and `curves_top`, where their
        epoch axis ends (None: the curves drawn stay as they are)."""
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
        links = np.concatenate([W.ravel() for W in weights]) if len(weights) else np.zeros(0)
        with self.hold_sync():
            if columns != self.columns:
                self.columns = columns
            self.link_from = link_from
            self.run = run
            self.tiles = _bytes(pixels)
            self.surface = b"" if surface is None else _bytes(surface)
            self.surface_size = 0 if surface is None else int(surface.shape[0])
            self.surface_title = surface_title
            if curves is not None:
                self.curves = np.asarray(curves, dtype=np.float32).tobytes()
                self.curves_top = float(curves_top)
            self.links = _float32_bytes(links)
            self.frame += 1
        with self._drawn_changed:
            self._sent_at[self.frame] = time.perf_counter()
            if len(self._sent_at) > 4 * ROUND_TRIPS_KEPT:  # frames never answered
                for frame in sorted(self._sent_at)[: 2 * ROUND_TRIPS_KEPT]:
                    del self._sent_at[frame]

    def wait_drawn(self, timeout: float, behind: int = 0) -> bool:
        """Wait until the browser has drawn the frames sent, all but the last `behind`;
        False on timeout (no page open, or a page drawing slower than that)."""
        with self._drawn_changed:
            return self._drawn_changed.wait_for(lambda: self.drawn >= self.frame - behind, timeout)

    def queueing(self) -> float | None:
        """Seconds the newest answered frame spent in line on its way: its round trip less
        the shortest of the last ROUND_TRIPS_KEPT. None when no round trip was measured
        since the last call."""
        with self._drawn_changed:
            if not self._new_round_trip:
                return None
            self._new_round_trip = False
            return self._round_trips[-1] - min(self._round_trips)

    def answer_every(self, frames: int) -> None:
        """Ask the page to answer every `frames` frames (the training loop's choice)."""
        self.ack_every = frames

    def unshown(self) -> float | None:
        """The share of the frames sent between the last two answers that the page never
        showed (frames that came faster than its screen refreshes are drawn over unseen).
        None when no answer said so since the last call."""
        with self._drawn_changed:
            share, self._unshown = self._unshown, None
            return share

    def _on_browser_message(self, widget, content, buffers) -> None:
        now = time.perf_counter()
        if not (isinstance(content, dict) and content.get("type") == "drawn"):
            log.warning("ignored a message from the page: %.200r", content)
            return
        frame = content.get("frame")
        if not isinstance(frame, int) or isinstance(frame, bool):
            log.warning("ignored a 'drawn' message whose frame is %.80r, not a number", frame)
            return
        held = content.get("held", 0)
        held = held / 1000 if isinstance(held, (int, float)) and 0 <= held < 1e6 else 0.0
        with self._drawn_changed:
            sent = self._sent_at.pop(frame, None)
            if sent is not None:
                for older in [f for f in self._sent_at if f < frame]:
                    del self._sent_at[older]
                self._round_trips.append(max(0.0, now - sent - held))
                self._new_round_trip = True
            shown = content.get("shown")
            between = frame - self.drawn  # frames sent since the last answer
            if isinstance(shown, int) and not isinstance(shown, bool) and 0 < between < 1000:
                self._unshown = min(max(between - shown, 0), between) / between
            self.drawn = max(self.drawn, frame)
            self._drawn_changed.notify_all()


def _bytes(values: NDArray) -> bytes:
    """Values in [-1, 1] as one byte each (0 to 255: the page's 256 shades); NaN (a
    diverged network's) as 0, the middle shade."""
    quantised = np.clip(values, -1.0, 1.0)
    quantised += 1.0
    quantised *= 127.5
    _nan_as(quantised, 127.5)
    return np.rint(quantised).astype(np.uint8).tobytes()


def _float32_bytes(values: NDArray) -> bytes:
    """Float32 bytes of `values`, NaN as 0 (beyond float32's range: infinite)."""
    with np.errstate(over="ignore"):
        single = values.astype(np.float32)
    _nan_as(single, 0.0)
    return single.tobytes()


def _nan_as(values: NDArray, fill: float) -> None:
    """NaN in `values` replaced by `fill`, in place. Looked for only when the sum says there
    is one: np.nan_to_num costs a frame more than all the rest of the conversion."""
    if np.isnan(values.sum()):
        values[np.isnan(values)] = fill
