"""The lab in Voila, driven as a person would: keyboard on the sliders, clicks on buttons.

Each test opens its own page (so its own kernel); the lab starts paused, and moving any
setting retrains from scratch and starts playing.
"""

from __future__ import annotations

import json

import harness
import pytest
from harness import press, screenshot, state, wait_state

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms: bounded waits for what the kernel sends


def assert_no_traceback(page) -> None:
    text = page.inner_text("body")
    found = harness.TRACEBACK.search(text)
    assert found is None, f"a Python error is shown on the page: ...{text[found.start() :][:300]}"


def readout(page, description: str) -> str:
    slider = harness.slider_handle(page, description).locator(
        "xpath=ancestor::div[contains(@class, 'widget-slider')]"
    )
    return slider.locator(".widget-readout").inner_text().strip()


def test_lab_loads(voila_page):
    page = voila_page
    s = state(page)
    assert s["columns"] == "2,4,2,1"
    assert s["run"] >= 1 and s["frame"] >= 1
    assert s["loss_figure"] and s["loss_d"]
    assert s["play"] == "Play" and s["epoch"] == 0, "the lab should start paused"
    # Something is painted on the network canvas, not just a blank element.
    painted = page.evaluate(
        """() => {
        const c = document.querySelector('.dllab-network canvas');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]) n++;
        return n / (data.length / 4);
    }"""
    )
    assert painted > 0.05, f"only {painted:.1%} of the network canvas is painted"
    for description in ("Hidden layers", "Neurons per layer", "Learning rate"):
        assert harness.slider_handle(page, description).is_visible()
    assert harness.control(page, "Dataset", "widget-dropdown").is_visible()
    harness.assert_panels_side_by_side(page)
    assert_no_traceback(page)
    assert not page.errors, f"script errors in the page: {page.errors}"
    screenshot(page, "voila-loaded")


def test_hovering_a_neuron_shows_it_and_a_click_keeps_it(voila_page):
    page = voila_page
    canvas = page.locator(".dllab-network canvas")
    wait_state(page, "s.surface_title === 'Output'")
    boxes = json.loads(canvas.get_attribute("data-boxes"))
    origin = canvas.bounding_box()

    def centre(column: int, row: int) -> tuple[float, float]:
        x, y, size = boxes[column][row]
        return origin["x"] + x + size / 2, origin["y"] + y + size / 2

    page.mouse.move(*centre(1, 2))  # layer 1, third neuron
    wait_state(page, "s.surface_title === 'Layer 1, neuron 3'")
    page.mouse.move(origin["x"] + 2, origin["y"] + origin["height"] - 2)  # off every tile
    wait_state(page, "s.surface_title === 'Output'")
    page.mouse.click(*centre(2, 0))  # layer 2, first neuron: kept after the mouse leaves
    wait_state(page, "s.surface_title === 'Layer 2, neuron 1'")
    page.mouse.move(origin["x"] + 2, origin["y"] + origin["height"] - 2)
    page.mouse.move(*centre(1, 0))
    page.wait_for_timeout(500)
    assert state(page)["surface_title"] == "Layer 2, neuron 1"
    screenshot(page, "voila-neuron-kept")
    page.mouse.click(*centre(2, 0))  # a second click lets go
    page.mouse.move(origin["x"] + 2, origin["y"] + origin["height"] - 2)
    wait_state(page, "s.surface_title === 'Output'")


def test_depth_slider_retrains_and_trains(voila_page):
    page = voila_page
    before = state(page)
    press(page, "Hidden layers", "ArrowRight", 2)
    # Depth up adds layers of the current width (4) after the existing 4, 2.
    s = wait_state(page, "s.columns === '2,4,2,4,4,1' && s.run > arg", before["run"], WAIT)
    assert harness.control(page, "Layer widths", "widget-text").locator("input").input_value() == (
        "4, 2, 4, 4"
    )
    later = wait_state(
        page, "s.epoch >= arg.epoch + 10 && s.loss_d !== arg.loss_d && s.run === arg.run", s, WAIT
    )
    assert later["play"] == "Pause"
    assert later["frame"] > s["frame"]
    assert_no_traceback(page)
    screenshot(page, "voila-depth-4")


def test_width_slider_changes_columns(voila_page):
    page = voila_page
    before = state(page)
    press(page, "Neurons per layer", "ArrowRight", 2)
    s = wait_state(page, "s.columns === '2,6,6,1' && s.run > arg", before["run"], WAIT)
    wait_state(page, "s.epoch >= arg.epoch + 4 && s.run === arg.run", s, WAIT)
    press(page, "Neurons per layer", "ArrowLeft", 3)
    wait_state(page, "s.columns === '2,3,3,1' && s.run > arg", s["run"], WAIT)
    assert_no_traceback(page)
    screenshot(page, "voila-width-3")


def test_learning_rate_slider_retrains(voila_page):
    page = voila_page
    before = state(page)
    assert readout(page, "Learning rate") == "0.03"
    press(page, "Learning rate", "ArrowRight")
    s = wait_state(page, "s.run > arg", before["run"], WAIT)
    assert readout(page, "Learning rate") == "0.1"
    wait_state(page, "s.epoch >= arg.epoch + 4 && s.run === arg.run", s, WAIT)
    assert s["columns"] == "2,4,2,1"
    assert_no_traceback(page)


def test_divergence_is_reported_and_recovers(voila_page):
    """Only regression diverges: a tanh or sigmoid output keeps a classifier's loss finite
    (and ReLU units at learning rate 10 die instead), so this uses the plane data set."""
    page = voila_page
    harness.control(page, "Dataset", "widget-dropdown").locator("select").select_option(
        label="Plane (regression)"
    )
    harness.control(page, "Activation", "widget-dropdown").locator("select").select_option("relu")
    handle = harness.slider_handle(page, "Learning rate")
    handle.focus()
    handle.press("End")
    wait_state(page, "s.message.includes('training diverged')", timeout=WAIT)
    assert readout(page, "Learning rate") == "10"
    s = wait_state(page, "s.play === 'Play'", timeout=WAIT)  # diverging pauses the lab
    assert_no_traceback(page)
    screenshot(page, "voila-diverged")

    press(page, "Learning rate", "ArrowLeft", 5)  # 10 -> 0.03
    recovered = wait_state(
        page, "s.message === '' && s.run > arg && s.epoch >= 10 && s.play === 'Pause'", s["run"]
    )
    assert readout(page, "Learning rate") == "0.03"
    wait_state(page, "s.epoch >= arg.epoch + 10 && s.message === ''", recovered, WAIT)
    assert_no_traceback(page)
    screenshot(page, "voila-recovered")


def test_pause_stops_training(voila_page):
    page = voila_page
    play = page.locator(".dllab-lab button", has_text="Play").first
    play.click()
    s = wait_state(page, "s.play === 'Pause' && s.epoch >= 10", timeout=WAIT)
    page.locator(".dllab-lab button", has_text="Pause").first.click()
    wait_state(page, "s.play === 'Play'", timeout=WAIT)
    page.wait_for_timeout(300)  # a frame already under way may still land
    paused = state(page)
    assert paused["epoch"] >= s["epoch"]
    page.wait_for_timeout(1000)
    after = state(page)
    assert after["epoch"] == paused["epoch"], "the epoch counter kept rising after Pause"
    assert after["loss_d"] == paused["loss_d"]
    screenshot(page, "voila-paused")


# The browser's own signal that a tab went to the back (or came to the front again).
TAB_JS = """(hidden) => {
  const state = hidden ? 'hidden' : 'visible';
  for (const [name, value] of [['hidden', hidden], ['visibilityState', state]]) {
    Object.defineProperty(document, name, {configurable: true, get: () => value});
  }
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def test_a_hidden_tab_holds_the_training_and_goes_on_when_shown(voila_page):
    page = voila_page
    page.locator(".dllab-lab button", has_text="Play").first.click()
    s = wait_state(page, "s.play === 'Pause' && s.epoch >= 5", timeout=WAIT)
    page.evaluate(TAB_JS, True)  # another tab in front
    page.wait_for_timeout(500)  # a frame already under way may still land
    held = state(page)
    page.wait_for_timeout(1500)
    after = state(page)
    assert (after["epoch"], after["frame"]) == (held["epoch"], held["frame"]), "it trained on"
    assert after["play"] == "Pause"  # held, not paused
    page.evaluate(TAB_JS, False)  # back to the lab: the same run goes on
    shown = wait_state(page, "s.epoch >= arg + 5 && s.play === 'Pause'", held["epoch"], WAIT)
    assert shown["run"] == s["run"]


def shown(select) -> str:
    """The text of a dropdown's chosen option (ipywidgets writes its spaces unbreakable)."""
    return select.locator("option:checked").inner_text().replace("\xa0", " ")


def test_a_preset_from_the_dropdown_changes_the_data_and_the_network(voila_page):
    page = voila_page
    before = state(page)
    preset = harness.control(page, "Preset", "widget-dropdown").locator("select")
    preset.select_option("handwritten digits")
    s = wait_state(page, "s.columns === '1,16,10' && s.run > arg", before["run"], WAIT)
    dataset = harness.control(page, "Dataset", "widget-dropdown").locator("select")
    assert shown(dataset) == "Handwritten digits (8x8)"
    assert preset.input_value() == "handwritten digits" and s["message"] == ""
    wait_state(page, "s.epoch >= 2 && s.run === arg.run", s, WAIT)  # and it trains
    preset.select_option("regression")
    wait_state(page, "s.columns === '2,8,8,1' && s.run > arg", s["run"], WAIT)
    assert shown(dataset) == "Multi-Gaussian (regression)"
    assert_no_traceback(page)
    screenshot(page, "voila-preset-regression")


def test_a_setting_moved_after_pause_shows_the_new_run_paused(voila_page):
    page = voila_page
    page.locator(".dllab-lab button", has_text="Play").first.click()
    s = wait_state(page, "s.play === 'Pause' && s.epoch >= 10", timeout=WAIT)
    page.locator(".dllab-lab button", has_text="Pause").first.click()
    wait_state(page, "s.play === 'Play'", timeout=WAIT)
    press(page, "Neurons per layer", "ArrowRight")
    s = wait_state(page, "s.columns === '2,5,5,1' && s.run > arg", s["run"], WAIT)
    page.wait_for_timeout(1500)
    after = state(page)
    assert after["epoch"] == 0 and after["play"] == "Play", after
    assert after["run"] == s["run"], "the run was rebuilt more than once"
    screenshot(page, "voila-paused-new-run")


def test_play_the_network_the_output_and_the_loss_fit_a_projector(voila_page):
    page = voila_page
    page.set_viewport_size(harness.PROJECTOR)
    page.locator(".dllab-lab button", has_text="Play").first.click()
    wait_state(page, "s.epoch >= 10", timeout=WAIT)
    harness.on_screen(page, "Output", "Loss")
    harness.assert_panels_side_by_side(page)
    page.screenshot(path=str(harness.ARTIFACTS / "voila-projector.png"))


def test_the_problem_labels_are_readable_in_full(voila_page):
    page = voila_page
    page.locator(".dllab-lab button", has_text="More settings").first.click()
    select = harness.control(page, "Problem", "widget-dropdown").locator("select")
    select.wait_for(state="visible")
    cut = select.evaluate(
        """(select) => {
        const context = document.createElement('canvas').getContext('2d');
        context.font = getComputedStyle(select).font;
        const room = select.clientWidth - 30;  // the arrow and the padding
        return [...select.options].map((o) => o.text)
            .filter((text) => context.measureText(text).width > room);
    }"""
    )
    assert cut == [], f"labels cut in the Problem dropdown: {cut}"
    screenshot(page, "voila-more-settings")


def test_shapes_with_conv_layers_train_live_and_the_conv_slider_changes_the_picture(voila_page):
    page = voila_page
    page.set_viewport_size(harness.PROJECTOR)
    conv_row = harness.slider_handle(page, "Conv layers")
    assert not conv_row.is_visible(), "the conv sliders are for pictures only"
    before = state(page)
    preset = harness.control(page, "Preset", "widget-dropdown").locator("select")
    preset.select_option("shapes need convolutions")  # a new setting plays
    s = wait_state(page, "s.columns === '1,8,16,16,32,4' && s.run > arg", before["run"], WAIT)
    assert harness.slider_handle(page, "Conv layers").is_visible()
    assert harness.slider_handle(page, "Filters").is_visible()
    assert readout(page, "Conv layers") == "3" and readout(page, "Filters") == "8"
    # Live: frames keep coming within the first epoch, then the epochs and the curves move.
    wait_state(page, "s.frame >= arg.frame + 10 && s.run === arg.run", s, WAIT)
    trained = wait_state(page, "s.epoch >= 2 && s.run === arg.run", s, 60_000)
    assert trained["play"] == "Pause" and trained["loss_d"] != s["loss_d"]
    harness.on_screen(page, "Class probabilities", "Loss")
    harness.assert_panels_side_by_side(page)
    page.screenshot(path=str(harness.ARTIFACTS / "voila-shapes-projector.png"))

    press(page, "Conv layers", "ArrowLeft")  # 3 -> 2 conv layers: one column fewer
    fewer = wait_state(page, "s.columns === '1,8,16,32,4' && s.run > arg", trained["run"], WAIT)
    wait_state(page, "s.frame >= arg.frame + 5 && s.run === arg.run", fewer, WAIT)
    assert readout(page, "Conv layers") == "2"
    assert_no_traceback(page)
    screenshot(page, "voila-shapes-conv-2")


def test_a_settled_run_stops_says_so_and_play_trains_on(voila_page):
    """Circle with the playground's network settles after about a thousand epochs (20 a
    frame here): the lab stops sending frames, says why, shows Play, and Play trains on."""
    page = voila_page
    page.locator(".dllab-lab button", has_text="More settings").first.click()
    # The box opens once the kernel has the click: a key pressed before goes nowhere.
    harness.slider_handle(page, "Speed (epochs per frame)").wait_for(state="visible")
    before = state(page)
    press(page, "Speed (epochs per frame)", "End")  # 20 epochs a frame
    wait_state(page, "s.run > arg", before["run"], timeout=WAIT)
    if state(page)["play"] == "Play":  # a new setting plays; press Play if it did not
        page.locator(".dllab-lab button", has_text="Play").first.click()
    s = wait_state(page, "s.message.includes('the loss has settled')", timeout=90_000)
    assert s["play"] == "Play", s
    assert s["message"].startswith(f"Training stopped at epoch {s['epoch']:,}"), s
    screenshot(page, "voila-settled")
    page.wait_for_timeout(500)  # the frame that goes with the message may follow it
    last = state(page)
    page.wait_for_timeout(1000)
    still = state(page)
    assert (still["frame"], still["epoch"]) == (last["frame"], last["epoch"]), "frames kept coming"
    assert last["epoch"] == s["epoch"]
    page.locator(".dllab-lab button", has_text="Play").first.click()
    wait_state(page, "s.play === 'Pause' && s.epoch >= arg + 10", s["epoch"], timeout=WAIT)
    assert "settled" not in state(page)["message"]
    assert_no_traceback(page)
