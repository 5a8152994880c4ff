"""One way to run a widget's long work off the kernel's main thread: the lab's training
loop, the depth sweep, the layer gallery and the lessons' fits all use `Runner`.

- `request()` runs the job on a daemon thread; requests made while it runs merge into one
  more run, so ten quick clicks cost two runs, not ten.
- `cancel()` asks the running job to stop: its `should_stop()` turns True (a new request
  starts the next run afresh).
- `close()` stops for good; `wait()` blocks until nothing is due.
- A job runs with one BLAS thread: on a shared machine (a workshop server, the browser on
  the same two cores) a second BLAS thread makes small matrix products up to 20x slower,
  and the lab's matrices are small.
- An exception in the job goes to `on_error` (the widget says what broke) and is logged;
  the thread lives on for the next request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from threadpoolctl import threadpool_limits

log = logging.getLogger("dllab")
Job = Callable[[Callable[[], bool]], None]


class Runner:
    def __init__(
        self,
        job: Job,
        on_error: Callable[[Exception], None],
        name: str = "dllab-runner",
    ) -> None:
        """`job(should_stop)` does the work; it should return soon after should_stop()
        turns True."""
        self._job, self._on_error, self.name = job, on_error, name
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stop = threading.Event()
        self._closed = False
        self._in_job = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def running(self) -> bool:
        """True while a run is due or under way."""
        return not self._idle.is_set()

    @property
    def closed(self) -> bool:
        return self._closed

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def request(self) -> None:
        """Run the job (once more, if it is running now)."""
        with self._lock:
            if self._closed:
                return
            self._idle.clear()
            self._wanted.set()
            if self._thread.ident is None:
                self._thread.start()

    def cancel(self) -> None:
        """Ask the running job to stop, and drop a run that was due."""
        with self._lock:
            self._wanted.clear()
            self._stop.set()
            if not self._in_job:
                self._idle.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is due or under way; False if `timeout` seconds passed first."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Stop the running job and the thread, for good."""
        with self._lock:
            self._closed = True
            self._stop.set()
            self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            with self._lock:
                if self._closed:
                    self._idle.set()
                    return
                if not self._wanted.is_set():
                    continue  # cancelled before it started
                self._wanted.clear()
                self._stop.clear()
                self._in_job = True
            try:
                with threadpool_limits(1, user_api="blas"):
                    self._job(self._stop.is_set)
            except Exception as error:  # keep the thread alive; the widget says what broke
                log.exception("%s failed", self.name)
                self._on_error(error)
            with self._lock:
                self._in_job = False
                if not self._wanted.is_set():
                    self._idle.set()


class Background:
    """Mixed into a model whose work runs on `self._runner` (a Runner): whether it runs,
    waiting for it, cancelling it, and stopping it for good."""

    _runner: Runner

    @property
    def running(self) -> bool:
        return self._runner.running

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the work to end; False if `timeout` seconds passed first."""
        return self._runner.wait(timeout)

    def cancel(self) -> None:
        """Stop the running work at its next check."""
        self._runner.cancel()

    def close(self) -> None:
        """Stop the work and its thread for good."""
        self._runner.close()
