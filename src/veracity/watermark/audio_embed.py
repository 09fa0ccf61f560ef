"""Embedding: compute the additive watermark signal for a 16 kHz mono host.

Each unit's mean pair difference is moved to the nearest lattice point that encodes
its bit (dither modulation). The change is split over the unit's tiles as opposite
gains on the two tiles of every pair, applied in an STFT with sqrt-Hann windows, and
refined by re-measuring (the STFT smears gains across tile borders). The signal is
a gain-modulated copy of the host in 500-3500 Hz, so it follows the host's spectrum
(speech masks it) and is absent in silence.
"""

from __future__ import annotations

import numpy as np

from veracity.watermark.audio_ecc import encode_payload
from veracity.watermark.audio_layout import (
    FS,
    N_BANDS,
    N_COLS,
    STEP,
    TILE_FRAMES,
    Layout,
    band_matrix,
    fine_power,
    layout_for_key,
    pair_diff,
    tile_log_energy,
)

__all__ = ["watermark_signal"]

_N = 512
_HOP = 256
_MAX_LOG_GAIN = 0.4  # largest change of one tile's log-energy (about 1.7 dB)
_ITERATIONS = 3


def _unit_bits(layout: Layout, payload: bytes) -> np.ndarray:
    return np.concatenate([layout.sync_bits, encode_payload(payload)]).astype(np.float64)


def _tile_grid(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-energy and weight of every tile of the embedding grid: (global columns, bands)."""
    log_e, weight = tile_log_energy(fine_power(x.astype(np.float32)))
    n_cols = len(x) // (TILE_FRAMES * 64)
    starts = np.arange(n_cols) * TILE_FRAMES
    starts = starts[starts < len(log_e)]
    return log_e[starts], weight[starts]


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
        np.tile(layout.pair_unit, n_blocks)[keep],
        block[keep],
    )


def _weighted_means(
    values: np.ndarray, weights: np.ndarray, group: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean per group, and the per-item factor W / sum(w^2) of a min-norm change."""
    wsum = np.bincount(group, weights=weights, minlength=n_groups)
    w2sum = np.bincount(group, weights=weights**2, minlength=n_groups)
    mean = np.bincount(group, weights=weights * values, minlength=n_groups)
    mean = mean / np.maximum(wsum, 1e-12)
    return mean, wsum / np.maximum(w2sum, 1e-12)


def _synthesise(x: np.ndarray, log_gain: np.ndarray) -> np.ndarray:
    """Return ISTFT(STFT(x) * (gain - 1)) for per-tile log-energy gains."""
    n = len(x)
    pad = np.concatenate([np.zeros(_HOP), x, np.zeros(_N + _HOP)])
    n_frames = (n + _HOP - 1) // _HOP + 1
    win = np.sin(np.pi * np.arange(_N) / _N)
    idx = np.arange(_N)[None, :] + _HOP * np.arange(n_frames)[:, None]
    spec = np.fft.rfft(pad[idx] * win, axis=1)
    cols = np.minimum(np.arange(n_frames) * _HOP // (TILE_FRAMES * 64), len(log_gain) - 1)
    amp = np.exp(0.5 * log_gain[cols] @ band_matrix(1.0).T) - 1.0
    frames = np.fft.irfft(spec * amp, n=_N, axis=1) * win
    out = np.zeros(len(pad))
    np.add.at(out, idx.ravel(), frames.ravel())
    return out[_HOP : _HOP + n]


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
    col_a, band, unit, block = _pair_index(layout, n_cols)
    if n_cols < 2 or len(col_a) == 0:
        return np.zeros_like(x, dtype=np.float64)
    group = block * len(bits) + unit
    n_groups = int(group.max()) + 1
    log_gain = np.zeros((n_cols, N_BANDS))
    target: np.ndarray | None = None
    w = np.zeros(len(x))
    for _ in range(_ITERATIONS):
        grid, weight = _tile_grid(x + w)
        diff = pair_diff(grid[col_a, band], grid[col_a + 1, band])
        pair_w = np.minimum(weight[col_a, band], weight[col_a + 1, band])
        mean, _ = _weighted_means(diff, np.ones_like(pair_w), group, n_groups)
        if target is None:
            offset = layout.dither[np.arange(n_groups) % len(bits)]
            offset = offset + bits[np.arange(n_groups) % len(bits)] * STEP / 2
            target = offset + STEP * np.round((mean - offset) / STEP)
        err = (target - mean)[group]
        np.add.at(log_gain, (col_a, band), err / 2)
        np.add.at(log_gain, (col_a + 1, band), -err / 2)
        np.clip(log_gain, -_MAX_LOG_GAIN, _MAX_LOG_GAIN, out=log_gain)
        w = _synthesise(x.astype(np.float64), log_gain)
    return w


def sample_rate() -> int:
    """The rate the watermark signal is computed at."""
    return FS
