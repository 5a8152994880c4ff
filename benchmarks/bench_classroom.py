"""A classroom on one machine: N learners open the lab in Voila at once and train.

Starts the room as the README does (`dllab-room`: Voila with the lessons' settings,
the same as voila.json's, on 127.0.0.1), opens N headless Chromium pages (one browser
context each, as N learners) on the room's link to the lab at the same moment, presses
Play in each, moves the learning-rate slider in each a few times while they train, and
reports:

- per kernel: resident memory (RSS) once the lab is drawn, the most seen while training,
  and at the end; target <= 150 MB each;
- per page: frames per second (changes of the network canvas's `data-frame`), the
  fewest frames in any 10 s window (0 means the page stopped refreshing), and slider ->
  first frame of the new run latency (keydown to `data-run` changing, in the page);
- CPU: cores used by the kernels and by the whole machine during the window;
- what frees the kernels of closed pages: first half the pages are closed as a tab
  closes (`beforeunload`, whose beacon asks Voila to shut the kernel down), then the
  others vanish without it (a crashed browser, a closed laptop), left to the idle-kernel
  culling of voila.json; the seconds until each group's kernels are gone, or that they
  were not.
- (unless --no-lessons) each notebook's kernel memory once rendered, one at a time.

    python benchmarks/bench_classroom.py [--pages 10] [--seconds 60] [--moves 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import harness  # noqa: E402  (servers and browser shared with the browser tests)
import workshop  # noqa: E402

RSS_TARGET_MB = 150.0
WINDOW_S = 10.0

# Installed before any page script runs: when the lab's first frame was drawn.
DRAWN_AT_JS = """(() => {
  const timer = setInterval(() => {
    const canvas = document.querySelector('.dllab-network canvas');
    if (canvas && Number(canvas.dataset.frame) > 0) {
      window.dllabDrawnAt = performance.now();
      clearInterval(timer);
    }
  }, 50);
})();"""

# Counters kept in each page: frame times, and slider keydown -> first frame of the new run.
COUNT_JS = """() => {
  const canvas = document.querySelector('.dllab-network canvas');
  const b = (window.dllabClass = {start: performance.now(), times: [], keyAt: null,
                                  latencies: [], lastRun: canvas.dataset.run});
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.attributeName === 'data-frame' && r.oldValue !== canvas.dataset.frame)
        b.times.push(performance.now());
      if (r.attributeName === 'data-run' && canvas.dataset.run !== b.lastRun) {
        b.lastRun = canvas.dataset.run;
        if (b.keyAt !== null) { b.latencies.push(performance.now() - b.keyAt); b.keyAt = null; }
      }
    }
  }).observe(canvas, {attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-frame', 'data-run']});
  window.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') b.keyAt = performance.now();
  }, true);
}"""


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except (OSError, IndexError):
            pass
    return total


def machine_busy_ticks() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def open_classroom(browser, server, pages: int, notebook: str):
    """N contexts, each one page, all navigated at once; wait until every lab is drawn."""
    url = workshop.page_url(server, f"voila/render/{notebook}")  # the room's link
    rooms = []
    for _ in range(pages):
        context = browser.new_context(viewport=harness.VIEWPORT)
        context.add_init_script(DRAWN_AT_JS)
        page = context.new_page()
        rooms.append((context, page))
    start = time.perf_counter()
    for _, page in rooms:  # do not wait: every learner clicks the link at once
        page.evaluate("(url) => { window.location.href = url; }", url)
    opened, blank = [], []
    deadline = time.monotonic() + 240
    for i, (_, page) in enumerate(rooms):
        try:
            page.wait_for_function(
                "() => window.dllabDrawnAt !== undefined",
                timeout=max(1, deadline - time.monotonic()) * 1000,
                polling=200,
            )
            opened.append(page.evaluate("() => window.dllabDrawnAt") / 1000)
        except Exception:  # the page came up without the lab: count it, go on
            harness.screenshot(page, f"bench-classroom-blank-{i}")
            blank.append(i)
    return rooms, opened, blank, time.perf_counter() - start


def train(rooms, server, seconds: float, moves: int) -> dict:
    pages = [page for _, page in rooms]
    for page in pages:
        page.evaluate(COUNT_JS)
        page.locator(".dllab-lab button", has_text="Play").first.click()
    kernels = workshop.kernel_pids(server)
    rss_start = {pid: workshop.rss_mb(pid) for pid in kernels}
    rss_max = dict(rss_start)
    server_pid = server.process.pid
    server_rss = workshop.rss_mb(server_pid) or 0
    cpu0, (busy0, all0) = cpu_ticks(kernels), machine_busy_ticks()
    server0 = cpu_ticks([server_pid])
    # Slider moves spread over the window, the pages taking turns.
    schedule = sorted(
        ((k + 0.5) * seconds / moves + i * seconds / moves / len(pages), i, k)
        for i in range(len(pages))
        for k in range(moves)
    )
    start = time.perf_counter()
    next_sample = 0.0
    while True:
        now = time.perf_counter() - start
        if now >= next_sample:
            for pid in kernels:
                rss = workshop.rss_mb(pid)
                if rss is not None:
                    rss_max[pid] = max(rss_max[pid] or 0, rss)
            server_rss = max(server_rss, workshop.rss_mb(server_pid) or 0)
            next_sample += 5.0
        if schedule and schedule[0][0] <= now:
            _, i, k = schedule.pop(0)
            harness.press(pages[i], "Learning rate", "ArrowRight" if k % 2 == 0 else "ArrowLeft")
            continue
        if now >= seconds:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    cpu1, (busy1, all1) = cpu_ticks(kernels), machine_busy_ticks()
    server1 = cpu_ticks([server_pid])
    hz = os.sysconf("SC_CLK_TCK")
    counters = [page.evaluate("() => window.dllabClass") for page in pages]
    return {
        "seconds": elapsed,
        "kernels": kernels,
        "rss_start": rss_start,
        "rss_max": rss_max,
        "rss_end": {pid: workshop.rss_mb(pid) for pid in kernels},
        "kernel_cores": (cpu1 - cpu0) / hz / elapsed,
        "server_cores": (server1 - server0) / hz / elapsed,
        "server_rss": server_rss,
        "machine_cores": (busy1 - busy0) / (all1 - all0) * os.cpu_count(),
        "counters": counters,
    }


def page_rows(result: dict, seconds: float) -> list[dict]:
    rows = []
    for counter in result["counters"]:
        times = [(t - counter["start"]) / 1000 for t in counter["times"]]
        windows = int(seconds // WINDOW_S)
        per_window = [
            sum(w * WINDOW_S <= t < (w + 1) * WINDOW_S for t in times) for w in range(windows)
        ]
        latencies = counter["latencies"]
        rows.append(
            {
                "fps": len([t for t in times if t < seconds]) / seconds,
                "min_window": min(per_window) if per_window else 0,
                "latency_median": statistics.median(latencies) if latencies else None,
                "latency_max": max(latencies) if latencies else None,
                "presses": len(latencies),
            }
        )
    return rows


def close_pages(rooms, server, cull_wait: float) -> list[tuple[str, int, int, float | None]]:
    """Half the pages closed as a tab closes, the rest vanishing; how their kernels went."""
    results = []
    half = len(rooms) // 2
    groups = [
        ("tab closed (beforeunload beacon)", rooms[:half], True, 30.0),
        ("page vanished (no beforeunload): culling", rooms[half:], False, cull_wait),
    ]
    for label, group, beacon, timeout in groups:
        if not group:
            continue
        before = len(workshop.kernel_pids(server))
        for context, page in group:
            if beacon:
                page.close(run_before_unload=True)
            else:
                context.close()
        left, waited = workshop.wait_kernels(server, before - len(group), timeout)
        freed = before - len(left)
        results.append((label, len(group), freed, waited if freed >= len(group) else None))
        for context, _ in group:
            try:
                context.close()
            except Exception:
                pass
    return results


def lesson_memory(server) -> list[tuple[str, float | None, float]]:
    """Each notebook rendered alone (over HTTP, as a page's first request): kernel RSS."""
    rows = []
    for path in sorted(harness.NOTEBOOKS.glob("*.ipynb")):
        before = set(workshop.kernel_pids(server))
        t0 = time.perf_counter()
        status, body = workshop.request(server, "GET", f"/voila/render/{path.name}", timeout=180)
        seconds = time.perf_counter() - t0
        new = set(workshop.kernel_pids(server)) - before
        rss = max((workshop.rss_mb(pid) or 0 for pid in new), default=None)
        match = workshop.KERNEL_ID.search(body)
        if match:
            workshop.shutdown_kernel(server, match.group(1))
        workshop.wait_kernels(server, len(before), 30)
        rows.append((path.name if status == 200 else f"{path.name} ({status})", rss, seconds))
    return rows


def report(
    args, opened, blank, iopub_timeouts, open_seconds, result, rows, closing, lessons, config
) -> None:
    culling = config.get("MappingKernelManager", {})
    print(
        f"\nClassroom: {args.pages} pages on one Voila server ({args.notebook}), "
        f"{result['seconds']:.0f} s of training, {args.moves} slider moves per page, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"  all pages opened at once: slowest page drawn after {max(opened, default=0):.1f} s "
        f"(median {statistics.median(opened or [0]):.1f} s; {open_seconds:.1f} s for all)"
    )
    print(
        f"  pages that never showed the lab: {len(blank)}"
        f"{' ' + str(blank) if blank else ''}; Voila's 'Timeout waiting for IOPub output' "
        f"while rendering: {iopub_timeouts}"
    )
    print(
        f"  CPU during training, in cores: kernels {result['kernel_cores']:.2f}, "
        f"Voila server {result['server_cores']:.2f}, whole machine (with the browsers) "
        f"{result['machine_cores']:.2f} of {os.cpu_count()}"
    )
    print(f"  Voila server RSS: {result['server_rss']:.0f} MB")
    head = f"{'kernel':>8} {'RSS drawn':>10} {'RSS max':>9} {'RSS end':>9}"
    print(f"\n  {head}  <= {RSS_TARGET_MB:.0f} MB")
    worst = 0.0
    for pid in result["kernels"]:
        start, top, end = result["rss_start"][pid], result["rss_max"][pid], result["rss_end"][pid]
        top = max(x for x in (start, top, end) if x is not None)
        worst = max(worst, top)
        mark = "yes" if top <= RSS_TARGET_MB else "NO"
        print(f"  {pid:>8} {start or 0:>8.0f}MB {top:>7.0f}MB {end or 0:>7.0f}MB  {mark}")
    print(
        f"\n  {'page':>4} {'frames/s':>9} {'fewest frames in 10 s':>22} "
        f"{'slider->frame median':>21} {'max':>8}"
    )
    for i, row in enumerate(rows):
        med = f"{row['latency_median']:.0f} ms" if row["latency_median"] is not None else "-"
        top = f"{row['latency_max']:.0f} ms" if row["latency_max"] is not None else "-"
        print(f"  {i:>4} {row['fps']:>9.1f} {row['min_window']:>22} {med:>21} {top:>8}")
    slowest = max(rows, key=lambda r: r["latency_max"] or 0)
    refreshing = all(row["min_window"] > 0 for row in rows)
    print(
        f"\n  every page kept refreshing (a frame in every 10 s window): "
        f"{'yes' if refreshing else 'NO'}; frames/s: min {min(r['fps'] for r in rows):.1f}, "
        f"median {statistics.median(r['fps'] for r in rows):.1f}"
    )
    print(
        f"  slowest page's slider -> first frame: median "
        f"{slowest['latency_median'] or 0:.0f} ms, max {slowest['latency_max'] or 0:.0f} ms "
        f"({sum(r['presses'] for r in rows)} presses timed)"
    )
    print(
        f"  kernel RSS: max {worst:.0f} MB (target <= {RSS_TARGET_MB:.0f} MB: "
        f"{'yes' if worst <= RSS_TARGET_MB else 'NO'})"
    )
    print(
        f"\n  closing pages (voila.json culls kernels idle > {culling.get('cull_idle_timeout')} s, "
        f"checked every {culling.get('cull_interval')} s):"
    )
    for label, count, freed, waited in closing:
        when = f"all freed in {waited:.1f} s" if waited is not None else "NOT all freed"
        print(f"    {label}: {count} pages, {freed} kernels freed; {when}")
    if lessons:
        print("\n  each notebook alone, kernel RSS once rendered:")
        for name, rss, seconds in lessons:
            rss_text = f"{rss:.0f} MB" if rss is not None else "-"
            print(f"    {name:<32} {rss_text:>8}   rendered in {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10, help="learners (browser pages)")
    parser.add_argument("--seconds", type=float, default=60.0, help="training window")
    parser.add_argument("--moves", type=int, default=3, help="slider moves per page")
    parser.add_argument("--notebook", default="lab.ipynb")
    parser.add_argument("--cull-wait", type=float, default=None, help="seconds to wait for culling")
    parser.add_argument("--no-lessons", action="store_true", help="skip each lesson's memory")
    args = parser.parse_args()
    missing = harness.chromium_missing()
    if missing:
        sys.exit(missing)
    config = json.loads(workshop.APP_CONFIG.read_text())
    culling = config.get("MappingKernelManager", {})
    cull_wait = args.cull_wait or (
        culling.get("cull_idle_timeout", 60) + 2 * culling.get("cull_interval", 15) + 60
    )
    from playwright.sync_api import sync_playwright

    server = workshop.start_app(name="voila-classroom")
    try:
        with sync_playwright() as playwright:
            browser = harness.launch_chromium(playwright)
            try:
                rooms, opened, blank, open_seconds = open_classroom(
                    browser, server, args.pages, args.notebook
                )
                drawn = [room for i, room in enumerate(rooms) if i not in blank]
                result = train(drawn, server, args.seconds, args.moves)
                harness.screenshot(rooms[-1][1], "bench-classroom-last-page")
                rows = page_rows(result, args.seconds)
                for i in blank:
                    rooms[i][0].close()
                closing = close_pages(drawn, server, cull_wait)
            finally:
                browser.close()
        lessons = [] if args.no_lessons else lesson_memory(server)
    finally:
        server.stop()
    iopub = server.log.read_text().count("Timeout waiting for IOPub output")
    report(args, opened, blank, iopub, open_seconds, result, rows, closing, lessons, config)


if __name__ == "__main__":
    main()
