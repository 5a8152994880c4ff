"""Voila, JupyterLab and Chromium for dllab's browser tests and browser benchmark.

Used by tests/browser/conftest.py and benchmarks/bench_browser.py (which puts this
folder on sys.path). Servers listen on 127.0.0.1 on a free port, write their log to
test-artifacts/, and are stopped by their PID, with the kernels they started.
The page helpers read what the lab writes for tests: `canvas.dataset.frame`, `.run` and
`.columns` on the network picture, the `.dllab-epoch` counter, the loss line's `d`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach the internet.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Voila leaves a kernel running when its page goes away without `beforeunload`.
CULL_FLAGS = [
    "--MappingKernelManager.cull_idle_timeout=120",
    "--MappingKernelManager.cull_interval=30",
]
# JupyterLab's pop-up asking whether to fetch news would cover the notebook.
LAB_PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}
# A projector's width: the lab's panels must fit side by side in it.
VIEWPORT = {"width": 1280, "height": 1300}
# A projector's whole screen: Play, the network, the output and a curves plot fit in it.
PROJECTOR = {"width": 1280, "height": 800}


# -- servers ---------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str  # ends with "/"
    log: Path
    workdir: Path | None = None  # a temporary folder to delete at the end
    _log_file: object = field(default=None, repr=False)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the server, then any kernel it left behind, each by its PID."""
        below = {pid: _started(pid) for pid in descendants(self.process.pid)}
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for pid, started in below.items():
            if started is not None and _started(pid) == started:  # the same process still
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self._log_file is not None:
            self._log_file.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def descendants(pid: int) -> list[int]:
    """PIDs of all processes below `pid` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot), or None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def executable(name: str) -> str:
    """A console script of this Python's environment (voila, jupyter-lab)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise RuntimeError(f"{path} not found: install it in this environment (pip install ...)")
    return str(path)


def _start(name: str, command: list[str], port: int, env=None, workdir=None, cwd=None) -> Server:
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"{name}-server.log"
    log_file = open(log, "w")  # noqa: SIM115 - closed by Server.stop
    process = subprocess.Popen(
        command, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=cwd or ROOT
    )
    server = Server(name, process, f"http://127.0.0.1:{port}/", log, workdir, log_file)
    try:
        wait_until_up(server)
    except Exception:
        server.stop()
        raise
    return server


def wait_until_up(server: Server, timeout: float = 90.0) -> None:
    """Any HTTP answer means the server is up (Voila answers 403 on /api; asking it for `/`
    would start a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with code {server.process.returncode}:\n" + server.log_tail()
            )
        try:
            urllib.request.urlopen(server.url + "api", timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} did not answer on {server.url} in {timeout:.0f} s:\n" + server.log_tail()
    )


def start_voila(notebook: Path = NOTEBOOKS / "lab.ipynb") -> Server:
    port = free_port()
    command = [
        executable("voila"),
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        *CULL_FLAGS,
    ]
    return _start("voila", command, port)


def start_jupyterlab() -> Server:
    """JupyterLab on a temporary copy of notebooks/, with its own settings and workspaces,
    so that nothing in the repository or the user's Jupyter folders changes."""
    workdir = Path(tempfile.mkdtemp(prefix="dllab-jupyterlab-"))
    root = workdir / "root"
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns(".*"))
    config = workdir / "config"
    (config / "labconfig").mkdir(parents=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(LAB_PAGE_CONFIG))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config))
    port = free_port()
    command = [
        executable("jupyter-lab"),
        "--no-browser",
        "--allow-root",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={workdir / 'settings'}",
        f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
        *CULL_FLAGS,
    ]
    try:
        return _start("jupyterlab", command, port, env=env, workdir=workdir, cwd=root)
    except Exception:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


# -- the browser -----------------------------------------------------------------------------
def chromium_missing() -> str | None:
    """Why Chromium cannot be used, or None."""
    if not Path(CHROMIUM).exists():
        return (
            f"{CHROMIUM} not found: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium; scripts/test.sh installs it)"
        )
    return None


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# The one console error that is this machine's, not the lab's: a font stylesheet from a CDN.
MACHINE_ERRORS = re.compile(r"ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED")


def watch_console(page) -> None:
    """Collect what the page logs as an error: uncaught exceptions (`page.errors`) and
    console errors (`page.console_errors`), the machine's own network refusals aside."""
    page.errors, page.console_errors = [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))

    def console(message) -> None:
        if message.type == "error" and not MACHINE_ERRORS.search(message.text):
            page.console_errors.append(message.text)

    page.on("console", console)


def console_problems(page) -> list[str]:
    """Every error the page logged (see `watch_console`): a page that logs one is broken."""
    return [*getattr(page, "errors", []), *getattr(page, "console_errors", [])]


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# -- driving the lab's page ------------------------------------------------------------------
# Everything the tests and the benchmark read from the page, in one call.
STATE_JS = """() => {
  const canvas = document.querySelector('.dllab-network canvas');
  const counter = document.querySelector('.dllab-epoch b');
  const curves = document.querySelector('.dllab-lab .dllab-curves-view[aria-label^="Loss"]');
  const message = document.querySelector('.dllab-message');
  const plane = document.querySelector('.dllab-plane-view');
  const play = [...document.querySelectorAll('.dllab-lab button')].find(
    (b) => ['Play', 'Pause'].includes(b.textContent.trim()));
  return {
    frame: canvas && canvas.dataset.frame ? Number(canvas.dataset.frame) : null,
    run: canvas && canvas.dataset.run ? Number(canvas.dataset.run) : null,
    columns: canvas ? canvas.dataset.columns || null : null,
    epoch: counter ? Number(counter.textContent.replace(/[^0-9]/g, '')) : null,
    loss_d: curves && curves.dataset.curve ? curves.dataset.curve : null,
    loss_figure: Boolean(curves),
    message: message ? message.textContent : '',
    play: play ? play.textContent.trim() : null,
    surface_title: plane ? plane.dataset.title : null,
  };
}"""

# Python tracebacks as Voila or JupyterLab show them.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|\w+Error: |\w+Exception: ")


def state(page) -> dict:
    return page.evaluate(STATE_JS)


def wait_state(page, condition: str, arg=None, timeout: float = 20_000):
    """Wait until `condition`, a JS expression over `s` (the state above) and `arg`, holds."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            f"([arg]) => {{ const s = ({STATE_JS})(); return ({condition}); }}",
            arg=[arg],
            timeout=timeout,
            polling="raf",
        )
    except PlaywrightTimeout:
        raise AssertionError(
            f"waited {timeout / 1000:g} s for {condition} (arg={arg!r}); "
            f"the page shows {state(page)}"
        ) from None
    return state(page)


def slider_handle(page, description: str):
    """The noUiSlider handle of the slider labelled `description`."""
    label = page.locator("label.widget-label", has_text=re.compile(rf"^{re.escape(description)}$"))
    return page.locator(".widget-slider", has=label).locator(".noUi-handle").first


def press(page, description: str, key: str, times: int = 1) -> None:
    handle = slider_handle(page, description)
    handle.focus()
    for _ in range(times):
        handle.press(key)


def control(page, description: str, kind: str):
    """The widget of kind `kind` (e.g. 'widget-dropdown') labelled `description`."""
    label = page.locator("label.widget-label", has_text=re.compile(rf"^{re.escape(description)}$"))
    return page.locator(f".{kind}", has=label).first


PANELS_JS = """() => {
  const network = document.querySelector('.dllab-network').closest('.widget-vbox');
  return [...network.parentElement.children].map((panel) => {
    const box = panel.getBoundingClientRect();
    return {top: box.top, right: box.right};
  });
}"""


def assert_panels_side_by_side(page, timeout: float = 5_000) -> None:
    """The lab's data, network and output panels share one row inside the viewport
    (given `timeout` ms to settle after the page's layout changed)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    in_a_row = f"""() => {{
      const panels = ({PANELS_JS})();
      return panels.length === 3 && panels.every((p) => p.top === panels[0].top)
        && Math.max(...panels.map((p) => p.right)) <= {VIEWPORT["width"]};
    }}"""
    try:
        page.wait_for_function(in_a_row, timeout=timeout, polling=100)
    except PlaywrightTimeout:
        raise AssertionError(f"panels not side by side: {page.evaluate(PANELS_JS)}") from None


BOXES_JS = """() => {
  const box = (element) => {
    if (!element) return null;
    const r = element.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  };
  const figures = {};
  // The output over the plane and the curves are canvases (titles written on them, and in
  // their aria-label: "Loss: 12 epochs drawn"); the class probabilities are HTML bars.
  const plane = document.querySelector('.dllab-lab .dllab-plane-view');
  if (plane) figures['Output'] = box(plane);
  for (const curves of document.querySelectorAll('.dllab-lab .dllab-curves-view')) {
    figures[curves.getAttribute('aria-label').split(':')[0]] = box(curves);
  }
  for (const bars of document.querySelectorAll('.dllab-lab .dllab-bars')) {
    figures[bars.getAttribute('aria-label')] = box(bars);
  }
  const play = [...document.querySelectorAll('.dllab-lab button')].find(
    (b) => ['Play', 'Pause'].includes(b.textContent.trim()));
  return {play: box(play), network: box(document.querySelector('.dllab-network canvas')),
          figures, viewport: {width: window.innerWidth, height: window.innerHeight}};
}"""


def on_screen(page, *names: str) -> dict:
    """Assert that the Play button, the network and the figures titled `names` lie inside
    the viewport, without scrolling; returns their boxes."""
    page.evaluate("() => window.scrollTo(0, 0)")
    boxes = page.evaluate(BOXES_JS)
    view = boxes["viewport"]
    wanted = {"Play": boxes["play"], "network": boxes["network"]}
    wanted.update({name: boxes["figures"].get(name) for name in names})
    for name, box in wanted.items():
        assert box is not None, f"no {name} on the page: {boxes}"
        inside = box["left"] >= 0 and box["top"] >= 0
        inside = inside and box["right"] <= view["width"] and box["bottom"] <= view["height"]
        assert inside, f"{name} at {box} is not inside the {view['width']}x{view['height']} view"
    return boxes


def open_voila(page, server: Server, timeout: float = 60_000) -> dict:
    """Open the lab in Voila; wait until the network and the loss figure are drawn."""
    page.goto(server.url, timeout=timeout)
    return wait_state(page, "s.frame > 0 && s.loss_figure && s.loss_d", timeout=timeout)


# JupyterLab shows its execution indicator as "idle" before the kernel has even started:
# wait for the notebook's own kernel to be idle as well.
KERNEL_IDLE_JS = """() => {
  const app = window.jupyterapp;
  const widget = app && app.shell.currentWidget;
  const context = widget && widget.sessionContext;
  const kernel = context && context.isReady && context.session && context.session.kernel;
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return Boolean(kernel && kernel.status === 'idle' && indicator
                 && indicator.dataset.status === 'idle');
}"""


def open_jupyterlab(page, server: Server, timeout: float = 90_000) -> dict:
    """Open notebooks/lab.ipynb in JupyterLab, run all cells, wait until the lab is drawn."""
    page.goto(server.url + "lab/tree/notebooks/lab.ipynb", timeout=timeout)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout, polling=100)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".jp-OutputArea-output .dllab-network canvas", timeout=timeout)
    return wait_state(page, "s.frame > 0 && s.loss_figure && s.loss_d", timeout=timeout)


# Voila's own `beforeunload` beacon is refused here (403: it sets no _xsrf cookie to
# match), so the test sets one and posts the same shutdown request itself.
SHUTDOWN_VOILA_JS = """async () => {
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  let xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1];
  if (!xsrf) {
    xsrf = Array.from(crypto.getRandomValues(new Uint8Array(16)),
                      (b) => b.toString(16).padStart(2, '0')).join('');
    document.cookie = `_xsrf=${xsrf}; path=/`;
  }
  const form = new FormData();
  form.append('_xsrf', xsrf);
  const base = config.baseUrl || '/';
  const answer = await fetch(`${base}voila/api/shutdown/${config.kernelId}`,
                             {method: 'POST', body: form});
  return answer.status;
}"""


def shut_kernel(page, server: Server) -> None:
    """Shut down the page's kernel (a lab left training would take CPU from what follows)."""
    try:
        if server.name == "voila":
            page.evaluate(SHUTDOWN_VOILA_JS)
        else:
            page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")
    except Exception:  # the page may be gone; the server's end stops its kernels anyway
        pass
