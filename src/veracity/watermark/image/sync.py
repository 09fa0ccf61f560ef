"""Folding the image onto one canonical tile and finding the tile's offset and orientation.

Given the lattice, every pixel maps to a position inside the tile; averaging all
tiles (folding) adds up the mark coherently and the image incoherently, and works
on any crop. The fold is resampled to the canonical ``CANON x CANON`` tile. The
unknown cyclic offset and the eight flips/quarter turns are found by correlating
the fold with the key's synchronisation chips for every offset at once (FFT).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import scipy.fft as sfft

from veracity.watermark.image.lattice import Lattice
from veracity.watermark.image.native import kernels
from veracity.watermark.image.pattern import CANON, CHIP, GRID, KeyPattern, smooth_cyclic

__all__ = [
    "SyncResult",
    "chip_kernel_fft",
    "dihedral",
    "fold",
    "search_offset",
    "search_offsets",
]

N_VARIANTS = 8


@dataclasses.dataclass(frozen=True)
class SyncResult:
    """The best alignment of a fold with the sync pattern.

    Attributes:
        z: Normalised correlation of the sync chips at the best alignment.
        variant: Index of the flip/quarter turn applied to the fold (0..7).
        offset: (row, col) cyclic offset of the tile in canonical pixels.
        chips: Matched-filter output of the aligned fold, one value per chip (GRID x GRID).
    """

    z: float
    variant: int
    offset: tuple[int, int]
    chips: np.ndarray


_FIX = 22  # fixed-point bits of the fold's tile coordinates


def fold(residual: np.ndarray, lattice: Lattice) -> np.ndarray:
    """Average ``residual`` over all tiles into one ``CANON x CANON`` tile.

    ``residual`` is float32 or float64; the bin sums are taken in float64 either way.
    """
    n = int(np.clip(np.floor(min(lattice.period, CANON)), 16, CANON))
    inv = np.linalg.inv(np.stack([lattice.v1, lattice.v2], axis=1))  # tiles per pixel
    if inv[0, 1] == 0.0 and inv[1, 0] == 0.0:
        sums, counts = _bins_separable(residual, inv, n)
    elif kernels is not None:
        sums, counts = _bins_compiled(residual, inv, n)
    else:
        sums, counts = _bins_numpy(residual, inv, n)
    tile = (sums / np.maximum(counts, 1)).reshape(n, n)
    tile -= tile.mean()
    return _fourier_resize(tile, CANON) if n != CANON else tile


def _bins_compiled(residual: np.ndarray, inv: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin sums and counts in one C pass (the same arithmetic as :func:`_bins_numpy`)."""
    h, w = residual.shape
    acc = np.zeros((n * n, 2))
    assert kernels is not None
    cols = _coordinates(inv[:, 0], w)  # both bases' steps along x, then along y
    rows = _coordinates(inv[:, 1], h)
    kernels.fold_bins(_for_c(residual), cols[0], rows[0], cols[1], rows[1], n, _FIX, acc)
    return acc[:, 0], acc[:, 1]


def _bins_numpy(residual: np.ndarray, inv: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin sums (float64, in pixel order) and counts of the tile bins."""
    h, w = residual.shape
    weights = residual.ravel().astype(np.float64, copy=False)
    flat = _tile_index(inv[1], h, w, n)
    flat *= n  # < 2^14: int32 is safe, and cheaper than building the index in intp
    flat += _tile_index(inv[0], h, w, n)
    idx = flat.ravel().astype(np.intp)
    return np.bincount(idx, weights=weights, minlength=n * n), np.bincount(idx, minlength=n * n)


def _bins_separable(residual: np.ndarray, inv: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin sums and counts for an axis-aligned lattice (the embedder's own, the axis
    searches'): the tile row depends on y alone and the column on x alone, so rows are
    summed first (in increasing y), then columns (in increasing x), and the counts are an
    outer product. The C loop and numpy take the same order."""
    h, w = residual.shape
    iu = _tile_index(inv[0], 1, w, n).ravel()
    iv = _tile_index(inv[1], h, 1, n).ravel()
    counts = np.outer(np.bincount(iv, minlength=n), np.bincount(iu, minlength=n)).ravel()
    if kernels is not None:
        sums = np.zeros(n * n)
        kernels.fold_rows_cols(_for_c(residual), iu, iv, n, sums)
        return sums, counts
    weights = residual.ravel().astype(np.float64, copy=False)
    row_bins = (iv.astype(np.intp) * w)[:, None] + np.arange(w)  # (row bin, x) per pixel
    rows = np.bincount(row_bins.ravel(), weights=weights, minlength=n * w)
    col_bins = (np.arange(n) * n)[:, None] + iu  # each row bin's x onto its tile bins
    return np.bincount(col_bins.ravel(), weights=rows, minlength=n * n), counts


def _for_c(residual: np.ndarray) -> np.ndarray:
    """``residual`` as the C loops read it: contiguous float32 (as is) or float64."""
    if residual.dtype != np.float32:
        residual = residual.astype(np.float64, copy=False)
    return np.ascontiguousarray(residual)


def _coordinates(step: float | np.ndarray, size: int) -> np.ndarray:
    """``step * i`` for ``i < size`` in ``_FIX``-bit fixed point, reduced mod 1 (int32); one
    row per step when ``step`` is an array."""
    mask = (1 << _FIX) - 1
    scaled = np.rint(np.multiply.outer(step * float(1 << _FIX), np.arange(size)))
    return (scaled.astype(np.int64) & mask).astype(np.int32)


def _tile_index(row: np.ndarray, h: int, w: int, n: int) -> np.ndarray:
    """``floor(n * frac(row[0] x + row[1] y))`` per pixel, as int32.

    The tile coordinate is a sum of a column and a row term; each is rounded to
    ``_FIX`` fractional bits (2^-22 of a tile) and reduced mod 1 on its own, so the
    per-pixel work is four integer operations, in place, and nothing overflows at any
    image size (``n <= 128``: the product stays below 2^29).
    """
    mask = (1 << _FIX) - 1
    col, lin = _coordinates(row[0], w), _coordinates(row[1], h)
    out = np.add(col[None, :], lin[:, None])
    np.bitwise_and(out, mask, out=out)
    np.multiply(out, n, out=out)
    np.right_shift(out, _FIX, out=out)
    return out


def _fourier_resize(tile: np.ndarray, size: int) -> np.ndarray:
    """Resample a periodic tile to ``size x size`` by zero-padding its spectrum (float32).

    The resampling is separable and linear: ``M tile M^T`` with ``M`` the 1-D operator
    (inverse size-point DFT after placing the n-point spectrum); its real part is
    ``Mr tile Mr^T - Mi tile Mi^T``: small matrix products instead of two FFTs of an
    awkward (often prime) length. ``Mi`` comes from the Nyquist bin alone, so it is the
    rank-one ``u v^T`` and its term is ``(v^T tile v) u u^T``. Single precision, like the
    sync search that reads the result.
    """
    real, nyquist = _resize_operator(tile.shape[0], size)
    flat = tile.astype(np.float32)
    out: np.ndarray = real @ flat @ real.T
    if nyquist is not None:
        u, v = nyquist
        out -= np.float32(v @ tile @ v) * np.outer(u, u)
    return out


@lru_cache(maxsize=256)
def _resize_operator(n: int, size: int) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """The 1-D spectral resampling operator's real part (size x n, float32), and its
    imaginary part as ``(u, v)`` with ``Mi = u v^T``, or ``None`` for odd ``n``.

    Frequency f of the n-point spectrum goes to f mod size; for even n the Nyquist bin
    sits on one side, and its column of the inverse DFT is the imaginary part:
    ``Mi[m, j] = sin(2 pi s m / size) (-1)^j / n`` with ``s`` the bin's slot.
    """
    slots = np.round(np.fft.fftfreq(n) * n).astype(np.intp) % size
    spec = np.zeros((size, n), dtype=complex)
    spec[slots] = np.fft.fft(np.eye(n), axis=0)
    op = np.fft.ifft(spec, axis=0) * (size / n)
    real = np.ascontiguousarray(op.real, dtype=np.float32)
    real.flags.writeable = False
    if n % 2:
        return real, None
    u = (np.sin(2 * np.pi * slots[n // 2] * np.arange(size) / size) / n).astype(np.float32)
    v = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    u.flags.writeable = v.flags.writeable = False
    return real, (u, v)


def dihedral(tile: np.ndarray, variant: int) -> np.ndarray:
    """One of the eight flips/quarter turns of a square array."""
    out = np.rot90(tile, variant % 4)
    return np.ascontiguousarray(out[:, ::-1] if variant >= 4 else out)


@lru_cache(maxsize=256)
def chip_kernel_fft(sigma_hp: float) -> np.ndarray:
    """Conjugate half-spectrum of one rendered chip after the detector's high-pass
    (complex64: the sync search runs in single precision)."""
    chip, radius2 = _chip_parts()
    highpass = 1.0 - np.exp(-2.0 * (np.pi * sigma_hp) ** 2 * radius2)
    out = (chip * highpass).astype(np.complex64)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=1)
def _chip_parts() -> tuple[np.ndarray, np.ndarray]:
    """The chip's conjugate half-spectrum and the squared frequency of each bin."""
    fy = np.fft.fftfreq(CANON)[:, None]
    fx = np.fft.rfftfreq(CANON)[None, :]
    chip = np.conj(_chip_spectrum())
    radius2 = fy**2 + fx**2
    chip.flags.writeable = radius2.flags.writeable = False
    return chip, radius2


@lru_cache(maxsize=1)
def _chip_spectrum() -> np.ndarray:
    """Half-spectrum of one rendered chip (the embedder's smoothed box)."""
    chip = np.zeros((CANON, CANON))
    chip[:CHIP, :CHIP] = 1.0
    out = sfft.rfft2(smooth_cyclic(chip, 0.25 * CHIP))
    out.flags.writeable = False
    return out


@lru_cache(maxsize=16)
def _sync_maps(pattern: KeyPattern) -> np.ndarray:
    """Conjugate spectra (complex64: the sync search runs in single precision) of the sync
    signs under the inverse of each flip/quarter turn, stacked (see ``_best_variants``;
    entry 0 is the untransformed map)."""
    rows, cols = _sync_offsets(pattern)
    signs = np.zeros((CANON, CANON))
    signs[rows, cols] = pattern.sync_sign
    turned = [
        np.rot90(signs[:, ::-1] if variant >= 4 else signs, -(variant % 4))
        for variant in range(N_VARIANTS)
    ]
    sign_maps = np.conj(sfft.rfft2(np.stack(turned))).astype(np.complex64)
    sign_maps.flags.writeable = False
    return sign_maps


_LOW = CANON // CHIP  # the variant is picked below this frequency (cycles per tile)


@lru_cache(maxsize=16)
def _low_sync_maps(pattern: KeyPattern) -> np.ndarray:
    """:func:`_sync_maps`' turned sign spectra cut to the frequencies below ``_LOW``."""
    out = np.ascontiguousarray(_low_band(_sync_maps(pattern)))
    out.flags.writeable = False
    return out


def _low_band(spec: np.ndarray) -> np.ndarray:
    """Rows (frequencies -_LOW.._LOW-1) and columns (0.._LOW) of a CANON-point half-spectrum."""
    rows = np.r_[0:_LOW, CANON - _LOW : CANON]
    return spec[..., rows, : _LOW + 1]


def _best_variants(tiles: np.ndarray, pattern: KeyPattern, chip_kernels: np.ndarray) -> np.ndarray:
    """The flip/quarter turn with the highest sync peak for each of a stack of tiles,
    filtering each tile only once.

    Turning the filtered tile equals filtering the turned tile up to a cyclic shift of
    the (square, symmetric) chip kernel, and correlating a turned map with the sync
    chips equals correlating the map with the inversely turned chips, so the peaks match
    those of :func:`_variant_syncs` at a fraction of the transforms. A chip is ``CHIP`` px
    wide in the canonical tile, so its spectrum's main lobe ends at ``_LOW`` cycles per
    tile: the eight correlations are taken on that band alone, at a quarter of the
    offsets, which is enough to rank the variants; the statistic itself is then computed
    at full resolution.
    """
    spec = _low_band(sfft.rfft2(tiles.astype(np.float32, copy=False)) * chip_kernels)
    # The normaliser sum(g_i^2) over the sync chips barely changes with the offset (the
    # chips are spread over the tile), and the scale is common to all eight: only the
    # argmax matters. All correlations are one batched single-precision transform.
    maps = sfft.irfft2(spec[:, None] * _low_sync_maps(pattern), s=(2 * _LOW, 2 * _LOW))
    return np.argmax(maps.reshape(len(tiles), N_VARIANTS, -1).max(axis=2), axis=1)


@lru_cache(maxsize=16)
def _sync_offsets(pattern: KeyPattern) -> tuple[np.ndarray, np.ndarray]:
    """Canonical-tile row and column of each sync chip at offset (0, 0)."""
    rows, cols = pattern.sync_pos[:, 0] * CHIP, pattern.sync_pos[:, 1] * CHIP
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


_NEAR = 2  # z is maximised over offsets within this many pixels of the correlation peak


@lru_cache(maxsize=1)
def _near_offsets() -> np.ndarray:
    """(dy, dx) offsets within ``_NEAR`` of the correlation peak, the peak itself first."""
    steps = sorted(range(-_NEAR, _NEAR + 1), key=abs)
    out = np.array([(dy, dx) for dy in steps for dx in steps])
    out.flags.writeable = False
    return out


def _variant_syncs(
    tiles: np.ndarray, pattern: KeyPattern, chip_kernels: np.ndarray, variants: Sequence[int]
) -> list[tuple[float, tuple[int, int], np.ndarray]]:
    """Sync statistic of one variant of each tile, its offset, and the filtered tile.

    The correlation ``sum_i s_i g_i`` is computed for every cyclic offset; ``z``, which
    normalises it by ``sqrt(sum_i g_i^2)`` at the same offset, is maximised over the
    offsets near the correlation's peak (the normaliser barely changes with the offset, so
    the best ``z`` lies there, and computing it everywhere would cost two more transforms).
    The transforms of all tiles run as one batch.
    """
    # Single precision: the statistic is needed to about 1e-5, the transforms give ~1e-6.
    sign_fft = _sync_maps(pattern)[0]
    shape = (CANON, CANON)
    turned = np.stack([dihedral(t, v) for t, v in zip(tiles, variants, strict=True)])
    spec = sfft.rfft2(turned.astype(np.float32, copy=False)) * chip_kernels
    filtered = sfft.irfft2(spec, s=shape).astype(np.float64)
    num = sfft.irfft2(spec * sign_fft, s=shape)
    peaks = np.stack(np.divmod(np.argmax(num.reshape(len(tiles), -1), axis=1), CANON), axis=1)
    rows, cols = _sync_offsets(pattern)
    out = []
    for g, peak in zip(filtered, peaks, strict=True):
        offsets = (peak + _near_offsets()) % CANON
        at = g[(rows[None, :] + offsets[:, :1]) % CANON, (cols[None, :] + offsets[:, 1:]) % CANON]
        zs = (at @ pattern.sync_sign) / np.sqrt(np.maximum(np.einsum("ij,ij->i", at, at), 1e-12))
        best = int(np.argmax(zs))
        out.append((float(zs[best]), (int(offsets[best, 0]), int(offsets[best, 1])), g))
    return out


def search_offset(
    tile: np.ndarray,
    pattern: KeyPattern,
    kernel: np.ndarray,
    variants: Sequence[int] | None = None,
) -> SyncResult:
    """Best (variant, offset) by normalised correlation with the sync chips.

    For offset ``t`` the statistic is ``z = sum_i s_i g_i / sqrt(sum_i g_i^2)`` over
    the sync chips, where ``g_i`` is the matched-filter output at chip ``i`` and
    ``s_i`` the key's sign. With key signs independent of the image, ``z`` is
    sub-Gaussian with unit variance for every ``t`` (see README, p-value); it is maximised
    over the offsets near the largest correlation ``sum_i s_i g_i``, a subset of those ``t``.
    ``variants`` restricts the flips/quarter turns searched (default: the one with the
    strongest low-band correlation).
    """
    if variants is None:
        return search_offsets(tile[None], pattern, kernel[None])[0]
    # Each variant is searched once; the best one is kept with its filtered tile.
    found = _variant_syncs(np.stack([tile] * len(variants)), pattern, kernel, variants)
    k = max(range(len(variants)), key=lambda i: found[i][0])
    return _result(found[k], variants[k])


def search_offsets(
    tiles: np.ndarray, pattern: KeyPattern, chip_kernels: np.ndarray
) -> list[SyncResult]:
    """:func:`search_offset` for a stack of tiles, each with its chip kernel, as one batch."""
    variants = [int(v) for v in _best_variants(tiles, pattern, chip_kernels)]
    found = _variant_syncs(tiles, pattern, chip_kernels, variants)
    return [_result(f, v) for f, v in zip(found, variants, strict=True)]


def _result(found: tuple[float, tuple[int, int], np.ndarray], variant: int) -> SyncResult:
    z, (oy, ox), g = found
    rows = (oy + CHIP * np.arange(GRID)) % CANON
    cols = (ox + CHIP * np.arange(GRID)) % CANON
    return SyncResult(z, variant, (oy, ox), g[rows[:, None], cols[None, :]])
