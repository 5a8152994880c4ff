"""What the benchmarks that compare dllab with PyTorch share: their command line, and
PyTorch itself when it is installed (each benchmark prints dllab's figures alone without)."""

from __future__ import annotations

import argparse

import numpy as np


def arguments(doc: str, rounds: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=rounds, help="alternating rounds per network")
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
