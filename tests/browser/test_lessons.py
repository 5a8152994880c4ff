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


def test_backprop_diagram_names_its_example_and_the_larger_network_and_descent_draw(open_lesson):
    page = open_lesson("01_forward_backward", ".dllab-backprop canvas")
    caption = page.locator(".dllab-backprop .dllab-diagram-caption")
    assert "values for example 1 of the batch" in caption.inner_text()
    about = page.locator(".dllab-backprop .dllab-about")
    assert "2 inputs → 3 neurons → 2 neurons → 1 output neuron" in about.inner_text()
    button(page, ".dllab-backprop", "Forward").first.click()
    page.wait_for_selector(".dllab-backprop th.dllab-in-diagram", timeout=TIMEOUT)
    marked = page.locator(".dllab-backprop th.dllab-in-diagram").all_text_contents()
    assert marked and set(marked) == {"ex 1"}
    assert not re.search(r"\de-\d", page.inner_text(".dllab-backprop"))
    harness.screenshot(page, "lesson-01-forward")

    harness.control(page, "Network", "widget-dropdown").locator("select").select_option(
        label="2-8-8-1 (heatmaps)"
    )
    page.wait_for_function(
        "() => /8 neurons → 8 neurons/.test("
        "document.querySelector('.dllab-backprop .dllab-about').textContent)",
        timeout=TIMEOUT,
    )
    button(page, ".dllab-backprop", "Forward").first.click()
    page.wait_for_function(
        "() => document.querySelectorAll('.dllab-backprop rect.heatmapcell').length >= 64",
        timeout=TIMEOUT,
    )
    harness.screenshot(page, "lesson-01-heatmaps")

    descent = page.locator(".dllab-descent")
    descent.scroll_into_view_if_needed()
    harness.press(page, "Learning rate", "ArrowRight", times=2)  # 0.1 -> 0.15 -> 0.2
    page.wait_for_selector('.dllab-descent .dllab-verdict[data-kind="diverged"]', timeout=TIMEOUT)
    assert descent.locator("g.curve path.line").count() >= 2
    harness.screenshot(page, "lesson-01-descent")
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
    gradient = ".dllab-lab .dllab-curves-view[aria-label^='Gradient flow']"
    page.wait_for_function(
        f'() => Number(document.querySelector("{gradient}")?.dataset.points) > 0',
        timeout=TIMEOUT,
    )
    # A log axis of whole decades, from below the smallest gradient to above the largest.
    ticks = page.get_attribute(gradient, "data-ticks").split(",")
    exponents = [0 if tick == "1" else int(tick.removeprefix("1e")) for tick in ticks]
    assert len(exponents) >= 2 and exponents == sorted(exponents), ticks
    assert len({b - a for a, b in zip(exponents, exponents[1:])}) == 1, ticks  # evenly
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


# The image a bqplot HeatMap draws, in the sweep's figure of the chosen network's plane.
PLANE_IMAGE_JS = """() => {
  const figure = [...document.querySelectorAll('.dllab-depth-sweep .bqplot.figure')].find(
    (f) => /What it draws/.test((f.querySelector('.mainheading') || {}).textContent));
  const image = figure && figure.querySelector('image');
  return image ? image.getAttribute('href') : null;
}"""


def test_depth_sweep_shows_what_a_chosen_network_draws(open_lesson):
    page = open_lesson("03_why_depth", ".dllab-depth-sweep button")
    blank = page.evaluate(PLANE_IMAGE_JS)
    assert blank and page.locator(".dllab-depth-sweep .dot").count() == 250  # the points
    button(page, ".dllab-depth-sweep", "Run").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.dllab-depth-sweep text.label').length >= 6",
        timeout=TIMEOUT,
    )
    page.locator(".dllab-depth-sweep rect.heatmapcell").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dllab-depth-sweep .mainheading')].some("
        "(h) => h.textContent === 'Chosen: 1 layer of 2 neurons')",
        timeout=TIMEOUT,
    )
    page.wait_for_function(f"(blank) => ({PLANE_IMAGE_JS})() !== blank", arg=blank)
    # The title, the picture and the details are separate widgets, each updated when its own
    # message lands: wait for the details to name the chosen network too.
    page.wait_for_function(
        "() => (document.querySelector('.dllab-sweep-details') || {}).textContent"
        "?.includes('1 layer of 2 neurons: 300 epochs')",
        timeout=TIMEOUT,
    )
    assert "what it draws" in page.inner_text(".dllab-sweep-details")
    button(page, ".dllab-depth-sweep", "Cancel").click()
    harness.screenshot(page, "lesson-03-chosen")
    no_traceback(page)


# Dark grey text pixels beside each output tile of the digits picture: [right, left].
LABEL_PIXELS_JS = """() => {
  const canvas = document.querySelectorAll('.dllab-layer-gallery canvas')[1];
  const ratio = canvas.width / canvas.clientWidth;
  const ctx = canvas.getContext('2d');
  const boxes = JSON.parse(canvas.dataset.boxes);
  const dark = (x, y, w, h) => {
    const d = ctx.getImageData(x * ratio, y * ratio, w * ratio, h * ratio).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
      if (a > 200 && r < 110 && g < 110 && b < 110 && Math.abs(r - b) < 30) n++;
    }
    return n;
  };
  return boxes[boxes.length - 1].map(([x, y, size]) =>
    [dark(x + size + 2, y, 20, size), dark(x - 22, y, 20, size)]);
}"""


def test_depth_gallery_says_the_digit_and_labels_the_answers_clear_of_the_links(open_lesson):
    page = open_lesson("03_why_depth", ".dllab-layer-gallery canvas")
    page.wait_for_function(
        "() => /True digit: \\d · the network says: \\d \\(\\d+%\\)/.test("
        "(document.querySelector('.dllab-digit-answer') || {}).textContent)",
        timeout=TIMEOUT,
    )
    page.wait_for_function(
        "() => /Trained\\./.test(document.querySelector('.dllab-layer-gallery').textContent)",
        timeout=TIMEOUT,
    )
    pixels = page.evaluate(LABEL_PIXELS_JS)
    assert len(pixels) == 10
    assert all(right > 5 for right, _ in pixels), pixels  # every digit's label is written
    assert all(left == 0 for _, left in pixels), pixels  # and none where the links come in
    page.locator(".dllab-layer-gallery").scroll_into_view_if_needed()
    harness.screenshot(page, "lesson-03-gallery")
    no_traceback(page)


def test_deep_vs_traditional_retrains_only_the_featured_model(open_lesson):
    page = open_lesson("04_deep_vs_traditional", ".dllab-compare.dllab-ready")
    titles = page.locator(".dllab-compare .mainheading").all_text_contents()
    assert sum("%" in title for title in titles) == 4
    harness.screenshot(page, "lesson-04-compare-xor")
    button(page, ".dllab-compare", "x1\\*x2").click()
    page.wait_for_selector("text=Only (b) was retrained", timeout=TIMEOUT)
    harness.screenshot(page, "lesson-04-compare")
    no_traceback(page)


def test_deep_vs_traditional_says_why_the_forest_wins_on_the_spiral(open_lesson):
    page = open_lesson("04_deep_vs_traditional", ".dllab-compare.dllab-ready")
    page.locator(".dllab-compare select").select_option(label="Spiral")
    page.wait_for_selector("text=New data: all four models trained on Spiral", timeout=TIMEOUT)
    note = page.inner_text(".dllab-compare")
    assert "points above (d) the network" in note and "better than the test points" in note
    assert "splits on one input at a time" in note
    page.locator(".dllab-compare .dllab-model-network").scroll_into_view_if_needed()
    harness.screenshot(page, "lesson-04-compare-spiral")
    page.locator(".dllab-scaling button").filter(has_text="Run").click()
    page.wait_for_selector(".dllab-scaling.dllab-ready", timeout=2 * TIMEOUT)
    page.locator(".dllab-scaling").scroll_into_view_if_needed()
    harness.screenshot(page, "lesson-04-scaling")
    assert "gains most" in page.inner_text(".dllab-scaling")
    assert page.locator(".dllab-scaling path.line").count() >= 6
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


def test_digits_report_shows_the_digits_of_a_clicked_cell(open_lesson):
    page = open_lesson("06_digits", ".dllab-digits-report rect.heatmapcell")
    root = ".dllab-digits-report"
    assert "Click any cell" in page.inner_text(f"{root} .dllab-hint")
    assert "Click a cell of the confusion matrix" in page.inner_text(f"{root} .dllab-cell-title")
    # The row of 9s, column 5 (rows are drawn in the order of the matrix, 0 at the top);
    # clicked at its centre, on the count written over it.
    cell = page.locator(f"{root} rect.heatmapcell").nth(9 * 10 + 5)
    cell.scroll_into_view_if_needed()
    count = int(page.locator(f"{root} text.label").nth(9 * 10 + 5).text_content())
    box = cell.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(f'{root} .dllab-cell-title[data-cell="9,5"]', timeout=TIMEOUT)
    title = page.inner_text(f"{root} .dllab-cell-title")
    assert f"true 9, predicted 5: {count} digit" in title
    shown = page.locator(f"{root} .dllab-cell-digits .dllab-digit canvas")
    page.wait_for_function(
        f"() => document.querySelectorAll('{root} .dllab-cell-digits .dllab-digit').length"
        f" === {min(count, 60)}",
        timeout=TIMEOUT,
    )
    assert shown.count() == min(count, 60)
    harness.screenshot(page, "lesson-06-cell")
    no_traceback(page)


def test_image_lesson_redraws_its_feature_maps_for_another_depth(open_lesson):
    root = ".dllab-image-lesson"
    maps = f"{root} .dllab-images-network canvas"
    page = open_lesson("07_images", f"{maps}[data-columns='1,8,16,16,4']")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function(
        "() => /Trained 15 epochs/.test(document.querySelector('.dllab-image-lesson').innerText)",
        timeout=TIMEOUT,
    )
    run = int(page.get_attribute(maps, "data-run"))
    assert "of 8 kernels" in page.inner_text(f"{root} .dllab-edge-share")
    page.locator(maps).scroll_into_view_if_needed()
    harness.screenshot(page, "lesson-07-images")
    page.locator(f"{root} .dllab-images-patches").scroll_into_view_if_needed()
    page.wait_for_selector(f"{root} .dllab-images-patches canvas[data-columns='16,16,16,16']")
    harness.screenshot(page, "lesson-07-shapes")
    slider = page.locator(f"{root} .widget-slider").filter(has_text="Convolutional layers")
    slider.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_selector(f"{maps}[data-columns='1,8,16,4']", timeout=TIMEOUT)
    assert int(page.get_attribute(maps, "data-run")) > run
    page.locator(f"{root} .dllab-images-kernels").scroll_into_view_if_needed()
    harness.screenshot(page, "lesson-07-edges")


# The learning curve's lines drawn: [with a point or more, with a segment (two points)].
CURVE_LINES_JS = """() => {
  const paths = [...document.querySelectorAll('.dllab-images-curve g.curve path.line')]
    .map((path) => path.getAttribute('d') || '');
  return [paths.filter((d) => /^M/.test(d)).length, paths.filter((d) => /L/.test(d)).length];
}"""
# The first 6 of the 25 fits (every model on 100 pictures, then one on 200) take about
# 4 s of CPU, but over a minute when the machine's two cores are shared with others.
CURVE_TIMEOUT = 240_000


def test_image_lesson_draws_its_learning_curve_and_cancels_it(open_lesson):
    root = ".dllab-images-curve"
    page = open_lesson("07_images", f"{root} button")
    page.set_viewport_size(harness.PROJECTOR)
    assert page.evaluate(CURVE_LINES_JS) == [0, 0]  # nothing runs before the button
    panel = page.locator(root)
    panel.scroll_into_view_if_needed()
    button(page, root, "Run the learning curve").click()
    page.wait_for_function(
        f"() => {{ const [some, two] = ({CURVE_LINES_JS})(); return some === 5 && two >= 1; }}",
        timeout=CURVE_TIMEOUT,
    )
    assert "Training " in page.inner_text(root)
    legend = panel.locator("svg[width='26'] line")
    assert legend.count() == 5
    assert "convolutional network, pixels" in page.inner_text(root)
    page.locator(f"{root} .bqplot.figure").scroll_into_view_if_needed()
    page.screenshot(path=str(harness.ARTIFACTS / "lesson-07-curve.png"))
    button(page, root, "Cancel").click()
    page.wait_for_function(
        "() => /Cancelled after \\d+ of 25 models/"
        f".test(document.querySelector('{root}').innerText)",
        timeout=TIMEOUT,
    )
    assert page.locator(f"{root} button").filter(has_text="Run the learning curve").is_enabled()
    no_traceback(page)


def test_language_lesson_counts_then_trains_when_a_slider_moves(open_lesson):
    page = open_lesson("08_language", ".dllab-ngram-table")
    root = ".dllab-name-maker"
    assert page.locator(f"{root} .dllab-ngram-table tr").count() == 7
    assert "4-gram" in page.inner_text(f"{root} .dllab-count-status")
    harness.press(page, "Context (characters)", "ArrowLeft")  # 6 -> 5: a network trains
    page.wait_for_function(
        f"() => /below the bigram/.test(document.querySelector('{root} .dllab-status')"
        ".textContent)",
        timeout=TIMEOUT,
    )
    page.wait_for_selector(f"{root} .dllab-samples b", timeout=TIMEOUT)
    samples = page.inner_text(f"{root} .dllab-samples")
    assert re.search(r"Of 200 names it makes now, \d+% are new", samples), samples
    assert re.search(r"\d+% pass the pronounceability test", samples), samples
    assert re.search(r"pass it \d+% of the time; random strings of letters, \d+%", samples)
    assert page.locator(f"{root} g.curve path.line").count() >= 3  # both losses, two lines
    button(page, root, "Pause").click()
    page.wait_for_function(
        f"() => /Paused/.test(document.querySelector('{root} .dllab-status').textContent)",
        timeout=TIMEOUT,
    )
    box = page.locator(f"{root} .dllab-quiz input[type=text]")
    box.fill("mc")
    box.press("Enter")
    page.wait_for_function(
        f"() => /After mc/.test(document.querySelector('{root} .dllab-endings').textContent)",
        timeout=TIMEOUT,
    )
    harness.screenshot(page, "lesson-08-language")
    sweep = page.locator(".dllab-context-sweep")
    sweep.scroll_into_view_if_needed()
    assert "Press Run: 18 networks" in page.inner_text(".dllab-context-sweep .dllab-sweep-status")
    page.screenshot(path=str(harness.ARTIFACTS / "lesson-08-quiz-and-sweep.png"))
    no_traceback(page)
