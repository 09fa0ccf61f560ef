"""Blind detection: search block phase and speed, decode, and bound the false-alarm rate.

For speed hypotheses 0.98-1.02 (the tile grid is stretched in time and frequency) and
block phases, the sync pairs are scored by how close their measured differences lie
to their known lattice points: first at 1 % speed and 4 ms phase steps, then refined
to 0.5 % and 4 ms around the best. The best candidates are decoded (soft Viterbi)
and checked with the CRC-16.

The p-value is a union bound over all hypotheses searched: for one hypothesis on
unmarked audio each sync term is ``w * cos(phase)`` with a uniform phase, so
``P(score >= t) <= min_l exp(-l t) prod I0(l w)`` (Chernoff), and the CRC adds an
independent factor 2^-16 (the coded units are disjoint from the sync units).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import i0e

from veracity.watermark.audio_ecc import CRC_BITS, PAYLOAD_BITS, decode_payload, encode_payload
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

__all__ = ["SCALES", "TileEnergies", "WindowReading", "read_window"]

SCALES: tuple[float, ...] = tuple(np.round(np.arange(0.98, 1.0201, 0.005), 4))
_COARSE_SCALES: tuple[float, ...] = (0.98, 0.99, 1.0, 1.01, 1.02)
_CANDIDATES = 6


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
    energy: np.ndarray,
    weight: np.ndarray,
    layout: Layout,
    pairs: np.ndarray,
    starts: np.ndarray,
    scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Lattice phase (radians from the bit-0 lattice) and weight per (start, pair)."""
    col = layout.pair_col[pairs]
    band = layout.pair_band[pairs]
    fa = np.rint(starts[:, None] + col[None, :] * TILE_FRAMES / scale).astype(np.int64)
    fb = np.rint(starts[:, None] + (col[None, :] + 1) * TILE_FRAMES / scale).astype(np.int64)
    ok = (fa >= 0) & (fb < len(energy))
    fa, fb = np.where(ok, fa, 0), np.where(ok, fb, 0)
    diff = pair_diff(energy[fa, band], energy[fb, band])
    w = np.minimum(weight[fa, band], weight[fb, band]) * ok
    return 2 * np.pi * (diff - layout.dither[pairs]) / STEP, w


def _block_starts(phases: np.ndarray, period: float, n_frames: int) -> np.ndarray:
    """(phases, reps) start frames of every block touching the window."""
    reps = np.arange(-1, int(np.ceil(n_frames / period)))  # later ones start past the end
    return phases[:, None] + reps[None, :] * period


def _sync_scores(
    log_e: np.ndarray, weight: np.ndarray, layout: Layout, scale: float, phases: np.ndarray
) -> np.ndarray:
    starts = _block_starts(phases, BLOCK_FRAMES / scale, len(log_e))
    pairs = np.flatnonzero(layout.pair_unit < N_SYNC)
    phase, w = _gather(log_e, weight, layout, pairs, starts.ravel(), scale)
    v = np.cos(phase - np.pi * layout.sync_bits[layout.pair_unit[pairs]]) * w
    return v.reshape(len(phases), -1).sum(axis=1)


def _phasors(
    log_e: np.ndarray, weight: np.ndarray, layout: Layout, scale: float, phase: float
) -> np.ndarray:
    """One weighted phasor per pair at one hypothesis, summed over the block repetitions.

    The repetitions of a pair share its dither, so under the null hypothesis they are
    not independent; their sum is one term ``|A| cos(U)`` with a uniform ``U``.
    """
    period = BLOCK_FRAMES / scale
    starts = _block_starts(np.array([phase]), period, len(log_e)).ravel()
    pairs = np.arange(len(layout.pair_unit))
    angle, w = _gather(log_e, weight, layout, pairs, starts, scale)
    return np.asarray((w * np.exp(1j * angle)).sum(axis=0))


def _turned(phasor: np.ndarray, layout: Layout, unit_bits: np.ndarray) -> np.ndarray:
    """Pair phasors turned so that agreement with ``unit_bits`` is a positive real part."""
    return np.asarray(phasor * np.exp(-1j * np.pi * unit_bits[layout.pair_unit]))


class TileEnergies:
    """Tile energies per speed hypothesis, computed on first use."""

    def __init__(self, power: np.ndarray) -> None:
        self.power = power
        self.cache: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, scale: float) -> tuple[np.ndarray, np.ndarray]:
        if scale not in self.cache:
            self.cache[scale] = tile_log_energy(self.power, scale)
        return self.cache[scale]


def _search(energies: TileEnergies, layout: Layout) -> list[tuple[float, float, float]]:
    """Coarse-to-fine sync search; returns (score, scale, phase) candidates, best first."""
    coarse: list[tuple[float, float, float]] = []
    for scale in _COARSE_SCALES:
        log_e, weight = energies.get(scale)
        phases = np.arange(0.0, np.ceil(BLOCK_FRAMES / scale))
        scores = _sync_scores(log_e, weight, layout, scale, phases)
        for k in np.argsort(scores)[-3:]:
            coarse.append((float(scores[k]), scale, float(phases[k])))
    fine: list[tuple[float, float, float]] = []
    for _, scale0, phase0 in sorted(coarse, reverse=True)[:_CANDIDATES]:
        for step in (-0.005, 0.0, 0.005):
            scale = float(np.clip(np.round(scale0 + step, 4), SCALES[0], SCALES[-1]))
            log_e, weight = energies.get(scale)
            phases = phase0 + np.arange(-3.0, 4.0)
            scores = _sync_scores(log_e, weight, layout, scale, phases)
            k = int(np.argmax(scores))
            fine.append((float(scores[k]), scale, float(phases[k])))
    return sorted(fine, reverse=True)


def _decode(
    phasor: np.ndarray, layout: Layout, log_hyp: float
) -> tuple[bytes | None, float]:
    """Decode the coded units; returns the payload (CRC valid) and the codeword's log-p.

    The codeword bound counts every valid codeword (2^32): whichever the decoder picks,
    ``P(score >= t) <= 2^32 * tail(t)`` under the null hypothesis.
    """
    soft = np.bincount(layout.pair_unit, weights=phasor.real, minlength=N_UNITS)
    decoded, ok = decode_payload(soft[N_SYNC:])
    if not ok:
        return None, 0.0
    bits = np.concatenate([layout.sync_bits, encode_payload(decoded)]).astype(np.float64)
    turned = _turned(phasor, layout, bits)
    log_p = log_hyp + PAYLOAD_BITS * np.log(2) + _log_tail(float(turned.real.sum()), np.abs(turned))
    return decoded, log_p


def read_window(
    power: np.ndarray,
    layout: Layout,
    energies: TileEnergies | None = None,
    p_needed: float = 1.0,
) -> WindowReading:
    """Search and decode one window given its fine power spectrogram.

    Two tests are combined (Bonferroni, factor 2): the sync units' score times the CRC's
    2^-16, and the whole codeword's score (sync and decoded units) bounded over all valid
    codewords. The first wins when the sync is strong, the second on short or weak marks.

    Args:
        power: Fine power spectrogram of the window.
        layout: Keyed layout.
        energies: Tile energies, shareable between readings of one window under
            several keys.
        p_needed: Readings whose p-value is above this are reported without payload.
    """
    energies = energies or TileEnergies(power)
    # The union bound counts the full fine grid (every 4 ms phase at 9 speeds), more
    # than the coarse-to-fine search visits, so the p-value stays conservative.
    log_hyp = float(np.log(sum(int(np.ceil(BLOCK_FRAMES / s)) for s in SCALES)))
    best: WindowReading | None = None
    for _, scale, phase in _search(energies, layout)[:_CANDIDATES]:
        log_e, weight = energies.get(scale)
        phasor = _phasors(log_e, weight, layout, scale, phase)
        is_sync = layout.pair_unit < N_SYNC
        bits = np.zeros(N_UNITS)
        bits[:N_SYNC] = layout.sync_bits
        sync = _turned(phasor, layout, bits)[is_sync]
        score = float(sync.real.sum())
        log_p = log_hyp + _log_tail(score, np.abs(sync))
        payload, log_p_code = _decode(phasor, layout, log_hyp)
        if payload is not None:
            log_p = min(log_p - CRC_BITS * np.log(2), log_p_code)
        log_p += np.log(2)
        if payload is not None and log_p >= np.log(p_needed):
            payload = None
        reading = WindowReading(payload, float(min(1.0, np.exp(log_p))), score, scale, phase)
        if best is None or reading.p_value < best.p_value:
            best = reading
    assert best is not None
    return best
