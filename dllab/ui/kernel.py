"""What the lab asks of the Jupyter kernel it runs in.

`drop_unseen_debug_records`: traitlets sets an application's logger to DEBUG and filters
by level only at its handler, so a kernel builds a debug record (caller lookup included)
for every message it handles, to throw it away. While a lab plays, the page answers its
frames; py-spy on a playing lab's kernel (benchmarks/bench_load.py, one learner) put 11%
of the kernel's message handling in those records.
"""

from __future__ import annotations

import logging
import sys


def least_handled_level(logger: logging.Logger) -> int | None:
    """The lowest level any of `logger`'s handlers writes; None without handlers (then
    records go elsewhere, and the logger's level must stay as it is)."""
    levels = [handler.level for handler in logger.handlers]
    return min(levels) if levels else None


def drop_unseen_debug_records(logger: logging.Logger | None = None) -> None:
    """Raise `logger` (the kernel application's, by default) to the lowest level its
    handlers write, when it does not propagate: no record it would have written is lost."""
    if logger is None:
        logger = _kernel_logger()
        if logger is None:
            return
    level = least_handled_level(logger)
    if level is not None and not logger.propagate and logger.level < level:
        logger.setLevel(level)


def _kernel_logger() -> logging.Logger | None:
    """The running IPython kernel's logger, or None outside a kernel. (A kernel has
    imported ipykernel.kernelapp; importing it elsewhere would change the comms that
    widgets are made with.)"""
    kernelapp = sys.modules.get("ipykernel.kernelapp")
    if kernelapp is None or not kernelapp.IPKernelApp.initialized():
        return None
    log = kernelapp.IPKernelApp.instance().log
    return log if isinstance(log, logging.Logger) else None
