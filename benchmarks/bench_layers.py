"""Training steps per second of dllab's layer networks, side by side with PyTorch.

The lessons' two networks, batch 32, plain SGD, one thread each: the image lesson's CNN
(24 x 24 grayscale, conv 8 and 16 filters of 3 x 3 "same", ReLU and 2 x 2 max pooling after
each, dense 32, ReLU, 4 classes) and the character model (context 3, embeddings of 10,
hidden 200 tanh, 27 symbols). dllab runs the same forward, backward and update calls as
its Trainer's step; PyTorch runs in eager mode on the CPU. Both in float64 and in float32.
Runs alternate between dllab and PyTorch so that machine noise hits both alike; the
figure reported is the median of the rounds.

    python benchmarks/bench_layers.py [--seconds 1.0] [--rounds 5]
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from against_torch import arguments, import_torch, sgd_steps_per_second
from threadpoolctl import threadpool_limits

from dllab.core.charmodel import char_model
from dllab.core.layered import Conv, Dense, Flatten, LayerNetwork, MaxPool, ReLU

N_SAMPLES = 640
BATCH = 32
LEARNING_RATE = 0.01
# (label, builder name, target ratio dllab / PyTorch)
CASES = [("CNN 1x24x24, conv 8, 16, dense 32, 4", "cnn", 1.0), ("chars 3x10-200-27", "chars", 3.0)]


def make_cnn(dtype: str) -> LayerNetwork:
    layers = [Conv(8, 3), ReLU(), MaxPool(), Conv(16, 3), ReLU(), MaxPool()]
    layers += [Flatten(), Dense(32), ReLU()]
    return LayerNetwork((1, 24, 24), layers, head="softmax", n_outputs=4, seed=0, dtype=dtype)


def make_batches(case: str, rng: np.random.Generator):
    if case == "cnn":
        X = rng.random((N_SAMPLES, 24 * 24))
        y = rng.integers(0, 4, N_SAMPLES)
    else:
        X = rng.integers(0, 27, (N_SAMPLES, 3)).astype(np.float64)
        y = rng.integers(0, 27, N_SAMPLES)
    return [(X[i : i + BATCH], y[i : i + BATCH]) for i in range(0, N_SAMPLES, BATCH)]


def dllab_steps_per_second(case: str, batches, seconds: float, dtype: str) -> float:
    with threadpool_limits(1):
        network = make_cnn(dtype) if case == "cnn" else char_model(3, 10, 200, dtype=dtype)
        return sgd_steps_per_second(network, batches, seconds, LEARNING_RATE)


def torch_model(case: str, dtype):
    import torch
    from torch import nn

    if case == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 6 * 6, 32, dtype=dtype),
            nn.ReLU(),
            nn.Linear(32, 4, dtype=dtype),
        )

    class Chars(nn.Module):  # makemore part 2: C[X].view(-1, 30) @ W1 ...
        def __init__(self) -> None:
            super().__init__()
            self.C = nn.Parameter(torch.randn(27, 10, dtype=dtype))
            self.hidden = nn.Linear(30, 200, dtype=dtype)
            self.out = nn.Linear(200, 27, dtype=dtype)

        def forward(self, X):
            return self.out(torch.tanh(self.hidden(self.C[X].view(-1, 30))))

    return Chars()


def torch_steps_per_second(case: str, batches, seconds: float, dtype: str) -> float:
    import torch

    torch.set_num_threads(1)
    dtype = getattr(torch, dtype)
    model = torch_model(case, dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    if case == "cnn":
        data = [
            (torch.from_numpy(X).to(dtype).reshape(-1, 1, 24, 24), torch.from_numpy(y))
            for X, y in batches
        ]
    else:
        data = [(torch.from_numpy(X.astype(np.int64)), torch.from_numpy(y)) for X, y in batches]
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for X, y in data:
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
        steps += len(data)
    return steps / (time.perf_counter() - start)


def main() -> None:
    args = arguments(__doc__, rounds=5)
    torch = import_torch()
    rng = np.random.default_rng(0)
    print(
        f"{'network (batch 32)':38s} {'dllab64':>8s} {'torch64':>8s} {'ratio':>6s} "
        f"{'dllab32':>8s} {'torch32':>8s} {'ratio':>6s}  target (steps/s)"
    )
    for label, case, target in CASES:
        batches = make_batches(case, rng)
        runs: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for dtype in ("float64", "float32"):
                runs.setdefault(f"dllab {dtype}", []).append(
                    dllab_steps_per_second(case, batches, args.seconds, dtype)
                )
                if torch is not None:
                    runs.setdefault(f"torch {dtype}", []).append(
                        torch_steps_per_second(case, batches, args.seconds, dtype)
                    )
        line = f"{label:38s}"
        for dtype in ("float64", "float32"):
            mine = statistics.median(runs[f"dllab {dtype}"])
            line += f" {mine:8,.0f}"
            if f"torch {dtype}" in runs:
                other = statistics.median(runs[f"torch {dtype}"])
                line += f" {other:8,.0f} {mine / other:5.2f}x"
        print(f"{line}  >= {target}x")


if __name__ == "__main__":
    main()
