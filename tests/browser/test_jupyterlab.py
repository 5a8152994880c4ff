"""The lab in JupyterLab: notebooks/lab.ipynb (a temporary copy) run with "Run All Cells".

In JupyterLab widget messages reach the kernel on a subshell thread, not the main one:
this checks that the lab retrains and trains there too.
"""

from __future__ import annotations

import pytest
from harness import assert_panels_side_by_side, press, screenshot, state, wait_state

pytestmark = pytest.mark.browser


def test_lab_in_jupyterlab(jupyterlab_page):
    page = jupyterlab_page
    before = state(page)
    assert before["columns"] == "2,4,2,1"
    assert page.locator(".jp-OutputArea-output .dllab-network canvas").count() == 1
    # With the file browser hidden (Ctrl+B), the panels fit side by side at 1280 px.
    page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
    page.wait_for_function("() => !document.querySelector('#jp-left-stack:not(.lm-mod-hidden)')")
    assert_panels_side_by_side(page)
    press(page, "Hidden layers", "ArrowRight", 2)
    s = wait_state(page, "s.columns === '2,4,2,4,4,1' && s.run > arg", before["run"], 30_000)
    wait_state(page, "s.epoch >= arg.epoch + 10 && s.loss_d !== arg.loss_d && s.run === arg.run", s)
    assert "Traceback" not in page.locator(".jp-OutputArea-output").first.inner_text()
    screenshot(page, "jupyterlab-depth-4")
