"""Geometry of the audio watermark: tiles, pairs, units, keyed dithers and tile energies.

The mark lives in the log-energies of time-frequency *tiles* of a 16 kHz signal:
24 bands of 234 Hz between 375 and 6000 Hz, 64 ms long. A *block* of 64 tile
columns (4.096 s) repeats through the file. Temporally adjacent tiles of one band
form a *pair*; the difference of their log-energies cancels gain and any filter
(both tiles see the same frequency response). Each pair is quantised onto a keyed
dithered lattice (dither modulation, QIM) that encodes its *unit*'s bit; a unit (one
bit) has 6 pairs scattered over the block by a keyed permutation. The lattice step
widens with frequency (see :func:`band_steps`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import numpy as np
import scipy.fft as sfft
from numpy.lib.stride_tricks import sliding_window_view

from veracity.watermark.audio.framing import CODED_BITS

__all__ = [
    "BLOCK_FRAMES",
    "FINE_HOP",
    "FS",
    "N_BANDS",
    "STEP_HI",
    "STEP_LO",
    "TILE_FRAMES",
    "Layout",
    "band_matrix",
    "band_power",
    "band_steps",
    "fine_band_power",
    "fine_power",
    "layout_for_key",
    "pair_diff",
    "tile_energy_from_bands",
    "tile_log_energy",
]

FS = 16000
NFFT = 512
FINE_HOP = 64
TILE_FRAMES = 16  # 16 x 4 ms = 64 ms
N_COLS = 64
BLOCK_FRAMES = N_COLS * TILE_FRAMES  # 4.096 s
BAND_LO, BAND_HI, N_BANDS = 375.0, 6000.0, 24
N_SYNC = 20
N_UNITS = N_SYNC + CODED_BITS
PAIRS_PER_UNIT = N_COLS // 2 * N_BANDS // N_UNITS  # 6
# Lattice step (nats of log-energy difference) per band, rising linearly from the lowest
# band to the highest. Codecs disturb high bands far more than low ones (Opus 32k moves
# 64 ms pair ratios by 0.06 nats rms at 375-600 Hz but up to 0.45 at 5-6 kHz), so a wider
# step there keeps the quantisation error of a unit below a quarter step in every band.
STEP_LO, STEP_HI = 0.8, 2.4
# A tile's weight in detection ramps from 0 to 1 with its level over the band's floor
# (10th percentile tile), from SNR_ZERO to SNR_ZERO + SNR_RAMP nats (3 to 10 dB), times
# a ramp with its level under the band's loud tiles (90th percentile), from LEVEL_ZERO
# (35 dB) to LEVEL_ZERO - LEVEL_RAMP nats (22 dB) under. Measured on the development
# clips at the embedding's alignment, pairs whose tiles are 4-6 dB over the floor still
# agree with their lattice point (mean cosine 0.85 unedited, 0.42 after noise at 20 dB
# SNR), and quiet tiles only lose part of their agreement under Opus.
SNR_ZERO, SNR_RAMP = 0.7, 1.6
LEVEL_ZERO, LEVEL_RAMP = 8.0, 3.0


def band_steps() -> np.ndarray:
    """Lattice step of each band, (N_BANDS,)."""
    return np.linspace(STEP_LO, STEP_HI, N_BANDS)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Keyed arrangement of one block.

    Attributes:
        pair_col: Column of the first tile of each pair (the second is col + 1).
        pair_band: Band of each pair.
        pair_unit: Unit each pair belongs to.
        dither: Keyed lattice offset of each pair, in nats.
        step: Lattice step of each pair (its band's step), in nats.
        sync_bits: Known bits of the sync units (units 0..N_SYNC-1).
        cache: Values the detector derives from the layout alone (its search kernels).
    """

    pair_col: np.ndarray
    pair_band: np.ndarray
    pair_unit: np.ndarray
    dither: np.ndarray
    sync_bits: np.ndarray
    step: np.ndarray
    cache: dict[object, np.ndarray] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    def unit_soft(self, pair_values: np.ndarray) -> np.ndarray:
        """Sum per-pair values into per-unit values (N_UNITS,)."""
        return np.bincount(self.pair_unit, weights=pair_values, minlength=N_UNITS)


assert N_COLS // 2 * N_BANDS == N_UNITS * PAIRS_PER_UNIT


def _rng(key: str, purpose: str) -> np.random.Generator:
    digest = hashlib.sha256(f"veracity-audio-wm/v3/{purpose}/{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


@functools.lru_cache(maxsize=8)
def layout_for_key(key: str) -> Layout:
    """Return the keyed block layout (cached per key)."""
    # A unit's 3 pairs are scattered over the block by a keyed permutation, so a pause
    # in the speech rarely erases all of them (any 4.1 s still holds every pair).
    rng = _rng(key, "pairs")
    cols = np.repeat(np.arange(0, N_COLS, 2), N_BANDS)
    bands = np.tile(np.arange(N_BANDS), N_COLS // 2)
    unit = rng.permutation(len(cols)) % N_UNITS
    step = band_steps()[bands]
    dither = _rng(key, "dither").uniform(0.0, 1.0, len(cols)) * step
    sync = _rng(key, "sync").integers(0, 2, N_SYNC).astype(np.int8)
    return Layout(cols, bands, unit, dither, sync, step)


def _padded(x: np.ndarray) -> tuple[np.ndarray, int]:
    pad = np.concatenate([np.zeros(NFFT // 2, np.float32), x, np.zeros(NFFT, np.float32)])
    return pad, max(1, (len(x) + FINE_HOP - 1) // FINE_HOP)


def _frame_power(pad: np.ndarray, first: int, stop: int) -> np.ndarray:
    """Power spectra of frames ``first..stop-1`` of the padded signal, float32."""
    # Frame j is pad[64 j : 64 j + NFFT]: a strided view, windowed straight into one array.
    span = pad[FINE_HOP * first : FINE_HOP * (stop - 1) + NFFT]
    frames = sliding_window_view(span, NFFT)[::FINE_HOP][: stop - first]
    frames = frames * np.hanning(NFFT + 1)[:NFFT].astype(np.float32)
    spec = sfft.rfft(frames, axis=1)  # single precision: ~3x faster than numpy's
    power = np.square(spec.real)
    power += np.square(spec.imag)
    return power


def fine_power(x: np.ndarray) -> np.ndarray:
    """Power spectrogram (frames, NFFT/2+1), float32; frame j is centred on sample 64*j."""
    pad, n_frames = _padded(x)
    return _frame_power(pad, 0, n_frames)


def fine_band_power(x: np.ndarray, chunk: int = 1 << 14) -> np.ndarray:
    """``band_power(fine_power(x))``, computed ``chunk`` frames at a time.

    The embedder needs only band powers; a one-hour file's fine spectrogram would take
    0.9 GB (its windowed frames and spectrum twice that), its band powers 0.2 GB.
    """
    pad, n_frames = _padded(x)
    return np.concatenate(
        [
            band_power(_frame_power(pad, first, min(first + chunk, n_frames)))
            for first in range(0, n_frames, chunk)
        ]
    )


@functools.lru_cache(maxsize=64)
def _band_weights(scale: float, dtype: np.dtype) -> tuple[slice, np.ndarray]:
    """The FFT bins that :func:`band_matrix` gives any weight, and their rows of it."""
    matrix = band_matrix(scale)
    rows = np.flatnonzero(matrix.any(axis=1))
    bins = slice(int(rows[0]), int(rows[-1]) + 1)
    return bins, matrix[bins].astype(dtype)


def band_power(power: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Power per band and fine frame, float64 (frames, bands), for band edges x ``scale``.

    181 of the 257 bins fall in some band; the sum runs in the spectrogram's precision
    (single: 1e-7 relative error in a band's power).
    """
    bins, weights = _band_weights(scale, power.dtype)
    return np.asarray(power[:, bins] @ weights, dtype=np.float64)


@functools.lru_cache(maxsize=32)
def band_matrix(scale: float = 1.0) -> np.ndarray:
    """(bins, bands) weights summing power into bands whose edges are scaled by ``scale``."""
    freqs = np.arange(NFFT // 2 + 1) * FS / NFFT
    half = FS / NFFT / 2
    edges = np.linspace(BAND_LO, BAND_HI, N_BANDS + 1) * scale
    lo = np.clip(
        np.minimum(freqs + half, edges[1:, None]) - np.maximum(freqs - half, edges[:-1, None]),
        0,
        None,
    )
    return (lo / (2 * half)).T


def tile_log_energy(power: np.ndarray, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Energy of a tile starting at every fine frame, and each tile's reliability.

    Returns:
        ``(energy, weight)``, both (frames, bands); tile length is ``TILE_FRAMES / scale``.
    """
    return tile_energy_from_bands(band_power(power, scale), scale)


def tile_energy_from_bands(bands: np.ndarray, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`tile_log_energy` from the band powers (frames, bands) at that scale."""
    # The running sums below are in double precision.
    length = max(1, round(TILE_FRAMES / scale))
    csum = np.concatenate([np.zeros((1, N_BANDS)), np.cumsum(bands, axis=0)])
    n = max(1, len(bands) - length + 1)
    energy = csum[length : length + n] - csum[:n]
    energy = np.maximum(energy, 0.0) + 1e-20
    sample = energy[:: TILE_FRAMES // 4]  # tiles overlap; every 4th is enough for levels
    quiet, loud = np.percentile(sample, [10, 90], axis=0)
    # Subtract the band's noise floor (the quiet tiles), so added noise does not
    # compress the pair ratios; then grade each tile by its level under the band's
    # loud tiles and over its floor (see LEVEL_ZERO and SNR_ZERO).
    clean = np.maximum(energy - quiet, 0.05 * energy)
    log_e = np.log(energy)
    level = np.clip((log_e - np.log(loud) + LEVEL_ZERO) / LEVEL_RAMP, 0.0, 1.0)
    snr = np.clip((log_e - np.log(quiet) - SNR_ZERO) / SNR_RAMP, 0.0, 1.0)
    return clean, level * snr


def pair_diff(e_a: np.ndarray, e_b: np.ndarray) -> np.ndarray:
    """Log-ratio of two tile energies, floored 20 dB under the louder one.

    The floor depends only on the pair, so a crop or a gain change does not move it,
    and a tile a codec silenced gives a bounded value instead of a huge one.
    """
    floor = 0.01 * np.maximum(e_a, e_b) + 1e-20
    return np.log(e_a + floor) - np.log(e_b + floor)
