"""Tests of dllab.core's network: gradients, forward pass, weights, optimisers, bad input."""

from __future__ import annotations

import copy
import math
import pickle
import re
import tracemalloc
import warnings

import numpy as np
import pytest

from dllab.core.activations import ACTIVATIONS, sigmoid
from dllab.core.data import Split, make_dataset, split
from dllab.core.features import feature_matrix
from dllab.core.heads import HEADS
from dllab.core.network import MAX_PARAMS, Network, count_params, with_ones
from dllab.core.optimizers import SGD, Adam, Momentum, make_optimizer
from dllab.core.training import Trainer

REGULARIZATIONS = ("none", "l1", "l2")
# (inputs, hidden widths): no hidden layer, one, and two of different widths.
SHAPES = ((3, ()), (2, (5,)), (4, (3, 6)))
SOFTMAX_OUTPUTS = {3: 2, 2: 3, 4: 4}  # inputs -> classes, so that 2, 3 and 4 classes are covered
STEP = 1e-6  # central differences: truncation ~STEP**2, rounding ~1e-16 / STEP
KINK_MARGIN = 1e-4  # relu and leaky_relu pre-activations (and L1 weights) stay this far from 0
N_SAMPLES = 7


def layer_sizes(n_inputs: int, hidden: tuple[int, ...], head: str) -> list[int]:
    n_outputs = SOFTMAX_OUTPUTS[n_inputs] if head == "softmax" else 1
    return [n_inputs, *hidden, n_outputs]


def labels(head: str, n_outputs: int, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Labels in the convention each head learns."""
    if head == "linear":
        return rng.normal(0.0, 1.0, n_samples)
    if head == "softmax":
        return np.arange(n_samples) % n_outputs  # every class present
    return np.where(np.arange(n_samples) % 2 == 0, 1.0, -1.0)


def random_problem(
    sizes: list[int], activation: str, head: str, regularization: str, seed: int
) -> tuple[Network, np.ndarray, np.ndarray]:
    """A network with random weights and biases and a batch whose pre-activations (and L1
    weights) are far enough from the kink at 0 for finite differences to be valid."""
    rng = np.random.default_rng(seed)
    net = Network(
        sizes,
        activation=activation,
        head=head,
        regularization=regularization,
        regularization_rate=0.01,
        seed=seed,
    )
    for _ in range(100):
        net.params[...] = rng.normal(0.0, 0.7, net.params.shape)
        X = rng.normal(0.0, 1.0, (N_SAMPLES, sizes[0]))
        hidden_z = net.forward(X).pre_activations[:-1]
        z_clear = all(np.abs(Z).min() > KINK_MARGIN for Z in hidden_z)
        w_clear = np.abs(all_weights(net)).min() > KINK_MARGIN
        if z_clear and w_clear:
            return net, X, labels(head, sizes[-1], N_SAMPLES, rng)
    raise AssertionError("no draw kept clear of the kinks")  # pragma: no cover


def all_weights(net: Network) -> np.ndarray:
    """Every weight (no bias) of `net`, in one vector."""
    return np.concatenate([W.ravel() for W in net.weights])


def numerical_gradients(loss, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Central differences of `loss()` with respect to every entry of every array in
    `arrays` (views into the network's parameters, perturbed in place)."""
    gradients = []
    for array in arrays:
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + STEP
            up = loss()
            array[index] = saved - STEP
            down = loss()
            array[index] = saved
            gradient[index] = (up - down) / (2 * STEP)
        gradients.append(gradient)
    return gradients


def relative_error(numerical: np.ndarray, analytic: np.ndarray) -> float:
    """Largest difference relative to the gradient's largest entry (a max-norm relative
    error: entries near 0 are held to the same absolute standard as the large ones)."""
    scale = max(np.abs(numerical).max(), np.abs(analytic).max(), 1e-8)
    return float(np.abs(numerical - analytic).max() / scale)


# --- Gradients ---------------------------------------------------------------------------------


@pytest.mark.parametrize("regularization", REGULARIZATIONS)
@pytest.mark.parametrize("n_inputs, hidden", SHAPES, ids=["no-hidden", "one-hidden", "two-hidden"])
@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradients_match_central_differences(activation, head, n_inputs, hidden, regularization):
    sizes = layer_sizes(n_inputs, hidden, head)
    seed = 1000 * len(hidden) + 10 * list(ACTIVATIONS).index(activation) + len(head)
    net, X, y = random_problem(sizes, activation, head, regularization, seed)
    grads = net.loss_and_gradients(X, y)

    def loss() -> float:
        return net.loss_and_gradients(X, y).loss

    # Perturbing the per-layer views perturbs the parameters the network computes with.
    views = list(net.weights) + list(net.biases)
    numerical = numerical_gradients(loss, views)
    n_layers = len(sizes) - 1
    numerical_flat = np.concatenate([gradient.ravel() for gradient in numerical])

    assert np.abs(numerical_flat).max() > 1e-3  # a real signal, not zeros on both sides
    analytic_flat = np.concatenate([g.ravel() for g in [*grads.weights, *grads.biases]])
    assert relative_error(numerical_flat, analytic_flat) < 1e-6
    assert grads.flat.size == analytic_flat.size
    for i in range(n_layers):
        assert grads.weights[i].shape == net.weights[i].shape == (sizes[i], sizes[i + 1])
        assert grads.biases[i].shape == net.biases[i].shape == (sizes[i + 1],)
        assert np.shares_memory(grads.weights[i], grads.flat)
        assert np.shares_memory(grads.biases[i], grads.flat)
        assert relative_error(numerical[i], grads.weights[i]) < 1e-5
        assert relative_error(numerical[n_layers + i], grads.biases[i]) < 1e-5


def test_loss_and_gradients_loss_is_data_loss_plus_penalty():
    net, X, y = random_problem([3, 4, 1], "tanh", "tanh", "l2", seed=3)
    weights = all_weights(net)
    assert len(weights) == net.n_weights
    assert net.penalty() == pytest.approx(0.01 * 0.5 * float(weights @ weights), rel=1e-12)
    assert net.loss_and_gradients(X, y).loss == pytest.approx(net.loss(X, y) + net.penalty())
    net_l1, _, _ = random_problem([3, 4, 1], "tanh", "tanh", "l1", seed=3)
    assert net_l1.penalty() == pytest.approx(0.01 * np.abs(all_weights(net_l1)).sum())


def test_penalty_leaves_biases_alone():
    net, X, y = random_problem([2, 3, 1], "tanh", "linear", "l2", seed=5)
    plain = Network(net.sizes, activation="tanh", head="linear")
    plain.params[...] = net.params
    with_penalty, without = net.loss_and_gradients(X, y), plain.loss_and_gradients(X, y)
    for i in range(net.n_layers):
        np.testing.assert_array_equal(with_penalty.biases[i], without.biases[i])
        np.testing.assert_allclose(
            with_penalty.weights[i] - without.weights[i], 0.01 * net.weights[i], atol=1e-15
        )


def forward_with_shift(net: Network, X: np.ndarray, layer: int, shift: np.ndarray):
    """The network's last pre-activation and output with `shift` added to one layer's Z."""
    act, _ = ACTIVATIONS[net.activation]
    A = X
    for i, (W, b) in enumerate(zip(net.weights, net.biases)):
        Z = A @ W + b + (shift if i == layer else 0.0)
        A = net.head.output(Z) if i == net.n_layers - 1 else act(Z)
    return Z, A


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_deltas_are_the_derivative_of_the_loss_with_respect_to_each_pre_activation(
    activation, head
):
    sizes = [3, 4, 5, 3 if head == "softmax" else 1]
    net, X, y = random_problem(sizes, activation, head, "l2", seed=11)
    T = net.targets(y)
    grads = net.loss_and_gradients(X, y)
    assert len(grads.deltas) == net.n_layers
    for layer, delta in enumerate(grads.deltas):
        assert delta.shape == (len(X), sizes[layer + 1])
        shift = np.zeros_like(delta)
        numerical = np.zeros_like(delta)
        for index in np.ndindex(delta.shape):
            values = []
            for sign in (1.0, -1.0):
                shift[index] = sign * STEP
                Z, A = forward_with_shift(net, X, layer, shift)
                values.append(net.head.loss(Z, A, T))
            shift[index] = 0.0
            numerical[index] = (values[0] - values[1]) / (2 * STEP)
        assert relative_error(numerical, delta) < 1e-6


# --- Forward -----------------------------------------------------------------------------------


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_forward_keeps_every_layer(activation, head):
    sizes = [3, 5, 4, 3 if head == "softmax" else 1]
    net = Network(sizes, activation=activation, head=head, init="xavier", seed=2)
    X = np.random.default_rng(0).normal(size=(6, 3))
    run = net.forward(X)
    act, _ = ACTIVATIONS[activation]
    np.testing.assert_array_equal(run.inputs, X)
    assert len(run.pre_activations) == len(run.activations) == 3
    A = X
    for i, (Z, out) in enumerate(zip(run.pre_activations, run.activations)):
        assert Z.shape == out.shape == (6, sizes[i + 1])
        np.testing.assert_allclose(Z, A @ net.weights[i] + net.biases[i], rtol=1e-12, atol=1e-14)
        expected = net.head.output(Z) if i == 2 else act(Z)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
        A = out
    assert run.output is run.activations[-1]
    np.testing.assert_array_equal(net.output(X), run.output)


@pytest.mark.parametrize("head", list(HEADS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[2, 1], [2, 4, 2, 1]])
def test_neuron_outputs_are_the_forward_activations_transposed(sizes, activation, head):
    if head == "softmax":
        sizes = sizes[:-1] + [3]
    net = Network(sizes, activation=activation, head=head, init="he", seed=4)
    axis = np.linspace(-6, 6, 25)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(axis, axis)])
    layers = net.neuron_outputs(grid)
    run = net.forward(grid)
    assert len(layers) == len(run.activations)
    for layer, activation in zip(layers, run.activations):
        assert layer.shape == (activation.shape[1], len(grid))
        np.testing.assert_allclose(layer, activation.T, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_neuron_outputs_in_float32_match_float64(activation):
    net = Network([2, 8, 8, 8, 1], activation=activation, init="xavier", seed=2)
    axis = np.linspace(-6, 6, 30)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(axis, axis)])
    exact = net.neuron_outputs(grid)
    quick = net.neuron_outputs(grid, dtype=np.float32)
    for fast, slow in zip(quick, exact):
        assert fast.dtype == np.float32
        np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-5)


def test_neuron_outputs_refuse_other_dtypes():
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"dtype=int64 is not allowed: float64 or float32"):
        net.neuron_outputs(np.zeros((4, 2)), dtype=np.int64)


def test_softmax_outputs_are_probabilities():
    net = Network([4, 6, 5], head="softmax", init="he", seed=0)
    X = np.random.default_rng(1).normal(0.0, 3.0, (50, 4))
    P = net.output(X)
    assert (P >= 0).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(net.predict(X), P.argmax(axis=1))


@pytest.mark.filterwarnings("error")
def test_sigmoid_and_softmax_stay_finite_for_huge_logits():
    S = sigmoid(np.array([1e4, -1e4, 0.0, -745.5, 800.0]))
    assert ((S >= 0) & (S <= 1)).all()
    np.testing.assert_array_equal(S[:3], [1.0, 0.0, 0.5])
    P = HEADS["softmax"].output(np.array([[1e4, -1e4], [-1e4, 1e4], [1e4, 1e4]]))
    np.testing.assert_array_equal(P, [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])


@pytest.mark.parametrize(
    "Z",
    [
        np.random.default_rng(0).normal(0.0, 3.0, (40, 10)),  # ordinary logits
        np.array([[700.0, 699.0, -5.0], [-700.0, -701.0, -710.0]]),  # large, still exact
        np.array([[800.0, 0.0, -800.0], [0.0, 1.0, 2.0]]),  # exp(800) overflows
        np.array([[-800.0, -801.0, -805.0], [1.0, 2.0, 3.0]]),  # a row that underflows
        np.array([[-360.0, -361.0, -370.0]]),  # a row sum below 1e-154
        np.array([[np.nan, 0.0, 1.0]]),
    ],
    ids=["ordinary", "large", "overflow", "underflow", "tiny-sum", "nan"],
)
def test_the_fast_softmax_matches_the_shifted_one(Z):
    head = HEADS["softmax"]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        fast = head.fast_output(Z.copy())
    expected = head.output(Z)
    np.testing.assert_allclose(fast, expected, rtol=1e-14, atol=1e-300)
    assert (np.isnan(fast) == np.isnan(expected)).all()


@pytest.mark.parametrize(
    "Z",
    [
        np.random.default_rng(2).normal(0.0, 3.0, (40, 27)),  # ordinary logits
        np.array([[80.0, 79.0, -5.0], [-80.0, -81.0, -90.0]]),  # large, still exact
        np.array([[100.0, 0.0, -100.0], [0.0, 1.0, 2.0]]),  # exp(100) overflows float32
        np.array([[-110.0, -111.0, -115.0], [1.0, 2.0, 3.0]]),  # a row that underflows
    ],
    ids=["ordinary", "large", "overflow", "underflow"],
)
def test_the_fast_softmax_stays_in_float32_and_matches_the_shifted_one(Z):
    head = HEADS["softmax"]
    Z32 = Z.astype(np.float32)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        fast = head.fast_output(Z32.copy())
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, head.output(Z32), rtol=1e-6, atol=1e-37)


def test_the_softmax_loss_of_float32_outputs_matches_float64_and_stays_finite():
    head = HEADS["softmax"]
    rng = np.random.default_rng(3)
    A = rng.dirichlet(np.ones(27), 64)
    T = np.eye(27)[rng.integers(0, 27, 64)]
    loss32 = head.loss(None, A.astype(np.float32), T.astype(np.float32))
    assert loss32 == pytest.approx(head.loss(None, A, T), rel=1e-5)
    # A probability that underflowed to 0 costs -log of float32's smallest normal number.
    A0, T0 = np.array([[0.5, 0.5, 0.0]], np.float32), np.array([[0.0, 0.0, 1.0]], np.float32)
    assert head.loss(None, A0, T0) == pytest.approx(-np.log(np.finfo(np.float32).tiny), rel=1e-6)


def test_the_fast_softmax_takes_its_own_route_on_ordinary_logits(monkeypatch):
    head = HEADS["softmax"]
    Z = np.random.default_rng(1).normal(0.0, 5.0, (32, 10))
    expected = head.output(Z)
    monkeypatch.setattr(type(head), "output", lambda self, Z: pytest.fail("fell back"))
    np.testing.assert_allclose(head.fast_output(Z), expected, rtol=1e-14)


@pytest.mark.filterwarnings("error")
def test_forward_with_huge_logits_warns_nothing():
    net = Network([2, 3], head="softmax", seed=0)
    net.weights[0] = [[900.0, 0.0, -900.0], [0.0, 0.0, 0.0]]
    P = net.output(np.array([[1.0, 0.0], [-1.0, 0.0]]))
    np.testing.assert_array_equal(P, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def test_a_training_pass_reuses_its_arrays_and_a_public_pass_does_not():
    net = Network([3, 5, 4, 2], activation="relu", head="softmax", seed=0)
    rng = np.random.default_rng(0)
    X1, X2 = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    public = net.forward(X1)
    kept = [A.copy() for A in public.activations]
    first = net._forward(with_ones(X1), reuse=True)
    second = net._forward(with_ones(X2), reuse=True)
    reused = zip(first.layer_inputs[1:], second.layer_inputs[1:])
    assert all(np.shares_memory(a, b) for a, b in reused)
    for A, expected in zip(public.activations, kept):
        np.testing.assert_array_equal(A, expected)  # untouched by the training passes
    for A, expected in zip(second.activations, net.forward(X2).activations):
        np.testing.assert_allclose(A, expected, rtol=1e-14)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", list(HEADS))
def test_every_head_stays_finite_for_huge_logits(name):
    head = HEADS[name]
    if name == "softmax":
        T = head.targets(np.array([0, 1]), 2)
        right, wrong = np.array([[1e4, -1e4], [-1e4, 1e4]]), np.array([[-1e4, 1e4], [1e4, -1e4]])
    else:
        T = head.targets(np.array([1.0, -1.0]), 1)
        right, wrong = np.array([[1e4], [-1e4]]), np.array([[-1e4], [1e4]])
    losses = []
    for Z in (right, wrong):
        A = head.output(Z)
        losses.append(head.loss(Z, A, T))
        assert np.isfinite(A).all() and np.isfinite(head.delta(Z, A, T)).all()
        assert math.isfinite(losses[-1])
    if name != "linear":  # a confidently wrong answer costs more than a confidently right one
        assert losses[1] > losses[0] + 1.0


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_huge_weights_saturate_without_nan(activation):
    net = Network([2, 3, 2], activation=activation, head="softmax", seed=0)
    net.params[...] *= 1e4
    X, y = np.array([[5.0, -5.0], [-5.0, 5.0]]), np.array([0, 1])
    assert np.isfinite(net.output(X)).all()
    grads = net.loss_and_gradients(X, y)
    assert math.isfinite(grads.loss) and np.isfinite(grads.flat).all()


# --- Weights API -------------------------------------------------------------------------------


def test_weights_and_biases_are_views_of_params():
    net = Network([3, 5, 4, 1], seed=0)
    assert net.params.dtype == np.float64
    assert net.params.shape == (3 * 5 + 5 * 4 + 4 * 1 + 5 + 4 + 1,)
    for i, (n_in, n_out) in enumerate([(3, 5), (5, 4), (4, 1)]):
        assert net.weights[i].shape == (n_in, n_out) and net.weights[i].dtype == np.float64
        assert net.biases[i].shape == (n_out,) and net.biases[i].dtype == np.float64
        assert np.shares_memory(net.weights[i], net.params)
    # Layer by layer, the weights and then the biases as a last row: one (n_in + 1, n_out)
    # block, which multiplies a layer input that ends in a column of ones.
    layout = [np.vstack([W, b]).ravel() for W, b in zip(net.weights, net.biases)]
    np.testing.assert_array_equal(np.concatenate(layout), net.params)
    X = np.random.default_rng(1).normal(size=(6, 3))
    run = net.forward(X)
    for i, block in enumerate(layout):
        block = block.reshape(net.sizes[i] + 1, net.sizes[i + 1])
        np.testing.assert_array_equal(run.layer_inputs[i][:, -1], 1.0)
        previous = run.activations[i - 1] if i else X
        np.testing.assert_array_equal(run.layer_inputs[i][:, :-1], previous)
        np.testing.assert_allclose(run.pre_activations[i], run.layer_inputs[i] @ block)


def test_assigning_weights_changes_the_outputs():
    net = Network([2, 3, 1], seed=0)
    X = np.array([[1.0, -2.0], [0.5, 0.5]])
    before = net.output(X).copy()
    new = np.arange(6.0).reshape(2, 3) / 10
    net.weights[0] = new
    np.testing.assert_array_equal(net.weights[0], new)
    assert not np.allclose(net.output(X), before)
    hidden = np.tanh(X @ new + net.biases[0])
    np.testing.assert_allclose(net.output(X), np.tanh(hidden @ net.weights[1] + net.biases[1]))
    net.biases[1] = [2.0]
    assert net.biases[1][0] == 2.0 and net.params[-1] == 2.0


@pytest.mark.parametrize(
    "kind, index, value, match",
    [
        (
            "weights",
            0,
            np.zeros((3, 3)),
            r"weights\[0\] must have shape \(2, 3\); got shape \(3, 3\)",
        ),
        ("weights", 0, np.full((2, 3), np.nan), r"weights\[0\] contains NaN"),
        ("weights", 1, np.full((3, 1), np.inf), r"weights\[1\] contains NaN or infinite"),
        ("biases", 0, np.zeros(2), r"biases\[0\] must have shape \(3,\); got shape \(2,\)"),
        ("biases", 1, [np.nan], r"biases\[1\] contains NaN"),
    ],
)
def test_bad_weight_assignment_raises_and_changes_nothing(kind, index, value, match):
    net = Network([2, 3, 1], seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=match):
        getattr(net, kind)[index] = value
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.parametrize(
    "kind, index, value, match",
    [
        (
            "weights",
            0,
            np.full((2, 3), 1 + 1j),
            r"weights\[0\] holds complex numbers such as \(1\+1j\)",
        ),
        ("biases", 1, [0.5j], r"biases\[1\] holds complex numbers such as 0\.5j"),
        ("weights", 1, [["a"], ["b"], ["c"]], r"weights\[1\] must hold numbers only"),
    ],
)
def test_weights_must_be_real_numbers(kind, index, value, match):
    net = Network([2, 3, 1], seed=0)
    before = net.params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning either
        with pytest.raises(TypeError, match=match):
            getattr(net, kind)[index] = value
    np.testing.assert_array_equal(net.params, before)


def test_layers_cannot_be_added_or_removed():
    net = Network([2, 3, 1], seed=0)
    with pytest.raises(TypeError, match="weights"):
        net.weights.append(np.zeros((1, 1)))
    with pytest.raises(TypeError, match="biases"):
        del net.biases[0]
    with pytest.raises(TypeError, match="one layer index"):
        net.weights[0:1] = [np.zeros((2, 3))]


BIG = [300, 400, 1]  # 120 000 first-layer weights: tight statistics


def test_playground_init_is_uniform_in_half_unit_with_bias_point_one():
    net = Network(BIG, init="playground", seed=0)
    W = net.weights[0]
    assert W.min() >= -0.5 and W.max() < 0.5
    assert W.min() < -0.499 and W.max() > 0.499
    assert abs(W.mean()) < 0.01
    assert W.std() == pytest.approx(1 / np.sqrt(12), rel=0.01)
    for b in net.biases:
        np.testing.assert_array_equal(b, 0.1)


def test_xavier_init_is_uniform_within_the_glorot_bound():
    net = Network(BIG, init="xavier", seed=0)
    for W, b in zip(net.weights, net.biases):
        bound = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))
        assert np.abs(W).max() <= bound
        np.testing.assert_array_equal(b, 0.0)
    W = net.weights[0]
    bound = np.sqrt(6.0 / 700)
    assert np.abs(W).max() > 0.999 * bound
    assert W.std() == pytest.approx(bound / np.sqrt(3), rel=0.01)


def test_he_init_is_normal_with_std_sqrt_two_over_fan_in():
    net = Network(BIG, init="he", seed=0)
    W = net.weights[0]
    assert abs(W.mean()) < 0.01 * np.sqrt(2 / 300)
    assert W.std() == pytest.approx(np.sqrt(2 / 300), rel=0.01)
    # A normal, not a uniform: about 4.6 % of the draws lie beyond two standard deviations.
    assert np.mean(np.abs(W) > 2 * np.sqrt(2 / 300)) == pytest.approx(0.0455, abs=0.003)
    assert net.weights[1].std() == pytest.approx(np.sqrt(2 / 400), rel=0.1)
    for b in net.biases:
        np.testing.assert_array_equal(b, 0.0)


@pytest.mark.parametrize("init", ["playground", "xavier", "he"])
def test_initialisation_follows_the_seed(init):
    def params(seed):
        return Network([2, 4, 3, 1], init=init, seed=seed).params

    np.testing.assert_array_equal(params(7), params(7))
    assert not np.array_equal(params(7), params(8))
    from_generator = Network([2, 4, 3, 1], init=init, seed=np.random.default_rng(7)).params
    np.testing.assert_array_equal(from_generator, params(7))
    net = Network([2, 4, 3, 1], init=init, seed=7)
    net.params[...] = 0.0
    net.initialize(7)
    np.testing.assert_array_equal(net.params, params(7))


def test_copy_is_an_independent_twin():
    net = Network([2, 4, 1], activation="relu", head="sigmoid", regularization="l2", seed=3)
    twin = net.copy()
    assert twin.config() == net.config()
    np.testing.assert_array_equal(twin.params, net.params)
    twin.weights[0] = np.zeros((2, 4))
    assert not np.array_equal(twin.params, net.params)


@pytest.mark.parametrize(
    "sizes",
    [[2] + [4096] * 20 + [1], [2] + [4096] * 200 + [1], range(1, 10**9), np.ones(10**6, int)],
    ids=["20 layers of 4096", "200 layers of 4096", "a billion layers", "an array of layers"],
)
def test_a_network_too_big_is_refused_before_anything_is_allocated(sizes):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"at most (2,000,000|100) are allowed"):
            Network(sizes)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000


def test_the_largest_allowed_network_builds_and_its_size_is_counted():
    net = Network([2, 1000, 1000, 1])
    assert net.params.size == count_params(net.sizes) == 1_005_001 <= MAX_PARAMS


def test_sizes_may_be_a_numpy_array_of_whole_numbers():
    assert Network(np.array([2, 3, 1])).sizes == [2, 3, 1]


@pytest.mark.parametrize(
    "twin",
    [copy.copy, copy.deepcopy, lambda net: pickle.loads(pickle.dumps(net))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_copies_and_pickles_are_working_networks(twin):
    net = Network(
        [3, 4, 2],
        activation="relu",
        head="softmax",
        regularization="l2",
        regularization_rate=0.01,
        seed=0,
    )
    X = np.random.default_rng(0).normal(size=(5, 3))
    other = twin(net)
    assert other.config() == net.config()
    np.testing.assert_array_equal(other.output(X), net.output(X))
    other.params[...] = 0.0  # its views follow its own params, and net is untouched
    assert not other.weights[0].any() and not other.biases[1].any()
    assert net.weights[0].any()


# --- Optimisers --------------------------------------------------------------------------------

P0 = np.array([0.5, -1.0, 2.0, 0.0])
G1 = np.array([0.2, -0.4, 1.5, -3.0])
G2 = np.array([-0.1, 0.3, 1.0, 2.0])


def test_sgd_step_is_exact():
    params = P0.copy()
    SGD(0.1).update(params, G1)
    np.testing.assert_array_equal(params, P0 - 0.1 * G1)
    SGD(0.1).update(params, G2)
    np.testing.assert_array_equal(params, P0 - 0.1 * G1 - 0.1 * G2)


def test_momentum_two_steps_by_hand():
    params, optimizer = P0.copy(), Momentum(0.1, momentum=0.9)
    optimizer.update(params, G1)
    v1 = -0.1 * G1
    np.testing.assert_allclose(params, P0 + v1, rtol=1e-15)
    optimizer.update(params, G2)
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(params, P0 + v1 + v2, rtol=1e-15, atol=1e-16)
    # By the numbers for the first entry: 0.5 - 0.02 = 0.48, then v2 = -0.018 + 0.01.
    assert params[0] == pytest.approx(0.48 - 0.008, rel=1e-14)


def test_adam_two_steps_by_hand():
    # Kingma and Ba's Algorithm 1 with bias-corrected moments. The engine folds the
    # corrections into the step size (their section 2), which moves epsilon by a factor
    # sqrt(1 - beta2**t): with epsilon = 1e-12 both forms agree far below the tolerance.
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-12
    params, optimizer = P0.copy(), Adam(lr, beta1=b1, beta2=b2, epsilon=eps)
    m, v, expected = np.zeros(4), np.zeros(4), P0.copy()
    for t, g in enumerate([G1, G2], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
        optimizer.update(params, g)
        np.testing.assert_allclose(params, expected, rtol=1e-10)
        if t == 1:
            # Adam's first step moves every parameter with a gradient by lr, whatever its size.
            np.testing.assert_allclose(params - P0, -lr * np.sign(G1), rtol=1e-9)
    assert optimizer.steps == 2
    # By the numbers for the last entry: g = -3, then 2.
    m2 = 0.9 * 0.1 * -3.0 + 0.1 * 2.0
    v2 = 0.999 * 0.001 * 9.0 + 0.001 * 4.0
    step2 = (m2 / (1 - 0.81)) / np.sqrt(v2 / (1 - 0.999**2))
    assert params[3] == pytest.approx(0.0 + 0.01 - 0.01 * step2, rel=1e-9)


def test_adam_with_the_default_epsilon_stays_close_to_algorithm_one():
    params = P0.copy()
    Adam(0.01).update(params, G1)
    np.testing.assert_allclose(params, P0 - 0.01 * np.sign(G1), rtol=1e-6)


def test_adam_keeps_float32_parameters_in_float32_and_agrees_with_float64():
    rng = np.random.default_rng(0)
    P, grads = rng.normal(size=50), rng.normal(size=(3, 50))
    params64, params32 = P.copy(), P.astype(np.float32)
    adam64, adam32 = Adam(np.float64(0.01)), Adam(np.float64(0.01))
    for g in grads:
        adam64.update(params64, g)
        adam32.update(params32, g.astype(np.float32))
    assert params32.dtype == adam32.mean.dtype == adam32.variance.dtype == np.float32
    np.testing.assert_allclose(params32, params64, rtol=1e-6, atol=1e-6)
    assert not np.allclose(params64, P)


@pytest.mark.parametrize("name, kind", [("sgd", SGD), ("momentum", Momentum), ("adam", Adam)])
def test_make_optimizer(name, kind):
    optimizer = make_optimizer(name, 0.05)
    assert type(optimizer) is kind and optimizer.learning_rate == 0.05


def test_a_full_batch_trainer_epoch_is_one_gradient_step():
    data = split(make_dataset("circle", seed=0), 0.5, seed=0)
    net = Network([2, 3, 1], seed=0)
    n_train = len(data.y_train)
    trainer = Trainer(net, data, learning_rate=0.1, batch_size=n_train)
    expected = net.params - 0.1 * net.loss_and_gradients(data.X_train, data.y_train).flat
    assert trainer.run_epoch()
    np.testing.assert_allclose(net.params, expected, rtol=1e-12, atol=1e-15)


# --- Bad input ---------------------------------------------------------------------------------

CIRCLE = split(make_dataset("circle", seed=0), 0.5, seed=0)  # 250 training samples
PLANE = split(make_dataset("plane", seed=0), 0.5, seed=0)
NET = Network([2, 3, 1], seed=0)


def network(sizes=(2, 1), **options):
    return lambda: Network(sizes, **options)


def trainer(net_options=None, data=CIRCLE, **options):
    net_options = {"sizes": [2, 1], **(net_options or {})}
    return lambda: Trainer(Network(**net_options), data, **options)


BAD_INPUT = {
    "sizes too short": (network([2]), ValueError, r"sizes=\[2\] needs at least an input"),
    "sizes empty": (network([]), ValueError, r"sizes=\[\] needs at least"),
    "sizes not a list": (network("2,1"), TypeError, r"sizes must be a list.*got '2,1'"),
    "negative width": (network([2, -1, 1]), ValueError, r"hidden layer 1 width\)=-1 is not"),
    "zero width": (network([2, 4, 0, 1]), ValueError, r"hidden layer 2 width\)=0 is not"),
    "zero inputs": (network([0, 1]), ValueError, r"sizes \(inputs\)=0 is not"),
    "fractional width": (network([2, 2.5, 1]), TypeError, r"hidden layer 1 width.*got 2\.5"),
    "text width": (network([2, "4", 1]), TypeError, r"hidden layer 1 width.*got '4'"),
    "bool width": (network([2, True, 1]), TypeError, r"hidden layer 1 width.*got True"),
    "huge width": (network([2, 10**6, 1]), ValueError, r"width\)=1000000 is not allowed"),
    "too many parameters": (
        network([2, 1000, 1000, 1000, 1]),
        ValueError,
        r"sizes=\[2, 1000, 1000, 1000, 1\] makes a network of 2,006,001 parameters; "
        r"at most 2,000,000 are allowed",
    ),
    "too many hidden layers": (
        network([2] + [3] * 101 + [1]),
        ValueError,
        r"sizes=\[2, 3, 3, .* has 101 hidden layers; at most 100 are allowed",
    ),
    "unknown activation": (
        network(activation="softplus"),
        ValueError,
        r"activation='softplus' is not known; choose one of: tanh",
    ),
    "unknown head": (network(head="relu"), ValueError, r"head='relu' is not known"),
    "unknown init": (network(init="glorot"), ValueError, r"init='glorot' is not known"),
    "unknown regularization": (
        network(regularization="l3"),
        ValueError,
        r"regularization='l3' is not known",
    ),
    "negative regularization rate": (
        network(regularization="l2", regularization_rate=-0.1),
        ValueError,
        r"regularization_rate=-0\.1 is not allowed",
    ),
    "softmax with one output": (network(head="softmax"), ValueError, r"sizes=\[2, 1\].*softmax"),
    "tanh with three outputs": (network([2, 3]), ValueError, r"sizes=\[2, 3\].*tanh head"),
    "negative seed": (network(seed=-1), ValueError, r"seed=-1 is not allowed"),
    "unknown optimizer": (
        trainer(optimizer="rmsprop"),
        ValueError,
        r"optimizer='rmsprop' is not known; choose one of: sgd, momentum, adam",
    ),
    "unknown optimizer name": (
        lambda: make_optimizer("rmsprop", 0.1),
        ValueError,
        r"optimizer='rmsprop'",
    ),
    "learning rate 0": (trainer(learning_rate=0), ValueError, r"learning_rate=0\.0 is not"),
    "negative learning rate": (
        trainer(learning_rate=-0.1),
        ValueError,
        r"learning_rate=-0\.1 is not",
    ),
    "NaN learning rate": (
        trainer(learning_rate=float("nan")),
        ValueError,
        r"learning_rate=nan is not",
    ),
    "infinite learning rate": (
        trainer(learning_rate=float("inf")),
        ValueError,
        r"learning_rate=inf is not",
    ),
    "text learning rate": (trainer(learning_rate="0.1"), TypeError, r"learning_rate.*got '0\.1'"),
    "SGD learning rate 0": (lambda: SGD(0.0), ValueError, r"learning_rate=0\.0 is not"),
    "Adam NaN learning rate": (lambda: Adam(float("nan")), ValueError, r"learning_rate=nan"),
    "momentum above 1": (lambda: Momentum(0.1, 1.5), ValueError, r"momentum=1\.5 is not"),
    "Adam beta1 of 1": (lambda: Adam(0.1, beta1=1.0), ValueError, r"beta1=1\.0 is not"),
    "batch larger than the training set": (
        trainer(batch_size=251),
        ValueError,
        r"batch_size=251 is larger than the training set \(250 samples\)",
    ),
    "batch size 0": (trainer(batch_size=0), ValueError, r"batch_size=0 is not allowed"),
    "fractional batch size": (trainer(batch_size=2.5), TypeError, r"batch_size.*got 2\.5"),
    "negative epochs": (
        lambda: Trainer(Network([2, 1]), CIRCLE).train(-1),
        ValueError,
        r"epochs=-1 is not allowed",
    ),
    "history limit too small": (
        trainer(history_limit=5),
        ValueError,
        r"history_limit=5 is not allowed",
    ),
    "history limit too large": (
        trainer(history_limit=10**12),
        ValueError,
        r"history_limit=1000000000000 is not allowed: it must be from 10 to 100000",
    ),
    "trainer seed negative": (trainer(seed=-3), ValueError, r"seed=-3 is not allowed"),
    "X with wrong column count": (
        lambda: NET.forward(np.zeros((4, 3))),
        ValueError,
        r"X has 3 columns but the network takes 2 inputs",
    ),
    "X one-dimensional": (
        lambda: NET.output(np.zeros(2)),
        ValueError,
        r"X must be a 2-D array .* got shape \(2,\): for one point, give a list of one row, "
        r"e\.g\. \[\[0\.0, 0\.0\]\]",
    ),
    "X empty": (lambda: NET.forward(np.zeros((0, 2))), ValueError, r"X is empty"),
    "X of text": (lambda: NET.forward([["a", "b"]]), TypeError, r"X must hold numbers"),
    "NaN in X": (
        lambda: NET.forward(np.array([[0.0, np.nan]])),
        ValueError,
        r"X contains NaN or infinite values",
    ),
    "infinity in X": (
        lambda: NET.neuron_outputs(np.array([[np.inf, 0.0]])),
        ValueError,
        r"X contains NaN or infinite values",
    ),
    "mismatched X and y": (
        lambda: NET.loss_and_gradients(np.zeros((4, 2)), np.ones(3)),
        ValueError,
        r"y has 3 values but X has 4 rows",
    ),
    "NaN in y": (
        lambda: NET.loss(np.zeros((2, 2)), np.array([1.0, np.nan])),
        ValueError,
        r"y holds nan at position 1, a missing label; labels must be -1 or \+1",
    ),
    "a single number as y": (
        lambda: NET.loss(np.zeros((4, 2)), 5),
        ValueError,
        r"y must hold one label per row of X \(4 rows\); got the single value 5",
    ),
    "a single number as y for one point": (
        lambda: NET.loss_and_gradients(np.zeros((1, 2)), 1.0),
        ValueError,
        r"y must hold one label per row of X \(1 rows\); got the single value 1\.0",
    ),
    "None in y": (
        lambda: NET.loss(np.zeros((3, 2)), [1.0, -1.0, None]),
        ValueError,
        r"y holds None at position 2, a missing label; labels must be -1 or \+1",
    ),
    "complex y": (
        lambda: NET.loss(np.zeros((2, 2)), np.array([1.0, -1.0 + 0.5j])),
        TypeError,
        r"y holds complex numbers such as \(-1\+0\.5j\) \(at position 1\)",
    ),
    "complex y given to targets": (
        lambda: NET.targets([1.0, 1j]),
        TypeError,
        r"y holds complex numbers",
    ),
    "class label out of range": (
        lambda: Network([2, 3], head="softmax").loss(np.zeros((2, 2)), np.array([0, 3])),
        ValueError,
        r"y holds the label 3, but the softmax head's 3 outputs are for the classes 0 to 2",
    ),
    "negative class label": (
        lambda: Network([2, 3], head="softmax").loss(np.zeros((2, 2)), np.array([-1, 2])),
        ValueError,
        r"y holds the label -1,",
    ),
    "fractional class label": (
        lambda: Network([2, 3], head="softmax").loss(np.zeros((2, 2)), np.array([0.5, 2.0])),
        ValueError,
        r"y holds the label 0\.5,",
    ),
    "softmax head on regression data": (
        trainer({"sizes": [2, 2], "head": "softmax"}, data=PLANE),
        ValueError,
        r"head='softmax' does not fit regression data \(plane\)",
    ),
    "linear head on binary data": (
        trainer({"head": "linear"}),
        ValueError,
        r"head='linear' does not fit binary data \(circle\)",
    ),
    "tanh head on regression data": (
        trainer(data=PLANE),
        ValueError,
        r"head='tanh' does not fit regression data",
    ),
    "wrong number of outputs": (
        trainer({"sizes": [2, 3], "head": "softmax"}),
        ValueError,
        r"the network has 3 outputs but circle needs 2 with head='softmax'",
    ),
    "wrong number of inputs": (
        trainer({"sizes": [3, 1]}),
        ValueError,
        r"the network takes 3 inputs but the data gives 2",
    ),
    "inputs not matching the features": (
        trainer(features=["x1", "x2", "x1*x2"]),
        ValueError,
        r"the network takes 2 inputs but the data gives 3 per sample: make sizes\[0\] = 3",
    ),
    "Trainer given a Dataset": (
        lambda: Trainer(Network([2, 1]), CIRCLE.dataset),
        TypeError,
        r"data must be a Split.*got Dataset",
    ),
    "Trainer given arrays": (
        lambda: Trainer(Network([2, 1]), (CIRCLE.X_train, CIRCLE.y_train)),
        TypeError,
        r"data must be a Split.*got tuple",
    ),
    "Trainer given no Network": (
        lambda: Trainer("network", CIRCLE),
        TypeError,
        r"network must be a dllab Network; got str",
    ),
    "unknown feature": (
        trainer(features=["x1", "x3"]),
        ValueError,
        r"features='x3' is not known; choose one of: x1, x2",
    ),
    "no feature": (trainer(features=[]), ValueError, r"features=\[\] is not allowed"),
    "features as one string": (trainer(features="x1"), TypeError, r"features.*got 'x1'"),
    "a feature twice": (
        trainer(features=["x1", "x1"]),
        ValueError,
        r"features=\['x1', 'x1'\] names a feature twice",
    ),
    "unknown feature in feature_matrix": (
        lambda: feature_matrix(np.zeros((3, 2)), ["x9"]),
        ValueError,
        r"features='x9' is not known",
    ),
    "features on data that is not 2-D": (
        lambda: Trainer(
            Network([64, 10], head="softmax"),
            split(make_dataset("digits", n_samples=40), 0.5),
            features=["x1"],
        ),
        ValueError,
        r"features=\['x1'\] are made from 2-D points, but digits has 64 inputs",
    ),
}


COMPLEX_X = np.array([[0.5, 1.0], [1.0 + 5.0j, 2.0]])
ENTRY_POINTS_TAKING_X = {
    "forward": lambda X: NET.forward(X),
    "output": lambda X: NET.output(X),
    "predict": lambda X: NET.predict(X),
    "neuron_outputs": lambda X: NET.neuron_outputs(X),
    "loss": lambda X: NET.loss(X, [1.0, -1.0]),
    "loss_and_gradients": lambda X: NET.loss_and_gradients(X, [1.0, -1.0]),
    "feature_matrix": lambda X: feature_matrix(X, ["x1", "x1*x2"]),
}


@pytest.mark.parametrize("run", ENTRY_POINTS_TAKING_X.values(), ids=ENTRY_POINTS_TAKING_X.keys())
@pytest.mark.parametrize("X", [COMPLEX_X, COMPLEX_X.tolist(), COMPLEX_X.astype(object)])
def test_complex_inputs_are_refused_not_cut_to_their_real_part(run, X):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning either
        with pytest.raises(
            TypeError,
            match=r"X holds complex numbers such as \(1\+5j\) \(at row 1, column 0\), "
            r"and it must hold real numbers; take X\.real or abs\(X\)",
        ):
            run(X)


@pytest.mark.parametrize(
    "sizes, head, expected",
    [
        ([2, 1], "tanh", r"-1 or \+1, the tanh head's two classes"),
        ([2, 1], "sigmoid", r"-1 or \+1, the sigmoid head's two classes \(0 is read as -1\)"),
        ([2, 3], "softmax", r"class numbers 0 to 2, one per output of the softmax head"),
        (
            [2, 2],
            "softmax",
            r"class numbers 0 to 1 \(or -1 and \+1\), one per output of the softmax head",
        ),
        ([2, 1], "linear", r"finite numbers, the values the linear head predicts"),
    ],
)
def test_text_labels_are_refused_saying_what_the_head_takes(sizes, head, expected):
    net = Network(sizes, head=head)
    message = rf"y holds text such as 'cat', and labels must be {expected}; dllab\.from_arrays"
    with pytest.raises(TypeError, match=message):
        net.loss(np.zeros((2, 2)), ["cat", "dog"])
    with pytest.raises(TypeError, match=message):
        net.loss_and_gradients(np.zeros((2, 2)), np.array(["cat", "dog"]))
    with pytest.raises(TypeError, match=message):
        net.targets(["cat", "dog"])


def test_a_trainer_checks_a_split_made_by_hand():
    made = CIRCLE.X_train.astype(complex)
    made[3, 1] += 2j
    by_hand = Split(CIRCLE.dataset, made, CIRCLE.y_train, CIRCLE.X_test, CIRCLE.y_test, 0.5)
    with pytest.raises(TypeError, match=r"data\.X_train holds complex numbers .* row 3, column 1"):
        Trainer(Network([2, 1]), by_hand)
    labels = CIRCLE.y_train.astype(object)
    labels[7] = None
    by_hand = Split(CIRCLE.dataset, CIRCLE.X_train, labels, CIRCLE.X_test, CIRCLE.y_test, 0.5)
    with pytest.raises(ValueError, match=r"data\.y_train holds None at position 7, a missing"):
        Trainer(Network([2, 1]), by_hand)


@pytest.mark.parametrize("make, error, match", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_with_a_plain_message(make, error, match):
    with pytest.raises(error, match=match):
        make()


FAILING_TRAINERS = {
    "batch size": {"batch_size": 1000},
    "learning rate": {"learning_rate": float("nan")},
    "optimizer": {"optimizer": "rmsprop"},
    "features": {"features": ["x1", "x3"]},
    "inputs not fitting": {"features": ["x1"]},  # one feature for a two-input network
    "head not fitting": {"data": PLANE},
    "history limit": {"history_limit": 1},
    "seed": {"seed": -1},
}


@pytest.mark.parametrize("options", FAILING_TRAINERS.values(), ids=FAILING_TRAINERS.keys())
def test_a_failed_trainer_leaves_the_network_untouched(options):
    net = Network([2, 3, 1], seed=5)
    before = net.params.copy()
    options = {"data": CIRCLE, **options}
    with pytest.raises((ValueError, TypeError), match=r"=|not fit|inputs"):
        Trainer(net, **options)
    np.testing.assert_array_equal(net.params, before)
    # The same network still trains once the setting is put right.
    trainer = Trainer(net, CIRCLE, learning_rate=0.03, batch_size=10, seed=0)
    assert trainer.run_epoch()


def test_a_failed_trainer_does_not_reset_a_trained_network():
    net = Network([2, 3, 1], seed=5)
    first = Trainer(net, CIRCLE, seed=0)
    first.train(3)
    trained = net.params.copy()
    with pytest.raises(ValueError, match=re.escape("batch_size=999")):
        Trainer(net, CIRCLE, batch_size=999)
    np.testing.assert_array_equal(net.params, trained)
