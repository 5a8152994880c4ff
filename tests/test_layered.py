"""Tests of dllab.core.layered: whole-network gradients, the forward pass's feature maps,
training through Trainer, and bad settings."""

from __future__ import annotations

import json
import math
import pickle

import numpy as np
import pytest

from dllab.core.charmodel import char_model, char_split, next_probabilities, sample
from dllab.core.data import Dataset, Split, split
from dllab.core.io import load_network, save_network
from dllab.core.layered import (
    Activation,
    Conv,
    Dense,
    Embedding,
    Flatten,
    LayerNetwork,
    MaxPool,
    ReLU,
    Tanh,
)
from dllab.core.network import MAX_PARAMS, with_ones
from dllab.core.text import LETTERS, load_names, split_words
from dllab.core.training import Trainer

STEP = 1e-6


def numeric_gradient(network: LayerNetwork, X, y) -> np.ndarray:
    grad = np.zeros_like(network.params)
    for index in range(network.params.size):
        saved = network.params[index]
        network.params[index] = saved + STEP
        plus = network.loss(X, y)
        network.params[index] = saved - STEP
        minus = network.loss(X, y)
        network.params[index] = saved
        grad[index] = (plus - minus) / (2 * STEP)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(np.abs(a).max(), np.abs(b).max()))


NETWORKS = {
    "cnn same": lambda: LayerNetwork(
        (2, 6, 6),
        [Conv(3, 3), Tanh(), MaxPool(), Conv(2, 3, "valid"), Tanh(), Flatten(), Dense(5), Tanh()],
        head="softmax",
        n_outputs=3,
        seed=1,
    ),
    "cnn valid, odd pool": lambda: LayerNetwork(
        (1, 7, 5),
        [Conv(2, 2, "valid"), Activation("sigmoid"), MaxPool(), Conv(3, 1), Flatten()],
        head="tanh",
        n_outputs=1,
        seed=2,
    ),
    "cnn relu then pool": lambda: LayerNetwork(
        (2, 6, 6),
        [Conv(3, 3), ReLU(), MaxPool(), Conv(4, 3), ReLU(), MaxPool(), Flatten(), Dense(4), ReLU()],
        head="softmax",
        n_outputs=3,
        seed=5,
    ),
    "char model": lambda: LayerNetwork(
        (3,), [Embedding(6, 2), Flatten(), Dense(7), Tanh()], head="softmax", n_outputs=6, seed=3
    ),
    "dense rows": lambda: LayerNetwork(
        (4,), [Dense(5), Activation("gelu")], head="linear", n_outputs=1, seed=4
    ),
}


def batch(network: LayerNetwork, rng: np.random.Generator, n: int = 5):
    if isinstance(network.layers[0], Embedding):
        X = rng.integers(0, network.layers[0].n_symbols, size=(n, network.sizes[0]))
    else:
        X = rng.normal(size=(n, network.sizes[0]))
    if network.head_name == "softmax":
        y = np.arange(n) % network.n_outputs
    elif network.head_name == "linear":
        y = rng.normal(size=n)
    else:
        y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    return X, y


@pytest.mark.parametrize("name", NETWORKS)
def test_whole_network_gradient_matches_central_differences(name):
    network = NETWORKS[name]()
    X, y = batch(network, np.random.default_rng(0))
    gradients = network.loss_and_gradients(X, y)
    assert gradients.flat.shape == network.params.shape
    assert math.isclose(gradients.loss, network.loss(X, y))
    assert relative_error(gradients.flat, numeric_gradient(network, X, y)) < 1e-6


def test_forward_keeps_every_layers_output_and_feature_maps():
    network = NETWORKS["cnn same"]()
    X, _ = batch(network, np.random.default_rng(0), n=4)
    run = network.forward(X.reshape(4, 2, 6, 6))
    assert [run.feature_maps(i).shape for i in range(3)] == [(4, 3, 6, 6)] * 2 + [(4, 3, 3, 3)]
    np.testing.assert_array_equal(run.feature_maps(2)[1], run.outputs[2][..., 1])
    assert run.feature_maps(0).shape == (4, 3, 6, 6)
    assert run.output.shape == (4, 3)
    np.testing.assert_allclose(run.output.sum(axis=1), 1.0)
    assert network.sizes == [72, 108, 108, 27, 2, 2, 2, 5, 5, 3]
    assert network.n_layers == len(network.weights) == 4
    assert network.weights[0].shape == (3, 2, 3, 3) and network.biases[0].shape == (3,)


def test_parameters_are_views_into_one_flat_vector():
    network = NETWORKS["cnn same"]()
    network.weights[1][...] = 0.5
    assert np.shares_memory(network.weights[1], network.params)
    assert (network.params == 0.5).sum() >= network.weights[1].size
    twin = network.copy()
    np.testing.assert_array_equal(twin.params, network.params)
    assert not np.shares_memory(twin.params, network.params)


def test_float32_networks_compute_in_float32():
    network = LayerNetwork((1, 6, 6), [Conv(2, 3), ReLU(), Flatten()], n_outputs=2, dtype="float32")
    X, y = batch(network, np.random.default_rng(0))
    gradients = network.loss_and_gradients(X, y)
    assert network.params.dtype == gradients.flat.dtype == np.float32
    twin = LayerNetwork((1, 6, 6), [Conv(2, 3), ReLU(), Flatten()], n_outputs=2)
    twin.params[...] = network.params
    np.testing.assert_allclose(gradients.flat, twin.loss_and_gradients(X, y).flat, atol=1e-5)


def bars(n: int, rng: np.random.Generator, size: int = 8):
    """Images of one bar: horizontal (class 0), vertical (1), diagonal (2), other diagonal (3)."""
    y = rng.integers(0, 4, n)
    X = rng.normal(0.0, 0.1, size=(n, size, size))
    for index, label in enumerate(y):
        at = rng.integers(1, size - 1)
        if label == 0:
            X[index, at, :] += 1.0
        elif label == 1:
            X[index, :, at] += 1.0
        elif label == 2:
            X[index] += np.eye(size)
        else:
            X[index] += np.eye(size)[::-1]
    return X.reshape(n, -1), y


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_small_cnn_learns_bars_through_the_trainer(dtype):
    rng = np.random.default_rng(0)
    X, y = bars(300, rng)
    data = Dataset("bars", X, y, "multiclass", classes=("-", "|", "\\", "/"))
    layers = [Conv(4, 3), ReLU(), MaxPool(), Flatten(), Dense(16), ReLU()]
    network = LayerNetwork((1, 8, 8), layers, n_outputs=4, dtype=dtype)
    trainer = Trainer(
        network, split(data, 0.7), batch_size=16, optimizer="adam", learning_rate=0.01
    )
    trainer.train(15)
    assert trainer.history["test_accuracy"][-1] > 0.9
    assert len(trainer.gradient_sizes()) == network.n_layers
    assert network.params.dtype == dtype


def test_the_trainer_refuses_data_that_does_not_fit_a_layer_network():
    words = ("anna", "bob", "carl", "dora")
    network = char_model(context=3, dim=2, hidden=4)
    with pytest.raises(ValueError, match=r"give an input_shape of 2 values, not \(3,\)"):
        Trainer(network, char_split(words, words, context=2))
    data = char_split(words, words, context=3)
    bad = Split(data.dataset, data.X_train + 30, data.y_train, data.X_test, data.y_test, 0.5)
    with pytest.raises(ValueError, match="data.X_train holds 30.0.*whole numbers from 0 to 26"):
        Trainer(network, bad)


def test_pickling_rebuilds_a_layer_network():
    network = NETWORKS["cnn relu then pool"]()
    twin = pickle.loads(pickle.dumps(network))
    np.testing.assert_array_equal(twin.params, network.params)
    assert twin.weights[0].base is not None and np.shares_memory(twin.weights[0], twin.params)


def test_a_char_model_beats_the_unigram_loss():
    words = split_words(load_names("first_names")[::4], seed=0)
    data = char_split(words.train, words.test, context=3)
    counts = np.bincount(data.y_train, minlength=27) + 1
    unigram = -np.log(counts[data.y_test] / counts.sum()).mean()
    network = char_model(context=3, dim=6, hidden=50, seed=0)
    trainer = Trainer(network, data, batch_size=32, optimizer="adam", learning_rate=0.01)
    trainer.train(4)
    assert trainer.history["test_loss"][-1] < unigram - 0.3


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: LayerNetwork((1, 4, 4), [Conv(2, 5), Flatten()]), "larger than its input"),
        (lambda: LayerNetwork((1, 4, 4), [Conv(0, 3), Flatten()]), "filters=0"),
        (lambda: LayerNetwork((1, 4, 4), [Conv(2, 2), Flatten()]), "odd kernel size"),
        (lambda: LayerNetwork((1, 1, 4), [MaxPool(), Flatten()]), "leaves nothing"),
        (lambda: LayerNetwork((1, 4, 4), [MaxPool(), MaxPool(), MaxPool()]), "leaves nothing"),
        (lambda: LayerNetwork((16,), [Conv(2, 3)]), "channels, height, width"),
        (lambda: LayerNetwork((1, 4, 4), [Dense(3)]), "Flatten"),
        (lambda: LayerNetwork((1, 4, 4), [Conv(2, 3)]), "Flatten"),
        (lambda: LayerNetwork((3,), [Dense(3), Embedding(5, 2)]), "first layer"),
        (lambda: LayerNetwork((3,), [Dense(3)], head="softmax", n_outputs=1), "n_outputs=1"),
        (lambda: LayerNetwork((3,), [Dense(3)], head="tanh", n_outputs=2), "n_outputs=2"),
        (lambda: LayerNetwork((3,), [Dense(3)], dtype="float16"), "dtype"),
        (lambda: LayerNetwork((2, 3), [Flatten()]), "input_shape"),
        (lambda: LayerNetwork((4096,), [Dense(4096)]), f"at most {MAX_PARAMS:,}"),
        (lambda: LayerNetwork((1, 10, 10), [Activation("cube")]), "activation='cube'"),
    ],
)
def test_bad_settings_get_a_named_error(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_bad_inputs_get_a_named_error():
    network = LayerNetwork((1, 4, 4), [Conv(2, 3), Flatten()])
    with pytest.raises(ValueError, match=r"X must hold one sample per row, 16 values"):
        network.forward(np.zeros((2, 15)))
    with pytest.raises(ValueError, match="X contains NaN"):
        network.forward(np.full((2, 16), np.nan))
    chars = char_model(context=2, dim=2, hidden=3)
    with pytest.raises(ValueError, match="whole numbers from 0 to 26"):
        chars.forward([[0, 27]])
    with pytest.raises(ValueError, match="whole numbers from 0 to 26"):
        chars.forward([[0, 1.5]])
    with pytest.raises(TypeError, match="a LayerNetwork trains too"):
        Trainer("network", None)


# --- Saving and loading -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cnn same", "char model"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_layer_networks_save_and_load_without_pickle(tmp_path, name, dtype):
    network = NETWORKS[name]()
    if dtype == "float32":
        config = {**network.config(), "dtype": "float32"}
        network = LayerNetwork.from_config(config)
    path = save_network(network, tmp_path / "net", dataset="bars")
    loaded, settings = load_network(path)
    assert isinstance(loaded, LayerNetwork) and settings == {"dataset": "bars"}
    assert loaded.config() == network.config()
    assert loaded.params.dtype == network.params.dtype
    np.testing.assert_array_equal(loaded.params, network.params)
    X, _ = batch(network, np.random.default_rng(0))
    np.testing.assert_array_equal(loaded.output(X), network.output(X))


def write_file(path, network_config, params) -> None:
    document = {"format": "dllab-network", "version": 2, "network": network_config}
    document["settings"] = {}
    np.savez(path, params=params, config=np.array(json.dumps(document)))


def test_loading_checks_a_layer_networks_sizes_before_reading(tmp_path):
    config = NETWORKS["cnn same"]().config()
    n_params = NETWORKS["cnn same"]().params.size
    write_file(tmp_path / "short.npz", config, np.zeros(n_params - 1))
    with pytest.raises(ValueError, match=f"has {n_params} float64 parameters"):
        load_network(tmp_path / "short.npz")
    huge = {
        **config,
        "input_shape": [64, 10, 10],
        "layers": [{"type": "conv", "filters": 4096}, {"type": "flatten"}],
    }
    write_file(tmp_path / "huge.npz", huge, np.zeros(3))
    with pytest.raises(ValueError, match=f"at most {MAX_PARAMS:,}"):
        load_network(tmp_path / "huge.npz")
    strange = {**config, "layers": [{"type": "lambda", "code": "rm -rf"}]}
    write_file(tmp_path / "strange.npz", strange, np.zeros(3))
    with pytest.raises(ValueError, match="invalid network settings.*'type' is one of conv"):
        load_network(tmp_path / "strange.npz")
    extra = {**config, "seed": 3}
    write_file(tmp_path / "extra.npz", extra, np.zeros(n_params))
    with pytest.raises(ValueError, match="invalid network settings.*keys"):
        load_network(tmp_path / "extra.npz")


# --- Sampling from a character model ------------------------------------------------------------


def test_samples_are_reproducible_and_start_with_the_beginning():
    network = char_model(context=3, dim=4, hidden=20, seed=5)
    words = sample(network, 8, seed=1, temperature=1.5)
    assert words == sample(network, 8, seed=1, temperature=1.5)
    assert words != sample(network, 8, seed=2, temperature=1.5)
    assert all(set(word) <= set(LETTERS.letters) and len(word) <= 30 for word in words)
    assert all(word.startswith("emm") for word in sample(network, 5, beginning="emm"))


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_sampled_characters_follow_the_models_probabilities(temperature):
    network = char_model(context=2, dim=3, hidden=10, seed=6)
    n = 20_000
    probabilities = next_probabilities(network, "ab", temperature=temperature)
    firsts = [
        word[2:3] for word in sample(network, n, 3, temperature, beginning="ab", max_length=1)
    ]
    counts = np.bincount([LETTERS.symbols.index(c) if c else 0 for c in firsts], minlength=27)
    expected = n * probabilities
    chi_square = float(((counts - expected) ** 2 / expected).sum())
    assert chi_square < 70  # 26 degrees of freedom: P(chi2 > 70) < 1e-5


def test_next_probabilities_are_the_networks_output_on_the_context():
    network = char_model(context=3, dim=4, hidden=20, seed=7)
    probabilities = next_probabilities(network, "x")
    context = [[0, 0, LETTERS.symbols.index("x")]]
    np.testing.assert_allclose(probabilities, network.output(context)[0])
    assert probabilities.shape == (27,) and math.isclose(probabilities.sum(), 1.0)
    colder = next_probabilities(network, "x", temperature=0.5)
    assert colder.max() > probabilities.max()


def test_sampling_refuses_bad_arguments():
    network = char_model(context=2, dim=2, hidden=3)
    with pytest.raises(ValueError, match="temperature=0.0"):
        sample(network, 2, temperature=0.0)
    with pytest.raises(ValueError, match="beginning='a1'"):
        next_probabilities(network, "a1")
    with pytest.raises(TypeError, match="character model"):
        sample(NETWORKS["cnn same"](), 2)
    with pytest.raises(ValueError, match="n=0"):
        sample(network, 0)


def test_scoring_many_samples_runs_in_chunks_with_the_same_output():
    network = NETWORKS["cnn relu then pool"]()
    network.chunk = 16
    X, _ = batch(network, np.random.default_rng(1), n=50)
    whole = network.forward(X)
    chunked = network._forward(with_ones(X))
    assert len(chunked.outputs) == 1
    np.testing.assert_allclose(chunked.output, whole.output, rtol=1e-12)
    np.testing.assert_allclose(chunked.logits, whole.logits, rtol=1e-12)
    np.testing.assert_allclose(network.output(X), whole.output, rtol=1e-12)
    y = np.arange(50) % 3
    assert math.isclose(network.loss(X, y), network.loss_and_gradients(X, y).loss, rel_tol=1e-12)


def test_images_are_read_as_channel_row_column_rows_like_pytorch():
    """A convolution of rows of (channel, row, column) values, computed the plain way on
    (image, channel, row, column) arrays, as PyTorch's Conv2d(padding=1) would."""
    network = LayerNetwork((2, 5, 4), [Conv(3, 3), Flatten()], head="linear", n_outputs=1)
    X = np.random.default_rng(2).normal(size=(3, 40))
    images = np.pad(X.reshape(3, 2, 5, 4), ((0, 0), (0, 0), (1, 1), (1, 1)))
    kernels, bias = network.weights[0], network.biases[0]
    expected = np.zeros((3, 3, 5, 4))
    for n, f, i, j in np.ndindex(expected.shape):
        expected[n, f, i, j] = (images[n, :, i : i + 3, j : j + 3] * kernels[f]).sum() + bias[f]
    run = network.forward(X)
    np.testing.assert_allclose(run.feature_maps(0), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run.outputs[1], expected.reshape(3, -1), rtol=1e-12, atol=1e-12)
