"""Training steps per second of dllab's layer networks, side by side with PyTorch.

The lessons' networks, one thread each: the image lesson's CNN (24 x 24 grayscale, three
blocks of 3 x 3 "same" convolution with 8, 16 and 16 filters, ReLU and 2 x 2 max pooling,
then dense 32, ReLU, 4 classes; batch 32: `dllab.core.recipe.conv_network` as the lesson
and the lab build it) and a smaller one of two blocks (8, 16), the language lesson's
default character model (context 6, embeddings of 16, two hidden layers of 256 tanh, 27
symbols; batch 256) and makemore's smaller one (context 3, embeddings of 10, hidden 200
tanh; batch 32), with plain SGD, and the lesson's model also with Adam, as the lesson
trains it. dllab runs the same forward, backward and
update calls as its Trainer's step; PyTorch runs in eager mode on the CPU. Both in float64
and in float32. Runs alternate between dllab and PyTorch so that machine noise hits both
alike; the figure reported is the median of the rounds.

    python benchmarks/bench_layers.py [--seconds 1.0] [--rounds 5] [--only chars]
"""

from __future__ import annotations

import statistics

import numpy as np
from against_torch import arguments, eager_steps_per_second, import_torch, steps_per_second
from threadpoolctl import threadpool_limits

from dllab.core.charmodel import char_model
from dllab.core.layered import LayerNetwork
from dllab.core.recipe import conv_network

N_BATCHES = 20
LEARNING_RATE = 0.01
N_SYMBOLS = 27


class Case:
    """A network to time: `context`, `dim`, `hidden` for a character model, none for the
    CNN; trained with `optimizer` ("sgd" or "adam")."""

    def __init__(
        self, label, batch, target, optimizer="sgd", context=0, dim=0, hidden=(), blocks=2
    ):
        self.label, self.batch, self.target, self.optimizer = label, batch, target, optimizer
        self.context, self.dim, self.hidden = context, dim, list(hidden)
        self.blocks = blocks  # the CNN's convolution blocks


LESSON = dict(context=6, dim=16, hidden=(256, 256))
CASES = [
    Case("CNN 1x24x24, conv 8-16-16, dense 32 (lesson)", 32, 1.0, blocks=3),
    Case("CNN 1x24x24, conv 8, 16, dense 32, 4", 32, 1.0),
    Case("chars 6x16-256-256-27 (lesson), SGD", 256, 3.0, **LESSON),
    Case("chars 6x16-256-256-27 (lesson), Adam", 256, 3.0, "adam", **LESSON),
    Case("chars 3x10-200-27 (makemore), SGD", 32, 3.0, context=3, dim=10, hidden=(200,)),
]


def make_cnn(blocks: int, dtype: str) -> LayerNetwork:
    return conv_network((24, 24), blocks, 8, 4, seed=0, dtype=dtype)


def make_batches(case: Case):
    rng = np.random.default_rng(0)
    n = N_BATCHES * case.batch
    if not case.context:
        X = rng.random((n, 24 * 24))
        y = rng.integers(0, 4, n)
    else:
        X = rng.integers(0, N_SYMBOLS, (n, case.context)).astype(np.float64)
        y = rng.integers(0, N_SYMBOLS, n)
    return [(X[i : i + case.batch], y[i : i + case.batch]) for i in range(0, n, case.batch)]


def dllab_steps_per_second(case: Case, batches, seconds: float, dtype: str) -> float:
    with threadpool_limits(1):
        if case.context:
            network = char_model(case.context, case.dim, case.hidden, dtype=dtype)
        else:
            network = make_cnn(case.blocks, dtype)
        return steps_per_second(network, batches, seconds, LEARNING_RATE, case.optimizer)


def torch_model(case: Case, dtype):
    import torch
    from torch import nn

    if not case.context:
        layers, channels, side = [], 1, 24
        for block in range(case.blocks):
            filters = 8 if block == 0 else 16
            layers += [nn.Conv2d(channels, filters, 3, padding=1, dtype=dtype), nn.ReLU()]
            layers.append(nn.MaxPool2d(2))
            channels, side = filters, side // 2
        layers += [nn.Flatten(), nn.Linear(channels * side * side, 32, dtype=dtype), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(32, 4, dtype=dtype))

    class Chars(nn.Module):  # makemore part 2: C[X].view(-1, context * dim) @ W1 ...
        def __init__(self) -> None:
            super().__init__()
            self.C = nn.Parameter(torch.randn(N_SYMBOLS, case.dim, dtype=dtype))
            layers, width = [], case.context * case.dim
            for units in case.hidden:
                layers += [nn.Linear(width, units, dtype=dtype), nn.Tanh()]
                width = units
            layers.append(nn.Linear(width, N_SYMBOLS, dtype=dtype))
            self.dense = nn.Sequential(*layers)

        def forward(self, X):
            return self.dense(self.C[X].view(len(X), -1))

    return Chars()


def torch_steps_per_second(case: Case, batches, seconds: float, dtype: str) -> float:
    import torch

    torch.set_num_threads(1)
    dtype = getattr(torch, dtype)
    model = torch_model(case, dtype)
    kind = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[case.optimizer]
    optimizer = kind(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    if not case.context:
        data = [
            (torch.from_numpy(X).to(dtype).reshape(-1, 1, 24, 24), torch.from_numpy(y))
            for X, y in batches
        ]
    else:
        data = [(torch.from_numpy(X.astype(np.int64)), torch.from_numpy(y)) for X, y in batches]
    return eager_steps_per_second(model, optimizer, loss_fn, data, seconds)


def main() -> None:
    args = arguments(__doc__, rounds=5)
    torch = import_torch()
    print(
        f"{'network':40s} {'batch':>5s} {'dllab64':>8s} {'torch64':>8s} {'ratio':>6s} "
        f"{'dllab32':>8s} {'torch32':>8s} {'ratio':>6s}  target (steps/s)"
    )
    for case in CASES:
        if args.only not in case.label:
            continue
        batches = make_batches(case)
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
        line = f"{case.label:40s} {case.batch:5d}"
        for dtype in ("float64", "float32"):
            mine = statistics.median(runs[f"dllab {dtype}"])
            line += f" {mine:8,.0f}"
            if f"torch {dtype}" in runs:
                other = statistics.median(runs[f"torch {dtype}"])
                line += f" {other:8,.0f} {mine / other:5.2f}x"
        print(f"{line}  >= {case.target}x", flush=True)


if __name__ == "__main__":
    main()
