"""Key-derived chip patterns of the periodic tile, and their rendering.

The mark is one square tile of ``GRID x GRID`` chips repeated over the image. A
key-chosen quarter of the chips carry a pseudo-random sign pattern used to find
the tile's position (synchronisation); the other chips carry the coded payload,
each coded symbol spread over four or five chips with key-derived signs.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import lru_cache

import numpy as np

from veracity.watermark.image import framing

__all__ = ["CANON", "CHIP", "GRID", "N_SYNC", "KeyPattern", "key_pattern", "render_tile"]

GRID = 32  # chips per tile side
CHIP = 4  # pixels per chip in the canonical (detection) tile
CANON = GRID * CHIP  # canonical tile side in pixels
N_SYNC = 256  # chips reserved for synchronisation
_VERSION = b"veracity-image-wm-v2:"
# Two strong spectral lines, 90 degrees apart, at these harmonics of the tile period:
# easy to find in the power spectrum, they give the tile's scale and rotation.
TEMPLATE_Q = ((11, 5), (-5, 11))
TEMPLATE_SHARE = 0.0  # fraction of the mark power in the template lines (off: see README)


@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity (cached per key)
class KeyPattern:
    """Everything the key decides.

    Attributes:
        sync_pos: (N_SYNC, 2) chip row/column of each sync chip.
        sync_sign: (N_SYNC,) +1/-1 sign of each sync chip.
        data_pos: (n, 2) chip row/column of each data chip.
        data_sign: (n,) +1/-1 spreading sign of each data chip.
        data_bit: (n,) index of the coded symbol each data chip carries.
    """

    sync_pos: np.ndarray
    sync_sign: np.ndarray
    data_pos: np.ndarray
    data_sign: np.ndarray
    data_bit: np.ndarray


@lru_cache(maxsize=16)
def key_pattern(key: str) -> KeyPattern:
    """Derive the chip layout and signs from ``key`` (cached)."""
    seed = int.from_bytes(hashlib.sha256(_VERSION + key.encode("utf-8")).digest(), "big")
    rng = np.random.default_rng(seed)
    order = rng.permutation(GRID * GRID)
    pos = np.stack(np.divmod(order, GRID), axis=1)
    n_data = GRID * GRID - N_SYNC
    return KeyPattern(
        sync_pos=pos[:N_SYNC],
        sync_sign=rng.choice(np.array([-1.0, 1.0]), N_SYNC),
        data_pos=pos[N_SYNC:],
        data_sign=rng.choice(np.array([-1.0, 1.0]), n_data),
        data_bit=np.arange(n_data) % framing.CODED_BITS,
    )


def chip_grid(pattern: KeyPattern, symbols: np.ndarray) -> np.ndarray:
    """The ``GRID x GRID`` chip values (+1/-1) for coded ``symbols``."""
    grid = np.zeros((GRID, GRID))
    grid[pattern.sync_pos[:, 0], pattern.sync_pos[:, 1]] = pattern.sync_sign
    values = pattern.data_sign * symbols[pattern.data_bit]
    grid[pattern.data_pos[:, 0], pattern.data_pos[:, 1]] = values
    return grid


def smooth_cyclic(tile: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a periodic tile (wrap-around), done in the Fourier domain."""
    fy = np.fft.fftfreq(tile.shape[0])[:, None]
    fx = np.fft.rfftfreq(tile.shape[1])[None, :]
    gain = np.exp(-2.0 * (np.pi * sigma) ** 2 * (fy**2 + fx**2))
    return np.fft.irfft2(np.fft.rfft2(tile) * gain, s=tile.shape)


def render_tile(grid: np.ndarray, period: int) -> np.ndarray:
    """Render chip values as a ``period x period`` tile with unit RMS.

    Chips are softened (Gaussian, a quarter chip wide) so that the energy sits at
    frequencies that survive resizing and JPEG.
    """
    idx = (np.arange(period) * GRID) // period
    tile = grid[idx[:, None], idx[None, :]]
    tile = smooth_cyclic(tile, 0.25 * period / GRID)
    tile /= np.sqrt(np.mean(tile**2)) + 1e-12
    yy, xx = np.mgrid[0:period, 0:period] / period
    lines = sum(np.cos(2 * np.pi * (a * xx + b * yy)) for a, b in TEMPLATE_Q)
    lines /= np.sqrt(np.mean(lines**2))
    return np.sqrt(1 - TEMPLATE_SHARE) * tile + np.sqrt(TEMPLATE_SHARE) * lines
