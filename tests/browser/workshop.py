"""The lessons served to a room, as a workshop runs them: helpers for
tests/browser/test_workshop.py and benchmarks/bench_classroom.py, on top of harness.py
(servers, Chromium, the lab's page).

- `start_app` starts the room the way the README says (`dllab-room`, here through the same
  entry point as `python -m dllab.room`, on 127.0.0.1 and a free port) and reads the link
  it prints (`server.link`, `server.token`); `app_folder` makes a temporary folder laid out
  like the repository, for notebooks made by a test.
- `page_url` is a page's URL with the room's token; `request` sends the token as a script
  would (`Authorization: token ...`) unless told not to.
- `kernel_pids` / `rss_mb` find the kernels a server started and their resident memory;
  `kernels_started` counts the kernels the server's log says it started.
- `CHANNELS_PROBE_JS` opens the kernel's websocket from inside a page, as the page's own
  scripts would (same origin, same cookies), and sends Jupyter messages of any type.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import harness
import nbformat

ROOT = harness.ROOT
APP_CONFIG = ROOT / "voila.json"
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
LINK = re.compile(r"^(?:Open: |    )http://127\.0\.0\.1:(\d+)/\?token=(\S+)$", re.MULTILINE)


# -- servers ---------------------------------------------------------------------------------
@dataclass
class RoomServer(harness.Server):
    token: str = ""
    link: str = ""  # the link the room printed, to hand out


def start_app(
    cwd: Path = ROOT,
    target: str | None = "notebooks/",
    extra: tuple[str, ...] = (),
    name: str = "voila-app",
    workdir: Path | None = None,
) -> RoomServer:
    """The README's room command (`dllab-room [target]`, through `python -m dllab.room`:
    the same `dllab.room.main`) run in `cwd`, on 127.0.0.1 and a free port, with its own
    token; `extra` adds options. The server and its kernels import this checkout's dllab."""
    port = harness.free_port()
    command = [sys.executable, "-m", "dllab.room"]
    if target is not None:
        command.append(target)
    command += ["--ip", "127.0.0.1", "--port", str(port), *extra]
    path = os.environ.get("PYTHONPATH")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *([path] if path else [])]))
    harness.ARTIFACTS.mkdir(exist_ok=True)
    log = harness.ARTIFACTS / f"{name}-server.log"
    log_file = open(log, "w")  # noqa: SIM115 - closed by Server.stop
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=cwd, env=env)
    server = RoomServer(name, process, f"http://127.0.0.1:{port}/", log, workdir, log_file)
    try:
        harness.wait_until_up(server)
        deadline = time.monotonic() + 30
        # The room's banner (Voila's own line before it shows the token as "...").
        while not (found := LINK.search(log.read_text(errors="replace"))):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the room printed no link:\n" + server.log_tail())
            time.sleep(0.1)
        assert int(found.group(1)) == port, found.group(0)
        server.link = found.group(0).split()[-1]
        server.token = urllib.parse.unquote(found.group(2))
    except Exception:
        server.stop()
        raise
    return server


def page_url(server: RoomServer, path: str = "", token: bool = True) -> str:
    """The URL of a page (a path under the server's root), with the room's token."""
    url = server.url + path.lstrip("/")
    if not token:
        return url
    return url + ("&" if "?" in url else "?") + "token=" + urllib.parse.quote(server.token)


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code cells (a string starting with '#md ' is a markdown cell)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_markdown_cell(cell[4:])
        if cell.startswith("#md ")
        else nbformat.v4.new_code_cell(cell)
        for cell in cells
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def app_folder(notebooks: dict[str, list[str]]) -> Path:
    """A temporary folder laid out like the repository: a notebooks/ folder holding
    `notebooks` ({file name: cells}). (The room reads no voila.json: its settings are
    dllab.room's.)"""
    folder = Path(tempfile.mkdtemp(prefix="dllab-workshop-"))
    for name, cells in notebooks.items():
        write_notebook(folder / "notebooks" / name, cells)
    return folder


# -- kernels ---------------------------------------------------------------------------------
def kernel_pids(server: harness.Server) -> list[int]:
    """The kernel processes below the server."""
    found = []
    for pid in harness.descendants(server.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"ipykernel_launcher" in command:
            found.append(pid)
    return found


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (psutil if installed, else /proc), or None."""
    try:
        import psutil
    except ImportError:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else None
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return None


def wait_kernels(server: harness.Server, count: int, timeout: float) -> tuple[list[int], float]:
    """Wait until at most `count` kernels run; (the kernels left, seconds waited)."""
    start = time.monotonic()
    while True:
        pids = kernel_pids(server)
        waited = time.monotonic() - start
        if len(pids) <= count or waited >= timeout:
            return pids, waited
        time.sleep(0.5)


# -- plain HTTP ------------------------------------------------------------------------------
def send(
    server: harness.Server,
    method: str,
    path: str,
    headers: dict | None = None,
    body: bytes = b"",
    timeout: float = 90.0,
) -> tuple[int, dict, str]:
    """One raw request (path sent as written, no redirect followed): (status, headers with
    lower-case names, body). A `Host` in `headers` replaces the real one."""
    url = urllib.parse.urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        sent = {"Content-Length": str(len(body)), **(headers or {})}
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        got = {}
        for key, value in answer.getheaders():
            key = key.lower()
            got[key] = f"{got[key]}\n{value}" if key in got else value
        text = answer.read().decode("utf-8", errors="replace") if answer.status != 101 else ""
        return answer.status, got, text
    finally:
        connection.close()


def request(
    server: harness.Server,
    method: str,
    path: str,
    timeout: float = 90.0,
    redirects: int = 3,
    headers: dict | None = None,
    token: bool = True,
) -> tuple[int, str]:
    """(status, body) for a raw path, sent as written (no `..` folding), redirects followed;
    with the room's token in an `Authorization` header unless `token` is False."""
    sent = dict(headers or {})
    if token and getattr(server, "token", ""):
        sent.setdefault("Authorization", f"token {server.token}")
    for _ in range(redirects + 1):
        status, got, body = send(server, method, path, sent, timeout=timeout)
        location = got.get("location")
        if status in (301, 302, 303, 307, 308) and location:
            path = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
            method = "GET"
            continue
        return status, body
    return status, body


def many_requests(server: harness.Server, path: str, count: int, **kwargs) -> list[tuple]:
    """`count` GETs of `path` sent at the same moment (one thread each): [(status, body)]."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(request, server, "GET", path, **kwargs) for _ in range(count)]
        return [future.result() for future in futures]


def shutdown_kernel(server: harness.Server, kernel_id: str) -> int:
    """POST Voila's shutdown URL, as the page's `beforeunload` beacon does: 204 when done."""
    status, _ = request(server, "POST", f"/voila/api/shutdown/{kernel_id}", timeout=30)
    return status


def websocket_status(server: harness.Server, kernel_id: str, headers: dict | None = None) -> int:
    """The status of an opening handshake for the kernel's websocket: 101 when it opened."""
    handshake = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(secrets.token_bytes(16)).decode(),
        **(headers or {}),
    }
    path = f"/api/kernels/{kernel_id}/channels?session_id={secrets.token_hex(8)}"
    status, _, _ = send(server, "GET", path, handshake, timeout=30)
    return status


def kernels_started(server: harness.Server) -> int:
    """How many kernels the server has started so far (its log says each)."""
    return server.log.read_text(errors="replace").count("Kernel started:")


def page_kernel_id(page) -> str:
    return page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )


# -- the kernel websocket, from inside a page ------------------------------------------------
# Sends `messages` ([{channel, msg_type, content}]) on a new websocket to the page's kernel
# and returns what came back: [{channel, msg_type, parent}] (parent: the msg_type of the
# request answered), once the reply types in `until` came (or `waitMs` passed) and
# `settleMs` more. `protocol` is 'v1' (JupyterLab's binary protocol,
# what Voila's page uses) or 'json' (the older text protocol).
CHANNELS_PROBE_JS = """async ({kernelId, protocol, messages, until, waitMs, settleMs}) => {
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const base = config.baseUrl || '/';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const session = 'probe-' + Math.random().toString(16).slice(2);
  const url = `${scheme}://${location.host}${base}api/kernels/${kernelId}/channels` +
              `?session_id=${session}`;
  const ws = protocol === 'v1' ? new WebSocket(url, 'v1.kernel.websocket.jupyter.org')
                               : new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const sent = {};
  const seen = [];
  const text = new TextDecoder();
  const readV1 = (data) => {
    const view = new DataView(data);
    const n = Number(view.getBigUint64(0, true));
    const offsets = [...Array(n).keys()].map((i) => Number(view.getBigUint64(8 * (i + 1), true)));
    const part = (i) => text.decode(new Uint8Array(data, offsets[i], offsets[i + 1] - offsets[i]));
    return {channel: part(0), header: JSON.parse(part(1)), parent_header: JSON.parse(part(2))};
  };
  const readOld = (data) => {
    if (typeof data === 'string') return JSON.parse(data);
    const view = new DataView(data);  // buffers: count, offsets, then the JSON first
    const start = view.getUint32(4), end = view.getUint32(8);
    return JSON.parse(text.decode(new Uint8Array(data, start, end - start)));
  };
  ws.onmessage = (event) => {
    try {
      const msg = protocol === 'v1' ? readV1(event.data) : readOld(event.data);
      const parent = msg.parent_header && sent[msg.parent_header.msg_id];
      if (parent) seen.push({channel: msg.channel, msg_type: msg.header.msg_type, parent});
    } catch (error) { seen.push({error: String(error)}); }
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('the kernel websocket did not open'));
    setTimeout(() => reject(new Error('the kernel websocket did not open in 15 s')), 15000);
  });
  const encoder = new TextEncoder();
  for (const m of messages) {
    const header = {msg_id: crypto.randomUUID(), msg_type: m.msg_type, session,
                    username: 'learner', date: new Date().toISOString(), version: '5.3'};
    sent[header.msg_id] = m.msg_type;
    if (protocol === 'v1') {
      const parts = [m.channel, header, {}, {}, m.content].map(
        (p, i) => encoder.encode(i === 0 ? p : JSON.stringify(p)));
      const head = 8 * (parts.length + 2);
      const offsets = [head];
      for (const p of parts) offsets.push(offsets[offsets.length - 1] + p.length);
      const out = new Uint8Array(offsets[offsets.length - 1]);
      const view = new DataView(out.buffer);
      view.setBigUint64(0, BigInt(offsets.length), true);
      offsets.forEach((o, i) => view.setBigUint64(8 * (i + 1), BigInt(o), true));
      parts.forEach((p, i) => out.set(p, offsets[i]));
      ws.send(out.buffer);
    } else {
      ws.send(JSON.stringify({channel: m.channel, header, parent_header: {}, metadata: {},
                              content: m.content, buffers: []}));
    }
  }
  // Wait for the replies named in `until` (at most waitMs), then settleMs more.
  const start = performance.now();
  while (performance.now() - start < waitMs &&
         !until.every((type) => seen.some((s) => s.msg_type === type))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const negotiated = ws.protocol;
  ws.close();
  return {protocol: negotiated, seen};
}"""


def probe_channels(
    page,
    kernel_id: str,
    protocol: str,
    messages: list[dict],
    until: tuple[str, ...] = (),
    wait_ms: int = 30_000,
    settle_ms: int = 2_000,
) -> dict:
    arg = {
        "kernelId": kernel_id,
        "protocol": protocol,
        "messages": messages,
        "until": list(until),
        "waitMs": wait_ms,
        "settleMs": settle_ms,
    }
    return page.evaluate(CHANNELS_PROBE_JS, arg)


def execute_request(code: str, channel: str = "shell") -> dict:
    content = {
        "code": code,
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    return {"channel": channel, "msg_type": "execute_request", "content": content}


def notebook_sources(path: Path) -> list[str]:
    """The code lines of a notebook worth looking for in a page (long enough to be unique)."""
    notebook = json.loads(path.read_text())
    lines = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        lines += [line.strip() for line in source.splitlines() if len(line.strip()) >= 12]
    return lines
