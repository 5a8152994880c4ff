"""What the benchmarks that compare dllab with PyTorch share: their command line, and
PyTorch itself when it is installed (each benchmark prints dllab's figures alone without)."""

from __future__ import annotations

import argparse
import time

import numpy as np

from dllab.core.network import with_ones
from dllab.core.optimizers import make_optimizer


def arguments(doc: str, rounds: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=rounds, help="alternating rounds per network")
    parser.add_argument(
        "--only", default="", help="measure only the networks whose label contains this text"
    )
    return parser.parse_args()


def import_torch():
    """PyTorch, or None when it is not installed; says which on the first line."""
    try:
        import torch
    except ImportError:
        print(f"PyTorch is not installed: dllab figures only; numpy {np.__version__}")
        return None
    print(f"PyTorch {torch.__version__}, eager, CPU, 1 thread; numpy {np.__version__}")
    return torch


def steps_per_second(
    network, batches, seconds: float, learning_rate: float, optimizer: str = "sgd"
) -> float:
    """Training steps a second of `network` over `batches` ((X, y) pairs) with `optimizer`
    (plain SGD unless told), run as the Trainer runs them: inputs with their column of
    ones, targets encoded, buffers kept."""
    optimizer = make_optimizer(optimizer, learning_rate)
    encoded = [(with_ones(X), network.targets(y)) for X, y in batches]
    buffer = network.gradient_buffer()
    steps, start = 0, time.perf_counter()
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        while time.perf_counter() - start < seconds:
            for X1, T in encoded:
                run = network._forward(X1, reuse=True)
                network._backward(run, T, buffer, with_loss=False)
                optimizer.update(network.params, buffer.flat)
            steps += len(encoded)
    return steps / (time.perf_counter() - start)


def eager_steps_per_second(model, optimizer, loss_fn, data, seconds: float) -> float:
    """Training steps a second of a PyTorch `model` over `data` ((X, y) tensor pairs),
    in eager mode: zero the gradients, the loss's backward pass, the optimiser's step."""
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for X, y in data:
            optimizer.zero_grad()
            loss_fn(model(X), y).backward()
            optimizer.step()
        steps += len(data)
    return steps / (time.perf_counter() - start)
