"""Blind detection: search block phase and speed, decode, and bound the false-alarm rate.

For every speed hypothesis (0.98-1.02 in 0.5 % steps the tile grid is stretched in
time and frequency) and every block phase (4 ms steps) the sync units are scored by
how close their measured pair differences lie to their known lattice points. The
best candidates are decoded (soft Viterbi) and checked with the CRC-16.

The p-value is a union bound over all hypotheses searched: for one hypothesis on
unmarked audio each sync term is ``w * cos(phase)`` with a uniform phase, so
``P(score >= t) <= min_l exp(-l t) prod I0(l w)`` (Chernoff), and the CRC adds an
independent factor 2^-16 (the coded units are disjoint from the sync units).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import i0e

from veracity.watermark.audio_ecc import CRC_BITS, decode_payload
from veracity.watermark.audio_layout import (
    BLOCK_FRAMES,
    N_SYNC,
    N_UNITS,
    STEP,
    TILE_FRAMES,
    Layout,
    pair_diff,
    tile_log_energy,
)

__all__ = ["SCALES", "WindowReading", "read_window"]

SCALES: tuple[float, ...] = tuple(np.round(np.arange(0.98, 1.0201, 0.005), 4))
_CANDIDATES = 4


@dataclasses.dataclass(frozen=True)
class WindowReading:
    """Result for one analysis window.

    Attributes:
        payload: Decoded payload, or None when the CRC failed.
        p_value: Union-bounded false-alarm probability for this window.
        sync_score: Weighted sync agreement of the chosen hypothesis.
        scale: Speed hypothesis.
        phase_frame: Block phase in fine frames from the window start.
    """

    payload: bytes | None
    p_value: float
    sync_score: float
    scale: float
    phase_frame: float


def _log_tail(score: float, weights: np.ndarray) -> float:
    """Natural log of the Chernoff bound on P(sum w_i cos(U_i) >= score)."""
    w = weights[weights > 0]
    if score <= 0 or len(w) == 0:
        return 0.0
    lams = np.geomspace(0.05, 200.0, 120)
    x = lams[:, None] * w[None, :]
    log_mgf = np.sum(np.log(i0e(x)) + x, axis=1)
    return float(min(0.0, np.min(log_mgf - lams * score)))


def _gather(
    log_e: np.ndarray,
    weight: np.ndarray,
    layout: Layout,
    pairs: np.ndarray,
    starts: np.ndarray,
    scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean pair difference per (start, unit) and the unit weights."""
    col = layout.pair_col[pairs]
    band = layout.pair_band[pairs]
    fa = np.rint(starts[:, None] + col[None, :] * TILE_FRAMES / scale).astype(np.int64)
    fb = np.rint(starts[:, None] + (col[None, :] + 1) * TILE_FRAMES / scale).astype(np.int64)
    ok = (fa >= 0) & (fb < len(log_e))
    fa, fb = np.where(ok, fa, 0), np.where(ok, fb, 0)
    diff = pair_diff(log_e[fa, band], log_e[fb, band])
    w = np.minimum(weight[fa, band], weight[fb, band]) * ok
    onehot = np.zeros((len(pairs), N_UNITS))
    onehot[np.arange(len(pairs)), layout.pair_unit[pairs]] = 1.0
    size = np.maximum(onehot.sum(axis=0), 1.0)
    complete = (ok.astype(np.float64) @ onehot) >= size
    # Unweighted mean (what the embedder set) of complete units only; the tile
    # weights only grade the reliability.
    mean = diff @ onehot / size
    return mean, (w @ onehot) / size * complete


def _block_starts(phases: np.ndarray, period: float, n_frames: int) -> np.ndarray:
    """(phases, reps) start frames of every block touching the window."""
    reps = np.arange(-1, int(n_frames / period) + 2)
    return phases[:, None] + reps[None, :] * period


def _sync_scores(log_e: np.ndarray, weight: np.ndarray, layout: Layout, scale: float) -> np.ndarray:
    period = BLOCK_FRAMES / scale
    phases = np.arange(int(np.ceil(period)), dtype=np.float64)
    starts = _block_starts(phases, period, len(log_e))
    pairs = np.flatnonzero(layout.pair_unit < N_SYNC)
    mean, w = _gather(log_e, weight, layout, pairs, starts.ravel(), scale)
    lattice = layout.dither[:N_SYNC] + layout.sync_bits * STEP / 2
    v = np.cos(2 * np.pi * (mean[:, :N_SYNC] - lattice) / STEP) * w[:, :N_SYNC]
    return v.reshape(len(phases), -1).sum(axis=1)


def _decode_at(
    log_e: np.ndarray, weight: np.ndarray, layout: Layout, scale: float, phase: float
) -> tuple[bytes, bool, float, np.ndarray]:
    period = BLOCK_FRAMES / scale
    starts = _block_starts(np.array([phase]), period, len(log_e)).ravel()
    pairs = np.arange(len(layout.pair_unit))
    mean, w = _gather(log_e, weight, layout, pairs, starts, scale)
    phase_err = 2 * np.pi * (mean - layout.dither) / STEP
    soft = (np.cos(phase_err) * w).sum(axis=0)
    lattice = layout.dither[:N_SYNC] + layout.sync_bits * STEP / 2
    sync_terms = np.cos(2 * np.pi * (mean[:, :N_SYNC] - lattice) / STEP) * w[:, :N_SYNC]
    payload, ok = decode_payload(soft[N_SYNC:])
    return payload, ok, float(sync_terms.sum()), w[:, :N_SYNC].ravel()


def read_window(power: np.ndarray, layout: Layout) -> WindowReading:
    """Search and decode one window given its fine power spectrogram."""
    found: list[tuple[float, float, float]] = []
    cache: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for scale in SCALES:
        log_e, weight = tile_log_energy(power, scale)
        cache[scale] = (log_e, weight)
        scores = _sync_scores(log_e, weight, layout, scale)
        best = int(np.argmax(scores))
        found.append((float(scores[best]), scale, float(best)))
    n_hyp = sum(int(np.ceil(BLOCK_FRAMES / s)) for s in SCALES)
    best_reading: WindowReading | None = None
    for _, scale, phase in sorted(found, reverse=True)[:_CANDIDATES]:
        log_e, weight = cache[scale]
        payload, ok, score, weights = _decode_at(log_e, weight, layout, scale, phase)
        log_p = np.log(n_hyp) + _log_tail(score, weights) - (CRC_BITS * np.log(2) if ok else 0)
        reading = WindowReading(
            payload if ok else None, float(min(1.0, np.exp(log_p))), score, scale, phase
        )
        if best_reading is None or reading.p_value < best_reading.p_value:
            best_reading = reading
    assert best_reading is not None
    return best_reading
