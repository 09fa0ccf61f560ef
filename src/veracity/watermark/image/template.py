"""Scale and rotation from the template lines in the whitened power spectrum.

The tile carries two cosines at harmonics ``(a, b)`` and ``(-b, a)`` of its period
(see :data:`pattern.TEMPLATE_Q`). In an image scaled by ``s`` and rotated by ``t``
they appear at frequency ``|q| / (P s)`` and angle ``atan2(b, a) + t`` (mirrored
for flipped images), so one spectral peak gives the lattice's period and angle.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from veracity.watermark.image.lattice import MAX_ANGLE, MIN_PERIOD, Lattice, basis
from veracity.watermark.image.pattern import TEMPLATE_Q

__all__ = ["template_lattices"]

_PEAKS = 4


def template_lattices(
    power: np.ndarray, shape: tuple[int, int], max_period: float
) -> list[Lattice]:
    """Lattice candidates from the strongest peaks of the whitened power spectrum."""
    h, w = shape
    q_len = math.hypot(*TEMPLATE_Q[0])
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    rad = np.sqrt(fy * fy + fx * fx)
    smooth = cv2.blur(power, (3, 3))
    ring = (rad >= q_len / max_period) & (rad <= q_len / MIN_PERIOD)
    level = float(np.median(smooth[ring])) + 1e-12
    score = np.where(ring, smooth, 0.0)
    local_max = score >= cv2.dilate(score, np.ones((7, 7), np.uint8))
    cand = np.flatnonzero((local_max & ring).ravel())
    cand = cand[np.argsort(score.ravel()[cand])[::-1][: 3 * _PEAKS]]
    found: list[Lattice] = []
    for flat in cand:
        iy, ix = divmod(int(flat), power.shape[1])
        fyv, fxv = _subpixel(smooth, iy, ix)
        f = np.array([fxv / w, fyv / h])
        period = q_len / float(np.hypot(*f))
        for ref in (TEMPLATE_Q[0], TEMPLATE_Q[0][::-1]):  # direct and mirrored
            for quarter in range(4):
                angle = math.atan2(f[1], f[0]) - math.atan2(ref[1], ref[0]) + quarter * math.pi / 2
                angle = (angle + math.pi) % (2 * math.pi) - math.pi
                if abs(angle) <= MAX_ANGLE:
                    v1, v2 = basis(np.array(period), np.array(angle))
                    found.append(Lattice(v1, v2, float(score.ravel()[flat]) / level))
        if len(found) >= _PEAKS:
            break
    return found


def _subpixel(power: np.ndarray, iy: int, ix: int) -> tuple[float, float]:
    """Peak position (signed row frequency index, column index) with parabolic refinement."""
    h, w = power.shape

    def offset(a: float, b: float, c: float) -> float:
        den = a - 2 * b + c
        return 0.5 * (a - c) / den if den < 0 else 0.0

    dy = offset(power[(iy - 1) % h, ix], power[iy, ix], power[(iy + 1) % h, ix])
    dx = offset(power[iy, ix - 1], power[iy, ix], power[iy, ix + 1]) if 0 < ix < w - 1 else 0.0
    row = iy if iy <= h // 2 else iy - h
    return row + dy, ix + dx
