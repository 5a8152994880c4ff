"""The lessons served to a room, as the README starts it (`dllab-room`: Voila with a room
token, a cap on kernels and a Host check, from `dllab.room`).

- no notebook source reaches the page, no traceback is shown, nothing outside notebooks/
  is served;
- a page's kernel websocket carries widget (comm) messages only: an `execute_request`
  sent on it, as a page's script could, runs nothing;
- closing a page shuts its kernel down (Voila's page-close beacon, with the XSRF check on);
- classroom mode in a page: hidden controls are not shown, a typed setup retrains;
- the room: without its token (or from another site) a request starts no kernel and
  gets a page saying to ask for the room's link; 30 quick requests with the token start
  no more kernels than the cap, past it a new page says the room is full and the pages
  already open keep working; a forged Host (DNS rebinding) can neither render, open a
  kernel's websocket nor delete a kernel; a request without the page's `_xsrf` value
  cannot shut a kernel down, even with a learner's login cookie.

`dllab.load_network` never unpickles what it reads: tests/test_io.py
(test_a_pickled_object_array_is_refused_not_unpickled and the tests beside it).
"""

from __future__ import annotations

import html
import http.server
import json
import threading
import time
import uuid

import harness
import pytest
import workshop

from dllab.room import LESSON_SETTINGS

pytestmark = pytest.mark.browser

WAIT = 60_000  # ms: bounded waits for a page's kernel on a loaded machine
SECRET = "s3cr3t-" + uuid.uuid4().hex[:8]
HIDDEN = ["regularization", "regularization_rate", "init", "seed", "gradient_flow", "features"]
CLASSROOM = [
    "#md # Classroom",
    'from dllab import Lab\n\nLab(preset="xor with a feature cross", hide=' + repr(HIDDEN) + ")",
]
RAISES = [
    "#md # A lesson that breaks",
    f'secret = "{SECRET}"\nraise ValueError(f"broken lesson: {{secret}}")',
]


CAP = 3  # kernels, for the full room's test


@pytest.fixture(scope="module")
def app():
    """The README's command, from the repository root (its own token, the default cap)."""
    server = workshop.start_app()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def small_room():
    """The README's command with a small cap."""
    server = workshop.start_app(name="voila-small-room", extra=("--max-kernels", str(CAP)))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def made_app():
    """Notebooks made here, in a folder laid out like the repository."""
    folder = workshop.app_folder({"classroom.ipynb": CLASSROOM, "raises.ipynb": RAISES})
    server = workshop.start_app(cwd=folder, name="voila-made", workdir=folder)
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, request):
    """Pages in their own browser context; a screenshot of each at a failure."""
    opened = []

    def make():
        context = browser.new_context(viewport=harness.VIEWPORT)
        page = context.new_page()
        opened.append((context, page))
        return page

    yield make
    report = getattr(request.node, "report_call", None)
    for i, (context, page) in enumerate(opened):
        if report is None or report.failed:
            try:
                harness.screenshot(page, f"failed-{request.node.name}-{i}")
            except Exception:
                pass
        try:
            page.close(run_before_unload=True)  # as a tab closes: Voila frees the kernel
        except Exception:
            pass
        context.close()


def open_lab(page, server, notebook: str) -> dict:
    page.goto(workshop.page_url(server, f"voila/render/{notebook}"), timeout=WAIT)
    return harness.wait_state(page, "s.frame > 0 && s.loss_figure && s.loss_d", timeout=WAIT)


def assert_config_in_force(server) -> None:
    """The server runs with the lessons' settings (dllab.room.LESSON_SETTINGS, the same as
    voila.json's: tests/test_room.py): Voila logs the culler's numbers once it has started
    a kernel."""
    config = LESSON_SETTINGS
    assert config["VoilaConfiguration"]["strip_sources"] is True
    assert config["VoilaConfiguration"]["show_tracebacks"] is False
    assert config["VoilaExecutor"]["iopub_timeout"] >= 30  # pages opened in a rush
    culling = config["MappingKernelManager"]
    assert culling["cull_idle_timeout"] <= 120 and not culling["cull_connected"]
    wanted = (
        f"Culling kernels with idle durations > {culling['cull_idle_timeout']} seconds "
        f"at {culling['cull_interval']} second intervals"
    )
    assert wanted in server.log.read_text(), server.log_tail()


@pytest.mark.parametrize("notebook", ["lab.ipynb", "02_watch_it_learn.ipynb"])
def test_a_lesson_page_holds_no_source_code(app, notebook):
    before = len(workshop.kernel_pids(app))
    status, page = workshop.request(app, "GET", f"/voila/render/{notebook}")
    assert status == 200
    assert "application/vnd.jupyter.widget-view+json" in page  # the lab's output is there
    assert_config_in_force(app)
    lines = workshop.notebook_sources(harness.NOTEBOOKS / notebook)
    assert "from dllab import Lab" in lines
    for line in lines:
        assert line not in page and html.escape(line) not in page, f"source shown: {line!r}"
    # The page's kernel is freed by the URL the page's beacon posts to when it closes.
    kernel_id = workshop.KERNEL_ID.search(page).group(1)
    assert workshop.shutdown_kernel(app, kernel_id) == 204
    left, _ = workshop.wait_kernels(app, before, 30)
    assert len(left) <= before


OUTSIDE = {  # raw paths -> text that would show the file was served
    "/voila/render/../README.md": "Learn how deep learning works",
    "/voila/render/..%2FREADME.md": "Learn how deep learning works",
    "/voila/render/%2E%2E/pyproject.toml": "[build-system]",
    "/voila/files/../pyproject.toml": "[build-system]",
    "/voila/files/..%2Fbinder%2FpostBuild": "pip install",
    "/voila/files/lab.ipynb": "from dllab import Lab",  # a notebook's source, as a file
    "/voila/render//etc/passwd": "root:",
    "/voila/files/%2Fetc%2Fpasswd": "root:",
    "/voila/tree/..": "pyproject",
    "/voila/api/contents/..": "pyproject",
    "/voila/api/contents/..%2Fdllab": "network.py",
    "/README.md": "Learn how deep learning works",
    "/voila/api/contents/lab.ipynb?content=1": "from dllab import Lab",
}


def test_only_the_notebooks_are_served(app, new_page):
    before = len(workshop.kernel_pids(app))
    for path, tell in OUTSIDE.items():
        status, body = workshop.request(app, "GET", path, timeout=30)
        assert tell not in body, f"{path} answered {status} with the file's content"
        assert status != 200 or path.startswith("/voila/api/contents/lab"), (path, status)
    assert len(workshop.kernel_pids(app)) == before, "a request outside started a kernel"

    served = sorted(p.name for p in harness.NOTEBOOKS.glob("*.ipynb"))
    status, body = workshop.request(app, "GET", "/voila/api/contents/")
    assert status == 200
    assert sorted(item["name"] for item in json.loads(body)["content"]) == served
    # The listing page, as a person sees it: the notebooks and nothing else.
    page = new_page()
    page.goto(app.link, timeout=WAIT)  # the link the room printed
    page.get_by_text("lab.ipynb").first.wait_for(timeout=WAIT)
    text = page.inner_text("body")
    for name in served:
        assert name in text
    for other in ("README", "pyproject", "binder", "dllab", "tests", "voila.json"):
        assert other not in text, f"the listing shows {other!r}"
    harness.screenshot(page, "workshop-listing")


def test_a_failing_notebook_shows_no_traceback(made_app, new_page):
    page = new_page()
    page.goto(workshop.page_url(made_app, "voila/render/raises.ipynb"), timeout=WAIT)
    page.get_by_text("A lesson that breaks").wait_for(timeout=WAIT)
    # What Voila 0.5 shows instead of the error (wording of its template).
    page.get_by_text("There was an error when executing cell").wait_for(timeout=WAIT)
    shown, source = page.inner_text("body"), page.content()
    harness.screenshot(page, "workshop-raises")
    for words in (SECRET, "broken lesson", "ValueError"):
        assert words not in shown and words not in source, f"{words!r} reached the page"
    found = harness.TRACEBACK.search(shown)
    assert found is None, f"a traceback is shown: {shown[found.start() :][:200]}"


@pytest.mark.parametrize("protocol", ["v1", "json"])
def test_the_kernel_websocket_runs_no_code(app, new_page, tmp_path, protocol):
    page = new_page()
    open_lab(page, app, "lab.ipynb")
    kernel_id = workshop.page_kernel_id(page)
    marker = tmp_path / "executed"
    code = f"open({str(marker)!r}, 'w').write('ran')"
    answer = workshop.probe_channels(
        page,
        kernel_id,
        protocol,
        [
            {"channel": "shell", "msg_type": "kernel_info_request", "content": {}},
            workshop.execute_request(code),
            workshop.execute_request(code, channel="control"),
            {"channel": "shell", "msg_type": "comm_info_request", "content": {"target_name": ""}},
        ],
        # The shell channel answers in order: once comm_info_reply is in, the executes
        # before it have been dealt with.
        until=("kernel_info_reply", "comm_info_reply"),
    )
    if protocol == "v1":
        assert answer["protocol"] == "v1.kernel.websocket.jupyter.org"
    types = {(seen.get("parent"), seen.get("msg_type")) for seen in answer["seen"]}
    # The socket works and the kernel answers what Voila lets through...
    assert ("kernel_info_request", "kernel_info_reply") in types, answer
    assert ("comm_info_request", "comm_info_reply") in types, answer
    # ...but the code was never run: no reply, no output, no file.
    assert not [t for t in types if t[0] == "execute_request"], answer
    time.sleep(1.0)
    assert not marker.exists(), "an execute_request sent on the page's websocket ran"
    assert 'Received message of type "execute_request", which is not allowed' in app.log_tail(400)
    # The lab in the page is unharmed.
    before = harness.state(page)
    harness.press(page, "Learning rate", "ArrowRight")
    harness.wait_state(page, "s.run > arg", before["run"], WAIT)


def test_closing_a_page_shuts_its_kernel_down(app, browser):
    before = set(workshop.kernel_pids(app))
    context = browser.new_context(viewport=harness.VIEWPORT)
    try:
        page = context.new_page()
        open_lab(page, app, "lab.ipynb")
        kernel_id = workshop.page_kernel_id(page)
        mine = set(workshop.kernel_pids(app)) - before
        assert len(mine) == 1
        page.locator(".dllab-lab button", has_text="Play").first.click()
        harness.wait_state(page, "s.play === 'Pause' && s.epoch > 0", timeout=WAIT)
        page.close(run_before_unload=True)  # the tab closes while the lab trains
        deadline = time.monotonic() + 30
        while mine & set(workshop.kernel_pids(app)) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert not mine & set(workshop.kernel_pids(app)), (
            "the kernel of a closed page still runs:\n" + app.log_tail()
        )
        assert f"Kernel shutdown: {kernel_id}" in app.log.read_text()
    finally:
        context.close()


def test_classroom_mode_in_a_page(made_app, new_page):
    page = new_page()
    s = open_lab(page, made_app, "classroom.ipynb")
    assert s["columns"] == "3,1"  # xor with x1, x2, x1*x2 and no hidden layer
    for description, kind in [
        ("Regularization", "widget-dropdown"),
        ("Regularization rate", "widget-dropdown"),
        ("Initial weights", "widget-dropdown"),
        ("Seed", "widget-text"),
    ]:
        widget = harness.control(page, description, kind)
        assert widget.count() == 0 or not widget.is_visible(), f"{description} is shown"
    assert not page.get_by_role("button", name="x1*x2", exact=True).is_visible()
    gradient = page.locator(".dllab-curves-view[aria-label^='Gradient flow']")
    assert gradient.count() == 0 or not gradient.first.is_visible()
    for description in ("Learning rate", "Hidden layers"):
        assert harness.slider_handle(page, description).is_visible()
    setup = harness.control(page, "Setup", "widget-text").locator("input")
    page.locator(".dllab-lab button", has_text="More settings").first.click()  # where it lives
    setup.wait_for(state="visible", timeout=WAIT)
    assert setup.input_value() == "dataset=xor&features=x1,x2,x1*x2&hidden="
    harness.screenshot(page, "workshop-classroom")

    typed = "dataset=circle&features=x1^2,x2^2&hidden=3"
    setup.click()
    setup.fill(typed)
    setup.press("Enter")
    s = harness.wait_state(page, "s.columns === '2,3,1' && s.run > arg", s["run"], WAIT)
    later = harness.wait_state(
        page, "s.play === 'Pause' && s.epoch >= 5 && s.run === arg", s["run"], WAIT
    )
    assert later["message"] == ""
    assert setup.input_value() == "features=x1^2,x2^2&hidden=3"  # circle is the default
    dataset = harness.control(page, "Dataset", "widget-dropdown").locator("select")
    assert dataset.input_value() == "circle" or "Circle" in dataset.inner_text()
    harness.screenshot(page, "workshop-classroom-setup")


# -- the room: token, cap, Host, XSRF ----------------------------------------------------------
NEEDS_LINK = "Ask your teacher for the room's link"
ELSEWHERE = "http://elsewhere.test"


def cookie_header(context, names=None) -> str:
    """The browser's cookies for the room, as a Cookie header (all, or those in `names`)."""
    return "; ".join(
        f"{c['name']}={c['value']}"
        for c in context.cookies()
        if names is None or c["name"] in names
    )


def login_cookie(context) -> str:
    return next(c["name"] for c in context.cookies() if c["name"].startswith("username-"))


def test_without_the_token_no_kernel_starts_and_the_page_says_what_to_do(app, new_page):
    before, running = workshop.kernels_started(app), len(workshop.kernel_pids(app))
    lab = "/voila/render/lab.ipynb"
    asked = [
        (lab, {}),  # no token
        (lab + "?token=not-the-token", {}),  # a wrong one
        # a cross-site GET: what an <img> or <iframe> on another site sends
        (lab, {"Origin": ELSEWHERE, "Referer": f"{ELSEWHERE}/page.html"}),
        ("/voila/render/02_watch_it_learn.ipynb", {"Sec-Fetch-Site": "cross-site"}),
    ]
    for path, headers in asked:
        status, body = workshop.request(app, "GET", path, headers=headers, token=False)
        assert status == 200 and NEEDS_LINK in body, (path, headers, status, body[:300])
        assert "kernelId" not in body and "widget-view" not in body
    # Nothing else answers without it either.
    made_up = str(uuid.uuid4())
    for method, path in [
        ("DELETE", f"/api/kernels/{made_up}"),
        ("GET", f"/api/kernels/{made_up}"),
        ("POST", f"/voila/api/shutdown/{made_up}"),
        ("GET", "/voila/api/contents/"),
    ]:
        status, body = workshop.request(app, method, path, token=False, redirects=0)
        assert status in (302, 403), (method, path, status, body[:300])
        assert "lab.ipynb" not in body
    assert workshop.kernels_started(app) == before, "a request without the token started a kernel"
    assert len(workshop.kernel_pids(app)) == running

    # As a learner sees it; typing the room's code in the page opens the lab.
    page = new_page()
    page.goto(f"{app.url}voila/render/lab.ipynb", timeout=WAIT)
    page.get_by_text(NEEDS_LINK).wait_for(timeout=WAIT)
    assert "?token=" in page.inner_text("body")
    harness.screenshot(page, "room-needs-link")
    assert workshop.kernels_started(app) == before
    page.fill("#room-code", "not-the-token")
    page.get_by_role("button", name="Open the lab").click()
    page.get_by_text("That is not this room's code").wait_for(timeout=WAIT)
    page.fill("#room-code", app.token)
    page.get_by_role("button", name="Open the lab").click()
    harness.wait_state(page, "s.frame > 0 && s.loss_figure", timeout=WAIT)
    assert workshop.kernels_started(app) == before + 1


def test_a_page_on_another_site_starts_no_kernel(app, browser):
    """A learner logged in to the room visits another site, whose page points an <img>, an
    <iframe> and a script at the lab: no kernel starts (the login cookie is SameSite=Lax,
    so none of them carries it, and without it the room asks for its link). The other
    site is served from this machine too, as `localhost` (another site than 127.0.0.1)."""
    lab = f"{app.url}voila/render/lab.ipynb"
    other_site = f"""<!DOCTYPE html><html><body><h1>Another site</h1>
      <img src="{lab}"><iframe src="{lab}?x=1"></iframe>
      <script>fetch("{lab}?x=2", {{mode: "no-cors", credentials: "include"}})
        .finally(() => {{ document.title = "fetched"; }});</script></body></html>"""

    class OtherSite(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = other_site.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), OtherSite)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    context = browser.new_context(viewport=harness.VIEWPORT)
    try:
        page = context.new_page()
        page.goto(app.link, timeout=WAIT)  # logged in: the room's cookie is in the browser
        page.get_by_text("lab.ipynb").first.wait_for(timeout=WAIT)
        cookie = next(c for c in context.cookies() if c["name"] == login_cookie(context))
        assert cookie["sameSite"] == "Lax" and cookie["httpOnly"], cookie
        before = workshop.kernels_started(app)
        visit = context.new_page()
        answered = []  # the other page's requests to the room that got an answer
        visit.on(
            "response",
            lambda answer: answered.append(answer.url) if answer.url.startswith(lab) else None,
        )
        visit.goto(f"http://localhost:{site.server_address[1]}/page.html", timeout=WAIT)
        deadline = time.monotonic() + 60
        while len(answered) < 3 and time.monotonic() < deadline:
            assert workshop.kernels_started(app) == before, "another site's page started a kernel"
            visit.wait_for_timeout(200)
        visit.wait_for_function("() => document.title === 'fetched'", timeout=WAIT)
        harness.screenshot(visit, "room-other-site")
        assert workshop.kernels_started(app) == before, "another site's page started a kernel"
        assert len(answered) >= 3, answered  # the image, the frame and the script all asked
    finally:
        context.close()
        site.shutdown()
        site.server_close()


def test_thirty_quick_requests_make_no_more_kernels_than_the_cap(small_room, browser):
    room = small_room
    context = browser.new_context(viewport=harness.VIEWPORT)
    late = browser.new_context(viewport=harness.VIEWPORT)
    try:
        page = context.new_page()
        open_lab(page, room, "lab.ipynb")  # a learner already in the room
        started = workshop.kernels_started(room)
        assert started == 1 and len(workshop.kernel_pids(room)) == 1

        peak, flooding = [0], threading.Event()

        def watch():
            while not flooding.is_set():
                peak[0] = max(peak[0], len(workshop.kernel_pids(room)))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            answers = workshop.many_requests(room, "/voila/render/lab.ipynb", 30, timeout=180)
        finally:
            flooding.set()
            watcher.join()
        served = [body for status, body in answers if status == 200]
        refused = [body for status, body in answers if status == 503]
        assert len(served) + len(refused) == 30, [status for status, _ in answers]
        assert len(served) == CAP - 1, f"{len(served)} of 30 requests got a lab"
        for body in served:
            assert workshop.KERNEL_ID.search(body)
        for body in refused:
            assert "The room is full" in body and "try again in a minute" in body.lower()
            assert "kernelId" not in body
        assert workshop.kernels_started(room) == CAP, room.log_tail()
        assert peak[0] <= CAP and len(workshop.kernel_pids(room)) == CAP

        # A new page, now: the room-full page, no kernel.
        other = late.new_page()
        other.goto(workshop.page_url(room, "voila/render/lab.ipynb"), timeout=WAIT)
        other.get_by_text("The room is full").wait_for(timeout=WAIT)
        harness.screenshot(other, "room-full")
        assert workshop.kernels_started(room) == CAP

        # The page already open keeps working: its lab answers a slider and its button.
        before = harness.state(page)
        harness.press(page, "Learning rate", "ArrowRight")
        now = harness.wait_state(page, "s.run > arg", before["run"], WAIT)
        page.locator(".dllab-lab button", has_text=now["play"]).first.click()
        harness.wait_state(page, "s.play !== arg", now["play"], WAIT)

        # Places freed: a page gets a lab again.
        for body in served:
            assert workshop.shutdown_kernel(room, workshop.KERNEL_ID.search(body).group(1)) == 204
        left, _ = workshop.wait_kernels(room, 1, 30)
        assert len(left) == 1
        other.goto(workshop.page_url(room, "voila/render/lab.ipynb"), timeout=WAIT)
        harness.wait_state(other, "s.frame > 0 && s.loss_figure", timeout=WAIT)
        for closing in (other, page):
            closing.close(run_before_unload=True)
        left, _ = workshop.wait_kernels(room, 0, 30)
        assert not left, room.log_tail()
    finally:
        context.close()
        late.close()


def test_a_forged_host_cannot_render_open_the_websocket_or_delete_a_kernel(app, new_page):
    """DNS rebinding: a page on another name, resolved to this server, sends that name as
    `Host` and a matching `Origin`."""
    page = new_page()
    open_lab(page, app, "lab.ipynb")
    kernel_id = workshop.page_kernel_id(page)
    port = app.url.rsplit(":", 1)[1].strip("/")
    forged = f"rebound.example:{port}"
    as_rebound = {"Host": forged, "Origin": f"http://{forged}"}
    xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_xsrf")
    # Even with a learner's credentials (which such a page would not have: its name gets
    # no cookie of the room's, and it does not know the token).
    credentials = {
        "Cookie": cookie_header(page.context),
        "Authorization": f"token {app.token}",
        "X-XSRFToken": xsrf,
    }
    before = workshop.kernels_started(app)
    for headers in (as_rebound, {**as_rebound, **credentials}):
        status, _, body = workshop.send(app, "GET", "/voila/render/lab.ipynb", headers)
        assert status == 403 and "does not answer to the address" in body, (status, body[:300])
        with_token = f"/voila/render/lab.ipynb?token={app.token}"
        status, _, body = workshop.send(app, "GET", with_token, headers)
        assert status == 403
        assert workshop.websocket_status(app, kernel_id, headers) == 403
        status, _, _ = workshop.send(app, "DELETE", f"/api/kernels/{kernel_id}", headers)
        assert status == 403
        status, _, _ = workshop.send(app, "POST", f"/voila/api/shutdown/{kernel_id}", headers)
        assert status == 403
    assert workshop.kernels_started(app) == before
    assert f"Kernel shutdown: {kernel_id}" not in app.log.read_text()
    # By the room's own address the same credentials open the websocket (so the refusals
    # above were the Host's), and the kernel is still there.
    assert workshop.websocket_status(app, kernel_id, {"Cookie": cookie_header(page.context)}) == 101
    status, _, _ = workshop.send(app, "GET", f"/api/kernels/{kernel_id}", credentials)
    assert status == 200
    before_state = harness.state(page)
    harness.press(page, "Learning rate", "ArrowRight")
    harness.wait_state(page, "s.run > arg", before_state["run"], WAIT)


def test_the_xsrf_check_is_on_and_the_page_holds_the_cookie_its_beacon_sends(app, new_page):
    page = new_page()
    open_lab(page, app, "lab.ipynb")
    kernel_id = workshop.page_kernel_id(page)
    names = {c["name"] for c in page.context.cookies()}
    assert "_xsrf" in names, names  # set by the lesson's page, read by its beacon
    login = {"Cookie": cookie_header(page.context, {login_cookie(page.context)})}
    both = {"Cookie": cookie_header(page.context)}
    # A learner's login cookie, and even the _xsrf cookie, without the _xsrf value in the
    # request: what another site's form or script could send. Refused, kernel kept.
    for headers in (login, both, {**both, "Origin": ELSEWHERE}):
        for method, path in [
            ("DELETE", f"/api/kernels/{kernel_id}"),
            ("POST", f"/voila/api/shutdown/{kernel_id}"),
        ]:
            status, _, body = workshop.send(app, method, path, headers)
            assert status in (403, 404), (method, path, headers.keys(), status, body[:300])
    status, _, _ = workshop.send(app, "GET", f"/api/kernels/{kernel_id}", both)
    assert status == 200, "the kernel is gone"
    assert f"Kernel shutdown: {kernel_id}" not in app.log.read_text()
    assert "disable_check_xsrf" not in json.dumps(json.loads(workshop.APP_CONFIG.read_text()))
