"""dllab: learn how deep learning works by doing it.

The engine (`Network`, `Trainer`, datasets) is plain NumPy; `Lab` and the lesson
widgets are imported on first use, so the engine works without any widget library.
"""

from .core import *  # noqa: F403
from .core import __all__ as _core_names

__version__ = "0.1.0"
__all__ = [*_core_names, "Lab"]  # noqa: F405 (Lab is imported lazily below)


def __getattr__(name: str):
    if name == "Lab":
        from .lab import Lab

        return Lab
    raise AttributeError(f"module 'dllab' has no attribute {name!r}")
