"""A rush on the room's server: N requests for a lesson page at the same moment, as a
script (or a page full of <img> tags) would send them, and what they cost.

Starts the room as the README does (`dllab-room`, through `python -m dllab.room`, on
127.0.0.1) with a cap (`--max-kernels`), or with `--plain` the old way (`voila notebooks/`
from the repository root, no token, no cap); sends N GETs of /voila/render/lab.ipynb at
once (with the room's token, or, with `--no-token`, without it); and reports the answers,
the kernels started (the server's log), the most kernel processes seen at once, and each
kernel's resident memory once the rush is over. Then stops the server and its kernels.
Traffic goes to 127.0.0.1 only; N is at most 100.

    python benchmarks/bench_room.py [--requests 30] [--max-kernels 3] [--plain] [--no-token]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
import harness  # noqa: E402  (servers shared with the browser tests)
import workshop  # noqa: E402


def start_plain() -> harness.Server:
    port = harness.free_port()
    command = [
        harness.executable("voila"),
        "notebooks/",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
    ]
    return harness._start("voila-plain", command, port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="requests at once (<= 100)")
    parser.add_argument("--max-kernels", type=int, default=3, help="the room's cap")
    parser.add_argument("--plain", action="store_true", help="plain `voila notebooks/`")
    parser.add_argument("--no-token", action="store_true", help="send no token")
    args = parser.parse_args()
    count = max(1, min(args.requests, 100))
    if args.plain:
        server = start_plain()
        what = "plain `voila notebooks/` (no token, no cap)"
    else:
        server = workshop.start_app(
            name="voila-bench-room", extra=("--max-kernels", str(args.max_kernels))
        )
        what = f"dllab-room --max-kernels {args.max_kernels}"
    try:
        peak, done = [0], threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], len(workshop.kernel_pids(server)))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        start = time.perf_counter()
        try:
            answers = workshop.many_requests(
                server, "/voila/render/lab.ipynb", count, timeout=300, token=not args.no_token
            )
        finally:
            seconds = time.perf_counter() - start
            done.set()
            watcher.join()
        time.sleep(2.0)  # kernels settle after their page rendered
        kernels = workshop.kernel_pids(server)
        rss = [r for r in (workshop.rss_mb(pid) for pid in kernels) if r is not None]
        statuses = collections.Counter(status for status, _ in answers)
        labs = sum("widget-view" in body for _, body in answers)
        asked = sum("the room's link" in body for _, body in answers)
        full = sum("The room is full" in body for _, body in answers)
    finally:
        server.stop()
    token = "without the token" if args.no_token else "with the token"
    print(f"\n{count} requests at once for /voila/render/lab.ipynb, {token}, to {what}:")
    print(f"  answers: {dict(sorted(statuses.items()))} in {seconds:.1f} s")
    print(f"  pages with the lab: {labs}; 'room is full': {full}; 'ask for the link': {asked}")
    print(
        f"  kernels started: {workshop.kernels_started(server)}; most kernel processes at "
        f"once: {peak[0]}; running after the rush: {len(kernels)}"
    )
    if rss:
        print(
            f"  kernel RSS after rendering: median {statistics.median(rss):.0f} MB "
            f"(min {min(rss):.0f}, max {max(rss):.0f}); all kernels {sum(rss):.0f} MB"
        )


if __name__ == "__main__":
    main()
