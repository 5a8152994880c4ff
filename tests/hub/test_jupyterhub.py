"""The lab on a real JupyterHub: three learners log in, each gets the lab as a Voila page
on their own single-user server, one trains it in Chromium, none can reach another's
server, and jupyterhub-idle-culler stops the idle servers and only those.

The hub (tests/hub/localhub.py) uses deploy/z2jh/config.yaml's authenticator, single-user
command and default page. The tests share one hub and run in this file's order; the
culler's test is last because it stops servers.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from localhub import harness, start_hub
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

pytestmark = pytest.mark.slow

LEARNERS = {"ada": "ada-secret-1", "grace": "grace-secret-2", "alan": "alan-secret-3"}
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WAIT = 60_000  # ms, for the page


@dataclass
class Learner:
    name: str
    session: requests.Session  # the learner's browser cookies
    login: requests.Response  # the hub's answer to the login form
    page: requests.Response  # the lab's Voila page
    token: str  # an API token of the learner's

    @property
    def lab_url(self) -> str:
        return f"user/{self.name}/voila/render/notebooks/lab.ipynb"

    def kernels(self, hub, token: str | None = None) -> requests.Response:
        """The kernels of this learner's server, asked with `token` (theirs by default)."""
        return requests.get(
            f"{hub.url}user/{self.name}/api/kernels",
            headers={"Authorization": f"token {token or self.token}"},
            timeout=30,
        )


@pytest.fixture(scope="module")
def hub():
    hub = start_hub()
    yield hub
    hub.stop()


def _open_lab(hub, name: str, password: str) -> Learner:
    session, login = hub.log_in(name, password)
    if login.status_code == 302:  # where the hub sends a learner who logged in: the spawn
        session.get(urljoin(hub.url, login.headers["Location"]), timeout=60)
    hub.wait_ready(name)
    page = session.get(f"{hub.url}user/{name}/voila/render/notebooks/lab.ipynb", timeout=120)
    return Learner(name, session, login, page, hub.token_for(name))


@pytest.fixture(scope="module")
def learners(hub) -> dict[str, Learner]:
    """The three learners, logged in, each with the lab rendered on their own server."""
    with ThreadPoolExecutor(len(LEARNERS)) as pool:
        futures = {name: pool.submit(_open_lab, hub, name, pw) for name, pw in LEARNERS.items()}
        return {name: future.result() for name, future in futures.items()}


def test_each_learner_logs_in_and_gets_the_lab_on_their_own_server(hub, learners):
    kernel_ids = set()
    for name, learner in learners.items():
        assert learner.login.status_code == 302, learner.login.text[:500]
        assert "login" not in learner.login.headers["Location"]
        page = learner.page
        assert page.status_code == 200 and page.url == hub.url + learner.lab_url, page.url
        assert WIDGET_VIEW in page.text, "the page holds no widget: the lab did not render"
        assert "There was an error" not in page.text
        # the page's kernel runs on the learner's server
        kernel_id = KERNEL_ID.search(page.text).group(1)
        kernels = learner.kernels(hub)
        assert kernels.status_code == 200
        assert kernel_id in [kernel["id"] for kernel in kernels.json()], name
        kernel_ids.add(kernel_id)
        assert hub.server(name)["url"] == f"/user/{name}/"
    assert len(kernel_ids) == len(LEARNERS)
    # the servers run the config's command: kernels of vanished pages are culled
    timeout = [arg for arg in hub.settings["Spawner"]["cmd"] if "cull_idle_timeout=" in arg]
    seconds = timeout[0].split("=")[1]
    assert f"Culling kernels with idle durations > {seconds} seconds" in hub.log.read_text()


def test_a_password_belongs_to_its_learner(hub, learners):
    # the first login set each learner's password: another one does not open that name
    _, answer = hub.log_in("grace", LEARNERS["ada"])
    assert answer.status_code == 403 and "Invalid username or password" in answer.text
    _, answer = hub.log_in("grace", LEARNERS["grace"])
    assert answer.status_code == 302


def test_a_learner_cannot_reach_another_learners_server(hub, learners, run_async):
    ada, grace = learners["ada"], learners["grace"]
    grace_kernel = KERNEL_ID.search(grace.page.text).group(1)

    # ada's browser cookies on grace's lab: the hub refuses to log ada in there
    page = ada.session.get(hub.url + grace.lab_url, timeout=60)
    assert page.status_code == 403, (page.status_code, page.url)
    assert grace_kernel not in page.text and WIDGET_VIEW not in page.text
    assert ada.session.get(f"{hub.url}user/grace/api/kernels", timeout=30).status_code == 403

    # ada's API token: grace's kernels can be neither listed nor shut down
    assert grace.kernels(hub, token=ada.token).status_code == 403
    deleted = requests.delete(
        f"{hub.url}user/grace/api/kernels/{grace_kernel}",
        headers={"Authorization": f"token {ada.token}"},
        timeout=30,
    )
    assert deleted.status_code == 403
    assert grace_kernel in [kernel["id"] for kernel in grace.kernels(hub).json()]
    # nor can ada open the websocket that runs code in grace's kernel; grace can
    channels = f"user/grace/api/kernels/{grace_kernel}/channels"
    assert _websocket_status(hub, channels, ada.token, run_async) == 403
    assert _websocket_status(hub, channels, grace.token, run_async) == 101
    # nor can the hub's API stop grace's server for ada
    assert hub.api("DELETE", "users/grace/server", token=ada.token).status_code in (403, 404)
    assert hub.server("grace")["ready"]


def _websocket_status(hub, path: str, token: str, run_async) -> int:
    """The HTTP status of a websocket handshake on `path` with `token` (101: opened)."""

    async def handshake() -> int:
        url = hub.url.replace("http", "ws", 1) + path
        request = HTTPRequest(url, headers={"Authorization": f"token {token}"})
        try:
            connection = await websocket_connect(request)
        except HTTPClientError as error:
            return error.code
        connection.close()
        return 101

    return run_async(handshake)


@pytest.fixture(scope="module")
def playing(hub, learners, browser):
    """ada's lab in Chromium, logged in through the hub's form, training."""
    context = browser.new_context(viewport=harness.VIEWPORT)
    page = context.new_page()
    harness.watch_console(page)
    if True:  # (the page's lifetime)
        try:
            page.goto(hub.url + "hub/login", timeout=WAIT)
            page.fill("#username_input", "ada")
            page.fill("#password_input", LEARNERS["ada"])
            page.click("#login_submit")
            # the hub sends a learner who logs in to their server's default page: the lab
            page.wait_for_url(hub.url + learners["ada"].lab_url, timeout=WAIT)
            harness.wait_state(
                page, "s.frame > 0 && s.loss_figure && s.play === 'Play'", None, WAIT
            )
            # The regression preset: its test loss keeps moving for thousands of epochs,
            # so the lab does not stop by itself while the culler watches (a run whose loss
            # has settled stops, and a stopped lab's server looks idle, as it is).
            before = harness.state(page)
            preset = harness.control(page, "Preset", "widget-dropdown").locator("select")
            preset.select_option("regression")
            harness.wait_state(page, "s.run > arg", before["run"], WAIT)
            if harness.state(page)["play"] == "Play":  # a new setting plays; if not, Play
                page.locator(".dllab-lab button", has_text="Play").first.click()
            yield page
            assert not harness.console_problems(page), harness.console_problems(page)[:5]
        except BaseException:
            harness.screenshot(page, "failed-jupyterhub-lab")
            raise
        finally:
            context.close()


@pytest.mark.browser
def test_a_learner_trains_the_lab_through_the_hub(playing):
    start = harness.wait_state(playing, "s.play === 'Pause' && s.epoch >= 1", None, WAIT)
    later = harness.wait_state(
        playing, "s.epoch >= arg.epoch + 10 && s.loss_d !== arg.loss_d", start, WAIT
    )
    assert later["run"] == start["run"] and later["message"] == ""
    harness.screenshot(playing, "jupyterhub-lab")


def _gone(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


@pytest.mark.browser
def test_the_idle_culler_stops_idle_servers_and_leaves_a_training_lab(hub, learners, playing):
    servers = {name: hub.server(name) for name in learners}
    assert all(server and server["ready"] for server in servers.values())
    processes = {name: [server["state"]["pid"]] for name, server in servers.items()}
    for name, pids in processes.items():  # each server and the kernels below it
        pids += harness.descendants(pids[0])
        assert len(pids) >= 2, f"{name}'s server has no kernel process"
    hub.start_culler(timeout=15, every=2)

    idle = ["grace", "alan"]
    deadline = time.monotonic() + 60
    while any(hub.server(name) for name in idle) and time.monotonic() < deadline:
        assert hub.culler.poll() is None, (hub.workdir / "culler.log").read_text()
        time.sleep(1)
    for name in idle:
        assert hub.server(name) is None, f"{name}'s idle server still runs after 60 s"
    deadline = time.monotonic() + 20
    while not all(_gone(pid) for name in idle for pid in processes[name]):
        assert time.monotonic() < deadline, "a culled server's processes still run"
        time.sleep(0.5)

    # ada's lab trained all along: its server is active, not culled, and still trains
    assert hub.server("ada")["ready"]
    assert not any(_gone(pid) for pid in processes["ada"])
    now = harness.state(playing)
    harness.wait_state(playing, "s.epoch >= arg.epoch + 5", now, WAIT)
    culled = (hub.workdir / "culler.log").read_text()
    assert "Culling server grace" in culled and "Culling server ada" not in culled
