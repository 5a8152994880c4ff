"""Traditional models against neural networks on the shapes pictures, side by side.

Each seed draws its own shapes set (`make_shapes`) and splits it in half; every model
trains on the same half and is scored on the other: test accuracy, and CPU seconds to
train and score (features included), all on one thread.

- logistic regression and a random forest on the raw pixels, as `fit_baseline` sets them;
- a random forest on edge histograms (`edge_histograms`: the features a person designs);
- a dense network on the raw pixels, in dllab's NumPy engine;
- a small convolutional network on the raw pixels, in PyTorch (if it is installed), as
  the reference for the convolutional network the lesson builds.

With --curve, also the traditional models' accuracy against the size of the training set,
on one test set of 1,000 pictures.

    python benchmarks/bench_images_baselines.py [--n-samples 2000] [--noise 0.1]
        [--seeds 0 1 2] [--curve] [--no-torch]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from dllab.core.baselines import fit_baseline
from dllab.core.data import Split, split
from dllab.core.edges import edge_split
from dllab.core.shapes import make_shapes
from dllab.lessons.images_compare import dense_network

CNN_EPOCHS = 15
CURVE_SIZES = (125, 250, 500, 1000, 2000)
CURVE_TEST_SIZE = 1000


def logistic_on_pixels(data: Split, seed: int) -> float:
    return fit_baseline("logistic_raw", data, seed=seed).test_score


def forest_on_pixels(data: Split, seed: int) -> float:
    return fit_baseline("random_forest", data, seed=seed).test_score


def forest_on_edges(data: Split, seed: int) -> float:
    return fit_baseline("random_forest", edge_split(data), seed=seed).test_score


def dense_network_on_pixels(data: Split, seed: int) -> float:
    """The image lesson's dense network (dllab.lessons.images_compare)."""
    return dense_network(data, seed, should_stop=lambda: False)


def convolutional_network_on_pixels(data: Split, seed: int) -> float:
    """Two 3 x 3 convolutions (16 and 32 channels, each with ReLU and 2 x 2 max pooling),
    a third (32 channels) with the largest value over the picture, then a linear layer:
    trained with Adam (learning rate 0.003, batches of 32)."""
    import torch

    torch.manual_seed(seed)
    side = data.dataset.image_shape[0]
    channels = (1, 16, 32, 32)
    layers: list[torch.nn.Module] = []
    for index, (inputs, outputs) in enumerate(zip(channels[:-1], channels[1:])):
        pooling = torch.nn.MaxPool2d(2) if index < 2 else torch.nn.AdaptiveMaxPool2d(1)
        layers += [torch.nn.Conv2d(inputs, outputs, 3, padding=1), torch.nn.ReLU(), pooling]
    network = torch.nn.Sequential(
        *layers, torch.nn.Flatten(), torch.nn.Linear(channels[-1], data.dataset.n_classes)
    )
    optimizer = torch.optim.Adam(network.parameters(), lr=0.003)
    X = torch.tensor(data.X_train, dtype=torch.float32).reshape(-1, 1, side, side)
    y = torch.tensor(data.y_train)
    shuffle = torch.Generator().manual_seed(seed)
    for _ in range(CNN_EPOCHS):
        order = torch.randperm(len(y), generator=shuffle)
        for start in range(0, len(y), 32):
            batch = order[start : start + 32]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(network(X[batch]), y[batch]).backward()
            optimizer.step()
    with torch.no_grad():
        X_test = torch.tensor(data.X_test, dtype=torch.float32).reshape(-1, 1, side, side)
        predicted = network(X_test).argmax(dim=1).numpy()
    return float(np.mean(predicted == data.y_test))


MODELS: dict[str, Callable[[Split, int], float]] = {
    "logistic regression, pixels": logistic_on_pixels,
    "random forest, pixels": forest_on_pixels,
    "random forest, edge histograms": forest_on_edges,
    "dense network, pixels (dllab)": dense_network_on_pixels,
    "convolutional network, pixels (PyTorch)": convolutional_network_on_pixels,
}
TRADITIONAL = (
    "logistic regression, pixels",
    "random forest, pixels",
    "random forest, edge histograms",
)


def timed(model: Callable[[Split, int], float], data: Split, seed: int) -> tuple[float, float]:
    started = time.process_time()
    accuracy = model(data, seed)
    return accuracy, time.process_time() - started


def compare(n_samples: int, noise: float, seeds: list[int], models: list[str]) -> None:
    print(f"\n{n_samples} pictures (half to train), noise {noise}, seeds {seeds}")
    accuracies: dict[str, list[float]] = {name: [] for name in models}
    seconds: dict[str, list[float]] = {name: [] for name in models}
    for seed in seeds:
        data = split(make_shapes(n_samples, noise, seed), train_share=0.5, seed=seed)
        for name in models:
            accuracy, cpu = timed(MODELS[name], data, seed)
            accuracies[name].append(accuracy)
            seconds[name].append(cpu)
    print(f"{'model':42} {'test accuracy per seed':>24} {'mean':>6} {'CPU s':>6}")
    for name in models:
        per_seed = " ".join(f"{value:.3f}" for value in accuracies[name])
        mean = statistics.mean(accuracies[name])
        print(f"{name:42} {per_seed:>24} {mean:6.3f} {statistics.mean(seconds[name]):6.1f}")
    cnn = "convolutional network, pixels (PyTorch)"
    if cnn in models:
        for other in ("random forest, pixels", "random forest, edge histograms"):
            gaps = np.subtract(accuracies[cnn], accuracies[other]) * 100
            print(f"convolutional network - {other}: {' '.join(f'{g:+.1f}' for g in gaps)} points")


def learning_curve(noise: float, seeds: list[int]) -> None:
    print(f"\nAccuracy against training pictures, noise {noise}, test on {CURVE_TEST_SIZE}")
    print(f"{'model':42} " + " ".join(f"{size:>6}" for size in CURVE_SIZES))
    table = {name: np.zeros((len(seeds), len(CURVE_SIZES))) for name in TRADITIONAL}
    for row, seed in enumerate(seeds):
        data = make_shapes(max(CURVE_SIZES) + CURVE_TEST_SIZE, noise, seed)
        full = split(data, train_share=max(CURVE_SIZES) / data.n_samples, seed=seed)
        for column, size in enumerate(CURVE_SIZES):
            part = Split(
                data, full.X_train[:size], full.y_train[:size], full.X_test, full.y_test, 0.5
            )
            for name in TRADITIONAL:
                table[name][row, column] = MODELS[name](part, seed)
    for name in TRADITIONAL:
        print(f"{name:42} " + " ".join(f"{value:6.3f}" for value in table[name].mean(axis=0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--noise", type=float, nargs="+", default=[0.1])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--curve", action="store_true", help="accuracy against training size")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch's network out")
    options = parser.parse_args()

    models = list(MODELS)
    try:
        if options.no_torch:
            raise ImportError
        import torch

        torch.set_num_threads(1)
        print(f"PyTorch {torch.__version__}, one thread")
    except ImportError:
        models.remove("convolutional network, pixels (PyTorch)")
        print("PyTorch left out: no convolutional network reference")
    started = time.perf_counter()
    with threadpool_limits(1):
        make_shapes(2000, 0.1, seed=0)
        print(f"2,000 pictures drawn in {time.perf_counter() - started:.2f} s")
        for noise in options.noise:
            compare(options.n_samples, noise, options.seeds, models)
            if options.curve:
                learning_curve(noise, options.seeds)


if __name__ == "__main__":
    main()
