"""Finding the tile lattice (period and rotation) from the residual's autocorrelation.

A periodic mark makes the autocorrelation of the whitened image peak on the lattice
of tile translations, whatever the crop. Scaling and rotating the image scales and
rotates that lattice, so its two basis vectors give the geometry to undo. Flips
and quarter turns leave a square lattice unchanged; the dihedral search in
:mod:`veracity.watermark.image.sync` resolves them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cached_property, lru_cache

import cv2
import numpy as np
import scipy.fft as sfft
from numpy.lib.stride_tricks import sliding_window_view

from veracity.watermark.image.native import kernels

__all__ = [
    "Lattice",
    "autocorrelation",
    "basis",
    "find_lattice",
    "half_power",
    "polish_many",
    "row_median",
]

MIN_PERIOD = 36.0
MAX_PERIOD = 240.0
MAX_ANGLE = np.deg2rad(12.0)


@dataclasses.dataclass(frozen=True)
class Lattice:
    """Two basis vectors (x, y) of the tile lattice in working-image pixels."""

    v1: np.ndarray
    v2: np.ndarray
    score: float

    @cached_property
    def period(self) -> float:
        return float(np.sqrt(abs(np.linalg.det(np.stack([self.v1, self.v2])))))

    @cached_property
    def angle_deg(self) -> float:
        return float(np.rad2deg(np.arctan2(self.v1[1], self.v1[0])))


def half_power(residual: np.ndarray) -> np.ndarray:
    """``|rfft2(residual)|^2`` (half-plane layout), shared by the ACF and the comb search."""
    spec = sfft.rfft2(residual)
    out: np.ndarray = spec.real**2 + spec.imag**2
    return out


def autocorrelation(power: np.ndarray, shape: tuple[int, int], max_lag: int) -> np.ndarray:
    """Normalised circular autocorrelation for lags in ``[-max_lag, max_lag]``, smoothed.

    ``power`` is :func:`half_power` of a residual of ``shape``. Returned array is centred:
    lag (dx, dy) sits at ``[max_lag + dy, max_lag + dx]``. Lags shorter than 12 px (the
    host's own correlation) are zeroed.
    """
    h, w = shape
    if not 0 < max_lag < min(h, w):
        raise ValueError(f"max_lag {max_lag} outside (0, {min(h, w)})")
    acf = sfft.irfft2(power, s=(h, w)).astype(np.float32, copy=False)
    # Lags -max_lag..max_lag, wrapped: the last max_lag rows/columns, then the first ones.
    win = np.concatenate([acf[h - max_lag :], acf[: max_lag + 1]])
    win = np.concatenate([win[:, w - max_lag :], win[:, : max_lag + 1]], axis=1)
    envelope, near = _lag_weights(max_lag, h, w)
    win = cv2.GaussianBlur(win / envelope / (acf[0, 0] + 1e-12), (0, 0), 1.0)
    win[near] = 0.0
    return win


@lru_cache(maxsize=8)
def _lag_weights(max_lag: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """The circular ACF's (1 - lag/size) envelope, and the mask of lags under 12 px.

    Products across the wrap-around do not correlate: dividing by the envelope keeps it
    from pulling every peak towards lag 0 (periods biased low).
    """
    lags = np.arange(-max_lag, max_lag + 1)
    envelope = np.outer(1.0 - np.abs(lags) / h, 1.0 - np.abs(lags) / w).astype(np.float32)
    near = np.hypot(lags[:, None], lags[None, :]) < 12
    envelope.flags.writeable = near.flags.writeable = False
    return envelope, near


def basis(period: np.ndarray, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v1 = np.stack([period * np.cos(angle), period * np.sin(angle)], axis=-1)
    v2 = np.stack([-period * np.sin(angle), period * np.cos(angle)], axis=-1)
    return v1, v2


_D_RHO = 0.004  # log-radius step (0.4 % in period)
_D_PHI = np.deg2rad(0.25)
_R0 = 16.0
_REACH = 10  # template lattice points (k, l) with k^2 + l^2 <= _REACH


@lru_cache(maxsize=8)
def _polar_maps(centre: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Remap tables of the log-polar ACF for the angles the template reads.

    Returns ``(map1, map2, first)``: row ``j`` of the tables is the angle
    ``(first + j) * _D_PHI``, from ``MAX_ANGLE`` below the template's smallest angle to
    ``MAX_ANGLE`` above its largest (angles below 0 are not wrapped round), so that each
    template point reads one plain slice of rows.
    """
    n_rho = int(np.log((centre - 1) / _R0) / _D_RHO)
    n_ang = int(MAX_ANGLE / _D_PHI)
    d_phi = _template()[1]
    first = int(d_phi.min()) - n_ang
    phi = (first + np.arange(int(d_phi.max()) + n_ang + 1 - first)) * _D_PHI
    r = _R0 * np.exp(np.arange(n_rho) * _D_RHO)
    map_x = (centre + r[None, :] * np.cos(phi[:, None])).astype(np.float32)
    map_y = (centre + r[None, :] * np.sin(phi[:, None])).astype(np.float32)
    map1, map2 = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
    map1.flags.writeable = map2.flags.writeable = False
    return map1, map2, first


@lru_cache(maxsize=1)
def _template() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lattice points (+1) and half-period points (-0.5) as (d_rho, d_phi) bin offsets."""
    on = [
        (k, m)
        for k in range(-5, 6)
        for m in range(0, 6)
        if (m > 0 or k > 0) and k * k + m * m <= _REACH
    ]
    off = [(k - 0.5, m) for k, m in on] + [(k, m - 0.5) for k, m in on if m > 0]
    pts = np.array(on + off, dtype=np.float64)
    weight = np.r_[np.ones(len(on)) / len(on), -0.5 * np.ones(len(off)) / len(off)]
    keep = np.hypot(pts[:, 0], pts[:, 1]) > 0.4
    pts, weight = pts[keep], weight[keep]
    d_rho = np.rint(np.log(np.hypot(pts[:, 0], pts[:, 1])) / _D_RHO).astype(np.int64)
    d_phi = np.rint(np.arctan2(pts[:, 1], pts[:, 0]) / _D_PHI).astype(np.int64)
    return d_rho, d_phi, weight


def _score_map(acf: np.ndarray, max_period: float) -> tuple[np.ndarray, int, np.ndarray]:
    """Lattice score for every (log-period row, angle column), standardised per row."""
    centre = (acf.shape[0] - 1) // 2
    map1, map2, first = _polar_maps(centre)
    n_rho = map1.shape[1]
    n_ang = int(MAX_ANGLE / _D_PHI)
    polar = cv2.remap(acf.astype(np.float32, copy=False), map1, map2, cv2.INTER_LINEAR)
    i_lo = int(np.ceil(np.log(MIN_PERIOD / _R0) / _D_RHO))
    i_hi = min(int(np.log(max_period / _R0) / _D_RHO), n_rho - 1)
    rows = np.arange(-n_ang, n_ang + 1)
    # Summed as (angle, period): each template point then adds whole rows of ``polar``.
    score_t = np.zeros((len(rows), i_hi - i_lo + 1), dtype=np.float32)
    norm = np.zeros(i_hi - i_lo + 1)
    for dr, dp, wt in zip(*_template(), strict=True):
        lo, hi = i_lo + dr, i_hi + dr + 1
        a, b = max(lo, 0), min(hi, n_rho)
        if a >= b:
            continue
        r0 = dp - n_ang - first
        into = score_t[:, a - lo : b - lo]
        cv2.scaleAdd(polar[r0 : r0 + len(rows), a:b], float(wt), into, dst=into)
        if wt > 0:
            norm[a - lo : b - lo] += wt
    score = score_t.T / np.maximum(norm, 1e-9)[:, None]
    # Rows with fewer usable lattice points (long periods) are noisier: standardise each.
    centre_row = row_median(score)
    spread = 1.4826 * row_median(np.abs(score - centre_row))
    return (score - centre_row) / (spread + 1e-12), i_lo, rows


def row_median(x: np.ndarray) -> np.ndarray:
    """Median of each row of a 2-D array, as a column (``np.median(x, 1, keepdims=True)``)."""
    n = x.shape[1]
    if n % 2 == 0:
        return np.median(x, axis=1, keepdims=True)
    return np.partition(x, n // 2, axis=1)[:, n // 2 : n // 2 + 1]


def find_lattice(
    acf: np.ndarray, max_period: float, top: int = 2, priors: Sequence[float] = ()
) -> list[Lattice]:
    """Best square lattices by correlating the log-polar ACF with a lattice template.

    In log-polar coordinates a change of period or angle only shifts the lattice's
    points, so every (period, angle) candidate is scored at once by summing shifted
    copies of the log-polar ACF; the best candidates are then refined. ``priors`` are
    likely periods (e.g. the embedder's choice for this image size): the best angle
    near each is tried second, whatever its score.
    """
    score, i_lo, rows = _score_map(acf, max_period)
    flat_score = score.ravel()
    top_cells = np.argpartition(flat_score, -min(100, flat_score.size))[-100:]
    order = list(top_cells[np.argsort(flat_score[top_cells])[::-1]])
    for period in priors:
        i = round(float(np.log(period / _R0) / _D_RHO)) - i_lo
        if 3 <= i < score.shape[0] - 3:
            band = score[i - 3 : i + 4]
            k = int(np.argmax(band))
            order.insert(1, (i - 3 + k // band.shape[1]) * band.shape[1] + k % band.shape[1])
    found: list[Lattice] = []
    found_places: list[tuple[float, float]] = []
    refined: dict[int, Lattice] = {}  # by score cell: refined speculatively, in batches
    for pos, flat in enumerate(order):
        place = _cell_place(int(flat), i_lo, rows)
        if any(_close(place, other) for other in found_places):
            continue
        if int(flat) not in refined:
            batch = _next_cells(order[pos:], found_places, i_lo, rows, 2 * top)
            starts = [(*_cell_place(b, i_lo, rows), float(score.flat[b])) for b in batch]
            refined.update(zip(batch, _refine_many(acf, starts), strict=True))
        lat = refined[int(flat)]
        lat_place = (lat.period, float(np.deg2rad(lat.angle_deg)))
        if not any(_close(lat_place, other) for other in found_places):
            found.append(lat)
            found_places.append(lat_place)
        if len(found) >= top:
            break
    return found


def _cell_place(flat: int, i_lo: int, rows: np.ndarray) -> tuple[float, float]:
    """(period, angle in radians) of a cell of :func:`_score_map`, by its flat index."""
    i, j = divmod(flat, len(rows))
    return float(_R0 * np.exp((i + i_lo) * _D_RHO)), float(rows[j] * _D_PHI)


def _close(place: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether two (period, angle) places are within 3 % and 0.03 rad of each other."""
    return abs(place[0] / other[0] - 1) < 0.03 and abs(place[1] - other[1]) < 0.03


def _next_cells(
    order: Sequence[int],
    found: list[tuple[float, float]],
    i_lo: int,
    rows: np.ndarray,
    size: int,
) -> list[int]:
    """The first ``size`` distinct cells of ``order`` that the search may still refine
    (refined together: the search needs about two per lattice it keeps).

    The first one is always taken; the others are skipped when they are close to a
    lattice already found (``found``: their places) or to a cell already taken. Refining
    a cell that turns out not to be needed only costs time: :func:`find_lattice` takes
    each refinement in order.
    """
    taken: list[int] = []
    places: list[tuple[float, float]] = []
    for flat in order:
        place = _cell_place(int(flat), i_lo, rows)
        if taken and (int(flat) in taken or any(_close(place, other) for other in found + places)):
            continue
        taken.append(int(flat))
        places.append(place)
        if len(taken) >= size:
            break
    return taken


def polish_many(acf: np.ndarray, lattices: Sequence[Lattice]) -> list[Lattice]:
    """Refine lattices found elsewhere on the ACF (one batched refinement), keeping each
    one whose refinement wanders off."""
    starts = [(lat.period, np.deg2rad(lat.angle_deg), lat.score) for lat in lattices]
    out = []
    for lattice, refined in zip(lattices, _refine_many(acf, starts), strict=True):
        if (
            abs(refined.period / lattice.period - 1) < 0.01
            and abs(refined.angle_deg - lattice.angle_deg) < 0.4
        ):
            out.append(refined)
        else:
            out.append(lattice)
    return out


def _refine_many(acf: np.ndarray, starts: Sequence[tuple[float, float, float]]) -> list[Lattice]:
    """Least-squares fit of each (period, angle, score) start's basis to sub-pixel ACF
    peaks at many lattice points, all starts' peaks read together.

    Each start goes through the same steps as it would alone: the sub-pixel peaks are
    elementwise, and each basis is solved on its own.
    """
    if not starts:
        return []
    period0 = np.array([p for p, _, _ in starts], dtype=np.float64)
    start_v1, start_v2 = basis(period0, np.array([a for _, a, _ in starts], dtype=np.float64))
    v1, v2 = start_v1.copy(), start_v2.copy()
    active = np.ones(len(starts), dtype=bool)
    reach = (acf.shape[0] - 1) / 2 - 2
    for order in (1, 2, 3, 4, 6):
        ks = _half_plane_points(order)
        pred = ks[None, :, :1] * v1[:, None, :] + ks[None, :, 1:] * v2[:, None, :]
        keep = np.all(np.abs(pred) < reach, axis=2)
        active &= keep.sum(axis=1) >= 2
        use = keep & active[:, None]
        if not use.any():
            break
        peaks = np.zeros(pred.shape)
        weights = np.zeros(use.shape)
        peaks[use], weights[use] = _subpixel_peaks(acf, pred[use])
        good = use & (weights > 0)
        active &= good.sum(axis=1) >= 2
        if not active.any():
            break
        # Weighted least squares per start, ks @ [v1; v2] ~ peaks, by its 2x2 normal
        # equations (the lattice points are whole numbers: well conditioned).
        wt = np.where(good & active[:, None], weights, 0.0)
        gram = np.einsum("cp,pi,pj->cij", wt, ks, ks)
        rhs = np.einsum("cp,pi,cpj->cij", wt, ks, peaks)
        det = gram[:, 0, 0] * gram[:, 1, 1] - gram[:, 0, 1] * gram[:, 1, 0]
        active &= det > 1e-9 * (gram[:, 0, 0] + gram[:, 1, 1]) ** 2  # collinear points
        if not active.any():
            break
        sol = np.linalg.solve(gram[active], rhs[active])
        v1[active], v2[active] = sol[:, 0], sol[:, 1]
    keep = _plausible(v1, v2, period0)
    return [
        Lattice(
            (v1[c] if keep[c] else start_v1[c]).copy(),
            (v2[c] if keep[c] else start_v2[c]).copy(),
            score,
        )
        for c, (_, _, score) in enumerate(starts)
    ]


@lru_cache(maxsize=8)
def _half_plane_points(order: int) -> np.ndarray:
    """Lattice points (k, m) with |k|, m <= order in the upper half-plane, origin excluded."""
    ks = [(k, m) for k in range(-order, order + 1) for m in range(0, order + 1) if (m > 0 or k > 0)]
    out = np.array(ks, dtype=np.float64)
    out.flags.writeable = False  # shared by every call
    return out


def _plausible(v1: np.ndarray, v2: np.ndarray, start_period: np.ndarray) -> np.ndarray:
    """Which refined bases (rows of ``v1``, ``v2``) stay square and near the period they
    started from (noise can derail a refinement)."""
    n1, n2 = np.hypot(v1[:, 0], v1[:, 1]), np.hypot(v2[:, 0], v2[:, 1])
    period = np.sqrt(np.abs(v1[:, 0] * v2[:, 1] - v1[:, 1] * v2[:, 0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.abs(np.sum(v1 * v2, axis=1)) / (n1 * n2)
        return (
            (np.minimum(n1, n2) >= 0.5 * MIN_PERIOD)
            & (np.abs(n1 / n2 - 1) <= 0.1)
            & (cos < 0.1)
            & (np.abs(period / start_period - 1) < 0.1)
        )


def _subpixel_peaks(
    acf: np.ndarray, pred: np.ndarray, radius: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """The ACF's maximum in the (2 radius + 1)^2 patch around each predicted lattice point,
    refined by a parabola through its neighbours, and its height (0 if negative)."""
    if kernels is not None:
        xy, height = np.empty((len(pred), 2)), np.empty(len(pred))
        kernels.subpixel_peaks(
            np.ascontiguousarray(acf, dtype=np.float32),
            np.ascontiguousarray(pred, dtype=np.float64),
            radius,
            xy,
            height,
        )
        return xy, height
    return _subpixel_peaks_numpy(acf, pred, radius)


def _subpixel_peaks_numpy(
    acf: np.ndarray, pred: np.ndarray, radius: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_subpixel_peaks` in numpy (float32 ``acf``)."""
    c = (acf.shape[0] - 1) // 2
    k = 2 * radius + 1
    x0 = np.rint(pred[:, 0]).astype(np.intp) + (c - radius)  # the patches' corners
    y0 = np.rint(pred[:, 1]).astype(np.intp) + (c - radius)
    patch = sliding_window_view(acf, (k, k))[y0, x0].reshape(len(pred), k * k)
    py, px = np.divmod(patch.argmax(axis=1), k)
    np.clip(py, 1, k - 2, out=py)
    np.clip(px, 1, k - 2, out=px)
    at = py * k + px
    rows = np.arange(len(pred))
    ctr = patch[rows, at]
    dx = _parabola(patch[rows, at - 1], ctr, patch[rows, at + 1])
    dy = _parabola(patch[rows, at - k], ctr, patch[rows, at + k])
    return np.stack([x0 + px + dx - c, y0 + py + dy - c], axis=1), np.maximum(ctr, 0.0)


def _parabola(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    den = a - 2 * b + c
    return np.where(den < 0, np.clip(0.5 * (a - c) / np.where(den < 0, den, -1), -0.5, 0.5), 0.0)
