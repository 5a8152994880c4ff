"""Learners simulated at the protocol level: N labs training on one room, no browser.

Starts the room as the README does (`dllab-room`, through `python -m dllab.room`, on
127.0.0.1), then plays N learners from one asyncio process. Each learner does what
Chromium does with the room's link to the lab, without drawing anything:

- GET /voila/render/lab.ipynb?token=... (the token logs it in: a login cookie and the
  `_xsrf` cookie the room sets), reads the kernel id from the page's `jupyter-config-data`,
  GET /api/kernels/<id> (as Voila's page does before connecting);
- opens /api/kernels/<id>/channels?session_id=... with the `v1.kernel.websocket.jupyter.org`
  subprotocol (JupyterLab's binary framing, which Voila 0.5's page uses) and the page's
  cookies and Origin; sends kernel_info_request; opens the `jupyter.widget.control` comm
  and asks `request_states`, as ipywidgets 8's widget manager does, to learn every widget;
- answers the network canvas's frames as network_canvas.js does once it has drawn them (a
  comm_msg `custom` {"type": "drawn", "frame": n}): a frame `ack_every` past the last one
  answered (the canvas's trait; 1 for a lab without it), and the last frame once no newer
  one came for 0.3 s, so the lab's training loop keeps sending (it keeps at most
  `ack_every` + 1 frames unanswered, and pauses after 30 s without answers);
- presses Play (the lab's Play button is a ToggleButton: the page sends an `update` of its
  `value`), then every --every seconds moves a control, learners staggered across that
  interval: the learning rate (a SelectionSlider: `update` of `index`), the neurons per
  layer (an IntSlider: `update` of `value`), the dataset (a Dropdown: `update` of
  `index`), or Pause then Play 3 s later;
- leaves as a closed tab does: posts Voila's shutdown request with the `_xsrf` value (the
  page's `beforeunload` beacon) and closes its websocket.

Static files (Voila's and the widgets' scripts) are not fetched: a browser has them cached
after its first page, and they cost the server nothing per frame.

It reports, per learner: frames/s while its lab trains (canvas updates carrying a new
`frame`, per second of playing), the fewest frames in any 10 s, and control -> first frame
of the new run (from sending the update to the first canvas update whose `run` differs);
per process: CPU in cores over the window (cpu_times deltas) and resident memory for each
kernel, the Voila server (also its CPU per frame relayed) and this benchmark itself; and
the slowest learner.

With --browser-check one real headless Chromium page (Playwright, as bench_classroom.py)
opens the same room while the learners run, plays, and moves its learning-rate slider
with the keyboard every --every seconds; its frames/s (frames drawn on its canvas) and
slider latency (keydown to the canvas's `data-run` changing) are printed beside the
simulated learners'.

    python benchmarks/bench_load.py [--learners 10 20 30] [--seconds 60] [--every 15]
                                    [--browser-check] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import os
import re
import statistics
import sys
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import harness  # noqa: E402  (servers and browser shared with the browser tests)
import workshop  # noqa: E402

SUBPROTOCOL = "v1.kernel.websocket.jupyter.org"
CONTROL_TARGET = "jupyter.widget.control"
CONFIG_DATA = re.compile(
    r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S
)
WINDOW_S = 10.0  # "fewest frames in any 10 s"
ACK_IDLE_S = 0.3  # network_canvas.js: ACK_IDLE_MS
ACTIONS = ("learning rate", "neurons", "dataset", "pause")
DATASETS = ("Circle", "Exclusive or (xor)", "Two Gaussians", "Spiral")
PAUSE_S = 3.0  # a Pause is followed by Play this much later


# -- the wire: pure helpers ------------------------------------------------------------------
def kernel_id_from_page(page: str) -> str | None:
    """The kernel id in a Voila page's `jupyter-config-data`, or None (no lab on the page)."""
    found = CONFIG_DATA.search(page)
    if not found:
        return None
    try:
        config = json.loads(html.unescape(found.group(1)))
    except ValueError:
        return None
    kernel = config.get("kernelId")
    return kernel if isinstance(kernel, str) and kernel else None


def parse_set_cookies(values: list[str]) -> dict[str, str]:
    """Name -> value of `Set-Cookie` header values (attributes dropped, value kept raw)."""
    cookies = {}
    for value in values:
        name, _, rest = value.partition("=")
        if name.strip():
            cookies[name.strip()] = rest.split(";", 1)[0].strip()
    return cookies


def encode_v1(channel: str, msg: dict, buffers: list[bytes] = ()) -> bytes:
    """One message in jupyter_server's v1 websocket framing: the number of offsets, the
    offsets (8-byte little-endian), then the channel, header, parent header, metadata,
    content (JSON) and the binary buffers."""
    parts = [channel.encode()]
    for key in ("header", "parent_header", "metadata", "content"):
        parts.append(json.dumps(msg.get(key, {})).encode())
    parts += [bytes(b) for b in buffers]
    offsets = [8 * (len(parts) + 2)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = b"".join(n.to_bytes(8, "little") for n in [len(offsets), *offsets])
    return head + b"".join(parts)


def v1_spans(data: bytes) -> list[tuple[int, int]]:
    """Where each part of a v1 frame lies: the channel, header, parent header, metadata,
    content, then each buffer, as (start, end) offsets."""
    count = int.from_bytes(data[:8], "little")
    offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    return list(zip(offsets[:-1], offsets[1:]))


def decode_v1(data: bytes, spans: list[tuple[int, int]] | None = None) -> tuple[str, dict]:
    """(channel, message) from a v1 frame; the message holds header, parent_header,
    metadata, content and buffers (memoryviews)."""
    view = memoryview(data)
    parts = [view[a:b] for a, b in spans or v1_spans(data)]
    channel = bytes(parts[0]).decode()
    keys = ("header", "parent_header", "metadata", "content")
    msg = {key: json.loads(bytes(part)) for key, part in zip(keys, parts[1:5])}
    msg["buffers"] = parts[5:]
    return channel, msg


def new_message(msg_type: str, content: dict, session: str, metadata: dict | None = None):
    """A Jupyter message (protocol 5.3) from the page's session."""
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": session,
        "username": "learner",
        "date": datetime.now(timezone.utc).isoformat(),
        "version": "5.3",
    }
    return {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content}


def put_buffers(state: dict, paths: list[list], buffers: list) -> dict:
    """Put binary buffers back at their paths in a widget state (ipywidgets' put_buffers)."""
    for path, buffer in zip(paths, buffers):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = buffer
    return state


def find_widget(states: dict, model_name: str, **wanted) -> str | None:
    """The id of the first widget of `model_name` whose state holds every `wanted` item (a
    tuple value: any of these)."""
    for model_id, entry in states.items():
        if entry.get("model_name") != model_name:
            continue
        state = entry.get("state", {})
        if all(
            state.get(key) in value if isinstance(value, tuple) else state.get(key) == value
            for key, value in wanted.items()
        ):
            return model_id
    return None


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# -- processes -------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (psutil's cpu_times if installed, else /proc)."""
    try:
        import psutil
    except ImportError:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def kernel_of_pid(pid: int) -> str | None:
    """The kernel id in a kernel process's connection file name (kernel-<id>.json)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return None
    found = re.search(r"kernel-([0-9a-f-]{36})\.json", command)
    return found.group(1) if found else None


# -- one simulated learner -------------------------------------------------------------------
class Learner:
    def __init__(self, index: int, server, draw_ms: float) -> None:
        self.index, self.server, self.draw_ms = index, server, draw_ms
        self.session = str(uuid.uuid4())
        self.cookies: dict[str, str] = {}
        self.kernel_id: str | None = None
        self.ws = None
        self.error: str | None = None
        self.opened_s: float | None = None
        self.ids: dict[str, str] = {}  # role -> widget id
        self.canvas_key: bytes | None = None
        self.state: dict[str, dict] = {}  # widget id -> the traits we follow
        self.frames: list[float] = []  # arrival times of new frames while playing
        self.playing_since: float | None = None
        self.played: list[tuple[float, float]] = []  # intervals of playing
        self.pending: tuple[float, int] | None = None  # (sent at, run then)
        self.latencies: list[float] = []
        self.missed = 0
        self.moves = 0
        self.waiters: dict[str, asyncio.Future] = {}
        self.reader: asyncio.Task | None = None
        self.closing = False
        self.received = 0  # websocket messages
        self.received_in_window = [0, 0]  # the count at the window's start and end
        self.trouble: str | None = None  # what went wrong once the lab was open
        self.stopped_by_lab = 0  # times the lab stopped playing by itself
        self.answered = 0  # the last frame answered, as network_canvas.js keeps it
        self.latest_drawn = 0
        self.drawn_at = 0.0
        self.idle: asyncio.TimerHandle | None = None

    # -- HTTP, as the page's loading does
    def _headers(self) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        origin = self.server.url.rstrip("/")
        return {"Cookie": cookie, "Origin": origin, "X-XSRFToken": self.cookies.get("_xsrf", "")}

    async def _fetch(self, path: str, method: str = "GET", body: str | None = None):
        from tornado.httpclient import AsyncHTTPClient, HTTPClientError

        client = AsyncHTTPClient()
        try:
            answer = await client.fetch(
                self.server.url + path.lstrip("/"),
                method=method,
                body=body,
                headers=self._headers(),
                follow_redirects=False,
                request_timeout=300,
            )
        except HTTPClientError as error:
            if error.response is None:
                raise
            answer = error.response
        self.cookies.update(parse_set_cookies(answer.headers.get_list("Set-Cookie")))
        return answer

    async def open(self) -> None:
        start = time.perf_counter()
        path = workshop.page_url(self.server, "voila/render/lab.ipynb")[len(self.server.url) :]
        page = await self._fetch(path)
        text = page.body.decode(errors="replace")
        self.kernel_id = kernel_id_from_page(text)
        if page.code != 200 or not self.kernel_id:
            raise RuntimeError(f"the page answered {page.code} without a lab")
        await self._fetch(f"api/kernels/{self.kernel_id}")
        await self.connect()
        self.opened_s = time.perf_counter() - start

    async def connect(self) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        ws_url = self.server.url.replace("http://", "ws://")
        url = f"{ws_url}api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        request = HTTPRequest(url, headers=self._headers(), request_timeout=120)
        self.ws = await websocket_connect(
            request, subprotocols=[SUBPROTOCOL], max_message_size=64 * 2**20
        )
        if self.ws.selected_subprotocol != SUBPROTOCOL:
            raise RuntimeError(f"the server chose {self.ws.selected_subprotocol!r}")
        self.reader = asyncio.get_running_loop().create_task(self.read())
        await self.request("kernel_info_request", {}, "kernel_info_reply")
        control = str(uuid.uuid4())
        states = self._waiter(f"states:{control}")
        self.send(
            "comm_open",
            {"comm_id": control, "target_name": CONTROL_TARGET, "data": {}},
            metadata={"version": "1.0.0"},
        )
        self.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        found = await asyncio.wait_for(states, 60)
        self.send("comm_close", {"comm_id": control, "data": {}})
        self._learn(found)

    def _learn(self, states: dict) -> None:
        """The widgets a learner touches, found by their model and description."""
        ids = {
            "canvas": _canvas_id(states),
            "play": find_widget(states, "ToggleButtonModel", description=("Play", "Pause")),
            "learning rate": find_widget(
                states, "SelectionSliderModel", description="Learning rate"
            ),
            "neurons": find_widget(states, "IntSliderModel", description="Neurons per layer"),
            "dataset": find_widget(states, "DropdownModel", description="Dataset"),
        }
        missing = [role for role, model_id in ids.items() if model_id is None]
        if missing:
            raise RuntimeError(f"no {', '.join(missing)} among the page's widgets")
        self.ids = ids
        self.canvas_key = ids["canvas"].encode()
        for model_id in ids.values():
            self.state[model_id] = dict(states[model_id]["state"])

    # -- the websocket
    def send(self, msg_type: str, content: dict, metadata: dict | None = None) -> dict:
        msg = new_message(msg_type, content, self.session, metadata)
        self.ws.write_message(encode_v1("shell", msg), binary=True)
        return msg

    def _waiter(self, key: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiters[key] = future
        return future

    async def request(self, msg_type: str, content: dict, reply: str, timeout: float = 60):
        future = self._waiter(reply)
        self.send(msg_type, content)
        return await asyncio.wait_for(future, timeout)

    async def read(self) -> None:
        try:
            await self._read()
        except Exception as error:  # reported with the learner's figures
            self.trouble = f"reading the websocket: {type(error).__name__}: {error}"

    async def _read(self) -> None:
        while True:
            data = await self.ws.read_message()
            if data is None:
                if not self.closing:
                    self.trouble = "the server closed the websocket"
                return
            if isinstance(data, str):  # not v1: cannot happen once v1 was chosen
                continue
            now = time.perf_counter()
            self.received += 1
            # Most messages are other widgets' updates and kernel status: read only their
            # header, and a comm message's content only if it names the canvas (cheap
            # learners measure the server, not themselves).
            spans = v1_spans(data)
            msg_type = json.loads(data[slice(*spans[1])]).get("msg_type")
            if msg_type in self.waiters:
                self._resolve(msg_type, decode_v1(data, spans)[1])
            elif msg_type == "comm_msg":
                canvas = self.canvas_key
                if canvas is None or data.find(canvas, *spans[4]) >= 0:
                    self._comm_msg(decode_v1(data, spans)[1], now)

    def _resolve(self, key: str, value) -> None:
        future = self.waiters.pop(key, None)
        if future is not None and not future.done():
            future.set_result(value)

    def _comm_msg(self, msg: dict, now: float) -> None:
        content = msg["content"]
        data = content.get("data") or {}
        comm_id = content.get("comm_id")
        if data.get("method") == "update_states":
            states = data.get("states", {})
            buffers = [bytes(b) for b in msg["buffers"]]
            for path, buffer in zip(data.get("buffer_paths", []), buffers):
                put_buffers(states[path[0]], [path[1:]], [buffer])
            self._resolve(f"states:{comm_id}", states)
            return
        if data.get("method") not in ("update", "echo_update") or comm_id not in self.state:
            return
        state = data.get("state", {})
        known = self.state[comm_id]
        if comm_id == self.ids.get("canvas"):
            known.update({k: v for k, v in state.items() if k in ("frame", "run", "ack_every")})
            if "run" in state and self.pending and state["run"] != self.pending[1]:
                self.latencies.append((now - self.pending[0]) * 1000)
                self.pending = None
            if "frame" in state and data.get("method") == "update":
                if self.playing_since is not None:
                    self.frames.append(now)
                self._answer_frame(known["frame"])
        else:
            known.update(state)
            if comm_id == self.ids.get("play") and "value" in state:
                if data.get("method") == "update":  # the kernel's own, not an echo
                    self._lab_playing(bool(state["value"]), now)

    def _lab_playing(self, playing: bool, now: float) -> None:
        """The Play button as the page shows it: the lab stops by itself when its loss has
        settled (or nobody watches), and plays again when a control moves. Frames/s and
        the fewest frames in 10 s count only while it plays."""
        if playing and self.playing_since is None:
            self.playing_since = now
        elif not playing and self.playing_since is not None:
            self.played.append((self.playing_since, now))
            self.playing_since = None
            self.stopped_by_lab += 1

    def _answer_frame(self, frame: int) -> None:
        """A frame came: it is drawn now, or --draw-ms later."""
        if self.draw_ms > 0:
            loop = asyncio.get_running_loop()
            loop.call_later(self.draw_ms / 1000, lambda: self._drew(frame))
        else:
            self._drew(frame)

    def _drew(self, frame: int) -> None:
        """What network_canvas.js does once it has drawn a frame: answer it when it is
        `ack_every` past the last answer, else answer the latest frame drawn once no newer
        one came for ACK_IDLE_S."""
        self.latest_drawn = max(self.latest_drawn, frame)
        self.drawn_at = time.perf_counter()
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None
        every = self.state[self.ids["canvas"]].get("ack_every") or 1
        if frame - self.answered >= every:
            self._answer(frame)
        else:
            self.idle = asyncio.get_running_loop().call_later(ACK_IDLE_S, self._answer_latest)

    def _answer_latest(self) -> None:
        self.idle = None
        if self.latest_drawn != self.answered:
            self._answer(self.latest_drawn)

    def _answer(self, frame: int) -> None:
        """The answer, with `held`: ms since the frame was drawn, and `shown`: frames drawn
        since the last answer (as network_canvas.js; this page shows every frame, as a
        browser whose screen refreshes faster than frames come)."""
        shown, self.answered = frame - self.answered, frame
        held = round((time.perf_counter() - self.drawn_at) * 1000)
        content = {
            "comm_id": self.ids["canvas"],
            "data": {
                "method": "custom",
                "content": {"type": "drawn", "frame": frame, "held": held, "shown": shown},
            },
        }
        self._send_quietly("comm_msg", content)

    def _send_quietly(self, msg_type: str, content: dict) -> None:
        try:
            self.send(msg_type, content)
        except Exception:  # the websocket closed meanwhile
            pass

    # -- a learner's hands
    def update(self, role: str, state: dict) -> None:
        """What a widget's view sends when the learner changes it (save_changes)."""
        model_id = self.ids[role]
        self.state[model_id].update(state)
        content = {"comm_id": model_id, "data": {"method": "update", "state": state}}
        content["data"]["buffer_paths"] = []
        self.send("comm_msg", content)

    def set_playing(self, playing: bool) -> None:
        now = time.perf_counter()
        if playing and self.playing_since is None:
            self.playing_since = now
        elif not playing and self.playing_since is not None:
            self.played.append((self.playing_since, now))
            self.playing_since = None
        self.update("play", {"value": playing})

    async def act(self, action: str, step: int) -> None:
        """One move of a control; a move that starts a new run is timed to its first frame."""
        if self.pending is not None:
            self.missed += 1  # the last move's new run never came
        self.moves += 1
        if action == "pause":
            self.set_playing(False)
            await asyncio.sleep(PAUSE_S)
            self.set_playing(True)
            return
        run = self.state[self.ids["canvas"]].get("run")
        state = self.state[self.ids[action]]
        if action == "learning rate":
            last = len(state.get("_options_labels", [])) - 1
            index = state.get("index", 0)
            new = {"index": index + 1 if index < last and step % 2 == 0 else max(0, index - 1)}
        elif action == "neurons":
            value = state.get("value", 1)
            up = value < state.get("max", value) and step % 2 == 0
            new = {"value": value + 1 if up else max(state.get("min", 1), value - 1)}
        else:
            labels = state.get("_options_labels", [])
            choices = [labels.index(name) for name in DATASETS if name in labels]
            after = [i for i in choices if i != state.get("index")]
            new = {"index": after[step % len(after)]}
        self.pending = (time.perf_counter(), run)
        self.update(action, new)

    async def close(self) -> None:
        """As a closed tab: Voila's shutdown beacon with the `_xsrf` value, then the socket."""
        self.closing = True
        if self.kernel_id:
            body = urllib.parse.urlencode({"_xsrf": self.cookies.get("_xsrf", "")})
            try:
                await self._fetch(f"voila/api/shutdown/{self.kernel_id}", "POST", body)
            except Exception:
                pass
        if self.ws is not None:
            self.ws.close()

    def figures(self, start: float, end: float) -> dict:
        intervals = list(self.played)
        if self.playing_since is not None:
            intervals.append((self.playing_since, end))
        playing = sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)
        frames = [t for t in self.frames if start <= t < end]
        # Whole 10 s windows while playing (a lab that stopped by itself sends no frames).
        spans = [(max(a, start), min(b, end)) for a, b in intervals]
        counts = [
            sum(a + w * WINDOW_S <= t < a + (w + 1) * WINDOW_S for t in frames)
            for a, b in spans
            for w in range(int(max(0.0, b - a) // WINDOW_S))
        ]
        fewest = min(counts) if counts else None
        return {
            "learner": self.index,
            "kernel_id": self.kernel_id,
            "opened_s": self.opened_s,
            "frames_per_s": len(frames) / playing if playing > 0 else 0.0,
            "frames": len(frames),
            "fewest_frames_10s": fewest,
            "moves": self.moves,
            "stopped_by_lab": self.stopped_by_lab,
            "latencies_ms": self.latencies,
            "latency_p50_ms": percentile(self.latencies, 50),
            "latency_p90_ms": percentile(self.latencies, 90),
            "missed": self.missed + (self.pending is not None),
            "error": self.error,
            "trouble": self.trouble,
            "messages": self.received_in_window[1] - self.received_in_window[0],
        }


def _canvas_id(states: dict) -> str | None:
    """The network canvas: the anywidget whose state has `tiles`, `frame` and `run`."""
    for model_id, entry in states.items():
        state = entry.get("state", {})
        if {"tiles", "frame", "run"} <= state.keys():
            return model_id
    return None


# -- one real page beside them ---------------------------------------------------------------
class BrowserCheck:
    """One headless Chromium page on the same room, counted in the page as
    bench_classroom.py counts (frames drawn, keydown -> the new run drawn)."""

    def __init__(self, server) -> None:
        self.server = server
        self.error: str | None = None
        self.playwright = self.browser = self.page = None
        self.kernel_id: str | None = None
        self.window: tuple[float, float] = (0.0, 0.0)  # page clock at the window's ends
        self.moves = 0

    async def open(self) -> None:
        import bench_classroom
        from playwright.async_api import async_playwright

        self.playwright = await async_playwright().start()
        self.browser = await self.playwright.chromium.launch(
            executable_path=harness.CHROMIUM, args=harness.CHROMIUM_ARGS
        )
        context = await self.browser.new_context(viewport=harness.VIEWPORT)
        self.page = page = await context.new_page()
        await page.goto(workshop.page_url(self.server, "voila/render/lab.ipynb"), timeout=240_000)
        await page.wait_for_function(
            "() => { const c = document.querySelector('.dllab-network canvas');"
            " return c && Number(c.dataset.frame) > 0; }",
            timeout=240_000,
            polling=200,
        )
        self.kernel_id = await page.evaluate(
            "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
        await page.evaluate(bench_classroom.COUNT_JS)
        await page.locator(".dllab-lab button", has_text="Play").first.click()

    async def now(self) -> float:
        return await self.page.evaluate("() => performance.now()")

    async def move(self, step: int) -> None:
        handle = harness.slider_handle(self.page, "Learning rate")
        await handle.focus()
        self.moves += 1
        await handle.press("ArrowRight" if step % 2 == 0 else "ArrowLeft")

    async def figures(self) -> dict:
        counter = await self.page.evaluate("() => window.dllabClass")
        start, end = self.window
        frames = [t for t in counter["times"] if start <= t < end]
        latencies = counter["latencies"]
        # The Play button as the page shows it: a lab whose loss settled stopped by itself.
        playing = await self.page.evaluate(
            "() => [...document.querySelectorAll('.dllab-lab button')]"
            ".some((b) => b.textContent.trim() === 'Pause')"
        )
        return {
            "kernel_id": self.kernel_id,
            "frames_per_s": len(frames) / ((end - start) / 1000) if end > start else 0.0,
            "moves": self.moves,
            "stopped_by_lab": 0 if playing else 1,
            "latencies_ms": latencies,
            "latency_p50_ms": percentile(latencies, 50),
            "latency_p90_ms": percentile(latencies, 90),
            "error": self.error,
        }

    async def close(self) -> None:
        try:
            if self.page is not None:
                await self.page.close(run_before_unload=True)  # the shutdown beacon
                await asyncio.sleep(0.5)
            if self.browser is not None:
                await self.browser.close()
        finally:
            if self.playwright is not None:
                await self.playwright.stop()


# -- one room, N learners --------------------------------------------------------------------
def machine_busy() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


def processes(server) -> dict[str, list[int]]:
    """The processes to account for: the server, its kernels, this benchmark, and what this
    benchmark started besides the server (Chromium and Playwright's driver)."""
    below_server = set(harness.descendants(server.process.pid)) | {server.process.pid}
    mine = [pid for pid in harness.descendants(os.getpid()) if pid not in below_server]
    return {
        "server": [server.process.pid],
        "kernels": workshop.kernel_pids(server),
        "benchmark": [os.getpid()],
        "browser": mine,
    }


def cpu_snapshot(pids: list[int]) -> dict[int, float]:
    return {pid: cpu for pid in pids if (cpu := cpu_seconds(pid)) is not None}


async def follow(learner: Learner, start: float, args, count: int) -> None:
    """The learner's moves: one every `every` seconds, learners spread over that interval,
    each learner starting at a different control."""
    offset = (learner.index + 0.5) * args.every / count
    for step in itertools.count():
        at = start + offset + step * args.every
        if at >= start + args.seconds - 1.0:
            return
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        await learner.act(ACTIONS[(learner.index + step) % len(ACTIONS)], step)


async def follow_browser(check: BrowserCheck, start: float, args) -> None:
    for step in itertools.count():
        at = start + args.every / 2 + step * args.every
        if at >= start + args.seconds - 1.0:
            return
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        await check.move(step)


async def sample_rss(server, peaks: dict[int, float], until: float) -> None:
    while time.perf_counter() < until:
        for pids in processes(server).values():
            for pid in pids:
                rss = workshop.rss_mb(pid)
                if rss is not None:
                    peaks[pid] = max(peaks.get(pid, 0.0), rss)
        await asyncio.sleep(max(0.0, min(5.0, until - time.perf_counter())))


async def open_learner(learner: Learner) -> None:
    try:
        await learner.open()
    except Exception as error:  # counted and reported; the others carry on
        learner.error = f"{type(error).__name__}: {error}"


async def room_session(server, count: int, args) -> dict:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=count + 8)
    learners = [Learner(i, server, args.draw_ms) for i in range(count)]
    check = BrowserCheck(server) if args.browser_check else None
    try:
        opening = time.perf_counter()
        jobs = [open_learner(learner) for learner in learners]
        if check is not None:
            jobs.append(check.open())
        outcome = await asyncio.gather(*jobs, return_exceptions=True)
        if check is not None and isinstance(outcome[-1], BaseException):
            check.error = f"{type(outcome[-1]).__name__}: {outcome[-1]}"
        open_seconds = time.perf_counter() - opening
        live = [learner for learner in learners if learner.error is None]
        print(
            f"{len(live)}/{count} labs open after {open_seconds:.1f} s; playing for "
            f"{args.seconds:.0f} s ...",
            file=sys.stderr,
            flush=True,
        )
        for learner in live:
            learner.set_playing(True)
        await asyncio.sleep(1.0)  # every lab's loop has started playing
        procs = processes(server)
        cpu0, busy0, load0 = cpu_snapshot(sum(procs.values(), [])), machine_busy(), os.getloadavg()
        start = time.perf_counter()
        for learner in live:
            learner.received_in_window[0] = learner.received
        end = start + args.seconds
        peaks: dict[int, float] = {}
        tasks = [follow(learner, start, args, len(live)) for learner in live]
        if check is not None and check.error is None:
            check.window = (await check.now(), 0.0)
            tasks.append(follow_browser(check, start, args))
        tasks.append(sample_rss(server, peaks, end))
        await asyncio.gather(*tasks)
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        elapsed = time.perf_counter() - start
        cpu1, busy1, load1 = cpu_snapshot(sum(procs.values(), [])), machine_busy(), os.getloadavg()
        for learner in live:
            learner.received_in_window[1] = learner.received
        if check is not None and check.error is None:
            check.window = (check.window[0], await check.now())
        # A move made near the end: give its new run a few seconds to come (not counted in
        # the window's frames or CPU).
        for _ in range(100):
            if all(learner.pending is None for learner in live):
                break
            await asyncio.sleep(0.1)
        cores = {pid: (cpu1[pid] - cpu0[pid]) / elapsed for pid in cpu1 if pid in cpu0}
        rss = {pid: workshop.rss_mb(pid) for pid in sum(procs.values(), [])}
        by_kernel = {kernel_of_pid(pid): pid for pid in procs["kernels"]}
        rows = []
        for learner in learners:
            row = learner.figures(start, end)
            pid = by_kernel.get(learner.kernel_id)
            row.update(kernel_pid=pid, kernel_cores=cores.get(pid), kernel_rss_mb=rss.get(pid))
            row["kernel_rss_max_mb"] = peaks.get(pid)
            rows.append(row)
        browser = None
        if check is not None:
            browser = await check.figures() if check.error is None else {"error": check.error}
            pid = by_kernel.get(browser.get("kernel_id"))
            browser.update(kernel_pid=pid, kernel_cores=cores.get(pid), kernel_rss_mb=rss.get(pid))

        server_pid = server.process.pid

        def total(role: str) -> float:
            return sum(cores.get(pid, 0.0) for pid in procs[role])

        return {
            "learners": count,
            "seconds": elapsed,
            "every_s": args.every,
            "draw_ms": args.draw_ms,
            "cores": os.cpu_count(),
            "load_before": load0,
            "load_after": load1,
            "machine_cores": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * os.cpu_count(),
            "open_seconds": open_seconds,
            "rows": rows,
            "browser": browser,
            "server_cores": total("server"),
            "server_rss_mb": max(rss.get(server_pid) or 0, peaks.get(server_pid, 0)),
            "kernels_cores": sum(row["kernel_cores"] or 0.0 for row in rows),
            "benchmark_cores": total("benchmark"),
            "benchmark_rss_mb": rss.get(os.getpid()),
            "browser_cores": total("browser") if check is not None else None,
        }
    finally:
        await asyncio.gather(*(learner.close() for learner in learners), return_exceptions=True)
        if check is not None:
            try:
                await check.close()
            except Exception:
                pass


def run_room(count: int, args) -> dict:
    """Start the room, play `count` learners on it, stop it (also on Ctrl-C or failure)."""
    from dllab.room import default_max_kernels

    seats = count + (1 if args.browser_check else 0)
    extra = ("--max-kernels", str(seats)) if seats > default_max_kernels() else ()
    print(f"starting the room for {count} learners ...", file=sys.stderr, flush=True)
    server = workshop.start_app(name=f"voila-load-{count}", extra=extra)
    try:
        result = asyncio.run(room_session(server, count, args))
    finally:
        server.stop()
    result["room"] = " ".join(["dllab-room", "--ip 127.0.0.1", *extra])
    failed = [row for row in result["rows"] if row["error"]]
    if failed:  # the next run of as many learners writes the same log: keep this one
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        kept = server.log.with_name(f"{server.log.stem}-failed-{stamp}.log")
        kept.write_bytes(server.log.read_bytes())
        result["server_log"] = str(kept)
        print(
            f"{len(failed)} of {count} learners failed ({failed[0]['error']}); the room's "
            f"log is kept in {kept}. Its end:\n{server.log_tail(20)}",
            file=sys.stderr,
        )
    return result


# -- the report ------------------------------------------------------------------------------
def _ms(value: float | None) -> str:
    return f"{value:.0f} ms" if value is not None else "-"


def _num(value: float | None, fmt: str = ".2f", unit: str = "") -> str:
    return f"{value:{fmt}}{unit}" if value is not None else "-"


def summary(result: dict) -> dict:
    rows = [row for row in result["rows"] if row["error"] is None]
    fps = [row["frames_per_s"] for row in rows]
    latencies = [ms for row in rows for ms in row["latencies_ms"]]
    fewest = [row["fewest_frames_10s"] for row in rows if row["fewest_frames_10s"] is not None]
    rss = [row["kernel_rss_mb"] for row in rows if row["kernel_rss_mb"] is not None]
    return {
        "opened": len(rows),
        "fps_median": statistics.median(fps) if fps else None,
        "fps_min": min(fps) if fps else None,
        "fps_max": max(fps) if fps else None,
        "starved": sum(n == 0 for n in fewest),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p90_ms": percentile(latencies, 90),
        "latencies": len(latencies),
        "missed": sum(row["missed"] for row in rows),
        "stopped_by_lab": sum(row.get("stopped_by_lab", 0) for row in rows),
        "kernel_rss_median_mb": statistics.median(rss) if rss else None,
        "kernel_rss_max_mb": max(rss) if rss else None,
    }


def report(result: dict) -> None:
    n, s = result["learners"], summary(result)
    print(
        f"\n== {n} simulated learners on one room ({result['room']}), "
        f"{result['seconds']:.0f} s window, each moving a control every "
        f"{result['every_s']:.0f} s (staggered) =="
    )
    load0 = " ".join(f"{x:.2f}" for x in result["load_before"])
    load1 = " ".join(f"{x:.2f}" for x in result["load_after"])
    print(
        f"  machine: {result['cores']} cores; load average (1/5/15 min) before {load0}, "
        f"after {load1}; busy during the window: {result['machine_cores']:.2f} cores"
    )
    opened = [row["opened_s"] for row in result["rows"] if row["opened_s"] is not None]
    print(
        f"  opening at once (page GET, websocket, widget states): {s['opened']}/{n} labs "
        f"open; slowest {max(opened, default=0):.1f} s, median "
        f"{statistics.median(opened or [0]):.1f} s"
    )
    for row in result["rows"]:
        if row["error"]:
            print(f"  learner {row['learner']} never got a lab: {row['error']}")
        elif row["trouble"]:
            print(f"  learner {row['learner']}: {row['trouble']}")
    print(
        f"\n  {'learner':>7} {'frames/s':>9} {'fewest/10s':>10} {'moves':>5} "
        f"{'new run p50':>11} {'p90':>7} {'missed':>6} {'kernel CPU':>10} {'RSS':>8}"
    )
    for row in result["rows"]:
        if row["error"]:
            continue
        print(
            f"  {row['learner']:>7} {row['frames_per_s']:>9.1f} "
            f"{_num(row['fewest_frames_10s'], 'd'):>10} {row['moves']:>5} "
            f"{_ms(row['latency_p50_ms']):>11} {_ms(row['latency_p90_ms']):>7} "
            f"{row['missed']:>6} {_num(row['kernel_cores'], '.2f', ' c'):>10} "
            f"{_num(row['kernel_rss_mb'], '.0f', ' MB'):>8}"
        )
    browser = result["browser"]
    if browser is not None:
        if browser.get("error"):
            print(f"  {'browser':>7} no lab: {browser['error']}")
        else:
            print(
                f"  {'browser':>7} {browser['frames_per_s']:>9.1f} {'':>10} "
                f"{browser['moves']:>5} {_ms(browser['latency_p50_ms']):>11} "
                f"{_ms(browser['latency_p90_ms']):>7} {'':>6} "
                f"{_num(browser['kernel_cores'], '.2f', ' c'):>10} "
                f"{_num(browser['kernel_rss_mb'], '.0f', ' MB'):>8}"
            )
    print(
        "  (frames/s: canvas frames received and answered per second of playing (as the Play"
        " button shows: a lab stops by itself once its loss has settled); fewest/10s:"
        " fewest frames in any 10 s of playing; new run: control's update sent -> first"
        " frame of the new run received, per learner; missed: moves whose new run never"
        " came; kernel CPU in cores over the window)"
    )
    rows = [row for row in result["rows"] if row["error"] is None]
    frames = sum(row["frames"] for row in rows)
    browser_frames = (browser or {}).get("frames_per_s", 0.0) * result["seconds"]
    relayed = frames + browser_frames
    server_ms = result["server_cores"] * result["seconds"] / relayed * 1000 if relayed else None
    per_frame_msgs = sum(row["messages"] for row in rows) / frames if frames else None
    print(
        f"\n  Voila server: {result['server_cores']:.2f} cores ({_num(server_ms, '.1f')} ms of CPU"
        f" per frame relayed; {_num(per_frame_msgs, '.1f')} websocket messages to a learner per"
        f" frame), RSS {result['server_rss_mb']:.0f} MB;\n  all {s['opened']} learners' kernels:"
        f" {result['kernels_cores']:.2f} cores "
        f"together, RSS median {_num(s['kernel_rss_median_mb'], '.0f')} MB, max "
        f"{_num(s['kernel_rss_max_mb'], '.0f')} MB"
    )
    received = sum(row["frames_per_s"] for row in result["rows"] if row["error"] is None)
    per_frame = result["benchmark_cores"] / received * 1000 if received else None
    print(
        f"  this benchmark (all {n} learners in one asyncio process): "
        f"{result['benchmark_cores']:.2f} cores ({_num(per_frame, '.1f')} ms of CPU per frame "
        f"received), RSS {_num(result['benchmark_rss_mb'], '.0f')} MB"
        + (
            f"; Chromium and Playwright (browser check): {result['browser_cores']:.2f} cores"
            if result["browser_cores"] is not None
            else ""
        )
    )
    if browser is not None and not browser.get("error"):
        print(
            "\n  browser check: one real Chromium page on the same room, playing, its"
            " learning-rate slider pressed (ArrowRight/Left) every"
            f" {result['every_s']:.0f} s.\n  Compared: frames/s (browser: frames drawn on its"
            " canvas, `data-frame` changes; simulated: frames received and answered) and"
            " control -> first frame of the new run (browser: keydown to the new run drawn,"
            " `data-run`; simulated: update sent to the new run's first frame received, no"
            f" drawing; they answer each frame {result['draw_ms']:.0f} ms after it came"
            " (--draw-ms), so a browser slower to draw, e.g. headless Chromium drawing in"
            " software on a busy machine, gets fewer frames and sees a new run later)."
        )
        print(
            f"    frames/s: browser {browser['frames_per_s']:.1f}; simulated median "
            f"{_num(s['fps_median'], '.1f')} (min {_num(s['fps_min'], '.1f')}, max "
            f"{_num(s['fps_max'], '.1f')})"
        )
        print(
            f"    new run p50 / p90: browser {_ms(browser['latency_p50_ms'])} / "
            f"{_ms(browser['latency_p90_ms'])} ({len(browser['latencies_ms'])} presses); "
            f"simulated {_ms(s['latency_p50_ms'])} / {_ms(s['latency_p90_ms'])} "
            f"({s['latencies']} moves)"
        )
    print(f"\n  {summary_line(result)}")


def summary_line(result: dict) -> str:
    s = summary(result)
    starved = "yes" if s["starved"] == 0 and s["opened"] == result["learners"] else "NO"
    return (
        f"N={result['learners']}: {s['opened']} labs open; frames/s median "
        f"{_num(s['fps_median'], '.1f')}, slowest learner {_num(s['fps_min'], '.1f')} "
        f"(no page starved, a frame in every 10 s for every learner: {starved}); control -> "
        f"new run p50 {_ms(s['latency_p50_ms'])}, p90 {_ms(s['latency_p90_ms'])} "
        f"({s['latencies']} moves, {s['missed']} missed; labs that stopped by themselves, "
        f"their loss settled: {s['stopped_by_lab']}); CPU cores: kernels "
        f"{result['kernels_cores']:.2f}, server {result['server_cores']:.2f}, benchmark "
        f"{result['benchmark_cores']:.2f}; machine busy {result['machine_cores']:.2f} of "
        f"{result['cores']}, load before {result['load_before'][0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[10], help="N, each in turn")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--every", type=float, default=15.0, help="seconds between moves")
    parser.add_argument(
        "--draw-ms", type=float, default=0.0, help="answer each frame this much later (drawing)"
    )
    parser.add_argument("--browser-check", action="store_true", help="add one Chromium page")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    if args.browser_check and (missing := harness.chromium_missing()):
        sys.exit(missing)
    results = []
    for count in args.learners:
        try:
            result = run_room(max(1, count), args)
        except KeyboardInterrupt:
            sys.exit("\ninterrupted: the learners' kernels and the room were stopped")
        report(result)
        results.append(result)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    if len(results) > 1:
        print("\nSummary:")
        for result in results:
            print(f"  {summary_line(result)}")


if __name__ == "__main__":
    main()
