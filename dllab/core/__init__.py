"""dllab's engine: a neural network, its data and its training, in plain NumPy.

Nothing here imports a widget, a plot or traitlets.
"""

from .activations import ACTIVATIONS
from .data import (
    DATASETS,
    PLAYGROUND_SETS,
    Dataset,
    Split,
    from_arrays,
    from_csv,
    load_digits,
    make_dataset,
    split,
)
from .features import FEATURES, feature_matrix
from .heads import DEFAULT_HEAD, HEADS
from .network import Gradients, Network, Pass
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum
from .training import History, Trainer

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "DEFAULT_HEAD",
    "FEATURES",
    "HEADS",
    "OPTIMIZERS",
    "PLAYGROUND_SETS",
    "SGD",
    "Adam",
    "Dataset",
    "Gradients",
    "History",
    "Momentum",
    "Network",
    "Pass",
    "Split",
    "Trainer",
    "feature_matrix",
    "from_arrays",
    "from_csv",
    "load_digits",
    "make_dataset",
    "split",
]
