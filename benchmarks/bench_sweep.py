"""Time of a depth x width sweep, vectorised, against training the networks one by one.

The sweep of the "Why depth matters" lesson: 6 depths x 6 widths = 36 tanh networks on the
spiral (250 training points, batch 10, SGD), 300 epochs each, every epoch scored on the
training and test sets. The one-by-one figure trains the same 36 networks with dllab's
Trainer for fewer epochs and scales the time up to the full count. Both run on one BLAS
thread, as the lesson does. Wall time depends on what else the machine runs; CPU time
of this process is printed beside it.

    python benchmarks/bench_sweep.py [--epochs 300] [--alone-epochs 30]
"""

from __future__ import annotations

import argparse
import time

from threadpoolctl import threadpool_limits

from dllab.core import Network, Trainer, make_dataset, split
from dllab.core.sweep import sweep

DEPTHS = range(1, 7)
WIDTHS = (2, 4, 6, 8, 12, 16)
LIMIT_SECONDS = 20.0


def timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for `work()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def one_by_one(data, epochs: int) -> None:
    for depth in DEPTHS:
        for width in WIDTHS:
            network = Network([2, *[width] * depth, 1], activation="tanh", head="tanh", seed=0)
            Trainer(network, data, learning_rate=0.03, batch_size=10, seed=0).train(epochs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--alone-epochs", type=int, default=30)
    args = parser.parse_args()
    data = split(make_dataset("spiral", seed=0), 0.5, seed=0)
    n = len(DEPTHS) * len(WIDTHS)
    print(
        f"{n} networks (depths {DEPTHS.start}..{DEPTHS.stop - 1}, widths {WIDTHS}), "
        f"spiral, {len(data.X_train)} training points, batch 10"
    )
    with threadpool_limits(1, user_api="blas"):
        sweep_wall, sweep_cpu = timed(
            lambda: sweep(data, DEPTHS, WIDTHS, epochs=args.epochs, learning_rate=0.03)
        )
        alone_wall, alone_cpu = timed(lambda: one_by_one(data, args.alone_epochs))
    scale = args.epochs / args.alone_epochs
    verdict = "within" if sweep_wall <= LIMIT_SECONDS else "OVER"
    print(
        f"sweep, vectorised, {args.epochs} epochs: {sweep_wall:6.2f} s wall, "
        f"{sweep_cpu:6.2f} s CPU ({verdict} the {LIMIT_SECONDS:.0f} s budget)"
    )
    print(
        f"one by one (Trainer), {args.alone_epochs} epochs x {scale:g}: "
        f"{alone_wall * scale:6.2f} s wall, {alone_cpu * scale:6.2f} s CPU"
    )
    wall_ratio = alone_wall * scale / sweep_wall
    cpu_ratio = alone_cpu * scale / sweep_cpu
    print(f"speed-up: {wall_ratio:.1f}x wall, {cpu_ratio:.1f}x CPU")


if __name__ == "__main__":
    main()
