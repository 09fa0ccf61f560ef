"""A grain reference stored at signing: how much fine texture each small block had.

A fill (inpainting, a smooth patch) over a region that was flat already moves its block
means by a fraction of a grey level, under what the low-pass signature (:mod:`.lowpass`)
can tell from JPEG 50 or a half-size resize, but it replaces the region's grain (sensor
noise, film grain, fine texture) by a smoother surface. So durable signing also stores,
beside the low-pass signature, the fine high-frequency energy of every 8 px block of the
512 px frame: the mean absolute difference of the luma to its Gaussian blur at sigma
0.8 px, log-coded in eighths of an octave (row-wise differences, zlib, base64: ~2 KB).

Re-encoding and resizing take grain away too, but nearly uniformly at a given grain
level: JPEG 50 smooths every flat block alike. On recovery each block's log-ratio (copy
over stored) is therefore compared with what the picture's other blocks *of the same
stored grain level* lost (medians in quantile bins, interpolated), divided by the spread
of that comparison over the picture, and averaged over 2x2 blocks: a fill is a cluster
of blocks that lost far more grain than their peers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from veracity.credentials.lowpass import block_means, decode_rows, encode_rows, pack, unpack

__all__ = [
    "GRAIN_ALG",
    "Grain",
    "grain_drop",
    "grain_energy",
    "grain_of",
    "high_pass",
    "reference_blocks",
    "relative_drop",
]

GRAIN_ALG = "io.github.veracity.grain.v1"
BLOCK = 8  # block side in the 512 px frame of the block hash (px)
SIGMA = 0.8  # Gaussian sigma of the high-pass (px)
CODE = 8  # codes per octave
FLOOR = 0.1  # energy added before the logarithm (8-bit levels): the noise floor
_OFFSET = 32  # code of log2(FLOOR) + ... : keeps log2(0.1) = -3.3 octaves positive
_BINS = 6  # quantile bins of the stored grain level for the expected change
_MIN_BIN = 10  # blocks a bin needs to take part
_SPREAD_FLOOR = 0.05  # floor of the robust spread of the residual log-ratio (octaves)
_FULL = 0.999  # share of a block the copy must cover to be compared
_MIN_BLOCKS = 20  # compared blocks a copy needs for the test


def high_pass(frame: np.ndarray) -> np.ndarray:
    """The luma of an RGB frame less its Gaussian blur at :data:`SIGMA` (float32): the grain
    this reference and the grain phase (:mod:`.grainphase`) measure."""
    y = cv2.cvtColor(np.ascontiguousarray(frame[:, :, :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.asarray(y - cv2.GaussianBlur(y, (0, 0), SIGMA))


def grain_energy(frame: np.ndarray, gh: int, gw: int) -> np.ndarray:
    """Mean absolute luma high-pass (8-bit levels) of each 8 px block of an RGB frame."""
    return block_means(np.abs(high_pass(frame)), gh, gw, BLOCK)


@dataclass(frozen=True)
class Grain:
    """Fine texture energy per 8 px block of the 512 px frame, log-coded.

    Attributes:
        codes: uint8 array (rows, cols): ``round(CODE * log2(energy + FLOOR)) + offset``.
    """

    codes: np.ndarray

    @property
    def grid(self) -> tuple[int, int]:
        """Blocks down and across."""
        return (int(self.codes.shape[0]), int(self.codes.shape[1]))

    def log_energy(self) -> np.ndarray:
        """``log2(energy + FLOOR)`` per block, as stored (octaves)."""
        return np.asarray((self.codes.astype(np.float64) - _OFFSET) / CODE)

    def to_assertion(self) -> dict[str, Any]:
        """The reference as assertion data (row-wise differences, zigzag, zlib, base64)."""
        zigzag = encode_rows(self.codes.astype(np.int16), axis=1).astype(np.uint8)
        return {
            "alg": GRAIN_ALG,
            "block": BLOCK,
            "sigma": SIGMA,
            "code": CODE,
            "floor": FLOOR,
            "offset": _OFFSET,
            "grid_rows": self.grid[0],
            "grid_cols": self.grid[1],
            "data": pack(zigzag.tobytes()),
        }

    @classmethod
    def from_assertion(cls, data: dict[str, Any]) -> Grain:
        """Parse :meth:`to_assertion` output.

        Raises:
            ValueError: Not a grain reference of this version, or damaged.
        """
        if data.get("alg") != GRAIN_ALG or data.get("block") != BLOCK:
            raise ValueError("not a Veracity grain reference (v1)")
        try:
            gh, gw = int(data["grid_rows"]), int(data["grid_cols"])
            raw = unpack(data["data"])
            zigzag = np.frombuffer(raw, np.uint8).astype(np.int16).reshape(gh, gw)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"damaged grain reference ({exc})") from None
        codes = decode_rows(zigzag, axis=1)
        if codes.min() < 0 or codes.max() > 255:
            raise ValueError("damaged grain reference (codes out of range)")
        return cls(codes.astype(np.uint8))


def _codes(energy: np.ndarray) -> np.ndarray:
    return np.clip(np.round(CODE * np.log2(energy + FLOOR)) + _OFFSET, 0, 255).astype(np.uint8)


def grain_of(frame: np.ndarray) -> Grain:
    """The grain reference of an image already reduced to the 512 px frame."""
    h, w = frame.shape[:2]
    return Grain(_codes(grain_energy(frame, h // BLOCK, w // BLOCK)))


def reference_blocks(covered: np.ndarray, gh: int, gw: int) -> np.ndarray | None:
    """The 8 px blocks a copy's grain is compared on, or None when there are too few.

    A block counts when the copy covers all of it and it is not on the rim of the covered
    area (the warp reflects there).

    Args:
        covered: Pixels of the frame the copy covers (frame-shaped booleans).
        gh: Blocks down.
        gw: Blocks across.
    """
    full = block_means(covered.astype(np.float32), gh, gw, BLOCK) >= _FULL
    kernel = np.ones((3, 3), np.uint8)
    eroded = cv2.erode(full.astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    inner = np.asarray(eroded > 0)
    return inner if inner.sum() >= _MIN_BLOCKS else None


def grain_drop(stored: Grain, frame: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """How far each block's grain fell below what its peers lost (robust z, per block).

    Args:
        stored: The reference stored at signing.
        frame: The copy warped into the 512 px frame.
        covered: Pixels of ``frame`` the copy covers (frame-shaped booleans).

    Returns:
        Per block, the fall of its log-ratio (copy over stored) below the picture's
        expected log-ratio at its stored grain level, in units of the picture's robust
        spread (positive: less grain than expected); NaN where not compared (not fully
        covered, or on the rim of the covered area, which takes the warp's reflected
        border); NaN everywhere when too few blocks are.
    """
    gh = min(stored.grid[0], frame.shape[0] // BLOCK)
    gw = min(stored.grid[1], frame.shape[1] // BLOCK)
    inner = reference_blocks(covered, gh, gw)
    if inner is None:
        return np.full((gh, gw), np.nan, np.float32)
    now = grain_energy(frame, gh, gw)
    return relative_drop(stored.log_energy()[:gh, :gw], now, inner, inner)


def relative_drop(
    then: np.ndarray, now: np.ndarray, full: np.ndarray, inner: np.ndarray
) -> np.ndarray:
    """:func:`grain_drop` on block arrays: stored ``log2(energy + FLOOR)``, the copy's energy,
    the blocks compared and the reference blocks the expectation is taken from."""
    # the stored value is rounded to 1/CODE octave: round the copy's the same way
    change = np.round(np.log2(now + FLOOR) * CODE) / CODE - then
    x, y = then[inner], change[inner]
    edges = np.quantile(x, np.linspace(0.0, 1.0, _BINS + 1))
    centres, expected = [], []
    for lo, hi in itertools.pairwise(edges):
        sel = (x >= lo) & (x <= hi)
        if sel.sum() >= _MIN_BIN:
            centres.append(float(np.median(x[sel])))
            expected.append(float(np.median(y[sel])))
    if not centres:
        return np.full(then.shape, np.nan, np.float32)
    order = np.argsort(centres)
    resid = change - np.interp(then, np.asarray(centres)[order], np.asarray(expected)[order])
    spread = max(1.4826 * float(np.median(np.abs(resid[inner]))), _SPREAD_FLOOR)
    return np.where(full, -resid / spread, np.nan).astype(np.float32)
