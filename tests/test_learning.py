"""The spec's learning criteria: real networks trained on the playground's sets and digits.

Each test trains with fixed seeds, so a result is the same on every run; the spiral test
runs three seeds so that its settings are not one lucky draw.
"""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core.data import make_dataset, split
from dllab.core.network import Network
from dllab.core.training import Trainer

pytestmark = pytest.mark.slow


def train(
    name: str,
    sizes: list[int],
    epochs: int,
    *,
    features: list[str] | None = None,
    seed: int = 0,
    **options,
) -> Trainer:
    """Train on data set `name` (noise 0, half of it for training), as the playground does."""
    network_options = {
        key: options.pop(key) for key in ("activation", "head", "init") if key in options
    }
    data = split(make_dataset(name, noise=0.0, seed=0), train_share=0.5, seed=0)
    net = Network(sizes, seed=seed, **network_options)
    trainer = Trainer(net, data, features=features, seed=seed, **options)
    trainer.train(epochs)
    assert trainer.status == "ready", trainer.message
    return trainer


def test_circle_with_the_playground_defaults():
    # TensorFlow Playground's defaults: tanh, hidden layers of 4 and 2, learning rate 0.03,
    # batch 10, inputs x1 and x2, tanh output, uniform(-0.5, 0.5) weights and bias 0.1.
    trainer = train(
        "circle",
        [2, 4, 2, 1],
        200,
        features=["x1", "x2"],
        activation="tanh",
        head="tanh",
        init="playground",
        learning_rate=0.03,
        batch_size=10,
        optimizer="sgd",
    )
    assert trainer.history["test_loss"][-1] < 0.05


def test_xor_without_hidden_layers_is_solved_by_the_product_feature():
    trainer = train("xor", [1, 1], 50, features=["x1*x2"], learning_rate=0.03, batch_size=10)
    assert trainer.history["test_accuracy"][-1] >= 0.95
    # The raw inputs alone cannot separate xor without a hidden layer.
    raw = train("xor", [2, 1], 50, features=["x1", "x2"], learning_rate=0.03, batch_size=10)
    assert raw.history["test_accuracy"][-1] < 0.8


SPIRAL = {
    "features": ["x1", "x2"],
    "activation": "leaky_relu",
    "head": "tanh",
    "init": "he",
    "optimizer": "adam",
    "learning_rate": 0.002,
    "batch_size": 10,
}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spiral_needs_a_deeper_network(seed):
    deep = train("spiral", [2, 16, 16, 16, 1], 600, seed=seed, **SPIRAL)
    small = train("spiral", [2, 3, 1], 600, seed=seed, **SPIRAL)
    assert deep.history["test_accuracy"][-1] >= 0.90
    assert small.history["test_accuracy"][-1] < 0.75


def test_digits_with_one_hidden_layer():
    trainer = train(
        "digits",
        [64, 32, 10],
        30,
        activation="tanh",
        head="softmax",
        init="xavier",
        learning_rate=0.1,
        batch_size=10,
    )
    assert trainer.history["test_accuracy"][-1] >= 0.95
    assert np.isfinite(trainer.history["test_loss"]).all()
