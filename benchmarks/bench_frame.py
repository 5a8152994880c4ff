"""What one frame of the lab costs its kernel before any message: CPU per frame, split.

For the default network (2 hidden layers of 4, 2) and the playground's largest (6 hidden
layers of 8) on the spiral, a lab built without a page (its widgets send nothing) plays
frame after frame as its training loop does, and this times, in CPU per frame:

- training: `LabModel.advance` (one epoch at the default speed: 25 steps of 10 points,
  then the epoch's scores);
- the picture: `LabModel.frame` (every neuron over a 25 x 25 grid, the output over a
  50 x 50 one);
- drawing: the rest of `Lab.draw` (the frame put into the widgets' traits, bytes and all);

and the cores those would take at 30 frames a second; each at the start of a run and
after --after epochs (1,000: a long run, whose history holds its most points). What the
kernel spends beyond this while a page is open (sending the frame's message, reading the
page's answers, the kernel's own threads) is measured by benchmarks/bench_load.py and
bench_browser.py.

    python benchmarks/bench_frame.py [--frames 300] [--after 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from threadpoolctl import threadpool_limits

from dllab.lab import Lab

NETWORKS = {"default (4, 2)": [4, 2], "largest (6 x 8)": [8] * 6}
FPS = 30


def per_frame(hidden: list[int], frames: int, after: int = 0) -> dict[str, float]:
    """Mean CPU per frame, in ms, of `frames` frames played after `after` epochs."""
    lab = Lab(dataset="spiral", hidden=hidden, autostart=False)
    model = lab.model
    model.advance(after)
    times = {"training": [], "picture": [], "drawing": []}
    try:
        for i in range(frames + 20):
            model.playing = True  # as a playing lab (its loss may have settled meanwhile)
            start = time.process_time()
            model.advance()
            trained = time.process_time()
            frame = model.frame()
            pictured = time.process_time()
            lab.draw()  # computes the frame again: its own cost is the picture's
            drawn = time.process_time()
            if i >= 20:  # the first frames of a run are not typical
                times["training"].append(trained - start)
                times["picture"].append(pictured - trained)
                times["drawing"].append(max(0.0, (drawn - pictured) - (pictured - trained)))
            del frame
    finally:
        lab.close()
    return {part: 1000 * statistics.mean(values) for part, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=300, help="frames timed per network")
    parser.add_argument(
        "--after",
        type=int,
        default=1000,
        help="also time frames after this many epochs (a long run, its history full)",
    )
    args = parser.parse_args()
    print(f"CPU per frame of the lab's kernel, before any message (ms; {args.frames} frames)")
    print(f"{'network':<18} {'after epochs':>12} {'training':>9} {'picture':>8} {'drawing':>8} "
          f"{'total':>7}  cores at {FPS} frames/s")  # fmt: skip
    with threadpool_limits(1):  # as the lab's training loop runs (dllab.ui.Runner)
        for name, hidden in NETWORKS.items():
            for after in sorted({0, args.after}):
                parts = per_frame(hidden, args.frames, after)
                total = sum(parts.values())
                print(
                    f"{name:<18} {after:>12,} {parts['training']:>9.2f} "
                    f"{parts['picture']:>8.2f} {parts['drawing']:>8.2f} {total:>7.2f}  "
                    f"{total * FPS / 1000:.3f}"
                )


if __name__ == "__main__":
    main()
