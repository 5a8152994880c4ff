"""The lab's widgets: `Lab` and the model it is a view of."""

from .model import LabModel
from .view import Lab

__all__ = ["Lab", "LabModel"]
