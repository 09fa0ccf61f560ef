"""Lattice candidates from a harmonic comb on the log-polar power spectrum.

A mark tiled with period ``P`` concentrates its power on the harmonics ``(k, l) / P``
of the residual's spectrum, rotated with the image. In log-polar coordinates a change
of period or angle only shifts those harmonics, so the comb score of every
(period, angle) pair is a sum of shifted slices, one per harmonic. Points half-way
between harmonics count negatively, which rejects the half- and double-period aliases
that a plain comb confuses with the true period. This complements the autocorrelation
search in :mod:`veracity.watermark.image.lattice`: the comb uses hundreds of harmonics,
the autocorrelation a few dozen lags.
"""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np
import scipy.fft as sfft

from veracity.watermark.image.lattice import MAX_ANGLE, MIN_PERIOD, Lattice, basis, row_median
from veracity.watermark.image.pattern import GRID

__all__ = ["axis_lattices", "comb_lattices", "comb_power"]

_D_RHO = 0.004  # log-radius step: 0.4 % in period
_D_PHI = math.radians(0.5)
_K_MAX = 20  # harmonics used: 2 <= |(k, l)| <= _K_MAX
_CLIP = 8.0  # spectral power is clipped at this many times its local level
_SEPARATION = 4  # cells between reported peaks
_ZERO_BAND = 1  # angle cells either side of 0 for the "not rotated" candidates


@lru_cache(maxsize=1)
def _template() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(log radius, angle, weight) of the harmonics in one quadrant and of the half-points."""
    on = [
        (k, m)
        for k in range(1, _K_MAX + 1)
        for m in range(0, _K_MAX + 1)
        if 2 <= math.hypot(k, m) <= _K_MAX
    ]
    half = [(k + 0.5, m) for k, m in on] + [(k, m + 0.5) for k, m in on]
    pts = np.array(on + half, dtype=np.float64)
    # Expected power of a harmonic: the spectrum of one (box-shaped) chip.
    weight = (np.sinc(pts[:, 0] / GRID) * np.sinc(pts[:, 1] / GRID)) ** 2
    weight[len(on) :] *= -0.5
    return np.log(np.hypot(pts[:, 0], pts[:, 1])), np.arctan2(pts[:, 1], pts[:, 0]), weight


def comb_power(spectrum: np.ndarray) -> np.ndarray:
    """The residual's power spectrum (``lattice.half_power``; rows centred here) over its
    local level, lightly smoothed.

    Computed once per image and shared by :func:`comb_lattices` and :func:`axis_lattices`.
    """
    power = np.fft.fftshift(spectrum.astype(np.float32, copy=False), axes=0)
    level = cv2.GaussianBlur(cv2.medianBlur(power, 5), (0, 0), 4.0) + np.float32(1e-12)
    return cv2.blur(power / level, (3, 3))


def _log_polar(power: np.ndarray, r_lo: float, n_rho: int) -> np.ndarray:
    """Normalised power on a (angle in [0, 90 deg), log-radius) grid, folded by 90 degrees."""
    map_x, map_y = _polar_maps(power.shape[0], power.shape[1], r_lo, n_rho)
    polar = cv2.remap(power, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    polar = np.minimum(polar, np.float32(_CLIP)) - np.float32(1.0)
    quarter = polar.shape[0] // 2
    return polar[:quarter] + polar[quarter : 2 * quarter]


@lru_cache(maxsize=8)
def _polar_maps(rows: int, cols: int, r_lo: float, n_rho: int) -> tuple[np.ndarray, np.ndarray]:
    """Remap tables of :func:`_log_polar` for a half-plane spectrum of ``rows x cols``."""
    h, w = rows, 2 * (cols - 1)
    n_phi = round(math.pi / _D_PHI)
    r = r_lo * np.exp(np.arange(n_rho) * _D_RHO)
    phi = -math.pi / 2 + np.arange(n_phi) * _D_PHI
    map_x = (r[None, :] * np.cos(phi[:, None]) * w).astype(np.float32)
    map_y = (r[None, :] * np.sin(phi[:, None]) * h + h // 2).astype(np.float32)
    map_x.flags.writeable = map_y.flags.writeable = False
    return map_x, map_y


def _score(power: np.ndarray, max_period: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Standardised comb score per (period row, angle column), the periods, and n_ang.

    The score of (period i, angle a) sums the weighted log-polar power at every
    harmonic's (angle + a, log radius - log period i): a 2-D cross-correlation of the
    log-polar power with a sparse kernel of the harmonics, circular in angle (the power
    is folded by 90 degrees) and zero-padded in radius, taken with one FFT pair.
    """
    r_lo = 2.0 / max_period * 0.98
    r_hi = min(0.5, _K_MAX / MIN_PERIOD * 1.02)
    n_rho = int(math.log(r_hi / r_lo) / _D_RHO) + 1
    polar = _log_polar(power, r_lo, n_rho)[:, ::-1]  # reversed: period rows are slices
    n_phi = polar.shape[0]
    n_ang = int(MAX_ANGLE / _D_PHI)
    n_p = int(math.log(max_period / MIN_PERIOD) / _D_RHO) + 1
    kernel_fft, norm, length = _comb_kernel(r_lo, n_rho, n_phi, n_p)
    spec = sfft.rfft2(polar.astype(np.float64), s=(n_phi, length)) * kernel_fft
    # Only the angle shifts within +-n_ang are wanted: invert the angle axis, keep those
    # rows (shift -n_ang..n_ang, wrapped), then invert the radius axis.
    by_angle = sfft.ifft(spec, axis=0)
    keep = np.arange(-n_ang, n_ang + 1) % n_phi
    score = sfft.irfft(by_angle[keep], n=length, axis=1)[:, :n_p]
    rows = score.T / np.maximum(norm, 1e-9)[:, None]
    centre = row_median(rows)
    spread = 1.4826 * row_median(np.abs(rows - centre))
    periods = MIN_PERIOD * np.exp(np.arange(n_p) * _D_RHO)
    return (rows - centre) / (spread + 1e-12), periods, n_ang


@lru_cache(maxsize=8)
def _comb_kernel(
    r_lo: float, n_rho: int, n_phi: int, n_p: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Conjugate spectrum of the harmonic kernel, the summed positive weight per period
    row (the score's normaliser), and the zero-padded radius length of the transform.

    Harmonic ``h`` at angle row ``j`` and first radius column ``s`` (for period row 0)
    adds ``w_h * polar[j + shift, s + i]`` to the score of period row ``i``; columns
    outside the log-polar grid read zero, which the padding to ``length`` preserves.
    """
    log_r, ang, weight = _template()
    starts = np.rint((log_r - math.log(MIN_PERIOD) - math.log(r_lo)) / _D_RHO).astype(np.int64)
    starts = n_rho - 1 - starts  # radius column of each harmonic at period row 0 (reversed)
    angle_rows = np.rint((ang + math.pi / 2) / _D_PHI).astype(np.int64) % n_phi
    reach = (starts + n_p > 0) & (starts < n_rho)  # harmonics some period row sees
    starts, angle_rows, weight = starts[reach], angle_rows[reach], weight[reach]
    length = sfft.next_fast_len(int(max(n_rho - starts.min(), starts.max() + n_p)), real=True)
    kernel = np.zeros((n_phi, length))
    np.add.at(kernel, (angle_rows, starts % length), weight)
    norm = np.zeros(n_p)
    for s, wt in zip(starts, weight, strict=True):
        if wt > 0:
            norm[max(0, -s) : min(n_p, n_rho - s)] += wt
    kernel_fft = np.conj(sfft.rfft2(kernel))
    kernel_fft.flags.writeable = norm.flags.writeable = False
    return kernel_fft, norm, length


def _peaks(score: np.ndarray, top: int) -> list[tuple[int, int]]:
    work = score.copy()
    found = []
    for _ in range(top):
        i, j = np.unravel_index(int(np.argmax(work)), work.shape)
        if not np.isfinite(work[i, j]):
            break
        found.append((int(i), int(j)))
        s = _SEPARATION
        work[max(0, i - s) : i + s + 1, max(0, j - s) : j + s + 1] = -np.inf
    return found


def comb_lattices(
    power: np.ndarray, max_period: float, top: int, top_unrotated: int
) -> list[Lattice]:
    """Best lattices by comb score: ``top_unrotated`` near 0 degrees, then ``top`` overall."""
    score, periods, n_ang = _score(power, max_period)
    near_zero = np.full_like(score, -np.inf)
    band = slice(n_ang - _ZERO_BAND, n_ang + _ZERO_BAND + 1)
    near_zero[:, band] = score[:, band]
    cells = _peaks(near_zero, top_unrotated) + _peaks(score, top)
    found = []
    for i, j in cells:
        v1, v2 = basis(np.array(periods[i]), np.array((j - n_ang) * _D_PHI))
        found.append(Lattice(v1, v2, float(score[i, j])))
    return found


_AXIS_STEP = 0.25  # pixels between the periods tried by axis_lattices


@lru_cache(maxsize=1)
def _quadrant_points() -> tuple[np.ndarray, np.ndarray]:
    """Harmonics and half-points of the two upper quadrants (rfft half-plane), weighted."""
    log_r, ang, weight = _template()
    radius = np.exp(log_r)
    pts = np.stack([radius * np.cos(ang), radius * np.sin(ang)], axis=1)
    pts = np.concatenate([pts, pts * np.array([1.0, -1.0])])
    return pts, np.concatenate([weight, weight])


def axis_lattices(
    power: np.ndarray, width: int, p_lo: float, p_hi: float, top: int
) -> list[Lattice]:
    """Best axis-aligned lattices with a period in ``[p_lo, p_hi]`` (neither turned nor resized).

    A crop, re-encoding or colour edit leaves the tile axis-aligned with the embedder's
    period, so this one-dimensional comb search finds the lattice where the full search is
    too noisy (small crops).
    """
    periods, map_x, map_y = _axis_maps(power.shape[0], width, p_lo, p_hi)
    if len(periods) < 3:
        return []
    power = np.minimum(power, np.float32(_CLIP)) - np.float32(1.0)
    _, weight = _quadrant_points()
    values = cv2.remap(power, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    score = values @ weight / weight[weight > 0].sum()
    is_peak = np.r_[False, (score[1:-1] >= score[:-2]) & (score[1:-1] >= score[2:]), False]
    best = np.flatnonzero(is_peak)[np.argsort(score[is_peak])[::-1][:top]]
    found = []
    for i in best:
        v1, v2 = basis(np.array(periods[i]), np.array(0.0))
        found.append(Lattice(v1, v2, float(score[i])))
    return found


@lru_cache(maxsize=16)
def _axis_maps(
    h: int, w: int, p_lo: float, p_hi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The periods :func:`axis_lattices` tries, and where each harmonic of each period sits
    in the spectrum (remap tables)."""
    pts, _ = _quadrant_points()
    periods = np.arange(p_lo, p_hi + _AXIS_STEP, _AXIS_STEP)
    map_x = (pts[None, :, 0] * w / periods[:, None]).astype(np.float32)
    map_y = (pts[None, :, 1] * h / periods[:, None] + h // 2).astype(np.float32)
    for table in (periods, map_x, map_y):
        table.flags.writeable = False
    return periods, map_x, map_y
