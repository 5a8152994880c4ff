"""How often the image lesson's first-layer kernels pass as edge detectors, trained against
fresh: the figures the lesson's edge-likeness criterion is chosen from.

For each seed, the lesson's network (`ImagesModel` with its defaults, or the filters
given) is trained; each first-layer 3 x 3 kernel's best absolute correlation with a set
of templates is compared with thresholds. The same is done for CHANCE_KERNELS fresh
kernels drawn as the network draws its first weights. Two template sets: Sobel's edge
kernels every 45 degrees (the lesson's), and those with bars every 45 degrees added.

    python benchmarks/bench_edge_likeness.py [--seeds 0 1 2 3 4] [--filters 8]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dllab.core.conv_insight import (
    EDGE_LIKE,
    chance_edge_share,
    chance_of_at_least,
    edge_templates,
    template_match,
)
from dllab.core.layer_specs import Conv
from dllab.lessons.images_model import ImagesModel

THRESHOLDS = (0.6, 0.7, 0.8, 0.85, 0.9)
TEMPLATE_SETS = {
    "Sobel edges (8)": edge_templates(),
    "Sobel edges and bars (12)": edge_templates(bars=True),
}


def trained_kernels(seed: int, filters: int) -> tuple[np.ndarray, float]:
    model = ImagesModel(seed=seed, filters=filters)
    try:
        model.train()
        return model.frame().kernels, model.history()["test_accuracy"][-1]
    finally:
        model.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--filters", type=int, default=8)
    options = parser.parse_args()

    started = time.perf_counter()
    per_seed = []
    for seed in options.seeds:
        kernels, accuracy = trained_kernels(seed, options.filters)
        per_seed.append(kernels)
        print(f"seed {seed}: trained, test accuracy {accuracy:.3f}", flush=True)
    print(f"{len(options.seeds)} networks trained in {time.perf_counter() - started:.0f} s")
    trained = np.concatenate(per_seed)
    layer = Conv(options.filters, 3)

    print(f"\nShare of kernels at or above each threshold: {len(trained)} trained kernels")
    print(f"({options.filters} per network), fresh kernels drawn as the network draws them")
    print(f"{'templates':27} {'threshold':>9} {'fresh':>7} {'trained':>8}")
    for name, templates in TEMPLATE_SETS.items():
        match = template_match(trained, templates)
        for threshold in THRESHOLDS:
            fresh = chance_edge_share(layer, threshold, templates=templates)
            print(f"{name:27} {threshold:9.2f} {fresh:7.3f} {np.mean(match >= threshold):8.3f}")

    chance = chance_edge_share(layer)
    print(f"\nThe lesson's criterion (Sobel edges, {EDGE_LIKE}): fresh {chance:.3f}")
    print(f"{'seed':>4} {'edge-like':>10} {'P(as many by chance)':>21}")
    for seed, kernels in zip(options.seeds, per_seed):
        count = int(np.sum(template_match(kernels, edge_templates()) >= EDGE_LIKE))
        tail = chance_of_at_least(count, len(kernels), chance)
        print(f"{seed:4} {count:>5} of {len(kernels):<2} {tail:21.4f}")


if __name__ == "__main__":
    main()
