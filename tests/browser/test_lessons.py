"""Every lesson notebook rendered by Voila in Chromium, with the clicks that matter: an
inspector step, a sweep started and cancelled, a feature toggled, a quiz click, a drawn
digit. Screenshots go to test-artifacts/lesson-*.png."""

from __future__ import annotations

import re

import harness
import pytest

pytestmark = pytest.mark.browser
TIMEOUT = 90_000


@pytest.fixture(scope="module")
def lessons_server():
    server = harness.start_voila(harness.NOTEBOOKS)  # the folder: one page per notebook
    yield server
    server.stop()


@pytest.fixture
def open_lesson(browser, lessons_server):
    opened = []

    def open_page(name: str, ready: str):
        context = browser.new_context(viewport=harness.VIEWPORT)
        page = context.new_page()
        harness.watch_console(page)
        opened.append((page, context))
        page.goto(f"{lessons_server.url}voila/render/{name}.ipynb", timeout=TIMEOUT)
        page.wait_for_selector(ready, timeout=TIMEOUT)
        return page

    yield open_page
    problems = [problem for page, _ in opened for problem in harness.console_problems(page)]
    for page, context in opened:
        harness.shut_kernel(page, lessons_server)
        context.close()
    assert not problems, f"a lesson's page logged errors: {problems[:5]}"


def no_traceback(page) -> None:
    text = page.inner_text("body")
    assert not harness.TRACEBACK.search(text), text[:2000]
    assert not page.errors


def button(page, root: str, label: str):
    return page.locator(f"{root} button").filter(has_text=re.compile(rf"^\s*{label}\s*$"))


def test_backprop_inspector_steps_through_the_stages(open_lesson):
    page = open_lesson("01_forward_backward", ".dllab-backprop canvas")
    for stage in ("Forward", "Loss", "Backward", "Update"):
        button(page, ".dllab-backprop", stage).first.click()
        page.wait_for_function(
            f"() => (document.querySelector('.dllab-indicator .dllab-current') || {{}})"
            f".textContent === '{stage}'",
            timeout=TIMEOUT,
        )
        if stage == "Backward":
            cells = page.locator("table.dllab-matrix td[data-value]")
            assert cells.count() > 10
            harness.screenshot(page, "lesson-01-backward")
    assert page.locator(".dllab-descent .dllab-verdict").count() == 1
    no_traceback(page)


def test_watch_it_learn_shows_the_deep_sigmoid_lab(open_lesson):
    page = open_lesson("02_watch_it_learn", ".dllab-network canvas[data-frame]")
    columns = page.get_attribute(".dllab-network canvas", "data-columns")
    assert columns == "2,8,8,8,8,8,8,1"
    no_traceback(page)


def test_watch_it_learn_shows_play_and_the_gradient_flow_on_a_projector(open_lesson):
    """The lesson says "press Play and watch Gradient flow": both on screen at 1280 x 800."""
    page = open_lesson("02_watch_it_learn", ".dllab-network canvas[data-frame]")
    page.set_viewport_size(harness.PROJECTOR)
    page.locator(".dllab-lab button", has_text="Play").first.click()
    harness.wait_state(page, "s.epoch >= 10", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.querySelectorAll('.dllab-lab .bqplot.figure g.curve path.line').length > 0",
        timeout=TIMEOUT,
    )
    harness.on_screen(page, "Output", "Gradient flow")
    page.screenshot(path=str(harness.ARTIFACTS / "lesson-02-projector.png"))
    no_traceback(page)


def test_depth_sweep_fills_its_heatmap_and_can_be_cancelled(open_lesson):
    page = open_lesson("03_why_depth", ".dllab-depth-sweep button")
    button(page, ".dllab-depth-sweep", "Run").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.dllab-depth-sweep text.label').length >= 6",
        timeout=TIMEOUT,
    )
    button(page, ".dllab-depth-sweep", "Cancel").click()
    page.wait_for_function(
        "() => /Cancelled after|Done: 36/.test("
        "document.querySelector('.dllab-sweep-progress').textContent)",
        timeout=TIMEOUT,
    )
    harness.screenshot(page, "lesson-03-sweep")
    no_traceback(page)


def test_deep_vs_traditional_retrains_only_the_featured_model(open_lesson):
    page = open_lesson(
        "04_deep_vs_traditional", '.dllab-compare .dllab-status[data-status="ready"]'
    )
    titles = page.locator(".dllab-compare .mainheading").all_text_contents()
    assert sum("%" in title for title in titles) == 4
    button(page, ".dllab-compare", "x1\\*x2").click()
    page.wait_for_selector("text=Only (b) was retrained", timeout=TIMEOUT)
    harness.screenshot(page, "lesson-04-compare")
    no_traceback(page)


def test_quiz_answers_a_click_and_a_drawn_digit(open_lesson):
    page = open_lesson("05_quiz", "canvas.dllab-plane")
    page.wait_for_selector("canvas.dllab-pad", timeout=TIMEOUT)
    page.locator("canvas.dllab-plane").scroll_into_view_if_needed()
    plane = page.locator("canvas.dllab-plane").bounding_box()
    page.mouse.click(plane["x"] + plane["width"] * 0.6, plane["y"] + plane["height"] * 0.4)
    page.wait_for_selector('.dllab-quiz-answer[data-click="1"]', timeout=TIMEOUT)
    assert "It says" in page.inner_text(".dllab-quiz-prediction")
    assert "Confidence" in page.inner_text(".dllab-quiz-confidence")

    page.locator("canvas.dllab-pad").scroll_into_view_if_needed()
    pad = page.locator("canvas.dllab-pad").bounding_box()
    left, top, size = pad["x"], pad["y"], pad["width"]
    page.mouse.move(left + 0.3 * size, top + 0.2 * size)
    page.mouse.down()
    for step in range(1, 11):  # a stroke down the middle: a "1"
        page.mouse.move(left + 0.5 * size, top + (0.2 + 0.06 * step) * size)
    page.mouse.up()
    page.wait_for_selector('.dllab-digit-answer[data-empty="false"]', timeout=TIMEOUT)
    assert re.fullmatch(r"\d", page.inner_text(".dllab-digit-said").strip())
    harness.screenshot(page, "lesson-05-quiz")
    no_traceback(page)


def test_digits_report_shows_its_confusion_matrix(open_lesson):
    page = open_lesson("06_digits", ".dllab-digits-report rect.heatmapcell")
    page.wait_for_function(
        "() => /%/.test(document.querySelector('.dllab-digits-report .dllab-status').textContent)",
        timeout=TIMEOUT,
    )
    assert page.locator(".dllab-digits-report rect.heatmapcell").count() == 100
    harness.screenshot(page, "lesson-06-digits")
    no_traceback(page)
