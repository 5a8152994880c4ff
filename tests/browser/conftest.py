"""Fixtures for the real-browser tests: Voila and JupyterLab servers on 127.0.0.1 and
Debian's Chromium driven by Playwright (the `browser` fixture is in tests/conftest.py).
Screenshots go to test-artifacts/ (also one per failed test, named failed-<test>.png)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import harness  # noqa: E402  (shared with benchmarks/bench_browser.py)


@pytest.fixture(scope="session")
def voila_server():
    server = harness.start_voila()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def jupyterlab_server():
    server = harness.start_jupyterlab()
    yield server
    server.stop()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)  # for the screenshot of a failure


def _page(browser, server, request, opener):
    context = browser.new_context(viewport=harness.VIEWPORT)
    page = context.new_page()
    harness.watch_console(page)
    try:
        opener(page, server)
        yield page
        problems = harness.console_problems(page)
        assert not problems, f"the page logged errors: {problems[:5]}"
    finally:
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            try:
                harness.screenshot(page, f"failed-{request.node.name}")
            except Exception:
                pass
        harness.shut_kernel(page, server)
        context.close()


@pytest.fixture
def voila_page(browser, voila_server, request):
    """A fresh page (and kernel) with the lab open in Voila, drawn and paused."""
    yield from _page(browser, voila_server, request, harness.open_voila)


@pytest.fixture
def jupyterlab_page(browser, jupyterlab_server, request):
    """notebooks/lab.ipynb open in JupyterLab with all cells run and the lab drawn."""
    yield from _page(browser, jupyterlab_server, request, harness.open_jupyterlab)
