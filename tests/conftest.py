"""Fixtures shared by every test folder: one Chromium for the whole run (Playwright's
sync API holds an event loop in the main thread while it is open, so a second one, or an
`asyncio.run` beside it, would fail), and a way to run a coroutine beside it."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))
import harness  # noqa: E402  (shared with the benchmarks)


@pytest.fixture(scope="session")
def browser():
    missing = harness.chromium_missing()
    if missing:  # CI installs Chromium: its absence is a failure, not a reason to skip
        pytest.fail(missing, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        yield browser
        browser.close()


def run_coroutine(make_coroutine):
    """`asyncio.run(make_coroutine())` on a thread of its own (the main thread may hold
    Playwright's loop), returning its result or raising its error."""
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = asyncio.run(make_coroutine())
        except BaseException as error:  # handed to the caller below
            result["error"] = error

    thread = threading.Thread(target=run, name="test-asyncio")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


@pytest.fixture
def run_async():
    """`run_async(make_coroutine)`: see `run_coroutine`."""
    return run_coroutine
