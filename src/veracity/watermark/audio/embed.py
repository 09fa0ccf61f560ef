"""Embedding: compute the additive watermark signal for a 16 kHz mono host.

Each pair difference is moved to the nearest lattice point that encodes its unit's
bit (dither modulation). The change is split over the pair's two tiles as opposite
gains (the quieter tile taking more), applied in an STFT with sqrt-Hann windows, and
refined by re-measuring (the STFT smears gains across tile borders). The signal is
a gain-modulated copy of the host in 375-6000 Hz, so it follows the host's spectrum
(speech masks it) and is absent in silence; it is scaled down where needed so the
file keeps SNR >= 30 dB.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from veracity.watermark.audio.framing import encode_payload
from veracity.watermark.audio.layout import (
    FS,
    N_BANDS,
    N_COLS,
    TILE_FRAMES,
    Layout,
    band_matrix,
    fine_band_power,
    layout_for_key,
    pair_diff,
    tile_energy_from_bands,
)

__all__ = ["watermark_signal"]

_N = 512
_HOP = 256
_MAX_LOG_GAIN = 1.1  # largest change of one tile's log-energy (about 4.8 dB)
_ITERATIONS = 3
_CAPPED_ITERATIONS = 2  # after the costliest tiles are capped, their partners make up
ALLOC = 0.7
MIN_SNR_DB = 30.2
DC_ALPHA = 1.0


def _unit_bits(layout: Layout, payload: bytes) -> np.ndarray:
    return np.concatenate([layout.sync_bits, encode_payload(payload)]).astype(np.float64)


def _band_power(x: np.ndarray) -> np.ndarray:
    """Fine band powers of a signal, as the detector measures them (float32 spectra)."""
    return fine_band_power(x.astype(np.float32))


def _tile_grid(bands: np.ndarray, n_cols: int) -> np.ndarray:
    """Log-energy of every tile of the embedding grid, (global columns, bands), from the
    signal's fine band powers."""
    log_e, _weight = tile_energy_from_bands(bands)
    starts = np.arange(n_cols) * TILE_FRAMES
    return log_e[starts[starts < len(log_e)]]


def _pair_index(
    layout: Layout, n_cols: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Global (col_a, band, unit, block) of every complete pair in the file."""
    n_blocks = (n_cols + N_COLS - 1) // N_COLS
    block = np.repeat(np.arange(n_blocks), len(layout.pair_col))
    col_a = block * N_COLS + np.tile(layout.pair_col, n_blocks)
    keep = col_a + 1 < n_cols
    return (
        col_a[keep],
        np.tile(layout.pair_band, n_blocks)[keep],
        np.tile(np.arange(len(layout.pair_col)), n_blocks)[keep],
        block[keep],
    )


def _synthesise(x: np.ndarray, log_gain: np.ndarray, chunk: int = 1 << 13) -> np.ndarray:
    """Return ISTFT(STFT(x) * (gain - 1)) for per-tile log-energy gains.

    ``chunk`` frames at a time (a one-hour file's STFT would take 0.9 GB per copy); the
    hop is half a frame, so each sample is the sum of two frames' halves.
    """
    n = len(x)
    pad = np.concatenate([np.zeros(_HOP), x, np.zeros(_N + _HOP)])
    n_frames = (n + _HOP - 1) // _HOP + 1
    win = np.sin(np.pi * np.arange(_N) / _N)
    gains = band_matrix(1.0).T
    out = np.zeros(len(pad))
    for first in range(0, n_frames, chunk):
        stop = min(first + chunk, n_frames)
        span = pad[_HOP * first : _HOP * (stop - 1) + _N]
        spec = np.fft.rfft(sliding_window_view(span, _N)[::_HOP][: stop - first] * win, axis=1)
        frame = np.arange(first, stop)
        cols = np.minimum(frame * _HOP // (TILE_FRAMES * 64), len(log_gain) - 1)
        amp = np.exp(0.5 * log_gain[cols] @ gains) - 1.0
        frames = np.fft.irfft(spec * amp, n=_N, axis=1) * win
        part = np.zeros(_HOP * (stop - first + 1))
        part[:-_HOP] += frames[:, :_HOP].ravel()
        part[_HOP:] += frames[:, _HOP:].ravel()
        out[_HOP * first : _HOP * (stop + 1)] += part
    return out[_HOP : _HOP + n]


def _allocate(err: np.ndarray, e_a: np.ndarray, e_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each pair's needed change over its two tiles, the quieter taking more.

    Moving a tile's log-energy by d costs about energy * d^2 of watermark power, so the
    cheapest way is to move the quiet tile; the exponent ALLOC tempers that (quiet
    tiles are also the least robust).
    """
    pa, pb = (e_a + 1e-20) ** -ALLOC, (e_b + 1e-20) ** -ALLOC
    return err * pa / (pa + pb), err * pb / (pa + pb)


def watermark_signal(x: np.ndarray, payload: bytes, key: str) -> np.ndarray:
    """Return the watermark signal to add to ``x`` (16 kHz mono float).

    Args:
        x: Host samples at :data:`FS`.
        payload: 4 bytes.
        key: Secret key.
    """
    layout = layout_for_key(key)
    bits = _unit_bits(layout, payload)
    n_cols = len(x) // (TILE_FRAMES * 64)
    col_a, band, pair, _block = _pair_index(layout, n_cols)
    if n_cols < 2 or len(col_a) == 0:
        return np.zeros_like(x, dtype=np.float64)
    pair_bits = bits[layout.pair_unit[pair]]
    dither = layout.dither[pair]
    step_size = layout.step[pair]
    log_gain = np.zeros((n_cols, N_BANDS))
    target: np.ndarray | None = None
    host = x.astype(np.float64)
    host_bands = _band_power(host)  # the first pass's grid, and the SNR guard's costs
    w = np.zeros(len(x))
    limit = np.full_like(log_gain, _MAX_LOG_GAIN)
    for step in range(_ITERATIONS + _CAPPED_ITERATIONS):
        if step == _ITERATIONS:
            limit = _gain_limits(x, host_bands, w, log_gain)
        grid = _tile_grid(host_bands if step == 0 else _band_power(x + w), n_cols)
        diff = pair_diff(grid[col_a, band], grid[col_a + 1, band])
        if target is None:
            offset = dither + pair_bits * step_size / 2
            lattice = offset + step_size * np.round((diff - offset) / step_size)
            target = diff + DC_ALPHA * (lattice - diff)
        delta_a, delta_b = _allocate(target - diff, grid[col_a, band], grid[col_a + 1, band])
        np.add.at(log_gain, (col_a, band), delta_a)
        np.add.at(log_gain, (col_a + 1, band), -delta_b)
        np.clip(log_gain, -limit, limit, out=log_gain)
        w = _synthesise(host, log_gain)
    return _limit_snr(x, w)


def _tile_power(bands: np.ndarray, n_cols: int) -> np.ndarray:
    """Host power of every tile of the embedding grid, (columns, bands), from its fine
    band powers."""
    n = min(n_cols, len(bands) // TILE_FRAMES)
    out = np.zeros((n_cols, N_BANDS))
    out[:n] = bands[: n * TILE_FRAMES].reshape(n, TILE_FRAMES, N_BANDS).sum(axis=1)
    return out


def _gain_limits(
    x: np.ndarray, host_bands: np.ndarray, w: np.ndarray, log_gain: np.ndarray
) -> np.ndarray:
    """Per-tile limits on |log-gain| that bring the mark to MIN_SNR_DB.

    A few loud tiles carry most of the mark's power (on speech the costliest 1 % of
    tiles hold 50-80 % of it), so capping the cost of those tiles keeps the SNR while
    every other tile keeps its full change; scaling the whole mark down instead would
    weaken every pair.
    """
    host = _tile_power(host_bands, len(log_gain))
    cost = host * np.expm1(np.abs(log_gain) / 2) ** 2
    power_w = float(np.sum(w**2))
    budget = (
        float(cost.sum()) * float(np.sum(x**2)) * 10 ** (-MIN_SNR_DB / 10) / max(power_w, 1e-30)
    )
    if cost.sum() <= budget:
        return np.full_like(log_gain, _MAX_LOG_GAIN)
    lo, hi = 0.0, float(cost.max())
    for _ in range(40):  # bisection: sum(min(cost, tau)) = budget
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if np.minimum(cost, mid).sum() > budget else (mid, hi)
    cap = 2 * np.log1p(np.sqrt(lo / np.maximum(host, 1e-30)))
    return np.minimum(_MAX_LOG_GAIN, cap)


def _limit_snr(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Scale ``w`` down where needed so the whole file keeps SNR >= MIN_SNR_DB."""
    power_x, power_w = float(np.sum(x**2)), float(np.sum(w**2))
    if power_w <= 0 or 10 * np.log10(power_x / power_w) >= MIN_SNR_DB:
        return w
    return w * np.sqrt(power_x / power_w * 10 ** (-MIN_SNR_DB / 10))


def sample_rate() -> int:
    """The rate the watermark signal is computed at."""
    return FS
