"""The image lesson's learning curve, as its button runs it: each of the five models of the
comparison trained on each training-set size and tested on the same pictures, on one
thread. Prints the test accuracy and the CPU seconds of every model at every size, the
total time, and the sentences the page writes from them.

    python benchmarks/bench_images_curve.py [--seeds 0] [--sizes 100 200 400 800 1600]
        [--n-test 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from dllab.core.learning_curve import (
    CURVE_NOISE,
    CURVE_SIZES,
    CURVE_TEST_SIZE,
    LearningCurve,
    curve_points,
    shapes_pool,
)
from dllab.lessons.images_curve import CURVE_FITS, LABELS, curve_sentences


def run(seed: int, sizes: list[int], n_test: int) -> LearningCurve:
    wall, cpu = time.perf_counter(), time.process_time()
    pool = shapes_pool(max(sizes), n_test, CURVE_NOISE, seed)
    points = list(curve_points(pool, sizes, CURVE_FITS, seed))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    curve = LearningCurve.collect(sizes, list(CURVE_FITS), points)
    print(f"\nseed {seed}: {len(points)} fits, tested on {n_test} pictures, noise {CURVE_NOISE}")
    print(f"{'test accuracy':32} " + " ".join(f"{size:>6}" for size in curve.sizes))
    for name, row in zip(curve.models, curve.accuracy):
        print(f"{LABELS[name]:32} " + " ".join(f"{value:6.3f}" for value in row))
    print(f"{'CPU seconds':32} " + " ".join(f"{size:>6}" for size in curve.sizes))
    for name, row in zip(curve.models, curve.seconds):
        print(f"{LABELS[name]:32} " + " ".join(f"{value:6.1f}" for value in row))
    print(f"total: {wall:.1f} s on the clock, {cpu:.1f} s of CPU (pictures drawn included)")
    print(curve_sentences(curve))
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(CURVE_SIZES))
    parser.add_argument("--n-test", type=int, default=CURVE_TEST_SIZE)
    options = parser.parse_args()
    with threadpool_limits(1):
        import sklearn.ensemble  # noqa: F401  imported before timing, as the page has it
        import sklearn.linear_model  # noqa: F401

        curves = [run(seed, options.sizes, options.n_test) for seed in options.seeds]
    if len(curves) > 1:
        mean = np.mean([curve.accuracy for curve in curves], axis=0)
        print(f"\nmean over seeds {options.seeds}")
        print(f"{'test accuracy':32} " + " ".join(f"{size:>6}" for size in curves[0].sizes))
        for name, row in zip(curves[0].models, mean):
            print(f"{LABELS[name]:32} " + " ".join(f"{value:6.3f}" for value in row))


if __name__ == "__main__":
    main()
