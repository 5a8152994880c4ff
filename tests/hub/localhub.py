"""A real JupyterHub on 127.0.0.1 for dllab's tests and benchmarks.

The hub runs with deploy/z2jh/config.yaml's authenticator settings (`hub.config`),
single-user command (`singleuser.cmd`) and default page (`singleuser.defaultUrl`),
configurable-http-proxy, a local process spawner
that needs no system users (each learner's home a folder of a temporary directory,
holding the repository's notebooks and voila.json as the image built by repo2docker
does) and an sqlite database in that directory. Ports are free ones on 127.0.0.1.

Everything it starts (hub, proxy, single-user servers, kernels, the idle culler) runs
with its working directory inside that temporary directory; `LocalHub.stop` ends each
of them by its PID, even those whose parent died first.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import harness  # noqa: E402  (free ports, console scripts, the lab page's helpers)

Z2JH_CONFIG = ROOT / "deploy" / "z2jh" / "config.yaml"
PROXY_COMMAND = "configurable-http-proxy"
# What the chart's hub gives its idle culler (the chart's jupyterhub_config.py).
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
# What the tests themselves may do through the hub's API: create tokens, read servers.
TEST_SCOPES = ["admin:users", "admin:servers", "tokens", "list:users", "read:users"]

# The hub's configuration file: traitlets settings from settings.json beside it, and the
# hook that lays out each learner's home as the image does.
HUB_CONFIG_PY = '''
import json
import shutil
from pathlib import Path

from traitlets.config import Config

here = Path(__file__).parent
c.merge(Config(json.loads((here / "settings.json").read_text())))
REPOSITORY = Path({root!r})


def lay_out_home(spawner):
    """The repository's notebooks and voila.json in the learner's home."""
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "notebooks").exists():
        shutil.copytree(REPOSITORY / "notebooks", home / "notebooks",
                        ignore=shutil.ignore_patterns(".*"))
        shutil.copy(REPOSITORY / "voila.json", home / "voila.json")


c.Spawner.pre_spawn_hook = lay_out_home
'''


def chart_values() -> dict:
    return yaml.safe_load(Z2JH_CONFIG.read_text())


def proxy_missing() -> str | None:
    """Why configurable-http-proxy cannot be started, or None."""
    if shutil.which(PROXY_COMMAND) is None:
        return (
            f"{PROXY_COMMAND} not found on PATH: the JupyterHub tests need it "
            "(npm install -g configurable-http-proxy; scripts/test.sh installs it)"
        )
    return None


@dataclass
class LocalHub:
    url: str  # the proxy's public address, ends with "/"
    process: subprocess.Popen
    workdir: Path
    settings: dict
    test_token: str
    culler_token: str
    log: Path
    culler: subprocess.Popen | None = None
    _logs: list = field(default_factory=list, repr=False)
    _seen: dict = field(default_factory=dict, repr=False)  # pid -> start time

    @property
    def api_url(self) -> str:
        return self.url + "hub/api/"

    def api(self, method: str, path: str, token: str | None = None, **kwargs):
        """A request to the hub's REST API, by default with the tests' own token."""
        headers = {"Authorization": f"token {token or self.test_token}"}
        return requests.request(method, self.api_url + path, headers=headers, timeout=30, **kwargs)

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- learners ------------------------------------------------------------------------
    def log_in(self, name: str, password: str) -> tuple[requests.Session, requests.Response]:
        """Log in through the hub's login form, as a browser does: the session keeps the
        cookies. Returns the session and the answer to the form (302 when accepted)."""
        session = requests.Session()
        session.get(self.url + "hub/login", timeout=30).raise_for_status()
        form = {"username": name, "password": password, "_xsrf": session.cookies.get("_xsrf")}
        answer = session.post(self.url + "hub/login", data=form, allow_redirects=False, timeout=30)
        return session, answer

    def server(self, name: str) -> dict | None:
        """The learner's default server as the hub's API describes it, or None."""
        answer = self.api("GET", f"users/{name}")
        answer.raise_for_status()
        return answer.json()["servers"].get("")

    def wait_ready(self, name: str, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.remember_processes()
            server = self.server(name)
            if server and server["ready"]:
                return server
            time.sleep(0.5)
        raise AssertionError(f"{name}'s server not ready in {timeout:.0f} s:\n{self.log_tail()}")

    def token_for(self, name: str) -> str:
        """A new API token of the learner's (with the learner's own permissions)."""
        answer = self.api("POST", f"users/{name}/tokens", json={"note": "dllab test"})
        answer.raise_for_status()
        return answer.json()["token"]

    # -- the idle culler -----------------------------------------------------------------
    def start_culler(self, timeout: int, every: int) -> None:
        """jupyterhub-idle-culler as the hub's `idle-culler` service (the chart's scopes),
        with the chart's arguments but a test's short timeout."""
        command = [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--url={self.api_url.rstrip('/')}",
            f"--timeout={timeout}",
            f"--cull-every={every}",
        ]
        env = dict(os.environ, JUPYTERHUB_API_TOKEN=self.culler_token)
        log = open(self.workdir / "culler.log", "w")  # noqa: SIM115 - closed by stop()
        self._logs.append(log)
        self.culler = subprocess.Popen(
            command, cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )

    # -- processes -----------------------------------------------------------------------
    def processes(self) -> list[int]:
        """PIDs of the hub and of every process working inside the hub's folder (proxy,
        single-user servers, kernels, culler), whoever their parent is now."""
        found = [self.process.pid, *harness.descendants(self.process.pid)]
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                cwd = Path(os.readlink(entry / "cwd"))
            except OSError:
                continue
            if cwd == self.workdir or self.workdir in cwd.parents:
                found.append(int(entry.name))
        return sorted(set(found) - {os.getpid()})

    def remember_processes(self) -> None:
        for pid in self.processes():
            self._seen.setdefault(pid, _start_time(pid))

    def stop(self) -> None:
        """End the hub and every process of its (proxy, servers, kernels, culler) by its
        PID: all asked to stop at once, then killed if still there after a few seconds.
        The hub itself is killed once the rest has stopped (its own clean-up of servers
        already stopped takes seconds, and this hub's database is thrown away)."""
        self.remember_processes()
        alive = self._alive()
        for pid in alive:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + 8
        while set(alive) - {self.process.pid} and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = self._alive()
        for pid in alive:
            _signal(pid, signal.SIGKILL)
        for process in (self.process, self.culler):
            if process is not None:
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    pass
        for log in self._logs:
            log.close()
        harness.ARTIFACTS.mkdir(exist_ok=True)  # the logs outlive the folder
        for name in ("jupyterhub.log", "culler.log"):
            if (self.workdir / name).exists():
                shutil.copy(self.workdir / name, harness.ARTIFACTS / f"hub-{name}")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _alive(self) -> list[int]:
        """The processes seen that still run (the same process: the same start time)."""
        for process in (self.process, self.culler):
            if process is not None:
                process.poll()  # reap it, so that it no longer counts
        return [
            pid
            for pid, started in self._seen.items()
            if started is not None and _start_time(pid) == started and not _zombie(pid)
        ]


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def hub_settings(workdir: Path, port: int, activity_interval: int) -> tuple[dict, str, str]:
    """The hub's traitlets settings: the chart config's `hub.config` and `defaultUrl`, and
    what a test needs (local addresses, files in `workdir`, a spawner without system
    users, frequent activity reports). Returns them with the tests' and culler's tokens."""
    values = chart_values()
    settings: dict = json.loads(json.dumps(values["hub"]["config"]))
    command = values["singleuser"]["cmd"]  # the chart's command, from this environment
    command = [harness.executable(command[0]), *command[1:]]
    test_token, culler_token = secrets.token_hex(16), secrets.token_hex(16)
    settings.setdefault("JupyterHub", {}).update(
        ip="127.0.0.1",
        port=port,
        hub_ip="127.0.0.1",
        hub_port=harness.free_port(),
        db_url=f"sqlite:///{workdir / 'jupyterhub.sqlite'}",
        cookie_secret_file=str(workdir / "jupyterhub_cookie_secret"),
        pid_file=str(workdir / "jupyterhub.pid"),
        spawner_class="simple",
        # how often the hub reads the proxy's record of each learner's traffic
        last_activity_interval=activity_interval,
        services=[
            {"name": "dllab-test", "api_token": test_token},
            {"name": "idle-culler", "api_token": culler_token},
        ],
        load_roles=[
            {"name": "dllab-test", "scopes": TEST_SCOPES, "services": ["dllab-test"]},
            {"name": "idle-culler", "scopes": CULLER_SCOPES, "services": ["idle-culler"]},
        ],
    )
    settings["FirstUseAuthenticator"] = {
        **settings.get("FirstUseAuthenticator", {}),
        "dbm_path": str(workdir / "passwords.dbm"),
    }
    settings["ConfigurableHTTPProxy"] = {
        "api_url": f"http://127.0.0.1:{harness.free_port()}",
        "command": [shutil.which(PROXY_COMMAND) or PROXY_COMMAND],
        "pid_file": str(workdir / "proxy.pid"),
    }
    args = ["--allow-root"] if os.getuid() == 0 else []
    settings["SimpleLocalProcessSpawner"] = {"home_dir_template": str(workdir / "home/{username}")}
    settings["Spawner"] = {
        "cmd": command,
        "args": args,
        "default_url": values["singleuser"]["defaultUrl"],
        "start_timeout": 120,
        "http_timeout": 120,
        # the kernels import this checkout's dllab; the server reports activity often
        "environment": {
            "PYTHONPATH": str(ROOT),
            "JUPYTERHUB_ACTIVITY_INTERVAL": str(activity_interval),
        },
    }
    return settings, test_token, culler_token


def start_hub(activity_interval: int = 2, timeout: float = 60) -> LocalHub:
    missing = proxy_missing()
    if missing:
        raise RuntimeError(missing)
    workdir = Path(tempfile.mkdtemp(prefix="dllab-hub-")).resolve()
    port = harness.free_port()
    settings, test_token, culler_token = hub_settings(workdir, port, activity_interval)
    (workdir / "settings.json").write_text(json.dumps(settings, indent=1))
    config = workdir / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG_PY.format(root=str(ROOT)))
    log = workdir / "jupyterhub.log"
    log_file = open(log, "w")  # noqa: SIM115 - closed by LocalHub.stop
    process = subprocess.Popen(
        [harness.executable("jupyterhub"), "-f", str(config)],
        cwd=workdir,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    hub = LocalHub(
        f"http://127.0.0.1:{port}/",
        process,
        workdir,
        settings,
        test_token,
        culler_token,
        log,
        _logs=[log_file],
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            hub.remember_processes()
            if process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({process.returncode}):\n{hub.log_tail()}")
            try:
                if requests.get(hub.api_url, timeout=2).ok:
                    return hub
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"jupyterhub did not answer in {timeout:.0f} s:\n{hub.log_tail()}"
                )
            time.sleep(0.3)
    except BaseException:
        hub.stop()
        raise
