"""The loop that keeps a lab training while the kernel stays free.

It runs on a `dllab.ui.Runner` (the project's one way to run work off the kernel's main
thread): each request runs the loop until there is nothing to do (no setting changed, not
playing, nothing to redraw); a change, Play or a redraw requests it again.

The loop rebuilds the run when a setting changed, trains a frame's worth, and hands a
frame to `draw`, at most `fps` times a second and never while more than `in_flight - 1`
frames sent are still not drawn by the browser (or until `patience` seconds have passed,
when no page is open). It trains the next frame while the browser still draws the last
one, so that neither waits for the other. The first frame of a new run may be one more
in flight, and a setting moved while the loop waits for the browser ends the wait: the
run is rebuilt at once. benchmarks/bench_browser.py (6 hidden layers of 8, one page in
headless Chromium on a slow 2-core machine, Voila): 20.6 frames/s and a slider answered
in 130 ms (median), against 20.1 frames/s and 143 ms in the run just before it with the
code before those two changes, the frame cap's rise from 25 to 40 and the cheaper frames
of dllab.lab.view; the kernel's CPU per frame went from 19.0 to 13.8 ms. (There the
browser, drawing in software, takes most of the machine.)

The page answers only every few frames (NetworkCanvas.ack_every), so the frames in
flight say little about how far behind it is; the round trips of its answers say more.
`queueing()` gives how long the last answered frame waited in line on its way (in the
server, or in a browser still busy with the frames before it); while that is more than
QUEUE_FRAMES intervals between frames the loop sends less often, and then gradually more
often again, up to `fps`. A frame that waits in line delays the new run a learner is waiting for.
The page answers about every ANSWER_SECONDS of frames (every 10 frames at 40 frames a
second, every 3 at 12 or fewer): an answer costs the kernel, the server and the page about
as much as a frame, and fewer answers left a browser on a 2-core machine showing more
frames; a room whose frames are few keeps answers frequent, so that its pacing sees a line
soon and few frames wait ahead of a new run.
The page draws in animation frames: a frame that comes before the screen showed the one
before is drawn over unseen, and costs the kernel, the server and the page for nothing. The
loop also sends less often while the page says it left more than UNSHOWN_SHARE of the
frames unshown.

While the page says its tab is hidden (`hidden()`: another tab in front, the window
minimised), a playing lab trains nothing and sends nothing, and goes on where it was once
the tab is shown again (TensorFlow Playground, whose loop runs in the browser's animation
frames, stops the same way): in a room, a learner reading something else costs no CPU.

When no page draws what it sends for `unwatched` seconds while playing (the tab was
closed without saying so, the browser crashed, the laptop went to sleep), the lab pauses:
a kernel that keeps sending frames never looks idle to the server, so the idle-kernel
culling of a workshop server (voila.json) could never free it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..ui import Runner
from .model import LabModel

WAIT_SLICE = 0.01  # seconds: how often a wait for the browser looks for a new setting
QUEUE_SLACK = 0.01  # seconds in line that do not count (the machine's jitter)
QUEUE_FRAMES = 1.5  # a wait longer than this many intervals between frames is a line
UNSHOWN_SHARE = 0.5  # more than this share of the frames sent not shown: sending too often
# The page answers about this often (every this many seconds of frames), and never less often
# than every FEWEST_ANSWERED frames or more often than every MOST_ANSWERED: each answer costs
# the kernel a message in and two status messages out, which the server relays and the page
# reads; at 30 learners on 2 cores one answer cost as much CPU as a frame.
ANSWER_SECONDS = 0.25
MOST_ANSWERED, FEWEST_ANSWERED = 3, 10
RATE_WEIGHT = 0.3  # the weight of the newest interval between frames drawn, in their average
SLOWER, FASTER = 1.25, 0.9  # the interval between frames, times this per round trip
LONGEST_INTERVAL = 0.5  # seconds: the pacing never sends less often than this


class TrainingLoop:
    def __init__(
        self,
        model: LabModel,
        draw: Callable[[], None],
        wait_drawn: Callable[[float, int], bool],
        fps: float = 40.0,
        patience: float = 0.5,
        in_flight: int = 2,
        drawn: Callable[[], int] | None = None,
        unwatched: float = 30.0,
        queueing: Callable[[], float | None] | None = None,
        unshown: Callable[[], float | None] | None = None,
        answer_every: Callable[[int], None] | None = None,
        hidden: Callable[[], bool] | None = None,
    ) -> None:
        """`wait_drawn(timeout, behind)` waits until the browser has drawn all frames sent
        but the last `behind` ones (NetworkCanvas.wait_drawn); `drawn()` counts the frames
        the browser has drawn (NetworkCanvas.drawn), so that a page drawing slower than the
        loop sends still counts as watching; `queueing()` the seconds the last frame
        answered waited in line on its way, None if no answer came since the last call
        (NetworkCanvas.queueing); `unshown()` the share of the frames sent between the
        page's last two answers that it did not show, None if no answer came since the last
        call (NetworkCanvas.unshown); `answer_every(n)` asks the page to answer every n
        frames (NetworkCanvas.ack_every), as often as ANSWER_SECONDS at the rate frames
        are sent; `in_flight` then follows it (n + 1); `hidden()` is True while the page's
        tab is hidden (NetworkCanvas.page_hidden): playing waits meanwhile (`poke` the loop
        when it changes)."""
        self.model = model
        self.draw = draw
        self.wait_drawn = wait_drawn
        self.interval = 1.0 / fps
        self.patience = patience
        self.in_flight = in_flight
        self.drawn = drawn
        self.unwatched = unwatched
        self.queueing = queueing
        self.unshown = unshown
        self.answer_every = answer_every
        self.hidden = hidden or (lambda: False)
        # The average interval between the frames the page draws, from its answers.
        self.drawn_interval = ANSWER_SECONDS / MOST_ANSWERED
        self._mark: tuple[float, int] | None = None  # (when, frames drawn) at the last answer
        self.gap = self.interval  # the interval between frames, paced to the page
        self.wake = threading.Event()  # cuts a wait short: something changed
        self.redraw = threading.Event()
        self.runner = Runner(self._job, self._failed, name="dllab-training")
        self._started = False
        self._last_sent = 0.0
        self._watched_at, self._seen, self._was_playing = time.monotonic(), -1, False
        model.observe(lambda change: self.poke(), names=["playing"])

    @property
    def thread(self) -> threading.Thread:
        """The runner's thread (started by `start`)."""
        return self.runner._thread

    def start(self) -> None:
        self._started = True
        self.runner.request()

    def poke(self, redraw: bool = False) -> None:
        """Wake the loop now: a setting changed, or the picture must be redrawn."""
        if redraw:
            self.redraw.set()
        self.wake.set()
        if self._started:
            self.runner.request()

    def close(self) -> None:
        self.runner.close()
        self.wake.set()

    def _failed(self, error: Exception) -> None:
        """Training or drawing raised: keep the lab alive, pause, and say what broke."""
        self.model.status, self.model.message = "error", f"training failed: {error}"
        self.model.playing = False

    def _trains(self) -> bool:
        """Playing, with the page's tab shown."""
        return self.model.playing and not self.hidden()

    def _has_work(self) -> bool:
        model = self.model
        return model.stale.is_set() or self._trains() or self.redraw.is_set() or model.recording

    def _wait_drawn(self, model: LabModel, behind: int) -> str:
        """Wait up to `patience` for the browser to draw all frames sent but the last
        `behind`: "drawn", "timeout" (no page draws), or "moved" (a setting changed
        meanwhile: the frame about to be sent is of an old run)."""
        deadline = time.monotonic() + self.patience
        while True:
            left = deadline - time.monotonic()
            if self.wait_drawn(max(0.0, min(left, WAIT_SLICE)), behind):
                return "drawn"
            if model.stale.is_set():
                return "moved"
            if left <= WAIT_SLICE:
                return "timeout"

    def _pace(self) -> None:
        """Send less often while frames wait in line on their way to the page or the page
        leaves frames unshown, and more often (up to `fps`) while neither happens."""
        waited = self.queueing() if self.queueing is not None else None
        unshown = self.unshown() if self.unshown is not None else None
        if waited is None and unshown is None:
            return
        if self.drawn is not None:
            self._answered(time.perf_counter(), self.drawn())
        in_line = waited is not None and waited > max(QUEUE_SLACK, QUEUE_FRAMES * self.gap)
        if in_line or (unshown is not None and unshown > UNSHOWN_SHARE):
            self.gap = min(self.gap * SLOWER, LONGEST_INTERVAL)
        else:
            self.gap = max(self.gap * FASTER, self.interval)

    def _answered(self, now: float, count: int) -> None:
        """An answer came `now`, the page having drawn frames up to `count`: average the
        interval between the frames it draws, and ask it to answer about every
        ANSWER_SECONDS of them. A page answering every n frames lets n + 1 be in flight;
        the request reaches it before any frame sent after it. (No page, no answers: it
        stays at MOST_ANSWERED.)"""
        mark, self._mark = self._mark, (now, count)
        if mark is None or count <= mark[1]:
            return
        interval = (now - mark[0]) / (count - mark[1])
        if interval > LONGEST_INTERVAL:  # a pause between them: not a rate
            return
        self.drawn_interval += RATE_WEIGHT * (interval - self.drawn_interval)
        if self.answer_every is None:
            return
        every = round(ANSWER_SECONDS / max(self.drawn_interval, 1e-3))
        every = min(FEWEST_ANSWERED, max(MOST_ANSWERED, every))
        if every + 1 != self.in_flight:
            self.in_flight = every + 1
            self.answer_every(every)

    def _job(self, should_stop: Callable[[], bool]) -> None:
        model = self.model
        while not should_stop():
            self.wake.clear()
            playing = self._trains()
            if playing and not self._was_playing:
                # (re)started, or shown again: give a page time to answer
                self._watched_at = time.monotonic()
            self._was_playing = playing
            if not self._has_work():
                return  # idle: a change, Play or a redraw requests the next run
            # Train the next frame while the browser draws the last ones...
            rebuilt = model.sync()
            if playing and not rebuilt:
                model.advance()
            elif model.recording and not rebuilt:
                model.go_on_recording()  # a paused new run's first scores
            # ...and send it once the browser has caught up enough. The first frame of a
            # new run may be one more in flight (a learner waits for it); a setting that
            # moves meanwhile ends the wait, and the run is rebuilt at once.
            waited = self._wait_drawn(model, self.in_flight - (0 if rebuilt else 1))
            if waited == "moved":
                continue
            count = self.drawn() if self.drawn is not None else self._seen
            if waited == "drawn" or count != self._seen:
                self._watched_at, self._seen = time.monotonic(), count
            elif playing and time.monotonic() - self._watched_at > self.unwatched:
                model.playing = False  # nobody watches: pause, and let the kernel fall idle
                continue
            self._pace()
            pause = max(self.interval, self.gap) - (time.perf_counter() - self._last_sent)
            if pause > 0 and not rebuilt and not should_stop():
                self.wake.wait(pause)
                if model.stale.is_set():
                    continue  # a setting moved meanwhile: rebuild first
            self.redraw.clear()
            self._last_sent = time.perf_counter()
            try:
                self.draw()
            except Exception as error:  # keep the lab alive; say what broke
                model.status, model.message = "error", f"drawing failed: {error}"
                model.playing = False
