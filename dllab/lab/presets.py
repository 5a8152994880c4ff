"""The named presets a teacher starts from, and a lab's setup shared as a short string.

A setup reads like TensorFlow Playground's URL:
`dataset=spiral&hidden=8,8,8&activation=relu&learning_rate=0.03`. Only the settings
that differ from the defaults are written; reading checks every key and value.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

# Each shared setting, its type, and its default (the lab's start: the playground's).
SHARED: dict[str, tuple[type, Any]] = {
    "dataset": (str, "circle"),
    "noise": (float, 0.0),
    "train_share": (float, 0.5),
    "batch_size": (int, 10),
    "features": (list, ["x1", "x2"]),
    "data_seed": (int, 0),
    "hidden": (list, [4, 2]),
    # Pictures only (shapes, digits): convolutional blocks before the hidden layers, and
    # the first one's channels (twice as many after). On 2-D data they are kept, unused.
    "conv_layers": (int, 0),
    "filters": (int, 8),
    "activation": (str, "tanh"),
    "head": (str, "tanh"),
    "init": (str, "playground"),
    "regularization": (str, "none"),
    "regularization_rate": (float, 0.0),
    "optimizer": (str, "sgd"),
    "learning_rate": (float, 0.03),
    "seed": (int, 0),
    "epochs_per_frame": (int, 1),
}

# A big network on little, noisy data: it learns the noise.
_OVERFITTING = {
    "dataset": "spiral",
    "noise": 0.5,
    "train_share": 0.2,
    "hidden": [32, 32, 32],
    "activation": "relu",
    "optimizer": "adam",
    "learning_rate": 0.01,
}

PRESETS: dict[str, dict[str, Any]] = {
    "playground": {},
    # Four relu layers, Adam at 0.003 on batches of 30: 95 % test accuracy by epoch 112
    # (about 2 s of play) and no jump back up through epoch 1,000; one layer of 32 does
    # not get there (tests/test_classroom.py).
    "spiral needs depth": {
        "dataset": "spiral",
        "hidden": [8, 8, 8, 8],
        "activation": "relu",
        "optimizer": "adam",
        "learning_rate": 0.003,
        "batch_size": 30,
    },
    "xor with a feature cross": {
        "dataset": "xor",
        "features": ["x1", "x2", "x1*x2"],
        "hidden": [],
    },
    "circle from squares": {
        "dataset": "circle",
        "features": ["x1^2", "x2^2"],
        "hidden": [],
    },
    "vanishing gradients": {
        "dataset": "spiral",
        "hidden": [8, 8, 8, 8, 8, 8],
        "activation": "sigmoid",
        "learning_rate": 0.1,
    },
    # The playground's circle at 10: its neurons saturate at once and it stays at chance.
    "too high a learning rate": {"dataset": "circle", "learning_rate": 10.0},
    "overfitting noisy data": _OVERFITTING,
    "regularisation": {**_OVERFITTING, "regularization": "l2", "regularization_rate": 0.01},
    "handwritten digits": {
        "dataset": "digits",
        "hidden": [16],
        "activation": "relu",
        "learning_rate": 0.1,
    },
    "regression": {"dataset": "multi_gauss", "hidden": [8, 8], "learning_rate": 0.01},
    # The image lesson's network: 3 blocks of convolution, ReLU and pooling (8, 16, 16
    # channels), a dense layer of 32, Adam at 0.003: 98 % test accuracy by epoch 9 (2.6 s
    # of training); the same layers with no convolution stay far below
    # (tests/test_lab.py).
    "shapes need convolutions": {
        "dataset": "shapes",
        "conv_layers": 3,
        "filters": 8,
        "hidden": [32],
        "activation": "relu",
        "optimizer": "adam",
        "learning_rate": 0.003,
        "batch_size": 30,
    },
}


def defaults() -> dict[str, Any]:
    """Every shared setting at its default."""
    return {
        key: list(default) if kind is list else default for key, (kind, default) in SHARED.items()
    }


def preset(name: str) -> dict[str, Any]:
    """The settings of a named preset (a copy)."""
    if not isinstance(name, str):
        raise TypeError(
            f"preset must be the name of a preset (a string), e.g. 'spiral needs depth'; "
            f"got {name!r}; choose one of: {', '.join(PRESETS)}"
        )
    if name not in PRESETS:
        raise ValueError(f"preset={name!r} is not known; choose one of: {', '.join(PRESETS)}")
    return {
        key: list(value) if isinstance(value, list) else value
        for key, value in PRESETS[name].items()
    }


def encode_setup(settings: dict[str, Any]) -> str:
    """The short string for `settings` (only the values that differ from the defaults)."""
    pairs = []
    for key, (kind, default) in SHARED.items():
        if key not in settings or settings[key] == default:
            continue
        value = settings[key]
        text = ",".join(str(item) for item in value) if kind is list else f"{value}"
        pairs.append((key, text))
    return urlencode(pairs, safe=",*^")


def decode_setup(text: str) -> dict[str, Any]:
    """Read a setup string back into settings; every key and value is checked."""
    if not isinstance(text, str):
        raise TypeError(f"setup must be a string like 'dataset=spiral&hidden=8,8'; got {text!r}")
    text = text.strip().lstrip("#?")
    if "://" in text:  # a whole link pasted: keep what follows '#' or '?'
        text = text.split("#", 1)[-1].split("?", 1)[-1]
    settings: dict[str, Any] = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:
        raise ValueError(
            f"setup {text!r} is not understood: write key=value pairs joined by '&', "
            "e.g. 'dataset=spiral&hidden=8,8'"
        ) from None
    for key, value in pairs:
        if key not in SHARED:
            raise ValueError(
                f"setup names {key!r}, which is not a setting; known: {', '.join(SHARED)}"
            )
        kind = SHARED[key][0]
        try:
            if kind is list:
                items = [item.strip() for item in value.split(",") if item.strip()]
                settings[key] = [int(item) for item in items] if key == "hidden" else items
            else:
                settings[key] = kind(value)
        except ValueError:
            wanted = {
                list: "whole numbers joined by commas, e.g. 8,8",
                int: "a whole number",
                float: "a number",
            }[kind]
            raise ValueError(f"setup gives {key}={value!r}: it must be {wanted}") from None
    return settings


def chosen_settings(
    name: Any,
    setup: Any,
    settings: dict[str, Any],
    shape: Sequence[str] = (),
    keywords: Sequence[str] = (),
) -> dict[str, Any]:
    """Lab()'s settings: the preset `name`, then the `setup` string, then the settings given
    by name, each over the last. `shape` names the settings that give the layers another way
    than `hidden` (depth and width): given by name, they replace the preset's layers. An
    unknown name is a TypeError naming the closest of the settings and the other `keywords`."""
    known = [*SHARED, *shape]
    for key in settings:
        if key not in known:
            close = difflib.get_close_matches(key, [*known, *keywords], n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise TypeError(
                f"Lab() got an unknown keyword {key}={settings[key]!r}: {hint}"
                f"the settings are: {', '.join(known)}"
            )
    chosen = preset(name) if name is not None else {}
    chosen.update(decode_setup(setup) if setup is not None else {})
    if any(key in settings for key in shape) and "hidden" not in settings:
        chosen.pop("hidden", None)  # the layers given by name, as depth and width
    chosen.update(settings)
    return chosen
