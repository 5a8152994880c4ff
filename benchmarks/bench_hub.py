"""What one learner costs on JupyterHub: memory and CPU of each learner's server while
the lab trains, to size the Zero to JupyterHub config's guarantees and limits.

Starts the tests' local JupyterHub (tests/hub/localhub.py: deploy/z2jh/config.yaml's
authenticator and default page, configurable-http-proxy, one single-user server per
learner on this machine), logs N learners in through the hub's form in headless
Chromium, so that each lands on the lab in Voila (one kernel each), presses Play, sets
the hidden layers and neurons if asked (the lab's 4,2 otherwise), and after the given
seconds of training reports, per learner: the resident memory (RSS, psutil) of the
Jupyter server and of its kernel, and the kernel's CPU use over the training window.
Then stops everything.

    python benchmarks/bench_hub.py [--learners 3] [--seconds 30] [--layers 6] [--neurons 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "hub"))
from localhub import harness, start_hub  # noqa: E402  (the tests' hub)

MB = 1024 * 1024


def open_lab(browser, hub, name: str, layers: int | None, neurons: int | None):
    """Log `name` in, wait for the lab, press Play, then move the sliders (a change
    retrains at once, still playing). Returns the page and the network's columns."""
    page = browser.new_page(viewport=harness.VIEWPORT)
    page.goto(hub.url + "hub/login", timeout=60_000)
    page.fill("#username_input", name)
    page.fill("#password_input", f"{name}-password")
    page.click("#login_submit")
    page.wait_for_url(f"{hub.url}user/{name}/voila/render/notebooks/lab.ipynb", timeout=120_000)
    harness.wait_state(page, "s.frame > 0 && s.play === 'Play'", None, 120_000)
    page.locator(".dllab-lab button", has_text="Play").first.click()
    s = harness.wait_state(page, "s.play === 'Pause' && s.epoch >= 1", None, 60_000)
    hidden = s["columns"].split(",")[1:-1]
    for description, wanted, now in (
        ("Hidden layers", layers, len(hidden)),
        ("Neurons per layer", neurons, int(hidden[0]) if hidden else 0),
    ):
        if wanted is not None and wanted != now:
            harness.press(
                page, description, "ArrowRight" if wanted > now else "ArrowLeft", abs(wanted - now)
            )
    settled = """s.play === 'Pause' && s.columns
      && s.columns.split(',').length === arg.n
      && (arg.w === null || s.columns.split(',').slice(1, -1).every((c) => Number(c) === arg.w))"""
    wanted = {"n": (len(hidden) if layers is None else layers) + 2, "w": neurons}
    columns = harness.wait_state(page, settled, wanted, 60_000)["columns"]
    return page, columns


def kernels_of(server: psutil.Process) -> list[psutil.Process]:
    return [p for p in server.children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=3, help="learners at once (<= 10)")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of training")
    parser.add_argument("--layers", type=int, help="hidden layers (default: the lab's, 2)")
    parser.add_argument("--neurons", type=int, help="neurons per layer (default: the lab's 4,2)")
    args = parser.parse_args()
    names = [f"learner{i}" for i in range(1, max(1, min(args.learners, 10)) + 1)]
    from playwright.sync_api import sync_playwright

    hub = start_hub()
    try:
        with sync_playwright() as playwright:
            browser = harness.launch_chromium(playwright)
            opened = [open_lab(browser, hub, name, args.layers, args.neurons) for name in names]
            pages = {name: page for name, (page, _) in zip(names, opened)}
            network = opened[0][1]
            servers = {name: psutil.Process(hub.server(name)["state"]["pid"]) for name in names}
            kernels = {name: kernels_of(server) for name, server in servers.items()}
            before = {
                name: sum(k.cpu_times().user + k.cpu_times().system for k in kernels[name])
                for name in names
            }
            epochs = {name: harness.state(page)["epoch"] for name, page in pages.items()}
            start = time.monotonic()
            time.sleep(args.seconds)
            elapsed = time.monotonic() - start
            rows = []
            for name in names:
                cpu = sum(k.cpu_times().user + k.cpu_times().system for k in kernels[name])
                end = harness.state(pages[name])
                rows.append(
                    (
                        name,
                        servers[name].memory_info().rss / MB,
                        [k.memory_info().rss / MB for k in kernels[name]],
                        (cpu - before[name]) / elapsed,
                        (end["epoch"] - epochs[name]) / elapsed,
                        # A lab stops by itself once its loss has settled (it says so).
                        "training" if end["play"] == "Pause" else "stopped: " + end["message"],
                    )
                )
            browser.close()
    finally:
        hub.stop()

    print(
        f"{len(names)} learners on a local JupyterHub, the lab training for {args.seconds:.0f} s, "
        f"network {network} (inputs, hidden layers, output), {psutil.cpu_count()} cores:"
    )
    print(
        f"{'learner':<10} {'server MB':>9} {'kernel MB':>10} {'kernel cores':>12} {'epochs/s':>9}"
        "  at the end"
    )
    for name, server_mb, kernel_mb, cores, rate, end in rows:
        kernel = "+".join(f"{mb:.0f}" for mb in kernel_mb)
        print(f"{name:<10} {server_mb:>9.0f} {kernel:>10} {cores:>12.2f} {rate:>9.1f}  {end[:70]}")
    totals = [server_mb + sum(kernel_mb) for _, server_mb, kernel_mb, *_ in rows]
    print(
        f"per learner (server + kernel): median {statistics.median(totals):.0f} MB, "
        f"largest {max(totals):.0f} MB"
    )


if __name__ == "__main__":
    main()
