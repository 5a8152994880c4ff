"""What a workshop server needs of each learner's kernel: that it falls idle when nobody
watches (so the server's idle-kernel culling can free it) and that it stays small.

benchmarks/bench_classroom.py measures both with real pages."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from dllab.lab import Lab


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def lab():
    made = Lab(autostart=False)
    made.loop.unwatched = 1.0  # 30 s in use
    yield made
    made.close()
    made.loop.thread.join(timeout=3)


def answer_frames(lab: Lab, behind: int = 0) -> None:
    """Act as a page: answer every frame sent, `behind` frames late."""
    canvas = lab._canvas

    def answer(change):
        canvas._on_browser_message(None, {"type": "drawn", "frame": change.new - behind}, [])

    canvas.observe(answer, names="frame")


def test_a_lab_nobody_watches_pauses_and_sends_nothing_more(lab):
    lab.loop.start()
    lab._play.value = True
    wait_until(lambda: lab.model.epoch > 0, 5, "training to start")
    wait_until(lambda: not lab.model.playing, 5, "the unwatched lab to pause")
    # The button follows the model on the loop's thread, a moment after it.
    wait_until(lambda: lab._play.description == "Play", 1, "the button to show Play")
    assert lab.model.status != "error" and lab.model.message == ""
    time.sleep(0.3)
    frame = lab._canvas.frame
    time.sleep(1.0)
    assert lab._canvas.frame == frame, "a paused lab kept sending frames"
    # Play again: it trains (and pauses again only after another unwatched spell).
    epoch = lab.model.epoch
    lab._play.value = True
    wait_until(lambda: lab.model.epoch > epoch, 5, "training to resume")


@pytest.mark.parametrize("behind", [0, 2], ids=["answering", "drawing slowly"])
def test_a_watched_lab_keeps_playing(lab, behind):
    answer_frames(lab, behind)
    lab.loop.start()
    lab._play.value = True
    wait_until(lambda: lab.model.epoch > 0, 5, "training to start")
    time.sleep(2.5)  # 2.5 x unwatched
    assert lab.model.playing


def test_a_lab_whose_tab_is_hidden_trains_nothing_until_it_is_shown_again(lab):
    """A learner who reads something else in another tab costs the room no CPU; back on the
    lab, it goes on where it was, still playing (not paused by the unwatched check)."""
    answer_frames(lab)
    lab.loop.start()
    lab._play.value = True
    wait_until(lambda: lab.model.epoch > 2, 5, "training to start")
    lab._canvas.page_hidden = True  # as the page says on the browser's visibilitychange
    wait_until(lambda: not lab.loop.runner.running, 2, "the loop to fall idle")
    epoch, frame = lab.model.epoch, lab._canvas.frame
    time.sleep(2.5)  # 2.5 x unwatched: still playing, only held
    assert (lab.model.epoch, lab._canvas.frame) == (epoch, frame)
    assert lab.model.playing and lab._play.description == "Pause"
    lab._canvas.page_hidden = False
    wait_until(lambda: lab.model.epoch > epoch + 2, 5, "training to go on")
    assert lab.model.playing and lab.model.trainer.epoch >= epoch  # the same run, further on
    assert lab.model.version == 1


def test_what_the_page_says_of_its_tab_is_checked():
    from dllab.ui import NetworkCanvas

    canvas = NetworkCanvas()
    canvas.set_state({"page_hidden": True})
    assert canvas.page_hidden is True
    for bad in ("no", 0, None, [False]):
        canvas.set_state({"page_hidden": bad})  # ignored and logged, never raised
        assert canvas.page_hidden is True
    canvas.set_state({"page_hidden": False})
    assert canvas.page_hidden is False
    canvas.close()


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_lab_imports_neither_scikit_learn_nor_scipy():
    """Both are big (about 70 MB of a kernel's memory together) and the lab needs neither."""
    out = run_python(
        "import sys\n"
        "from dllab import Lab\n"
        "lab = Lab(autostart=False, dataset='digits', hidden=[8])\n"
        "lab.close()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy'}))"
    )
    assert out == "[]"


def test_digits_are_scikit_learns_without_importing_it():
    from sklearn.datasets import load_digits as sklearn_load_digits

    import dllab

    digits, reference = dllab.load_digits(), sklearn_load_digits()
    assert np.array_equal(digits.X, reference.data / 16.0)
    assert np.array_equal(digits.y, reference.target)
    assert digits.X.dtype == np.float64 and digits.y.dtype == np.int64
