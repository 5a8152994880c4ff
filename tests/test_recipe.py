"""The engine's recipe for a network on given settings (dense or convolutional), training
by parts of an epoch with records computed a chunk at a time, and diagnoses of a
convolutional run."""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core import LayerNetwork, Network, make_dataset, make_trainer, split
from dllab.core.diagnosis import diagnose, flat_neurons, hidden_activation
from dllab.core.recipe import conv_layers_spec, conv_network, max_conv_layers


@pytest.fixture(scope="module")
def shapes():
    return split(make_dataset("shapes", noise=0.1, n_samples=240), 0.5, seed=1)


@pytest.fixture(scope="module")
def digits():
    return split(make_dataset("digits", n_samples=200), 0.5)


def test_dense_networks_are_as_before():
    data = split(make_dataset("circle"), 0.5)
    trainer = make_trainer(data, [4, 2], conv_layers=0, filters=8)
    twin = make_trainer(data, [4, 2])
    assert isinstance(trainer.network, Network) and trainer.network.sizes == [2, 4, 2, 1]
    assert np.array_equal(trainer.network.params, twin.network.params)


def test_conv_layers_make_blocks_then_the_hidden_layers(shapes):
    trainer = make_trainer(
        shapes, [12, 5], activation="tanh", conv_layers=3, filters=4, optimizer="adam"
    )
    network = trainer.network
    assert isinstance(network, LayerNetwork) and network.dtype == np.float32
    assert [layer.out_shape for layer in network.layers if layer.kind == "maxpool"] == [
        (4, 12, 12),
        (8, 6, 6),
        (8, 3, 3),
    ]
    assert [layer.name for layer in network.layers if layer.kind == "activation"] == ["tanh"] * 5
    assert [layer.units for layer in network.layers if layer.kind == "dense"] == [12, 5, 4]
    assert network.head_name == "softmax"


def test_the_image_lesson_builds_its_network_from_the_recipe():
    from dllab.lessons import images_compare, images_model

    assert not hasattr(images_compare, "conv_layers_spec")
    assert not hasattr(images_compare, "build_network")
    assert images_model.conv_network is conv_network
    network = conv_network((24, 24), 2, 6, 4, seed=3)
    layers = [repr(layer) for layer in network.layers]
    assert layers == [
        "Conv(filters=6, size=3, padding='same')",
        "Activation('relu')",
        "MaxPool(size=2)",
        "Conv(filters=12, size=3, padding='same')",
        "Activation('relu')",
        "MaxPool(size=2)",
        "Flatten()",
        "Dense(units=32)",
        "Activation('relu')",
        "Dense(units=4)",
    ]
    assert [repr(layer) for layer in conv_layers_spec(2, 6)] == layers[:-1]


@pytest.mark.parametrize("side, blocks", [(2, 0), (3, 1), (8, 2), (24, 4), (28, 4)])
def test_how_many_blocks_pictures_take(side, blocks):
    assert max_conv_layers((side, side)) == blocks


@pytest.mark.parametrize(
    "settings, error, words",
    [
        (dict(conv_layers=3), ValueError, "conv_layers=3 is too many for pictures of 8 x 8"),
        (dict(conv_layers=-1), ValueError, "conv_layers=-1 is not allowed"),
        (dict(conv_layers="2"), TypeError, "conv_layers must be a whole number"),
        (dict(conv_layers=1, filters=0), ValueError, "filters=0 is not allowed"),
        (
            dict(conv_layers=1, regularization="l2"),
            ValueError,
            "regularization='l2' applies to dense networks only",
        ),
    ],
)
def test_bad_conv_settings_are_named(digits, settings, error, words):
    with pytest.raises(error) as raised:
        make_trainer(digits, [8], **settings)
    assert words in str(raised.value)


def test_conv_layers_need_pictures():
    with pytest.raises(ValueError, match="conv_layers=1 needs pictures, and circle is not"):
        make_trainer(split(make_dataset("circle"), 0.5), [4], conv_layers=1)


# -- training by parts of an epoch -------------------------------------------------------------
@pytest.mark.parametrize("conv_layers", [0, 2])
def test_parts_of_epochs_give_the_same_run_as_whole_epochs(shapes, conv_layers):
    settings = dict(activation="relu", optimizer="adam", learning_rate=0.003, batch_size=8)
    whole = make_trainer(shapes, [8], conv_layers=conv_layers, filters=3, **settings)
    parts = make_trainer(shapes, [8], conv_layers=conv_layers, filters=3, **settings)
    whole.train(2)
    progress = []
    while parts.epoch < 2 or parts.recording:
        parts.train_within(1, 0.0)  # one mini-batch, or one chunk of a record, a call
        progress.append(parts.progress)
    assert np.array_equal(whole.network.params, parts.network.params)
    assert whole.history.columns["epoch"] == parts.history.columns["epoch"] == [1, 2]
    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        np.testing.assert_allclose(whole.history[key], parts.history[key], rtol=1e-5)
    assert whole.history["gradient_size"] == parts.history["gradient_size"]
    batches = whole.batches_per_epoch
    assert progress[:3] == pytest.approx([1 / batches, 2 / batches, 3 / batches])
    assert np.all(np.diff(progress) >= 0) and progress[-1] == 2.0


def test_a_record_under_way_is_finished_before_the_next_epoch(shapes):
    trainer = make_trainer(shapes, [8], conv_layers=1, filters=2, batch_size=10)
    trainer.run_batches(None, defer_record=True)
    assert trainer.recording and len(trainer.history) == 0
    trainer.run_epoch()
    assert not trainer.recording and trainer.history["epoch"] == [1, 2]


def test_a_diverging_run_is_caught_by_parts(shapes):
    trainer = make_trainer(
        shapes, [8], activation="linear", conv_layers=1, filters=2, learning_rate=30.0, batch_size=5
    )
    for _ in range(500):
        if not trainer.train_within(1, 0.0):
            break
    assert trainer.diverged and "diverged" in trainer.message


# -- diagnoses ---------------------------------------------------------------------------------
def test_a_conv_runs_neurons_are_its_channels_and_units(shapes):
    trainer = make_trainer(shapes, [5], activation="relu", conv_layers=2, filters=3)
    counts, widths, pinned = flat_neurons(trainer)
    assert widths == [3, 6, 5] and len(counts) == 3 and not pinned
    assert hidden_activation(trainer.network) == "relu"
    assert trainer.gradient_sizes() == [0.0] * 4
    trainer.train(1)
    assert len(trainer.gradient_sizes()) == 4 and all(g > 0 for g in trainer.gradient_sizes())


def test_a_conv_run_killed_by_a_high_learning_rate_is_diagnosed(shapes):
    trainer = make_trainer(
        shapes, [8], activation="relu", conv_layers=2, filters=4, learning_rate=3.0
    )
    trainer.train(31)
    diagnosis = diagnose(trainer)
    assert diagnosis is not None and diagnosis.status == "stuck"
    assert "dead" in diagnosis.message and "smaller learning rate" in diagnosis.message
