"""Frequency-domain features of an image (Durall / Dzanic / Frank line of work).

Generators' up-sampling layers leave traces in the Fourier spectrum: a distorted
high-frequency fall-off of the azimuthally averaged power spectrum (Durall et al. 2020,
Dzanic et al. 2020) and periodic peaks at fractions of the sampling rate (Frank et al.
2020). Features are computed on a fixed 2x2 grid of Hann-windowed luminance tiles so the
cost does not grow with image size.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["RADIAL_BINS", "Spectrum", "spectral_features", "spectrum"]

TILE = 128
RADIAL_BINS = 24
_PEAKS = ((0.5, 0.0), (0.0, 0.5), (0.5, 0.5), (0.25, 0.0), (0.0, 0.25), (0.25, 0.25))


@dataclasses.dataclass(frozen=True)
class Spectrum:
    """Averaged power spectra of an image.

    Attributes:
        power: fftshift-ed mean power spectrum of the luminance tiles (T x T).
        residual: the same for the high-pass residual (image minus 3x3 mean).
        radial: log azimuthal mean power per radial bin, normalised to mean 0.
    """

    power: np.ndarray
    residual: np.ndarray
    radial: np.ndarray


def _luma(rgb: np.ndarray) -> np.ndarray:
    x = rgb.astype(np.float32)
    return 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]


def _tiles(rgb: np.ndarray) -> tuple[list[np.ndarray], int]:
    """Luminance of a 2x2 grid of T x T tiles (only these pixels are converted)."""
    h, w = rgb.shape[:2]
    t = min(TILE, h // 2 * 2, w // 2 * 2)
    ys = np.linspace(0, h - t, 2).astype(int)
    xs = np.linspace(0, w - t, 2).astype(int)
    return [_luma(rgb[y : y + t, x : x + t]) for y in ys for x in xs], t


def _box3(x: np.ndarray) -> np.ndarray:
    p = np.pad(x, 1, mode="reflect")
    s = p[:-2] + p[1:-1] + p[2:]
    return (s[:, :-2] + s[:, 1:-1] + s[:, 2:]) / 9.0


def _mean_power(tiles: list[np.ndarray], t: int) -> np.ndarray:
    win = np.outer(np.hanning(t), np.hanning(t)).astype(np.float32)
    acc = np.zeros((t, t), np.float64)
    for tile in tiles:
        f = np.fft.fft2((tile - tile.mean()) * win)
        acc += f.real**2 + f.imag**2
    return np.fft.fftshift(acc / len(tiles))


def _radius(t: int) -> np.ndarray:
    f = np.fft.fftshift(np.fft.fftfreq(t))
    return np.hypot(f[:, None], f[None, :])


def _radial(power: np.ndarray) -> np.ndarray:
    r = _radius(power.shape[0]).ravel()
    bins = np.minimum((r / 0.5 * RADIAL_BINS).astype(int), RADIAL_BINS)
    logp = np.log(power.ravel() + 1e-3)
    sums = np.bincount(bins, logp, minlength=RADIAL_BINS + 1)[:RADIAL_BINS]
    counts = np.maximum(np.bincount(bins, minlength=RADIAL_BINS + 1)[:RADIAL_BINS], 1)
    prof = sums / counts
    return (prof - prof.mean()).astype(np.float32)


def spectrum(rgb: np.ndarray) -> Spectrum:
    """Averaged spectra of the image's luminance and of its high-pass residual."""
    tiles, t = _tiles(rgb)
    power = _mean_power(tiles, t)
    residual = _mean_power([g - _box3(g) for g in tiles], t)
    return Spectrum(power=power, residual=residual, radial=_radial(power))


def _peak_ratios(residual: np.ndarray) -> np.ndarray:
    """log power at periodic frequencies relative to the ring of equal radius."""
    t = residual.shape[0]
    c = t // 2
    logp = np.log(residual + 1e-3)
    r = _radius(t)
    out = []
    for fy, fx in _PEAKS:
        y, x = min(c + round(fy * t), t - 1), min(c + round(fx * t), t - 1)
        y0, x0 = max(y - 1, 0), max(x - 1, 0)
        peak = logp[y0 : y + 2, x0 : x + 2].max()
        ring = np.abs(r - r[y, x]) < 1.5 / t
        out.append(peak - np.median(logp[ring]))
    return np.asarray(out, np.float32)


def _tail_fit(radial: np.ndarray) -> np.ndarray:
    """Slope and curvature of the log spectrum over the upper half of frequencies."""
    k = np.arange(RADIAL_BINS // 2, RADIAL_BINS)
    lr = np.log((k + 0.5) / RADIAL_BINS)
    coef = np.polyfit(lr, radial[k], 2)
    return coef.astype(np.float32)


def spectral_features(rgb: np.ndarray) -> tuple[np.ndarray, Spectrum]:
    """Feature vector (radial profile, residual profile, peak ratios, tail fit)."""
    spec = spectrum(rgb)
    res_radial = _radial(spec.residual)
    feats = np.concatenate(
        [spec.radial, res_radial, _peak_ratios(spec.residual), _tail_fit(spec.radial)]
    )
    return feats.astype(np.float32), spec
