"""dllab's engine: a neural network, its data and its training, in plain NumPy.

Nothing here imports a widget, a plot or traitlets.
"""

from .activations import ACTIVATIONS
from .baselines import (
    BASELINE_LABELS,
    BASELINES,
    REGRESSION_LABELS,
    BaselineResult,
    compare,
    fit_baseline,
)
from .charmodel import char_model, char_split, next_probabilities, sample
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
from .edges import bar_kernels, edge_histograms, sobel_kernels
from .features import FEATURES, feature_matrix
from .heads import DEFAULT_HEAD, HEADS
from .io import load_network, save_network
from .layer_specs import LAYERS, Activation, Conv, Dense, Embedding, Flatten, MaxPool, ReLU, Tanh
from .layered import LayerNetwork
from .network import Gradients, Network, Pass
from .ngram import (
    SMOOTHING_CANDIDATES,
    NGramModel,
    OrderResult,
    SmoothingSearch,
    best_smoothing,
    sweep_orders,
)
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum
from .plane import output_score, plane_extent, plane_grid
from .recipe import make_trainer
from .shapes import SHAPES, make_shapes
from .sweep import SweepResult, sweep
from .text import (
    LETTERS,
    Alphabet,
    WordSplit,
    context_windows,
    from_words,
    load_names,
    name_list_header,
    split_words,
    words_from_file,
    words_from_text,
)
from .training import History, Trainer

__all__ = [
    "SHAPES",
    "make_shapes",
    "edge_histograms",
    "sobel_kernels",
    "bar_kernels",
    "LayerNetwork",
    "LAYERS",
    "Conv",
    "MaxPool",
    "Flatten",
    "Dense",
    "Activation",
    "ReLU",
    "Tanh",
    "Embedding",
    "char_model",
    "char_split",
    "sample",
    "next_probabilities",
    "Alphabet",
    "LETTERS",
    "WordSplit",
    "load_names",
    "name_list_header",
    "from_words",
    "words_from_text",
    "words_from_file",
    "split_words",
    "context_windows",
    "NGramModel",
    "SmoothingSearch",
    "OrderResult",
    "best_smoothing",
    "sweep_orders",
    "SMOOTHING_CANDIDATES",
    "ACTIVATIONS",
    "BASELINES",
    "BASELINE_LABELS",
    "DATASETS",
    "DEFAULT_HEAD",
    "FEATURES",
    "HEADS",
    "OPTIMIZERS",
    "PLAYGROUND_SETS",
    "REGRESSION_LABELS",
    "SGD",
    "Adam",
    "BaselineResult",
    "Dataset",
    "Gradients",
    "History",
    "Momentum",
    "Network",
    "Pass",
    "Split",
    "SweepResult",
    "Trainer",
    "compare",
    "feature_matrix",
    "fit_baseline",
    "from_arrays",
    "from_csv",
    "load_digits",
    "load_network",
    "make_dataset",
    "make_trainer",
    "output_score",
    "plane_extent",
    "plane_grid",
    "save_network",
    "split",
    "sweep",
]
