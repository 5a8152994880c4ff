"""Binder's environment, rebuilt here from binder/ alone (no Docker here to build the
image itself): a fresh virtual environment gets binder/requirements.txt, then
binder/postBuild runs in a copy of the repository's tracked files, as repo2docker does.
Then, with that environment only:

- every notebook runs top to bottom without an error;
- JupyterLab has the widget front-ends (ipywidgets, bqplot, anywidget);
- a Jupyter server answers both Binder badges' paths: JupyterLab on notebooks/lab.ipynb
  and the Voila dashboard (voila/render/notebooks/lab.ipynb), the latter without the
  notebook's source.

Slow (packages come from the registry, or pip's cache): about 2-4 minutes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))
import harness  # noqa: E402  (server start and stop, shared with the browser tests)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 300  # seconds for the whole test

RUN_NOTEBOOKS = r"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

failures = []
for path in sorted(Path("notebooks").glob("*.ipynb")):
    notebook = nbformat.read(path, as_version=4)
    check = nbformat.v4.new_code_cell("import sys; print('PREFIX', sys.prefix)")
    notebook.cells.insert(0, check)
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    prefix = "".join(o.get("text", "") for o in notebook.cells[0].outputs)
    if f"PREFIX {sys.prefix}" not in prefix:
        failures.append(f"{path.name}: the kernel ran outside this environment: {prefix!r}")
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                failures.append(f"{path.name}: {output.ename}: {output.evalue}")
    print("ran", path.name, flush=True)
if failures:
    sys.exit("\n".join(failures))
"""


def run(command, cwd, env, timeout, what):
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def left(start: float) -> float:
    remaining = BUDGET - (time.monotonic() - start)
    assert remaining > 5, f"the Binder environment took more than {BUDGET} s"
    return remaining


def tracked_copy(destination: Path) -> Path:
    """The repository's tracked files only, as Binder would clone them."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.fail(f"git ls-files failed in {ROOT}: {error}")
    for name in filter(None, listing.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


def test_binder_environment_from_scratch(tmp_path):
    start = time.monotonic()
    repo = tracked_copy(tmp_path / "repo")
    venv = tmp_path / "venv"
    bin_dir = venv / "bin"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTER_PREFER_ENV_PATH": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_PROGRESS_BAR": "off",
    }
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(name, None)
    times = {}

    run([sys.executable, "-m", "venv", str(venv)], repo, env, left(start), "python -m venv")
    python = str(bin_dir / "python")
    requirements = repo / "binder" / "requirements.txt"
    run(
        [python, "-m", "pip", "install", "--quiet", "-r", str(requirements)],
        repo,
        env,
        left(start),
        "pip install -r binder/requirements.txt",
    )
    times["requirements"] = time.monotonic() - start
    run(["bash", str(repo / "binder" / "postBuild")], repo, env, left(start), "binder/postBuild")
    times["postBuild"] = time.monotonic() - start
    # dllab comes from the environment (a real install), not from the repository copy.
    where = run(
        [python, "-c", "import dllab, sys; print(dllab.__file__); print(sys.prefix)"],
        tmp_path,
        env,
        60,
        "import dllab",
    ).split()
    assert where[0].startswith(str(venv)) and where[1] == str(venv), where

    run([python, "-c", RUN_NOTEBOOKS], repo, env, left(start), "running every notebook")
    times["notebooks"] = time.monotonic() - start

    listing = subprocess.run(
        [str(bin_dir / "jupyter"), "labextension", "list"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    listed = listing.stdout + listing.stderr  # the list goes to stderr
    for extension in ("@jupyter-widgets/jupyterlab-manager", "bqplot", "anywidget"):
        assert extension in listed, f"{extension} missing from JupyterLab:\n{listed}"

    # The two Binder badges' paths, on a Jupyter server of this environment.
    port = free_port()
    log_path = tmp_path / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed by Server.stop
    process = subprocess.Popen(
        [
            str(bin_dir / "jupyter-server"),
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={repo}",
        ],
        cwd=repo,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/"
    server = harness.Server("binder-server", process, base, log_path, None, log)
    try:
        harness.wait_until_up(server, timeout=min(60, left(start)))
        status, page = get(base + "lab/tree/notebooks/lab.ipynb", 60)
        assert status == 200 and "JupyterLab" in page
        status, page = get(base + "voila/render/notebooks/lab.ipynb", min(120, left(start)))
        assert status == 200, page[-2000:]
        assert "application/vnd.jupyter.widget-view+json" in page
        assert "from dllab import Lab" not in page
        assert "Traceback" not in page
    finally:
        server.stop()  # the server, then any kernel it left, by PID
    times["total"] = time.monotonic() - start
    print("Binder environment, seconds from the start:", {k: round(v) for k, v in times.items()})
    assert times["total"] < BUDGET
