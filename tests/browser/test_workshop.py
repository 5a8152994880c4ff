"""The lessons served as a public Voila app, as the README starts it (`voila notebooks/`
from the repository root, which makes Voila read the repository's voila.json).

- no notebook source reaches the page, no traceback is shown, nothing outside notebooks/
  is served;
- a page's kernel websocket carries widget (comm) messages only: an `execute_request`
  sent on it, as a page's script could, runs nothing;
- closing a page shuts its kernel down;
- classroom mode in a page: hidden controls are not shown, a typed setup retrains.

`dllab.load_network` never unpickles what it reads: tests/test_io.py
(test_a_pickled_object_array_is_refused_not_unpickled and the tests beside it).
"""

from __future__ import annotations

import html
import json
import time
import uuid

import harness
import pytest
import workshop

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


@pytest.fixture(scope="module")
def app():
    """The README's command, from the repository root."""
    server = workshop.start_app()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def made_app():
    """Notebooks made here, in a folder laid out like the repository (its voila.json)."""
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
    page.goto(f"{server.url}voila/render/{notebook}", timeout=WAIT)
    return harness.wait_state(page, "s.frame > 0 && s.loss_figure && s.loss_d", timeout=WAIT)


def assert_config_in_force(server) -> None:
    """The server runs with the repository's voila.json: Voila logs the culler's numbers
    from the file once it has started a kernel."""
    config = json.loads(workshop.APP_CONFIG.read_text())
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
    page.goto(app.url, timeout=WAIT)
    page.get_by_text("lab.ipynb").first.wait_for(timeout=WAIT)
    text = page.inner_text("body")
    for name in served:
        assert name in text
    for other in ("README", "pyproject", "binder", "dllab", "tests", "voila.json"):
        assert other not in text, f"the listing shows {other!r}"
    harness.screenshot(page, "workshop-listing")


def test_a_failing_notebook_shows_no_traceback(made_app, new_page):
    page = new_page()
    page.goto(f"{made_app.url}voila/render/raises.ipynb", timeout=WAIT)
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
    gradient = page.locator(".bqplot.figure", has_text="Gradient flow")
    assert gradient.count() == 0 or not gradient.first.is_visible()
    for description in ("Learning rate", "Hidden layers"):
        assert harness.slider_handle(page, description).is_visible()
    setup = harness.control(page, "Setup", "widget-text").locator("input")
    assert setup.is_visible()
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
