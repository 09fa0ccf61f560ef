"""PDQ perceptual hashing in numpy, following Meta's published PDQ algorithm.

Steps (as in the reference ``pdqhashing.cpp``): RGB to luma (BT.601 weights), two
passes of a Jarosz box "tent" filter whose window depends on the image size, point
decimation to 64x64, a 16x64 DCT (dropping the DC row) giving 16x16 coefficients,
and one bit per coefficient: above the median or not. The image-domain quality
metric (0..100) is the reference's gradient sum; low-quality (flat) images hash
poorly and callers should not trust matches on them.

The 256-bit hash is returned as 32 bytes, most significant first, which is the same
order as the reference's hex string.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

__all__ = ["PdqHash", "hamming", "pdq_hash"]

_LUMA = np.array([0.299, 0.587, 0.114])
_SIDE = 64


@dataclasses.dataclass(frozen=True)
class PdqHash:
    """A PDQ hash and its quality.

    Attributes:
        digest: 32 bytes, bit ``k`` of the reference hash at ``int.from_bytes(..) >> k``.
        quality: 0..100; below ~50 the image is too flat for reliable matching.
    """

    digest: bytes
    quality: int

    @property
    def hex(self) -> str:
        """The hash as 64 hex digits (the reference's text form)."""
        return self.digest.hex()


@functools.cache
def _dct_matrix() -> np.ndarray:
    i = np.arange(1, 17)[:, None]
    j = np.arange(_SIDE)[None, :]
    return np.sqrt(2.0 / _SIDE) * np.cos((np.pi / 2 / _SIDE) * i * (2 * j + 1))


def _window_size(old: int, new: int) -> int:
    return (old + 2 * new - 1) // (2 * new)


def _box_1d(a: np.ndarray, window: int, axis: int) -> np.ndarray:
    """Centred moving mean with the reference's window extents, truncated at the edges."""
    half = (window + 2) // 2
    left, right = window - half, half - 1
    n = a.shape[axis]
    zero_shape = list(a.shape)
    zero_shape[axis] = 1
    cs = np.concatenate([np.zeros(zero_shape), np.cumsum(a, axis=axis)], axis=axis)
    k = np.arange(n)
    lo = np.maximum(k - left, 0)
    hi = np.minimum(k + right, n - 1) + 1
    total = np.take(cs, hi, axis=axis) - np.take(cs, lo, axis=axis)
    count_shape = [1] * a.ndim
    count_shape[axis] = n
    return total / (hi - lo).reshape(count_shape)


def _downsample(luma: np.ndarray) -> np.ndarray:
    rows, cols = luma.shape
    if rows == _SIDE and cols == _SIDE:
        return luma
    w_rows, w_cols = _window_size(cols, _SIDE), _window_size(rows, _SIDE)
    out = luma
    for _ in range(2):
        out = _box_1d(out, w_rows, axis=1)
        out = _box_1d(out, w_cols, axis=0)
    ri = (((np.arange(_SIDE) + 0.5) * rows) / _SIDE).astype(int)
    ci = (((np.arange(_SIDE) + 0.5) * cols) / _SIDE).astype(int)
    return out[np.ix_(ri, ci)]


def _quality(block: np.ndarray) -> int:
    dv = np.trunc((block[:-1, :] - block[1:, :]) * 100 / 255)
    dh = np.trunc((block[:, :-1] - block[:, 1:]) * 100 / 255)
    total = int(np.abs(dv).sum() + np.abs(dh).sum())
    return min(100, total // 90)


def pdq_hash(rgb: np.ndarray) -> PdqHash:
    """Hash an image.

    Args:
        rgb: ``HxWx3`` (or ``HxW`` grey) array, uint8 or float in 0..255.

    Returns:
        The 256-bit PDQ hash and its quality.
    """
    arr = np.asarray(rgb, dtype=np.float64)
    luma = arr @ _LUMA if arr.ndim == 3 else arr
    block = _downsample(luma)
    dct = _dct_matrix()
    coeffs = dct @ block @ dct.T
    bits = (coeffs > np.median(coeffs)).reshape(-1)
    value = int(np.sum(bits.astype(object) * (1 << np.arange(256, dtype=object))))
    return PdqHash(value.to_bytes(32, "big"), _quality(block))


def hamming(a: bytes, b: bytes) -> int:
    """Number of differing bits between two equal-length digests."""
    if len(a) != len(b):
        raise ValueError("digests differ in length")
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()
