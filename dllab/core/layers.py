"""Layers as forward and backward pairs, in plain NumPy (the style of CS231n's `layers.py`).

Each layer is two functions: `*_forward(x, ...) -> (out, cache)` and
`*_backward(dout, cache) -> gradients`, where `dout` is dL/dout and the gradients are
dL/dx and dL/d(each parameter). Every fast layer has a `*_naive` twin written with
plain loops, slow and obviously right, which the tests check it against.

Feature maps are held as `(channels, rows, columns, images)`. In that layout a
convolution is one matrix product, `kernels (F, C*k*k) @ windows (C*k*k, H*W*N)`, whose
result is already the next layer's input `(F, H, W, N)`: no transpose. With the images
innermost, every copy and comparison moves runs of whole batches (a window's row of 12
pixels is 12 * 32 contiguous values at batch 32), where with images first (NCHW) it would
move short image rows, and with channels last (NHWC) one value of a grayscale image at a
time: the window copy is three times faster than in NCHW. Other arrays are held as
`(images, ...)`.

`workspace`, where a function takes one, is a dict the function keeps buffers in from one
call to the next (the training loop passes one; None allocates afresh). Buffers reused
this way are overwritten by the next call with a workspace.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from .activations import ACTIVATIONS

Array = NDArray[np.floating]
PADDINGS = ("same", "valid")


def _buffer(workspace: dict | None, key: Any, shape: tuple[int, ...], dtype: Any) -> Array:
    """A zeroed array made once per (key, shape, dtype) and kept in `workspace`; callers
    only ever write the same region of it, so what they leave zero stays zero."""
    if workspace is None:
        return np.zeros(shape, dtype)
    full_key = (key, shape, np.dtype(dtype))
    array = workspace.get(full_key)
    if array is None:
        array = workspace[full_key] = np.zeros(shape, dtype)
    return array


def _gradient_arrays(
    out: tuple[Array, Array] | None, weights_shape: tuple, bias_shape: tuple, dtype: Any
) -> tuple[Array, Array]:
    if out is not None:
        return out
    return np.empty(weights_shape, dtype), np.empty(bias_shape, dtype)


@functools.lru_cache(maxsize=16)
def _ones(n: int, dtype: Any) -> Array:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def padding_of(padding: str, size: int) -> int:
    """Zeros added on each side for `padding` ("same" keeps the image size, odd sizes)."""
    return (size - 1) // 2 if padding == "same" else 0


def windows(x: Array, size: int, pad: int, out: Array) -> Array:
    """Copy every `size` x `size` window of `x : (C, H, W, N)`, with `pad` zeros around it,
    into `out : (C, size, size, Ho, Wo, N)`: out[c, i, j, y, x, n] = x_padded[c, y+i, x+j, n].

    Without padding this is one copy from a strided view. With it, each of the size*size
    offsets is one slice copy over all channels and images; the border of `out` that
    the padding would fill is never written, so it stays zero (no padded copy of x).
    """
    C, H, W, N = x.shape
    Ho, Wo = out.shape[3:5]
    if pad == 0:
        view = sliding_window_view(x, (size, size), axis=(1, 2))  # (C, Ho, Wo, N, k, k)
        np.copyto(out, view.transpose(0, 4, 5, 1, 2, 3))
        return out
    for i in range(size):
        y0, y1 = max(0, pad - i), min(Ho, H + pad - i)
        for j in range(size):
            x0, x1 = max(0, pad - j), min(Wo, W + pad - j)
            rows, columns = slice(y0 + i - pad, y1 + i - pad), slice(x0 + j - pad, x1 + j - pad)
            out[:, i, j, y0:y1, x0:x1] = x[:, rows, columns]
    return out


# --- Convolution --------------------------------------------------------------------------------


def conv_forward(
    x: Array, kernels: Array, bias: Array, padding: str = "same", workspace: dict | None = None
) -> tuple[Array, tuple]:
    """2-D convolution (cross-correlation, stride 1) of `x : (C, H, W, N)` with
    `kernels : (F, C, k, k)` plus `bias : (F,)`. Returns out `(F, Ho, Wo, N)`: Ho = H
    for "same" padding, H - k + 1 for "valid"."""
    C, H, W, N = x.shape
    F, _, k, _ = kernels.shape
    pad = padding_of(padding, k)
    Ho, Wo = H + 2 * pad - k + 1, W + 2 * pad - k + 1
    cols = _buffer(workspace, "cols", (C, k, k, Ho, Wo, N), kernels.dtype)
    windows(x, k, pad, cols)
    out = _buffer(workspace, "out", (F, Ho * Wo * N), kernels.dtype)
    np.dot(kernels.reshape(F, -1), cols.reshape(C * k * k, -1), out=out)
    out += bias[:, None]
    return out.reshape(F, Ho, Wo, N), (x.shape, cols, kernels, pad)


def conv_backward(
    dout: Array,
    cache: tuple,
    need_dx: bool = True,
    workspace: dict | None = None,
    out: tuple[Array, Array] | None = None,
) -> tuple[Array | None, Array, Array]:
    """Gradients (dx, dkernels, dbias) of `conv_forward` from dout `(F, Ho, Wo, N)`.

    dx is itself a convolution: of dout, padded by k - 1 - pad, with the kernels turned
    half a turn and channels in and out swapped; so it is one more product over windows,
    not a scatter of k*k slice-adds. `need_dx=False` (the first layer) skips it.
    out : arrays (dkernels, dbias) to write the parameters' gradients into.
    """
    x_shape, cols, kernels, pad = cache
    F, C, k, _ = kernels.shape
    dkernels, dbias = _gradient_arrays(out, kernels.shape, (F,), dout.dtype)
    dout2 = dout.reshape(F, -1)
    np.dot(dout2, cols.reshape(C * k * k, -1).T, out=dkernels.reshape(F, -1))
    np.sum(dout2, axis=1, out=dbias)
    if not need_dx:
        return None, dkernels, dbias
    _, H, W, N = x_shape
    dcols = _buffer(workspace, "dcols", (F, k, k, H, W, N), dout.dtype)
    windows(dout, k, k - 1 - pad, dcols)
    turned = kernels[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C, F * k * k)
    dx = _buffer(workspace, "dx", (C, H * W * N), dout.dtype)
    np.dot(turned, dcols.reshape(F * k * k, -1), out=dx)
    return dx.reshape(C, H, W, N), dkernels, dbias


def conv_forward_naive(
    x: Array, kernels: Array, bias: Array, padding: str = "same"
) -> tuple[Array, tuple]:
    """`conv_forward` with a loop over every output value (tests only)."""
    C, H, W, N = x.shape
    F, _, k, _ = kernels.shape
    pad = padding_of(padding, k)
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Ho, Wo = H + 2 * pad - k + 1, W + 2 * pad - k + 1
    out = np.zeros((F, Ho, Wo, N))
    for f in range(F):
        for n in range(N):
            for i in range(Ho):
                for j in range(Wo):
                    window = padded[:, i : i + k, j : j + k, n]
                    out[f, i, j, n] = (window * kernels[f]).sum() + bias[f]
    return out, (padded, kernels, pad)


def conv_backward_naive(dout: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """`conv_backward` with loops (tests only)."""
    padded, kernels, pad = cache
    F, Ho, Wo, N = dout.shape
    k = kernels.shape[-1]
    dpadded = np.zeros_like(padded)
    dkernels = np.zeros_like(kernels)
    for f in range(F):
        for n in range(N):
            for i in range(Ho):
                for j in range(Wo):
                    dpadded[:, i : i + k, j : j + k, n] += dout[f, i, j, n] * kernels[f]
                    dkernels[f] += dout[f, i, j, n] * padded[:, i : i + k, j : j + k, n]
    H, W = padded.shape[1] - 2 * pad, padded.shape[2] - 2 * pad
    dx = dpadded[:, pad : pad + H, pad : pad + W, :]
    return dx, dkernels, dout.sum(axis=(1, 2, 3))


# --- Max pooling (2 x 2, stride 2) --------------------------------------------------------------

_CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))


def maxpool_forward(x: Array, workspace: dict | None = None) -> tuple[Array, tuple]:
    """2 x 2 max pooling of `x : (C, H, W, N)` -> `(C, H // 2, W // 2, N)`; an odd last
    row or column is dropped, as in PyTorch."""
    C, H, W, N = x.shape
    Ho, Wo = H // 2, W // 2
    corners = [x[:, i : 2 * Ho : 2, j : 2 * Wo : 2] for i, j in _CORNERS]
    out = _buffer(workspace, "out", (C, Ho, Wo, N), x.dtype)
    np.maximum(corners[0], corners[1], out=out)
    np.maximum(out, corners[2], out=out)
    np.maximum(out, corners[3], out=out)
    return out, (x, out)


def maxpool_backward(
    dout: Array, cache: tuple, workspace: dict | None = None, after_relu: bool = False
) -> Array:
    """dx of `maxpool_forward`: each window's gradient goes to its largest value, the
    first in reading order if several are equal (as an argmax would choose).

    after_relu : the pool's input is a ReLU's output; also apply the ReLU's derivative,
        which is 1 at a window's largest value exactly when that value is above 0 (so the
        ReLU layer passes its gradient through unchanged: 4 times fewer values to mask).
    """
    x, out = cache
    Ho, Wo = out.shape[1:3]
    dx = _buffer(workspace, "dx", x.shape, x.dtype)  # an odd last row or column stays 0
    remaining = _buffer(workspace, "remaining", out.shape, x.dtype)  # not yet routed
    hit = _buffer(workspace, "hit", out.shape, bool)
    if after_relu:
        np.greater(out, 0, out=hit)
        np.multiply(dout, hit, out=remaining)
    else:
        np.copyto(remaining, dout)
    for number, (i, j) in enumerate(_CORNERS):
        np.equal(x[:, i : 2 * Ho : 2, j : 2 * Wo : 2], out, out=hit)
        taken = np.multiply(remaining, hit, out=dx[:, i : 2 * Ho : 2, j : 2 * Wo : 2])
        if number < 3:
            remaining -= taken
    return dx


def maxpool_forward_naive(x: Array) -> tuple[Array, tuple]:
    """`maxpool_forward` with a loop over every window (tests only)."""
    C, H, W, N = x.shape
    out = np.zeros((C, H // 2, W // 2, N))
    for c in range(C):
        for n in range(N):
            for i in range(H // 2):
                for j in range(W // 2):
                    out[c, i, j, n] = x[c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2, n].max()
    return out, (x,)


def maxpool_backward_naive(dout: Array, cache: tuple) -> Array:
    (x,) = cache
    dx = np.zeros_like(x)
    C, Ho, Wo, N = dout.shape
    for c in range(C):
        for n in range(N):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[c, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2, n]
                    a, b = np.unravel_index(np.argmax(window), (2, 2))
                    dx[c, 2 * i + a, 2 * j + b, n] += dout[c, i, j, n]
    return dx


# --- Flatten, dense, activation -----------------------------------------------------------------


def flatten_forward(x: Array, maps: bool) -> tuple[Array, tuple]:
    """One row per image: `(N, ...)` -> `(N, prod(...))`; feature maps `(C, H, W, N)` ->
    `(N, C*H*W)` in the order (channel, row, column) of each image (`maps=True`)."""
    if maps:
        out = x.transpose(3, 0, 1, 2).reshape(x.shape[3], -1)
    else:
        out = x.reshape(x.shape[0], -1)
    return out, (x.shape, maps)


def flatten_backward(dout: Array, cache: tuple) -> Array:
    shape, maps = cache
    if maps:
        C, H, W, N = shape
        return dout.reshape(N, C, H, W).transpose(1, 2, 3, 0)
    return dout.reshape(shape)


def dense_forward(
    x: Array, weights: Array, bias: Array, workspace: dict | None = None
) -> tuple[Array, tuple]:
    """`x : (N, n_in) @ weights : (n_in, n_out) + bias : (n_out,)` -> `(N, n_out)`."""
    out = np.dot(x, weights, out=_buffer(workspace, "out", (len(x), weights.shape[1]), x.dtype))
    out += bias
    return out, (x, weights)


def dense_backward(
    dout: Array, cache: tuple, need_dx: bool = True, out: tuple[Array, Array] | None = None
) -> tuple[Array | None, Array, Array]:
    """(dx, dweights, dbias) of `dense_forward`; `out`: arrays for (dweights, dbias)."""
    x, weights = cache
    dweights, dbias = _gradient_arrays(out, weights.shape, weights.shape[1:], dout.dtype)
    dx = np.dot(dout, weights.T) if need_dx else None
    np.dot(x.T, dout, out=dweights)
    np.dot(_ones(len(dout), dout.dtype), dout, out=dbias)  # column sums: faster than sum()
    return dx, dweights, dbias


def dense_forward_naive(x: Array, weights: Array, bias: Array) -> tuple[Array, tuple]:
    out = np.zeros((x.shape[0], weights.shape[1]))
    for n in range(x.shape[0]):
        for o in range(weights.shape[1]):
            out[n, o] = sum(x[n, i] * weights[i, o] for i in range(x.shape[1])) + bias[o]
    return out, (x, weights)


def dense_backward_naive(dout: Array, cache: tuple) -> tuple[Array, Array, Array]:
    x, weights = cache
    dx, dweights = np.zeros_like(x), np.zeros_like(weights)
    for n in range(x.shape[0]):
        for i in range(x.shape[1]):
            for o in range(weights.shape[1]):
                dx[n, i] += dout[n, o] * weights[i, o]
                dweights[i, o] += dout[n, o] * x[n, i]
    return dx, dweights, dout.sum(axis=0)


def activation_forward(z: Array, name: str, workspace: dict | None = None) -> tuple[Array, tuple]:
    """`ACTIVATIONS[name]` applied to every value of `z`, whatever its shape."""
    out = _buffer(workspace, "out", z.shape, z.dtype)
    if name == "tanh" and z.dtype == np.float64:
        a = _tanh(z, out)
    else:
        a = ACTIVATIONS[name][0](z, out=out)
    return a, (z, a, name)


def _tanh(z: Array, out: Array) -> Array:
    """tanh z = 1 - 2 / (exp(2z) + 1): twice as fast as np.tanh in float64 (whose exp is
    vectorised and tanh is not), within 1e-16 of it; exp may overflow to inf, giving 1."""
    np.multiply(z, 2.0, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1.0
    np.divide(2.0, out, out=out)
    return np.subtract(1.0, out, out=out)


def activation_backward(dout: Array, cache: tuple, workspace: dict | None = None) -> Array:
    z, a, name = cache
    dz = _buffer(workspace, "dz", z.shape, dout.dtype)
    if name == "relu":  # the derivative as a mask, into a kept buffer
        mask = np.greater(z, 0, out=_buffer(workspace, "mask", z.shape, bool))
        return np.multiply(dout, mask, out=dz)
    if name == "tanh":  # 1 - a^2, without temporary arrays
        np.multiply(a, a, out=dz)
        np.subtract(1.0, dz, out=dz)
        return np.multiply(dz, dout, out=dz)
    return np.multiply(dout, ACTIVATIONS[name][1](z, a), out=dz)


# --- Embedding ----------------------------------------------------------------------------------


def embedding_forward(indices: NDArray[np.integer], table: Array) -> tuple[Array, tuple]:
    """Look rows of `table : (n_symbols, dim)` up: `indices : (N, context)` ->
    `(N, context, dim)`, makemore's `C[X]`."""
    return table[indices], (indices, table.shape)


def embedding_backward(dout: Array, cache: tuple, out: Array | None = None) -> Array:
    """dtable: each looked-up row receives the sum of its gradients. The sum is one
    product, one-hot `(n_symbols, N*context) @ dout (N*context, dim)`: for the lessons'
    27 symbols, 1.8 to 4.8 times faster than `np.add.at` (batches of 32 x 3 to 256 x 6),
    and as fast as `np.bincount` or a sorted `np.add.reduceat`. `out`: an array for dtable."""
    indices, (n_symbols, dim) = cache
    flat = indices.reshape(-1)
    one_hot = np.zeros((len(flat), n_symbols), dout.dtype)
    one_hot[np.arange(len(flat)), flat] = 1.0
    if out is None:
        out = np.empty((n_symbols, dim), dout.dtype)
    return np.dot(one_hot.T, dout.reshape(-1, dim), out=out)


def embedding_backward_naive(dout: Array, cache: tuple) -> Array:
    indices, shape = cache
    dtable = np.zeros(shape)
    for n in range(indices.shape[0]):
        for j in range(indices.shape[1]):
            dtable[indices[n, j]] += dout[n, j]
    return dtable
