"""The planes the detector reads: luma, and the channels weighted against host texture.

Both are taken at about ``WORK_AREA`` pixels (area-downscaled), where the embedder's
period is ~100 px whatever the image's size.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = [
    "LUMA_WEIGHTS",
    "MARK_DIRECTION",
    "WORK_AREA",
    "colour_weights",
    "downscaled",
    "working_plane",
]

WORK_AREA = 512 * 512  # detection runs on a copy downscaled to about this many pixels
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # BT.601
# The RGB change that moves luma by one level at the least squared error: the BT.601
# weights over their squared norm (G moves most). It buys 1.3 dB of luma amplitude over
# a grey (1, 1, 1) change at the same PSNR, and gives the mark a faint chroma component.
MARK_DIRECTION = (LUMA_WEIGHTS / np.sum(LUMA_WEIGHTS**2)).astype(np.float32)


def working_plane(rgb: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``rgb @ weights`` as float32, downscaled to about ``WORK_AREA`` pixels."""
    h, w = rgb.shape[:2]
    mix = weights.astype(np.float32).reshape(1, 3)
    plane: np.ndarray = cv2.transform(rgb.astype(np.float32, copy=False), mix).reshape(h, w)
    return downscaled(plane)


def downscaled(plane: np.ndarray) -> np.ndarray:
    """A float32 plane downscaled (area average) to about ``WORK_AREA`` pixels."""
    h, w = plane.shape
    if h * w > WORK_AREA:
        f = math.sqrt(WORK_AREA / (h * w))
        plane = cv2.resize(
            plane, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA
        )
    return plane


def _covariance(samples: np.ndarray) -> np.ndarray:
    """Covariance of the columns of an (n, 3) array (``np.cov(samples, rowvar=False)``),
    as six dot products: numpy's matrix product is slow for so thin a shape."""
    c = np.ascontiguousarray(samples.T, dtype=np.float64)
    c -= c.mean(axis=1, keepdims=True)
    out = np.empty((3, 3))
    for i in range(3):
        for j in range(i, 3):
            out[i, j] = out[j, i] = np.dot(c[i], c[j])
    return out / max(c.shape[1] - 1, 1)


def colour_weights(rgb: np.ndarray) -> np.ndarray:
    """Channel weights that read the mark against the least host texture.

    The mark moves R, G and B along ``MARK_DIRECTION``; photos' fine texture is mostly grey
    (the channels move together) and their chroma detail is usually gone (JPEG sources).
    Weighting the channels by the inverse covariance of their high-pass residual times
    the mark's direction (the matched filter across channels) mostly cancels the texture.
    Useless after chroma-subsampled re-encoding, so it is a second view, not the only one.
    """
    step = max(1, round(math.sqrt(rgb.shape[0] * rgb.shape[1] / 65536)))
    x = rgb[::step, ::step].astype(np.float32)
    hp = (x - cv2.GaussianBlur(x, (0, 0), 1.5)).reshape(-1, 3)
    cov = _covariance(hp)
    cov += 1e-3 * np.eye(3) * (1.0 + float(np.trace(cov)))
    weights = np.linalg.solve(cov, MARK_DIRECTION.astype(np.float64))
    return (weights / float(weights @ MARK_DIRECTION)).astype(np.float32)
