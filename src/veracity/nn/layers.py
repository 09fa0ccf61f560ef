"""Numpy layers in HWC layout with weights stored as (kh, kw, cin, cout).

Convolution is im2col (a strided view, one copy) followed by a single matrix product,
which keeps small nets fast on one CPU core without torch.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from veracity.errors import ModelError

__all__ = [
    "avgpool2",
    "conv2d",
    "conv_transpose2d",
    "load_npz_weights",
    "relu",
    "sha256_file",
    "upsample_nearest",
    "zero_insert",
]


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None = None,
    *,
    stride: int = 1,
    pad: int | None = None,
    mode: str = "reflect",
) -> np.ndarray:
    """2-D convolution (cross-correlation, like torch) of an (H, W, Cin) float32 array.

    Args:
        x: Input of shape (H, W, Cin).
        w: Kernel of shape (kh, kw, Cin, Cout).
        b: Bias of shape (Cout,) or None.
        stride: Step in both directions.
        pad: Padding on every side; default keeps the size for odd kernels (k // 2).
        mode: numpy pad mode ("reflect", "constant", "edge").
    """
    kh, kw, cin, cout = w.shape
    p = kh // 2 if pad is None else pad
    if p:
        padmode = mode if min(x.shape[0], x.shape[1]) > p else "edge"
        x = np.pad(x, ((p, p), (p, p), (0, 0)), mode=padmode)  # type: ignore[call-overload]
    h, wd = x.shape[0], x.shape[1]
    ho, wo = (h - kh) // stride + 1, (wd - kw) // stride + 1
    s0, s1, s2 = x.strides
    cols = np.lib.stride_tricks.as_strided(
        x,
        shape=(ho, wo, kh, kw, cin),
        strides=(s0 * stride, s1 * stride, s0, s1, s2),
        writeable=False,
    )
    out = cols.reshape(ho * wo, kh * kw * cin) @ w.reshape(kh * kw * cin, cout)
    if b is not None:
        out += b
    return out.reshape(ho, wo, cout)


def conv_transpose2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Transposed convolution with kernel 4, stride 2, padding 1 (doubles H and W).

    ``w`` has shape (4, 4, Cin, Cout) and is already flipped, i.e. exported from torch's
    ``ConvTranspose2d`` weight ``wt`` as ``wt.permute(2, 3, 0, 1)[::-1, ::-1]``. The
    transposed convolution is a zero-insertion followed by an ordinary convolution, which
    is exactly what leaves the checkerboard fingerprint of such decoders.
    """
    # Polyphase form: each of the four output phases is a 2x2 convolution of the
    # zero-padded input with every other kernel tap (4x cheaper than convolving zeros).
    h, w_in, _ = x.shape
    xp = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    out = np.empty((2 * h, 2 * w_in, w.shape[3]), dtype=np.result_type(x, w))
    for a in (0, 1):
        for c in (0, 1):
            sub = np.ascontiguousarray(w[a::2, c::2])
            out[a::2, c::2] = conv2d(xp[a : a + h + 1, c : c + w_in + 1], sub, pad=0)
    if b is not None:
        out += b
    return out


def relu(x: np.ndarray) -> np.ndarray:
    """Rectified linear unit, in place."""
    return np.maximum(x, 0, out=x)


def avgpool2(x: np.ndarray) -> np.ndarray:
    """2x2 average pooling (odd trailing rows/columns are dropped)."""
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def upsample_nearest(x: np.ndarray, factor: int = 2) -> np.ndarray:
    """Nearest-neighbour up-sampling of an (H, W, C) array by an integer factor."""
    return np.repeat(np.repeat(x, factor, axis=0), factor, axis=1)


def zero_insert(x: np.ndarray, factor: int = 2) -> np.ndarray:
    """Insert zeros between samples: the first half of a transposed convolution."""
    h, w, c = x.shape
    out = np.zeros((h * factor, w * factor, c), dtype=x.dtype)
    out[::factor, ::factor] = x
    return out


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file (model cards quote it)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_npz_weights(path: Path) -> dict[str, np.ndarray]:
    """Load every array of a weights ``.npz`` as float32.

    Raises:
        ModelError: The file is missing or unreadable.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: np.asarray(data[k], dtype=np.float32) for k in data.files}
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load model weights {path}: {exc}") from None
