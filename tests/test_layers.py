"""Tests of dllab.core.layers: each fast layer against its loop version and against
central differences (float64, relative error below 1e-6)."""

from __future__ import annotations

import numpy as np
import pytest

from dllab.core import layers as L

STEP = 1e-6


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(np.abs(a).max(), np.abs(b).max(), 1e-12)
    return float(np.abs(a - b).max() / scale)


def numeric_gradient(loss, array: np.ndarray) -> np.ndarray:
    """dloss/darray by central differences, one value at a time."""
    grad = np.zeros_like(array)
    flat, grad_flat = array.reshape(-1), grad.reshape(-1)
    for index in range(flat.size):
        saved = flat[index]
        flat[index] = saved + STEP
        plus = loss()
        flat[index] = saved - STEP
        minus = loss()
        flat[index] = saved
        grad_flat[index] = (plus - minus) / (2 * STEP)
    return grad


# (channels in, filters, kernel size, images, height, width)
CONV_SHAPES = [(1, 2, 3, 2, 5, 5), (3, 4, 3, 2, 6, 5), (2, 3, 1, 1, 4, 4), (2, 2, 5, 2, 7, 6)]


@pytest.mark.parametrize("shape", CONV_SHAPES)
@pytest.mark.parametrize("padding", L.PADDINGS)
def test_conv_matches_loops_and_central_differences(shape, padding):
    C, F, k, N, H, W = shape
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=(C, H, W, N))  # the layers' layout: images last
    kernels = rng.normal(size=(F, C, k, k))
    bias = rng.normal(size=F)
    out, cache = L.conv_forward(x, kernels, bias, padding)
    slow, slow_cache = L.conv_forward_naive(x, kernels, bias, padding)
    assert out.shape == slow.shape
    assert out.shape[1] == (H if padding == "same" else H - k + 1)
    np.testing.assert_allclose(out, slow, rtol=1e-12, atol=1e-12)

    weights = rng.normal(size=out.shape)  # the loss is sum(out * weights)
    dx, dkernels, dbias = L.conv_backward(weights, cache)
    for fast, naive in zip((dx, dkernels, dbias), L.conv_backward_naive(weights, slow_cache)):
        np.testing.assert_allclose(fast, naive, rtol=1e-12, atol=1e-12)

    def loss():
        return float((L.conv_forward(x, kernels, bias, padding)[0] * weights).sum())

    for array, grad in ((x, dx), (kernels, dkernels), (bias, dbias)):
        assert relative_error(grad, numeric_gradient(loss, array)) < 1e-6


def test_conv_reuses_its_workspace_without_changing_results():
    rng = np.random.default_rng(1)
    kernels, bias = rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    workspace: dict = {}
    for seed in range(3):
        x = np.random.default_rng(seed).normal(size=(2, 6, 6, 2))
        out, cache = L.conv_forward(x, kernels, bias, "same", workspace)
        dout = np.ones_like(out)
        dx = L.conv_backward(dout, cache, workspace=workspace)[0]
        np.testing.assert_allclose(out, L.conv_forward(x, kernels, bias, "same")[0])
        fresh_cache = L.conv_forward(x, kernels, bias, "same")[1]
        np.testing.assert_allclose(dx, L.conv_backward(dout, fresh_cache)[0])
    assert len(workspace) == 4  # windows, output, windows of dout, dx: kept, not remade


@pytest.mark.parametrize("shape", [(2, 4, 4, 3), (1, 5, 7, 2), (3, 2, 2, 1)])
def test_maxpool_matches_loops_and_central_differences(shape):
    rng = np.random.default_rng(sum(shape))
    x = rng.normal(size=shape)
    out, cache = L.maxpool_forward(x)
    slow, slow_cache = L.maxpool_forward_naive(x)
    np.testing.assert_array_equal(out, slow)
    weights = rng.normal(size=out.shape)
    dx = L.maxpool_backward(weights, cache)
    np.testing.assert_array_equal(dx, L.maxpool_backward_naive(weights, slow_cache))

    def loss():
        return float((L.maxpool_forward(x)[0] * weights).sum())

    assert relative_error(dx, numeric_gradient(loss, x)) < 1e-6


def test_maxpool_gives_a_tied_window_gradient_once():
    x = np.zeros((1, 2, 4, 1))  # (channels, rows, columns, images)
    x[0, :, 2:, 0] = 1.0
    out, cache = L.maxpool_forward(x)
    dout = np.array([2.0, 3.0]).reshape(1, 1, 2, 1)
    dx = L.maxpool_backward(dout, cache)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[2.0, 0, 3.0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(dx, L.maxpool_backward_naive(dout, (x,)))


def test_dense_matches_loops_and_central_differences():
    rng = np.random.default_rng(3)
    x, weights, bias = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    out, cache = L.dense_forward(x, weights, bias)
    np.testing.assert_allclose(out, L.dense_forward_naive(x, weights, bias)[0])
    dout = rng.normal(size=out.shape)
    grads = L.dense_backward(dout, cache)
    for fast, naive in zip(grads, L.dense_backward_naive(dout, cache)):
        np.testing.assert_allclose(fast, naive, rtol=1e-12)

    def loss():
        return float((L.dense_forward(x, weights, bias)[0] * dout).sum())

    for array, grad in zip((x, weights, bias), grads):
        assert relative_error(grad, numeric_gradient(loss, array)) < 1e-6


@pytest.mark.parametrize("maps", [True, False])
def test_flatten_keeps_each_image_in_channel_row_column_order(maps):
    x = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    out, cache = L.flatten_forward(x, maps)
    if maps:  # (C, H, W, N): image n's row holds x[..., n] in channel, row, column order
        np.testing.assert_array_equal(out[1], x[..., 1].reshape(-1))
    else:
        np.testing.assert_array_equal(out, x.reshape(2, -1))
    np.testing.assert_array_equal(L.flatten_backward(out, cache), x)


@pytest.mark.parametrize("name", ["tanh", "relu", "sigmoid", "gelu", "leaky_relu"])
def test_activation_layer_matches_central_differences(name):
    rng = np.random.default_rng(4)
    z = rng.normal(size=(2, 3, 4))
    z[np.abs(z) < 1e-3] = 0.5  # away from relu's kink
    dout = rng.normal(size=z.shape)
    dz = L.activation_backward(dout, L.activation_forward(z, name)[1])

    def loss():
        return float((L.activation_forward(z, name)[0] * dout).sum())

    assert relative_error(dz, numeric_gradient(loss, z)) < 1e-6


@pytest.mark.parametrize("context, dim, n_symbols", [(3, 2, 5), (1, 4, 3), (4, 3, 27)])
def test_embedding_matches_loops_and_central_differences(context, dim, n_symbols):
    rng = np.random.default_rng(context + dim)
    indices = rng.integers(0, n_symbols, size=(6, context))
    indices[0, :] = 0  # a symbol used several times in one row
    table = rng.normal(size=(n_symbols, dim))
    out, cache = L.embedding_forward(indices, table)
    np.testing.assert_array_equal(out[2, -1], table[indices[2, -1]])
    dout = rng.normal(size=out.shape)
    dtable = L.embedding_backward(dout, cache)
    np.testing.assert_allclose(dtable, L.embedding_backward_naive(dout, cache), rtol=1e-12)

    def loss():
        return float((L.embedding_forward(indices, table)[0] * dout).sum())

    assert relative_error(dtable, numeric_gradient(loss, table)) < 1e-6


def test_maxpool_after_relu_applies_the_relus_derivative():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(2, 3, 4, 6))
    z[:, :2, :2, :] = -1.0  # windows whose values are all cut to 0 by the ReLU
    a, relu_cache = L.activation_forward(z, "relu")
    out, cache = L.maxpool_forward(a)
    dout = rng.normal(size=out.shape)
    separate = L.activation_backward(L.maxpool_backward(dout, cache), relu_cache)
    np.testing.assert_array_equal(L.maxpool_backward(dout, cache, after_relu=True), separate)


def test_the_layers_tanh_matches_numpy_everywhere():
    z = np.concatenate([np.linspace(-30, 30, 10_001), [-800.0, 800.0, 0.0, 1e-300]])
    a, _ = L.activation_forward(z, "tanh")
    np.testing.assert_allclose(a, np.tanh(z), rtol=0, atol=4e-16)
