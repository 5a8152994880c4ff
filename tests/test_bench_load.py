"""The wire helpers of benchmarks/bench_load.py: the v1 websocket framing (checked against
jupyter_server's own), the page's kernel id, cookies, widget states, and a simulated
learner answering frames and timing a new run as the page does."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import bench_load as bl

ws_v1 = pytest.importorskip("jupyter_server.services.kernels.connection.base")


def test_encode_v1_is_read_by_jupyter_server():
    msg = bl.new_message("comm_msg", {"comm_id": "c1", "data": {"method": "custom"}}, "s1")
    frame = bl.encode_v1("shell", msg, [b"\x00\x01\x02"])
    channel, parts = ws_v1.deserialize_msg_from_ws_v1(frame)
    assert channel == "shell"
    header, parent, metadata, content, buffer = parts
    assert json.loads(header)["msg_type"] == "comm_msg"
    assert json.loads(header)["session"] == "s1"
    assert json.loads(parent) == {} and json.loads(metadata) == {}
    assert json.loads(content) == {"comm_id": "c1", "data": {"method": "custom"}}
    assert bytes(buffer) == b"\x00\x01\x02"


def test_decode_v1_reads_what_jupyter_server_sends():
    parts = [
        json.dumps({"msg_type": "comm_msg", "msg_id": "m"}).encode(),
        json.dumps({"msg_id": "p"}).encode(),
        json.dumps({}).encode(),
        json.dumps({"comm_id": "c", "data": {"method": "update", "state": {"frame": 7}}}).encode(),
        b"tiles",
        b"links!",
    ]
    channel, msg = bl.decode_v1(ws_v1.serialize_msg_to_ws_v1(parts, "iopub"))
    assert channel == "iopub"
    assert msg["header"]["msg_type"] == "comm_msg"
    assert msg["parent_header"] == {"msg_id": "p"}
    assert msg["content"]["data"]["state"] == {"frame": 7}
    assert [bytes(b) for b in msg["buffers"]] == [b"tiles", b"links!"]
    frame = ws_v1.serialize_msg_to_ws_v1(parts, "iopub")
    spans = bl.v1_spans(frame)
    assert [frame[a:b] for a, b in spans] == [b"iopub", *parts]


def test_kernel_id_from_page():
    config = {"baseUrl": "/", "kernelId": "70ad8cc0-b843-48f4-9dc3-c23a40a16879"}
    page = (
        '<html><script id="jupyter-config-data" type="application/json">\n  '
        + json.dumps(config)
        + "\n</script><body>lab</body></html>"
    )
    assert bl.kernel_id_from_page(page) == "70ad8cc0-b843-48f4-9dc3-c23a40a16879"
    assert bl.kernel_id_from_page("<html>The room is full. Try again in a minute</html>") is None
    no_kernel = page.replace('"kernelId"', '"other"')
    assert bl.kernel_id_from_page(no_kernel) is None


def test_parse_set_cookies_keeps_values_drops_attributes():
    cookies = bl.parse_set_cookies(
        [
            'username-127-0-0-1-8866="2|1:0|10:17|abc"; expires=Wed; HttpOnly; Path=/; '
            "SameSite=Lax",
            "_xsrf=2|1404f572|f489de; Path=/; SameSite=Lax",
        ]
    )
    assert cookies == {
        "username-127-0-0-1-8866": '"2|1:0|10:17|abc"',
        "_xsrf": "2|1404f572|f489de",
    }


def test_put_buffers_and_find_widget():
    states = {
        "a": {"model_name": "ToggleButtonModel", "state": {"description": "Pause"}},
        "b": {"model_name": "IntSliderModel", "state": {"description": "Neurons per layer"}},
        "c": {"model_name": "AnyModel", "state": {"frame": 3, "run": 1, "tiles": None}},
    }
    bl.put_buffers(states["c"]["state"], [["tiles"]], [b"\x07"])
    assert states["c"]["state"]["tiles"] == b"\x07"
    nested = {"x": [{"y": None}]}
    assert bl.put_buffers(nested, [["x", 0, "y"]], [b"z"]) == {"x": [{"y": b"z"}]}
    assert bl.find_widget(states, "ToggleButtonModel", description=("Play", "Pause")) == "a"
    assert bl.find_widget(states, "ToggleButtonModel", description="Play") is None
    assert bl.find_widget(states, "IntSliderModel", description="Neurons per layer") == "b"
    assert bl._canvas_id(states) == "c"


def test_percentile():
    assert bl.percentile([], 50) is None
    assert bl.percentile([3.0], 90) == 3.0
    assert bl.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert bl.percentile([10.0, 0.0, 20.0], 90) == pytest.approx(18.0)


class FakeSocket:
    def __init__(self):
        self.sent = []

    def write_message(self, data, binary=False):
        assert binary
        self.sent.append(bl.decode_v1(data))


def _update(comm_id: str, state: dict) -> dict:
    return {"content": {"comm_id": comm_id, "data": {"method": "update", "state": state}}}


def _states(**canvas) -> dict:
    """A lab's widget states as request_states gives them; `canvas`: more canvas traits."""
    states = {
        "canvas": {"model_name": "AnyModel", "state": {"frame": 1, "run": 1, "tiles": b""}},
        "play": {"model_name": "ToggleButtonModel", "state": {"description": "Play"}},
        "lr": {
            "model_name": "SelectionSliderModel",
            "state": {"description": "Learning rate", "index": 5, "_options_labels": list("abc")},
        },
        "width": {
            "model_name": "IntSliderModel",
            "state": {"description": "Neurons per layer", "value": 4, "min": 1, "max": 32},
        },
        "data": {
            "model_name": "DropdownModel",
            "state": {
                "description": "Dataset",
                "index": 0,
                "_options_labels": ["Circle", "Spiral"],
            },
        },
    }
    states["canvas"]["state"].update(canvas)
    return states


def test_learner_answers_frames_and_times_the_new_run(run_async):
    learner = bl.Learner(0, server=None, draw_ms=0)
    learner.ws = FakeSocket()
    learner._learn(_states())

    async def play_and_move():
        learner.set_playing(True)
        learner._comm_msg(_update("canvas", {"frame": 2}), 10.0)
        await learner.act("neurons", 0)
        sent_at = learner.pending[0]
        learner._comm_msg(_update("canvas", {"frame": 3}), sent_at + 0.05)  # old run still
        learner._comm_msg(_update("canvas", {"frame": 4, "run": 2}), sent_at + 0.2)
        return sent_at

    run_async(play_and_move)
    contents = [msg["content"] for _, msg in learner.ws.sent]
    assert contents[0] == {
        "comm_id": "play",
        "data": {"method": "update", "state": {"value": True}, "buffer_paths": []},
    }
    answers = [c["data"]["content"]["frame"] for c in contents if c["data"]["method"] == "custom"]
    assert answers == [2, 3, 4]  # every frame answered, as network_canvas.js does (ack_every 1)
    assert contents[2] == {
        "comm_id": "width",
        "data": {"method": "update", "state": {"value": 5}, "buffer_paths": []},
    }
    assert learner.latencies == [pytest.approx(200.0)]
    assert learner.pending is None and learner.moves == 1
    assert len(learner.frames) == 3


def test_learner_answers_every_ack_every_frames_and_the_last_once_frames_stop(run_async):
    learner = bl.Learner(0, server=None, draw_ms=0)
    learner.ws = FakeSocket()
    learner._learn(_states(ack_every=3))

    async def frames_then_quiet():
        learner.set_playing(True)
        for frame in range(1, 9):
            learner._comm_msg(_update("canvas", {"frame": frame}), float(frame))
        await asyncio.sleep(bl.ACK_IDLE_S + 0.2)  # no frame comes: the last is answered

    run_async(frames_then_quiet)
    answers = [
        msg["content"]["data"]["content"]
        for _, msg in learner.ws.sent
        if msg["content"]["data"]["method"] == "custom"
    ]
    assert [a["frame"] for a in answers] == [3, 6, 8]  # as network_canvas.js answers
    assert answers[0]["held"] < 50 and answers[-1]["held"] >= bl.ACK_IDLE_S * 1000 - 20


def test_a_lab_that_stops_by_itself_is_not_counted_as_playing():
    """The lab stops by itself once its loss has settled (the kernel sets Play's value):
    frames/s and the fewest frames in 10 s count only while it plays, as the page shows."""
    learner = bl.Learner(0, server=None, draw_ms=0)
    learner.ws = FakeSocket()
    learner._learn(_states())
    learner.playing_since = 0.0
    for t in range(1, 120):  # 10 frames a second for 12 s
        learner.frames.append(t / 10)
    learner._comm_msg(_update("play", {"value": False}), 12.0)  # settled
    learner._comm_msg(
        {"content": {"comm_id": "play", "data": {"method": "echo_update", "state": {}}}}, 13.0
    )
    figures = learner.figures(0.0, 40.0)
    assert figures["stopped_by_lab"] == 1
    assert figures["frames_per_s"] == pytest.approx(119 / 12)
    assert figures["fewest_frames_10s"] == 99  # 28 s stopped: no window of 0 frames


class _Page:
    """What BrowserCheck.figures reads from its page: the counters, then the Play button."""

    def __init__(self, playing: bool) -> None:
        self.answers = [
            {"times": [100.0, 150.0, 200.0, 900.0], "latencies": [40.0, 60.0, 80.0]},
            playing,
        ]

    async def evaluate(self, script: str):
        return self.answers.pop(0)


@pytest.mark.parametrize("playing", [True, False])
def test_the_browser_checks_figures_count_frames_in_the_window_and_a_lab_that_stopped(
    run_async, playing
):
    check = bl.BrowserCheck(server=None)
    check.page = _Page(playing)
    check.window = (100.0, 600.0)  # page clock, ms: 3 frames in half a second
    check.moves = 3
    figures = run_async(check.figures)
    assert figures["frames_per_s"] == pytest.approx(6.0)
    assert figures["latency_p50_ms"] == 60.0 and figures["moves"] == 3
    assert figures["stopped_by_lab"] == (0 if playing else 1)


def test_a_run_with_failed_learners_keeps_the_rooms_log(tmp_path, monkeypatch, capsys):
    """The next run of as many learners writes the same log file: a failed run's is kept."""
    log = tmp_path / "voila-load-2-server.log"
    log.write_text("the room's own words\n")

    class FakeRoom:
        def __init__(self):
            self.log, self.stopped = log, False

        def stop(self):
            self.stopped = True

        def log_tail(self, lines=40):
            return log.read_text()

    room = FakeRoom()
    monkeypatch.setattr(bl.workshop, "start_app", lambda name, extra: room)

    async def session(server, count, args):
        rows = [{"error": None}, {"error": "HTTPTimeoutError: Timeout during request"}]
        return {"rows": rows}

    def run_room():  # asyncio.run in a thread of its own (Playwright's loop may run in this)
        with ThreadPoolExecutor(max_workers=1) as thread:
            args = type("Args", (), {"browser_check": False})()
            return thread.submit(bl.run_room, 2, args).result(timeout=30)

    monkeypatch.setattr(bl, "room_session", session)
    result = run_room()
    kept = result["server_log"]
    assert room.stopped and kept != str(log) and "failed" in kept
    assert open(kept).read() == "the room's own words\n"
    said = capsys.readouterr().err
    assert "1 of 2 learners failed (HTTPTimeoutError" in said and kept in said

    async def all_fine(server, count, args):
        return {"rows": [{"error": None}, {"error": None}]}

    monkeypatch.setattr(bl, "room_session", all_fine)
    assert "server_log" not in run_room()
