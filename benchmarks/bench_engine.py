"""Training steps per second of dllab's NumPy engine, side by side with PyTorch.

Each network trains with plain SGD on the same batches, both on one thread: dllab
through the same forward, backward and update calls as its Trainer's step, PyTorch
in eager mode on the CPU, in float64 like dllab and in its default float32 (if
PyTorch is installed). Runs alternate between the two so that machine noise hits
both alike; the figure reported is the median of the rounds. Also times evaluating
every neuron of the playground's largest network over a 100 x 100 grid (the lab's
heatmaps).

    python benchmarks/bench_engine.py [--seconds 1.0] [--rounds 7] [--only softmax]
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from against_torch import arguments, eager_steps_per_second, import_torch, steps_per_second
from threadpoolctl import threadpool_limits

from dllab.core.network import Network

CASES = [
    # (label, sizes, hidden activation, head, batch size)
    ("2-8-8-8-8-8-8-1 tanh, batch 10", [2, 8, 8, 8, 8, 8, 8, 1], "tanh", "tanh", 10, 5.0),
    ("64-64-64-10 softmax, batch 32", [64, 64, 64, 10], "relu", "softmax", 32, 5.0),
    ("2-128-128-128-128-1, batch 64", [2, 128, 128, 128, 128, 1], "tanh", "tanh", 64, 1.0),
]
N_SAMPLES = 640
LEARNING_RATE = 0.01


def make_batches(sizes: list[int], head: str, batch: int, rng: np.random.Generator):
    X = rng.normal(size=(N_SAMPLES, sizes[0]))
    if head == "softmax":
        y = rng.integers(0, sizes[-1], N_SAMPLES)
    else:
        y = np.where(rng.random(N_SAMPLES) > 0.5, 1.0, -1.0)
    return [(X[i : i + batch], y[i : i + batch]) for i in range(0, N_SAMPLES, batch)]


def dllab_steps_per_second(sizes, activation, head, batches, seconds):
    with threadpool_limits(1):
        return _dllab_steps_per_second(sizes, activation, head, batches, seconds)


def _dllab_steps_per_second(sizes, activation, head, batches, seconds):
    network = Network(sizes, activation=activation, head=head, init="xavier", seed=0)
    return steps_per_second(network, batches, seconds, LEARNING_RATE)


def torch_steps_per_second(sizes, activation, head, batches, seconds, dtype):
    import torch

    dtype = getattr(torch, dtype)

    torch.set_num_threads(1)
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[activation]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(act())
    if head == "tanh":
        layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    if head == "softmax":
        loss_fn = torch.nn.CrossEntropyLoss()
        data = [(torch.from_numpy(X).to(dtype), torch.from_numpy(y)) for X, y in batches]
    else:
        mse = torch.nn.MSELoss()

        def loss_fn(out, target):
            return 0.5 * mse(out, target)

        data = [
            (torch.from_numpy(X).to(dtype), torch.from_numpy(y).to(dtype).reshape(-1, 1))
            for X, y in batches
        ]
    return eager_steps_per_second(model, optimizer, loss_fn, data, seconds)


def grid_milliseconds(repeats: int = 200) -> float:
    network = Network([2, 8, 8, 8, 8, 8, 8, 1], seed=0)
    axis = np.linspace(-6, 6, 100)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    network.neuron_outputs(grid)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        network.neuron_outputs(grid)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    args = arguments(__doc__, rounds=7)
    torch = import_torch()
    rng = np.random.default_rng(0)
    print(
        f"{'network':34s} {'dllab':>8s} {'torch64':>8s} {'ratio':>6s} "
        f"{'torch32':>8s} {'ratio':>6s}  target (steps/s; ratio = dllab / torch)"
    )
    for label, sizes, activation, head, batch, target in CASES:
        if args.only not in label:
            continue
        batches = make_batches(sizes, head, batch, rng)
        runs = {"dllab": [], "float64": [], "float32": []}
        for _ in range(args.rounds):
            runs["dllab"].append(
                dllab_steps_per_second(sizes, activation, head, batches, args.seconds)
            )
            if torch is not None:
                for dtype in ("float64", "float32"):
                    runs[dtype].append(
                        torch_steps_per_second(
                            sizes, activation, head, batches, args.seconds, dtype
                        )
                    )
        mine = statistics.median(runs["dllab"])
        line = f"{label:34s} {mine:8,.0f}"
        for dtype in ("float64", "float32"):
            if runs[dtype]:
                other = statistics.median(runs[dtype])
                line += f" {other:8,.0f} {mine / other:5.1f}x"
        print(f"{line}  >= {target}x")
    print(f"all neurons of 2-8x6-1 over a 100x100 grid: {grid_milliseconds():.2f} ms (target < 5)")


if __name__ == "__main__":
    main()
