"""The lab's limits and the checks of its settings that need no model: layer widths,
input features, and what each named data set is (its task, its pictures' size).

`LabModel` (dllab.lab.model) uses these; nothing here refers to a widget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import traitlets as t

from ..core import ACTIVATIONS, FEATURES, HEADS, OPTIMIZERS
from ..core.checks import check_choice, check_float, check_int
from ..core.data import MAX_NOISE
from ..core.network import INITIALIZERS, REGULARIZERS
from ..core.optimizers import check_learning_rate
from ..core.recipe import max_conv_layers
from .presets import SHARED

# The lab's limits, each named for what it limits (the engine allows bigger networks; the
# lab keeps to what its pictures can show and a workshop's laptop can train live).
MAX_HIDDEN_LAYERS = 8
MAX_NEURONS_PER_LAYER = 32
MAX_BATCH_SIZE = 1000
MAX_EPOCHS_PER_FRAME = 100
MAX_SEED = 2**32 - 1
MAX_REGULARIZATION_RATE = 10.0
TRAIN_SHARE_RANGE = (0.1, 0.9)
MAX_CONV_LAYERS = 3  # the image lesson's
FILTER_RANGE = (2, 16)  # channels of the first convolution (twice as many after)
# Seconds of training per frame while playing: a network whose epoch takes longer trains
# part of an epoch per frame (benchmarks/bench_browser.py --data shapes --conv 3).
TRAIN_SECONDS_PER_FRAME = 0.05
OWN_DATA = "my data"
CHECK_EVERY = 10  # epochs between two checks of progress (stuck? settled?)
# What `LabModel.status` can be: built and not trained yet; training (or paused after
# training); stopped because the loss became infinite; still at chance level (set by a
# check of progress, see `LabModel._check_progress`); stopped because the loss has settled
# (dllab.core.convergence: Play shows again, pressing it trains on, and a new setting trains
# a new run as after any stop the learner did not ask for); a run that could not be built or
# drawn.
STATUSES = ("ready", "training", "diverged", "stuck", "converged", "error")


def read_widths(value: Any) -> list[int]:
    """Hidden layer widths from a list of whole numbers or from text such as '8, 6, 4'
    (what the "Layer widths" box holds)."""
    limits = f"1 to {MAX_NEURONS_PER_LAYER}"
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        try:
            widths = [int(part) for part in parts]
            return read_widths(widths)
        except (ValueError, TypeError):
            raise ValueError(
                f"layer widths {value!r} not understood: give whole numbers {limits} "
                f"separated by commas, at most {MAX_HIDDEN_LAYERS} of them"
            ) from None
    if isinstance(value, (bytes, dict, set)) or not isinstance(value, Iterable):
        raise TypeError(
            f"hidden must be a list of layer widths, e.g. [8, 8, 8] (or the text '8, 8, 8'); "
            f"got {value!r}"
        )
    widths = list(value)
    try:
        widths = [check_int("hidden", width, 1, MAX_NEURONS_PER_LAYER) for width in widths]
    except (ValueError, TypeError):
        widths = None
    if widths is None or len(widths) > MAX_HIDDEN_LAYERS:
        raise ValueError(
            f"hidden={list(value)} is not allowed: at most {MAX_HIDDEN_LAYERS} layers, "
            f"each {limits} neurons"
        )
    return widths


def read_features(value: Any) -> list[str]:
    """Input features, in FEATURES' order; at least one."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(
            f"features must be a list of feature names, e.g. ['x1', 'x2']; got {value!r}"
        )
    chosen = list(value)
    if not chosen or any(name not in FEATURES for name in chosen):
        raise ValueError(
            f"features={chosen} is not allowed: turn on at least one input feature, "
            f"from {', '.join(FEATURES)}"
        )
    return [name for name in FEATURES if name in chosen]


class LayerWidths(t.TraitType):
    """Hidden layer widths: a list of whole numbers (text such as '8, 6, 4' is read)."""

    info_text = "a list of layer widths"

    def make_dynamic_default(self) -> list[int]:
        return list(SHARED["hidden"][1])

    def validate(self, obj, value):
        try:
            return read_widths(value)
        except (ValueError, TypeError) as error:
            raise t.TraitError(str(error)) from None


# The task of each named data set.
TASKS = {
    "circle": "binary",
    "xor": "binary",
    "gauss": "binary",
    "spiral": "binary",
    "plane": "regression",
    "multi_gauss": "regression",
    "digits": "multiclass",
    "shapes": "multiclass",
}


def plain_value(value: Any) -> Any:
    """A setting as a setup string holds it: a list for a tuple or list."""
    return list(value) if isinstance(value, (list, tuple)) else value


def known_choice(proposal: Any, options: Any) -> str:
    """For a trait validator: the proposed value if it is one of `options`, else a
    TraitError that names the trait, the value and the options."""
    try:
        return check_choice(proposal.trait.name, proposal.value, options)
    except ValueError as error:
        raise t.TraitError(str(error)) from None


# Pictures' (height, width) of the named data sets that are pictures.
IMAGE_SHAPES = {"digits": (8, 8), "shapes": (24, 24)}


def named_task(dataset: str) -> str | None:
    """The task of a named data set (None for a name that is not one)."""
    return TASKS.get(dataset)


def most_conv_layers(image_shape: tuple[int, int]) -> int:
    """The most conv layers the lab gives pictures of `image_shape` (8 x 8 digits take 2)."""
    return min(MAX_CONV_LAYERS, max_conv_layers(image_shape))


def check_conv_layers(conv_layers: int, image_shape: tuple[int, int] | None, dataset: str) -> None:
    """Refuse more convolutional layers than pictures of `image_shape` take (2-D data, with
    no pictures, keeps any: there the setting is unused)."""
    if image_shape is None:
        return
    most = most_conv_layers(image_shape)
    if conv_layers > most:
        height, width = image_shape
        raise ValueError(
            f"conv_layers={conv_layers} is too many for {dataset} ({height} x {width} "
            f"pictures): each convolutional layer halves the pictures; choose 0 to {most}"
        )


# Each setting's check (all but the data set's, whose names depend on the lab's own
# data): the value as the lab holds it, or a ValueError/TypeError naming the setting, the
# value and what is allowed.
SETTING_CHECKS: dict[str, Callable[[Any], Any]] = {
    "noise": lambda v: check_float("noise", v, 0.0, MAX_NOISE),
    "train_share": lambda v: check_float("train_share", v, *TRAIN_SHARE_RANGE),
    "batch_size": lambda v: check_int("batch_size", v, 1, MAX_BATCH_SIZE),
    "features": read_features,
    "data_seed": lambda v: check_int("data_seed", v, 0, MAX_SEED),
    "hidden": read_widths,
    "depth": lambda v: check_int("depth", v, 0, MAX_HIDDEN_LAYERS),
    "width": lambda v: check_int("width", v, 1, MAX_NEURONS_PER_LAYER),
    "conv_layers": lambda v: check_int("conv_layers", v, 0, MAX_CONV_LAYERS),
    "filters": lambda v: check_int("filters", v, *FILTER_RANGE),
    "activation": lambda v: check_choice("activation", v, ACTIVATIONS),
    "head": lambda v: check_choice("head", v, HEADS),
    "init": lambda v: check_choice("init", v, INITIALIZERS),
    "regularization": lambda v: check_choice("regularization", v, REGULARIZERS),
    "regularization_rate": lambda v: check_float(
        "regularization_rate", v, 0.0, MAX_REGULARIZATION_RATE
    ),
    "optimizer": lambda v: check_choice("optimizer", v, OPTIMIZERS),
    "learning_rate": check_learning_rate,
    "seed": lambda v: check_int("seed", v, 0, MAX_SEED),
    "epochs_per_frame": lambda v: check_int("epochs_per_frame", v, 1, MAX_EPOCHS_PER_FRAME),
    "example": lambda v: check_int("example", v, 0),
}
