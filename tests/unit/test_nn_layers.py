"""The numpy layers against straightforward loop implementations."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.nn.layers import avgpool2, conv2d, conv_transpose2d, upsample_nearest


def _naive_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    kh, kw, _, cout = w.shape
    xp = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    ho = (xp.shape[0] - kh) // stride + 1
    wo = (xp.shape[1] - kw) // stride + 1
    out = np.zeros((ho, wo, cout))
    for i in range(ho):
        for j in range(wo):
            patch = xp[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = np.tensordot(patch, w, axes=([0, 1, 2], [0, 1, 2]))
    return out


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_matches_loops(stride: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 11, 3)).astype(np.float32)
    w = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)
    got = conv2d(x, w, stride=stride, mode="constant")
    np.testing.assert_allclose(got, _naive_conv(x, w, stride, 1), atol=1e-4)


def test_conv_transpose_is_scatter_of_kernel() -> None:
    # Transposed conv (k=4, s=2, p=1) scatters each input sample times the kernel.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 6, 2)).astype(np.float32)
    wt = rng.normal(size=(2, 3, 4, 4)).astype(np.float32)  # torch layout (cin, cout, k, k)
    full = np.zeros((2 * 5 + 2, 2 * 6 + 2, 3))
    for i in range(5):
        for j in range(6):
            full[2 * i : 2 * i + 4, 2 * j : 2 * j + 4] += np.einsum("c,cokl->klo", x[i, j], wt)
    expected = full[1:-1, 1:-1]
    w = np.ascontiguousarray(wt.transpose(2, 3, 0, 1)[::-1, ::-1])
    np.testing.assert_allclose(conv_transpose2d(x, w), expected, atol=1e-4)


def test_pool_and_upsample_shapes() -> None:
    x = np.arange(5 * 7 * 2, dtype=np.float32).reshape(5, 7, 2)
    assert avgpool2(x).shape == (2, 3, 2)
    up = upsample_nearest(x, 2)
    assert up.shape == (10, 14, 2)
    assert up[3, 5, 1] == x[1, 2, 1]
