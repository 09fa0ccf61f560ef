"""Whitening: remove the image so that the mark dominates what is left.

Natural images have a steep, smooth spectrum; the mark is flat within its band.
Dividing the spectrum by its locally smoothed magnitude (spectral whitening)
equalises the host and keeps the mark's fine structure; a local-variance
weighting then downweights busy areas, where the host still dominates.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["RADIAL_BINS", "whiten"]

RADIAL_BINS = 64  # radial profile resolution over [0, 0.5] cycles/pixel
_SMOOTH_BINS = 3.0
_LOW_CUT = 0.012  # cycles/pixel; below this the host is all there is


def whiten(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spectrally whitened, variance-normalised residual and the filter's radial profile.

    Returns:
        ``(residual, profile)``: the residual (same shape as ``luma``) and the mean gain
        of the whitening filter per radial frequency bin (``RADIAL_BINS`` over 0..0.5 c/px),
        used to build matched templates.
    """
    h, w = luma.shape
    spec = cv2.dft(luma - float(luma.mean()), flags=cv2.DFT_COMPLEX_OUTPUT)
    mag = np.sqrt(spec[:, :, 0] ** 2 + spec[:, :, 1] ** 2)
    smooth = np.fft.ifftshift(cv2.GaussianBlur(np.fft.fftshift(mag), (0, 0), _SMOOTH_BINS))
    fy = np.fft.fftfreq(h).astype(np.float32)[:, None]
    fx = np.fft.fftfreq(w).astype(np.float32)[None, :]
    rad = np.sqrt(fy * fy + fx * fx)
    gain = np.where(rad < _LOW_CUT, 0.0, 1.0 / (smooth + 1e-3 * float(smooth.mean()) + 1e-9))
    gain = gain.astype(np.float32)
    res = cv2.idft(spec * gain[:, :, None], flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    local = np.sqrt(cv2.GaussianBlur(res * res, (0, 0), 4.0))
    res = res / (local * local + float(np.mean(local * local)) * 0.05)
    lim = 4.0 * 1.4826 * float(np.median(np.abs(res))) + 1e-9
    res = np.clip(res, -lim, lim)
    bins = np.minimum((rad * 2 * RADIAL_BINS).astype(np.int64), RADIAL_BINS - 1).ravel()
    profile = np.bincount(bins, gain.ravel(), RADIAL_BINS) / np.maximum(np.bincount(bins, minlength=RADIAL_BINS), 1)
    return res.astype(np.float32), profile / (profile.max() + 1e-12)
