"""Blind detection: search block phase and speed, decode, and bound the false-alarm rate.

For speed hypotheses 0.98-1.02 (the tile grid is stretched in time and frequency) and
block phases, the sync pairs are scored by how close their measured differences lie
to their known lattice points: first at 1 % speed and 4 ms phase steps, then refined
to 0.5 % and 4 ms around the best peaks; a few more candidates come from the best
single blocks (a short marked excerpt in unmarked audio). The distinct candidates are
decoded (soft Viterbi, batched) on the whole window and on each 5.1 s sub-span, and
checked with the CRC-16; where the strongest candidate's best path fails the CRC, the
16 best paths are tried (list Viterbi).

The p-value is a union bound over every hypothesis of the fine grid and every test
(Bonferroni). On unmarked audio each pair's phasor, summed over the block repetitions
(they share the pair's dither), is ``|A| cos(U)`` with a uniform ``U``, so
``P(score >= t) <= min_l exp(-l t) prod I0(l |A|)`` (Chernoff). Two tests use it:
the sync score times 2^-16 for the CRC (the coded units are disjoint from the sync
units), and the score of the whole decoded codeword times 2^32, the number of valid
codewords the decoder could have picked.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.fft as sfft
from scipy.special import i0e

from veracity.watermark.audio.framing import (
    CRC_BITS,
    PAYLOAD_BITS,
    decode_payloads,
    encode_payload,
    list_decode,
)
from veracity.watermark.audio.layout import (
    BLOCK_FRAMES,
    N_BANDS,
    N_SYNC,
    N_UNITS,
    TILE_FRAMES,
    Layout,
    band_steps,
    pair_diff,
    tile_log_energy,
)

__all__ = ["SCALES", "TileEnergies", "WindowReading", "read_window"]

SCALES: tuple[float, ...] = tuple(np.round(np.arange(0.98, 1.0201, 0.005), 4))
_COARSE_SCALES: tuple[float, ...] = (0.98, 0.99, 1.0, 1.01, 1.02)
_CANDIDATES = 8
_LOCAL_CANDIDATES = 3
# Where the decoder's best path fails the CRC on one of the LIST_CANDIDATES strongest
# sync candidates, its LIST_SIZE best paths are searched for one that passes.
LIST_SIZE = 16
LIST_CANDIDATES = 1
SUB_FRAMES = 80 * TILE_FRAMES  # 5.12 s
SUB_HOP = 16 * TILE_FRAMES  # 1.02 s


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


# The Chernoff parameters tried: a coarse grid, then 17 points between the neighbours
# of its best one.
_LAMBDAS = np.geomspace(0.05, 200.0, 25)
_FINE_LAMBDAS = np.stack(
    [
        np.geomspace(_LAMBDAS[max(k - 1, 0)], _LAMBDAS[min(k + 1, len(_LAMBDAS) - 1)], 17)
        for k in range(len(_LAMBDAS))
    ]
)


def _log_tail(score: float, weights: np.ndarray) -> float:
    """Natural log of the Chernoff bound on P(sum w_i cos(U_i) >= score).

    Any ``l`` gives a valid bound; a coarse grid of ``l`` and one refinement around its
    best point find one close to the minimum.
    """
    w = weights[weights > 0]
    if score <= 0 or len(w) == 0:
        return 0.0

    def bound(lams: np.ndarray) -> np.ndarray:
        x = lams[:, None] * w[None, :]
        return np.asarray(np.sum(np.log(i0e(x)) + x, axis=1) - lams * score)

    coarse = bound(_LAMBDAS)
    k = int(np.argmin(coarse))
    return float(min(0.0, np.min(bound(_FINE_LAMBDAS[k])), coarse[k]))


def _pair_frames(starts: np.ndarray, col: np.ndarray, scale: float) -> np.ndarray:
    """First frame of each pair (start, pair): the block start and the pair's offset in
    the block, each rounded to a frame (the coarse search's FFT needs that split); the
    second tile starts ``round(TILE_FRAMES / scale)`` frames later."""
    return np.asarray(
        np.rint(starts)[:, None].astype(np.int64)
        + np.rint(col * TILE_FRAMES / scale)[None, :].astype(np.int64)
    )


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
    fa = _pair_frames(starts, col, scale)
    fb = fa + round(TILE_FRAMES / scale)
    ok = (fa >= 0) & (fb < len(energy))
    fa, fb = np.where(ok, fa, 0), np.where(ok, fb, 0)
    diff = pair_diff(energy[fa, band], energy[fb, band])
    w = np.minimum(weight[fa, band], weight[fb, band]) * ok
    return 2 * np.pi * (diff - layout.dither[pairs]) / layout.step[pairs], w


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


def _sync_kernel(layout: Layout, scale: float, n: int) -> np.ndarray:
    """Spectrum (bands, size) of one block's sync pairs' lattice phasors at their offsets.

    Entry ``j`` of band ``b``'s kernel sums ``exp(-i beta)`` over the sync pairs of that
    band whose first tile lies ``j`` frames after the block start; ``size >= n + width``,
    so the circular correlation is the linear one at every block start in
    ``(-width, n)``. Cached on the layout per (scale, n).
    """
    key = ("sync-kernel", scale, n)
    kernel = layout.cache.get(key)
    if kernel is None:
        pairs = np.flatnonzero(layout.pair_unit < N_SYNC)
        bits = layout.sync_bits[layout.pair_unit[pairs]]
        beta = 2 * np.pi * layout.dither[pairs] / layout.step[pairs] + np.pi * bits
        size = sfft.next_fast_len(n + int(np.ceil(BLOCK_FRAMES / scale)))
        offs = _pair_frames(np.zeros(1), layout.pair_col[pairs], scale)[0]
        dense = np.zeros((N_BANDS, size), np.complex128)
        np.add.at(dense, (layout.pair_band[pairs], offs), np.exp(-1j * beta))
        # Convolving with the time-reversed kernel correlates with the kernel.
        kernel = sfft.ifft(dense, axis=1) * size
        if len(layout.cache) >= 32:  # the last window of each file has its own length
            layout.cache.clear()
        layout.cache[key] = kernel
    return kernel


def _all_sync_scores(
    log_e: np.ndarray, weight: np.ndarray, layout: Layout, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Sync scores at every whole-frame block phase of one speed (the coarse search).

    The score of one block starting at frame ``q`` is ``sum over its sync pairs of
    w cos(a - beta)`` at the frame ``q + offset``, where ``a`` is the pair difference's
    lattice angle (one per band and frame, as the step is the band's) and ``beta`` the
    pair's known lattice point; as ``Re(w e^{ia} e^{-i beta})`` that is, per band, a
    correlation of the phasors ``w e^{ia}`` with a fixed kernel, done for every ``q`` at
    once by FFT. The pair's second tile is taken ``round(TILE_FRAMES / scale)`` frames
    after the first.

    Returns:
        ``(whole, local)``: the window's score at each phase ``p`` in ``[0, width)``,
        summed over the blocks starting at ``p + round(r * period)``; and each single
        block's score, at block starts ``q`` in ``(-width, n)`` (index ``q + width - 1``).
    """
    length = round(TILE_FRAMES / scale)
    n = len(log_e) - length
    period = BLOCK_FRAMES / scale
    width = int(np.ceil(period))
    if n <= 0:
        return np.zeros(width), np.zeros(width)
    angle = (2 * np.pi / band_steps()) * pair_diff(log_e[:n], log_e[length:])
    w = np.minimum(weight[:n], weight[length:])
    kernel = _sync_kernel(layout, scale, n)
    phasor = np.zeros(kernel.shape, np.complex128)  # (bands, frames), zero-padded
    phasor.real[:, :n] = (w * np.cos(angle)).T
    phasor.imag[:, :n] = (w * np.sin(angle)).T
    spec = sfft.fft(phasor, axis=1, overwrite_x=True) * kernel
    corr = sfft.ifft(spec.sum(axis=0)).real
    local = np.concatenate([corr[len(corr) - width + 1 :], corr[:n]])
    shifts = np.rint(np.arange(-1, int(np.ceil(n / period)) + 1) * period).astype(np.int64)
    index = np.arange(width)[:, None] + shifts[None, :] + width - 1
    inside = (index >= 0) & (index < len(local))
    whole = np.where(inside, local[np.where(inside, index, 0)], 0.0).sum(axis=1)
    return whole, local


def _instances(
    log_e: np.ndarray, weight: np.ndarray, layout: Layout, scale: float, phase: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted phasor and first frame of every pair instance (reps, pairs) at one hypothesis.

    Summed over the repetitions this gives one phasor per pair: the repetitions of a pair
    share its dither, so under the null hypothesis they are not independent, and their
    sum is one term ``|A| cos(U)`` with a uniform ``U``.
    """
    period = BLOCK_FRAMES / scale
    starts = _block_starts(np.array([phase]), period, len(log_e)).ravel()
    pairs = np.arange(len(layout.pair_unit))
    angle, w = _gather(log_e, weight, layout, pairs, starts, scale)
    frame = starts[:, None] + layout.pair_col[None, :] * TILE_FRAMES / scale
    return w * np.exp(1j * angle), frame


def _spans(n_frames: int) -> list[tuple[float, float]]:
    """The whole window, then sub-spans of 5.1 s every 1 s (a spliced excerpt fills one)."""
    spans = [(-np.inf, np.inf)]
    if n_frames > SUB_FRAMES + SUB_HOP // 2:
        starts = list(range(0, n_frames - SUB_FRAMES + 1, SUB_HOP))
        if starts[-1] + SUB_FRAMES < n_frames:
            starts.append(n_frames - SUB_FRAMES)
        spans += [(float(s), float(s + SUB_FRAMES - 2 * TILE_FRAMES)) for s in starts]
    return spans


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


def _peaks(scores: np.ndarray, count: int, radius: int = 4) -> np.ndarray:
    """Indices of the ``count`` highest local maxima (circular, ``radius`` frames apart)."""
    padded = np.concatenate([scores[-radius:], scores, scores[:radius]])
    window = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    local = np.flatnonzero(scores >= window.max(axis=1))
    return local[np.argsort(scores[local])[::-1][:count]]


def _search(energies: TileEnergies, layout: Layout) -> list[tuple[float, float, float]]:
    """Coarse-to-fine sync search; returns distinct (score, scale, phase) candidates.

    The best :data:`_CANDIDATES` come from the whole window's score; then up to
    :data:`_LOCAL_CANDIDATES` more from the best single blocks (a short marked excerpt
    inside unmarked audio scores low over the whole window, where the unmarked part only
    adds noise), taken at their coarse speed and phase.
    """
    coarse: list[tuple[float, float, float]] = []
    local: list[tuple[float, float, float]] = []
    for scale in _COARSE_SCALES:
        log_e, weight = energies.get(scale)
        period = BLOCK_FRAMES / scale
        whole, block = _all_sync_scores(log_e, weight, layout, scale)
        coarse += [(float(whole[k]), scale, float(k)) for k in _peaks(whole, 4)]
        width = len(whole)
        for k in _peaks(block, 2):
            # Whole-frame phases only: the p-value's union counts those.
            phase = round((k - width + 1) % period) % width
            local.append((float(block[k]), scale, float(phase)))
    fine: dict[tuple[float, float], float] = {}
    for _, scale0, phase0 in sorted(coarse, reverse=True)[:_CANDIDATES]:
        for step in (-0.005, 0.0, 0.005):
            scale = float(np.clip(np.round(scale0 + step, 4), SCALES[0], SCALES[-1]))
            log_e, weight = energies.get(scale)
            phases = phase0 + np.arange(-3.0, 4.0)
            scores = _sync_scores(log_e, weight, layout, scale, phases)
            k = int(np.argmax(scores))
            fine[(scale, float(phases[k]))] = float(scores[k])
    # One candidate per slot of 8 frames: refinements of one peak land within a few.
    best: dict[int, tuple[float, float, float]] = {}
    for (scale, phase), score in fine.items():
        slot = round(phase / 8)
        if slot not in best or score > best[slot][0]:
            best[slot] = (score, scale, phase)
    kept = dict(sorted(best.items(), key=lambda item: item[1], reverse=True)[:_CANDIDATES])
    for score, scale, phase in sorted(local, reverse=True):
        if len(kept) >= _CANDIDATES + _LOCAL_CANDIDATES:
            break
        kept.setdefault(round(phase / 8), (score, scale, phase))
    return list(kept.values())


def _codeword_log_p(phasor: np.ndarray, layout: Layout, payload: bytes) -> float:
    """Log of the codeword bound, before the union over hypotheses.

    The bound counts every valid codeword (2^32): whichever the decoder picks,
    ``P(score >= t) <= 2^32 * tail(t)`` under the null hypothesis.
    """
    bits = np.concatenate([layout.sync_bits, encode_payload(payload)]).astype(np.float64)
    turned = _turned(phasor, layout, bits)
    return PAYLOAD_BITS * np.log(2) + _log_tail(float(turned.real.sum()), np.abs(turned))


def _sync_log_p(phasor: np.ndarray, layout: Layout) -> tuple[float, float]:
    """Sync score and the log of its tail bound."""
    bits = np.zeros(N_UNITS)
    bits[:N_SYNC] = layout.sync_bits
    sync = _turned(phasor, layout, bits)[layout.pair_unit < N_SYNC]
    score = float(sync.real.sum())
    return score, _log_tail(score, np.abs(sync))


def _candidates(
    energies: TileEnergies, layout: Layout, spans: list[tuple[float, float]]
) -> list[tuple[float, float, np.ndarray]]:
    """(scale, phase, pair phasors per span) of the best distinct sync candidates."""
    found = []
    for _, scale, phase in _search(energies, layout):
        z, frame = _instances(*energies.get(scale), layout, scale, phase)
        masks = [(frame >= lo) & (frame <= hi) for lo, hi in spans]
        found.append((scale, phase, np.stack([(z * m).sum(axis=0) for m in masks])))
    return found


def _best_test(
    phasors: np.ndarray, decoded: list[tuple[bytes, int] | None], layout: Layout, log_sync: float
) -> tuple[bytes | None, float]:
    """(payload, log-p before the union) of the strongest test of one candidate.

    ``decoded`` holds, per span, the payload that passed the CRC and its rank in the
    decoder's list (0: the maximum-likelihood path), or None; ``log_sync`` is the log
    tail bound of the candidate's sync score on the whole window.
    """
    log_p, payload = log_sync, None
    for k, (phasor, found) in enumerate(zip(phasors, decoded, strict=True)):
        if found is None:
            continue
        got, rank = found
        lp = _codeword_log_p(phasor, layout, got)
        if k == 0:
            # The CRC passes by chance with probability 2^-16 per path tried.
            tried = 1 if rank == 0 else LIST_SIZE
            lp = min(lp, log_sync + np.log(tried) - CRC_BITS * np.log(2))
        if payload is None or lp < log_p:
            payload, log_p = got, lp
    return payload, log_p


def _decode(
    found: list[tuple[float, float, np.ndarray]], layout: Layout
) -> list[list[tuple[bytes, int] | None]]:
    """Per candidate and span, the payload that passed the CRC and its list rank, or None."""
    soft = np.concatenate(
        [np.stack([layout.unit_soft(p.real) for p in phasors]) for _, _, phasors in found]
    )[:, N_SYNC:]
    n_spans = len(found[0][2])
    flat: list[tuple[bytes, int] | None] = [
        (got, 0) if ok else None for got, ok in decode_payloads(soft)
    ]
    retry = [row for row in range(LIST_CANDIDATES * n_spans) if flat[row] is None]
    if retry:
        for row, got in zip(retry, list_decode(soft[retry], LIST_SIZE), strict=True):
            flat[row] = got
    return [flat[i * n_spans : (i + 1) * n_spans] for i in range(len(found))]


def read_window(
    power: np.ndarray,
    layout: Layout,
    energies: TileEnergies | None = None,
    p_needed: float = 1.0,
) -> WindowReading:
    """Search and decode one window given its fine power spectrogram.

    Several tests are combined (Bonferroni): the sync units' score times the CRC's
    2^-16, and the whole codeword's score (sync and decoded units) bounded over all valid
    codewords, on the whole window and on each 5.1 s sub-span. The first wins when the
    sync is strong, the others on short, weak or spliced marks.

    Args:
        power: Fine power spectrogram of the window.
        layout: Keyed layout.
        energies: Tile energies, shareable between readings of one window under
            several keys.
        p_needed: Readings whose p-value is above this are reported without payload.
    """
    energies = energies or TileEnergies(power)
    spans = _spans(len(power))
    # The union bound counts the full fine grid (every 4 ms phase at 9 speeds), more
    # than the coarse-to-fine search visits, so the p-value stays conservative.
    log_hyp = float(np.log(sum(int(np.ceil(BLOCK_FRAMES / s)) for s in SCALES)))
    log_hyp += float(np.log(1 + len(spans)))
    found = _candidates(energies, layout, spans)
    syncs = [_sync_log_p(phasors[0], layout) for _, _, phasors in found]
    decoded = _decode(found, layout)
    best: WindowReading | None = None
    for (scale, phase, phasors), mine, (score, log_sync) in zip(found, decoded, syncs, strict=True):
        payload, log_p = _best_test(phasors, mine, layout, log_sync)
        log_p += log_hyp
        if payload is not None and log_p >= np.log(p_needed):
            payload = None
        reading = WindowReading(payload, float(min(1.0, np.exp(log_p))), score, scale, phase)
        if best is None or reading.p_value < best.p_value:
            best = reading
    assert best is not None
    return best
