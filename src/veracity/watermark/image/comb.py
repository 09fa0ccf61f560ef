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

from veracity.watermark.image.lattice import MAX_ANGLE, MIN_PERIOD, Lattice, basis
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


def comb_power(residual: np.ndarray) -> np.ndarray:
    """Power spectrum (rows centred) over its local level, lightly smoothed.

    Computed once per image and shared by :func:`comb_lattices` and :func:`axis_lattices`.
    """
    spec = sfft.rfft2(residual)
    power = np.fft.fftshift((spec.real**2 + spec.imag**2).astype(np.float32), axes=0)
    level = cv2.GaussianBlur(cv2.medianBlur(power, 5), (0, 0), 4.0) + np.float32(1e-12)
    return cv2.blur(power / level, (3, 3))


def _log_polar(power: np.ndarray, r_lo: float, n_rho: int) -> np.ndarray:
    """Normalised power on a (angle in [0, 90 deg), log-radius) grid, folded by 90 degrees."""
    h, w = power.shape[0], 2 * (power.shape[1] - 1)
    n_phi = round(math.pi / _D_PHI)
    r = r_lo * np.exp(np.arange(n_rho) * _D_RHO)
    phi = -math.pi / 2 + np.arange(n_phi) * _D_PHI
    map_x = (r[None, :] * np.cos(phi[:, None]) * w).astype(np.float32)
    map_y = (r[None, :] * np.sin(phi[:, None]) * h + h // 2).astype(np.float32)
    polar = cv2.remap(power, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    polar = np.minimum(polar, np.float32(_CLIP)) - np.float32(1.0)
    quarter = n_phi // 2
    return polar[:quarter] + polar[quarter : 2 * quarter]


def _score(power: np.ndarray, max_period: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Standardised comb score per (period row, angle column), the periods, and n_ang."""
    r_lo = 2.0 / max_period * 0.98
    r_hi = min(0.5, _K_MAX / MIN_PERIOD * 1.02)
    n_rho = int(math.log(r_hi / r_lo) / _D_RHO) + 1
    polar = _log_polar(power, r_lo, n_rho)[:, ::-1]  # reversed: period rows are slices
    n_phi = polar.shape[0]
    n_ang = int(MAX_ANGLE / _D_PHI)
    polar = np.concatenate([polar[-n_ang:], polar, polar[: n_ang + 1]])
    n_p = int(math.log(max_period / MIN_PERIOD) / _D_RHO) + 1
    score = np.zeros((2 * n_ang + 1, n_p), dtype=np.float32)
    plan, norm = _comb_plan(r_lo, n_rho, n_phi, n_p)
    for lo, hi, j0, col, wt in plan:
        score[:, lo:hi] += wt * polar[j0 : j0 + 2 * n_ang + 1, col : col + hi - lo]
    rows = score.T / np.maximum(norm, 1e-9)[:, None]
    centre = np.median(rows, axis=1, keepdims=True)
    spread = 1.4826 * np.median(np.abs(rows - centre), axis=1, keepdims=True)
    periods = MIN_PERIOD * np.exp(np.arange(n_p) * _D_RHO)
    return (rows - centre) / (spread + 1e-12), periods, n_ang


@lru_cache(maxsize=8)
def _comb_plan(
    r_lo: float, n_rho: int, n_phi: int, n_p: int
) -> tuple[list[tuple[int, int, int, int, np.float32]], np.ndarray]:
    """Per harmonic: the period rows it reaches, its angle row, first radius column and
    weight; and the summed positive weight per period row (the score's normaliser)."""
    log_r, ang, weight = _template()
    plan = []
    norm = np.zeros(n_p)
    for lr, a, wt in zip(log_r, ang, weight, strict=True):
        # radius index of this harmonic for period row i: c - i, stored reversed.
        c = round((lr - math.log(MIN_PERIOD) - math.log(r_lo)) / _D_RHO)
        start = n_rho - 1 - c
        lo, hi = max(0, -start), min(n_p, n_rho - start)
        if lo >= hi:
            continue
        j0 = round((a + math.pi / 2) / _D_PHI) % n_phi
        plan.append((lo, hi, j0, start + lo, np.float32(wt)))
        if wt > 0:
            norm[lo:hi] += wt
    norm.flags.writeable = False
    return plan, norm


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
    h, w = power.shape[0], width
    power = np.minimum(power, np.float32(_CLIP)) - np.float32(1.0)
    pts, weight = _quadrant_points()
    periods = np.arange(p_lo, p_hi + _AXIS_STEP, _AXIS_STEP)
    if len(periods) < 3:
        return []
    map_x = (pts[None, :, 0] * w / periods[:, None]).astype(np.float32)
    map_y = (pts[None, :, 1] * h / periods[:, None] + h // 2).astype(np.float32)
    values = cv2.remap(power, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    score = values @ weight / weight[weight > 0].sum()
    is_peak = np.r_[False, (score[1:-1] >= score[:-2]) & (score[1:-1] >= score[2:]), False]
    best = np.flatnonzero(is_peak)[np.argsort(score[is_peak])[::-1][:top]]
    found = []
    for i in best:
        v1, v2 = basis(np.array(periods[i]), np.array(0.0))
        found.append(Lattice(v1, v2, float(score[i])))
    return found
