"""Whitening: remove the image so that the mark dominates what is left.

Natural images have a steep, smooth spectrum; the mark is flat within its band.
Dividing the spectrum by its locally smoothed magnitude (spectral whitening)
equalises the host and keeps the mark's fine structure; a local-variance
weighting then downweights busy areas, where the host still dominates.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
import scipy.fft as sfft

__all__ = ["whiten"]

_SMOOTH_BINS = 3.0
_LOW_CUT = 0.012  # cycles/pixel; below this the host is all there is


@lru_cache(maxsize=8)
def _low_cut(h: int, w: int) -> np.ndarray:
    fy = np.fft.fftfreq(h).astype(np.float32)[:, None]
    fx = np.fft.rfftfreq(w).astype(np.float32)[None, :]
    return np.sqrt(fy * fy + fx * fx) >= _LOW_CUT


def whiten(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spectrally whitened, variance-normalised residual of ``luma`` (float32, same shape).

    Returns:
        ``(residual, power)``: the residual and the whitened half-plane power spectrum
        (``rfft2`` layout), where the template lines show as peaks.
    """
    h, w = luma.shape
    spec = sfft.rfft2(luma - np.float32(luma.mean()))
    mag = np.abs(spec).astype(np.float32, copy=False)
    shifted = np.fft.fftshift(mag, axes=0)
    # Median first, so that the mark's own spectral lines do not whiten themselves away.
    robust = cv2.medianBlur(shifted, 5)
    smooth = np.fft.ifftshift(cv2.GaussianBlur(robust, (0, 0), _SMOOTH_BINS), axes=0)
    gain = _low_cut(h, w) / (smooth + np.float32(1e-3 * float(smooth.mean()) + 1e-9))
    spec *= gain
    power = (spec.real**2 + spec.imag**2).astype(np.float32, copy=False)
    res = sfft.irfft2(spec, s=(h, w)).astype(np.float32, copy=False)
    local = cv2.GaussianBlur(res * res, (0, 0), 4.0)
    res = res / (local + np.float32(float(local.mean()) * 0.05 + 1e-12))
    lim = np.float32(4.0 * 1.4826 * float(np.median(np.abs(res[::3, ::3]))) + 1e-12)
    return np.clip(res, -lim, lim), power
