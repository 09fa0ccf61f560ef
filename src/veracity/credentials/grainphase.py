"""A grain-phase reference stored at signing: the sign pattern of each block's fine grain.

The grain reference (:mod:`.grain`) stores how *much* fine texture each 8 px block had, and
the low-pass signature (:mod:`.lowpass`) its mean colour. A region copied from a few pixels
away inside the same sky or wall keeps both: the same grain energy, and a mean colour that
differs by less than JPEG 50 moves it. What it does not keep is the grain itself: the
pattern of sensor noise and fine texture at that place is replaced by the pattern of
another place. So durable signing also stores, per 8 px block of the 512 px frame, the signs
of the block's luma high-pass (Gaussian sigma 0.8 px, as the grain reference) projected on
eight fixed zero-mean +-1 patterns: one byte per block (zlib, base64: ~3.6 KB at 512 x 341).

Re-encoding, resizing and sub-pixel misalignment blur the pattern too, so agreement with the
stored signs falls below 1 in every copy; but it falls alike in blocks of the same stored
grain level, and changes slowly across the picture. On recovery each block's agreement is
compared with what blocks of the same stored grain level reached in this copy (a Gaussian
kernel regression over the level), less the local trend (median over 21 x 21 blocks), and
averaged over 4 x 4 blocks; that window mean divided by the robust spread of all windows
is the score. A region whose grain was replaced is a cluster of blocks that agree far less
than their peers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from veracity.credentials.frame import covered_by, warp_into
from veracity.credentials.grain import SIGMA, high_pass, reference_blocks
from veracity.credentials.lowpass import pack, unpack

__all__ = ["PHASE_ALG", "GrainPhase", "agreement", "phase_frame", "phase_of", "phase_scores"]

PHASE_ALG = "io.github.veracity.grainphase.v1"
BLOCK = 8  # block side in the 512 px frame of the block hash (px)
BITS = 8  # projections (sign bits) per block: one byte
_SEED = 20261208  # the patterns are fixed: part of the algorithm, not a secret
_LEVEL_BANDWIDTH = 0.25  # kernel width over the stored grain level (octaves)
_LEVEL_GRID = 64  # points of the regression over the level range
_TREND = 21  # side of the local-trend median (blocks)
_WINDOW = 4  # side of the scored window (blocks)
_SPREAD_FLOOR = 0.04  # floor of the robust spread of window deficits (agreement share)
_COMPLETE = 0.999  # share of a window's blocks that must be compared to score it


def _patterns() -> np.ndarray:
    rng = np.random.default_rng(_SEED)
    pats = rng.choice([-1.0, 1.0], size=(BITS, BLOCK, BLOCK)).astype(np.float32)
    return pats - pats.mean(axis=(1, 2), keepdims=True)


_PATTERNS = _patterns()


def _signs(frame: np.ndarray, gh: int, gw: int) -> np.ndarray:
    """Projection signs per block of an RGB frame: bool (gh, gw, BITS)."""
    blocks = (
        high_pass(frame)[: gh * BLOCK, : gw * BLOCK]
        .reshape(gh, BLOCK, gw, BLOCK)
        .transpose(0, 2, 1, 3)
    )
    flat = np.ascontiguousarray(blocks).reshape(gh * gw, BLOCK * BLOCK)
    return np.asarray((flat @ _PATTERNS.reshape(BITS, -1).T).reshape(gh, gw, BITS) > 0)


@dataclass(frozen=True)
class GrainPhase:
    """Projection signs of the fine grain per 8 px block of the 512 px frame.

    Attributes:
        signs: bool array (rows, cols, BITS).
    """

    signs: np.ndarray

    @property
    def grid(self) -> tuple[int, int]:
        """Blocks down and across."""
        return (int(self.signs.shape[0]), int(self.signs.shape[1]))

    def to_assertion(self) -> dict[str, Any]:
        """The reference as assertion data (one byte per block, zlib, base64)."""
        packed = np.packbits(self.signs.astype(np.uint8), axis=2, bitorder="little")
        return {
            "alg": PHASE_ALG,
            "block": BLOCK,
            "sigma": SIGMA,
            "bits": BITS,
            "seed": _SEED,
            "grid_rows": self.grid[0],
            "grid_cols": self.grid[1],
            "data": pack(packed.tobytes()),
        }

    @classmethod
    def from_assertion(cls, data: dict[str, Any]) -> GrainPhase:
        """Parse :meth:`to_assertion` output.

        Raises:
            ValueError: Not a grain-phase reference of this version, or damaged.
        """
        if (
            data.get("alg") != PHASE_ALG
            or data.get("block") != BLOCK
            or data.get("bits") != BITS
            or data.get("seed") != _SEED
        ):
            raise ValueError("not a Veracity grain-phase reference (v1)")
        try:
            gh, gw = int(data["grid_rows"]), int(data["grid_cols"])
            raw = np.frombuffer(unpack(data["data"]), np.uint8).reshape(gh, gw, 1)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"damaged grain-phase reference ({exc})") from None
        return cls(np.unpackbits(raw, axis=2, bitorder="little").astype(bool))


def phase_of(frame: np.ndarray) -> GrainPhase:
    """The grain-phase reference of an image already reduced to the 512 px frame."""
    h, w = frame.shape[:2]
    return GrainPhase(_signs(frame, h // BLOCK, w // BLOCK))


def agreement(stored: GrainPhase, frame: np.ndarray, gh: int, gw: int) -> np.ndarray:
    """Share of each block's stored signs the copy (warped into the frame) reproduces."""
    now = _signs(frame, gh, gw)
    return np.asarray((now == stored.signs[:gh, :gw]).mean(axis=2))


def phase_frame(
    stored: GrainPhase, copy: np.ndarray, to_frame: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The copy warped into the frame, aligned to a small fraction of a pixel on the grain.

    The keypoint fit is accurate to a few tenths of a pixel, and the grain at sigma 0.8 px
    decorrelates over less than that, so the translation is refined on the stored signs
    themselves: a 5 x 5 search in quarter pixels, then a 3 x 3 search in eighths, keeping the
    offset with the highest mean agreement. Returns the warped copy and the frame pixels
    it covers.

    Args:
        stored: The reference stored at signing.
        copy: The copy's pixels.
        to_frame: 2x3 transform of copy pixels onto frame pixels.
        size: (height, width) of the frame.
    """
    gh, gw = min(stored.grid[0], size[0] // BLOCK), min(stored.grid[1], size[1] // BLOCK)

    def shifted(dy: float, dx: float) -> np.ndarray:
        m = to_frame.copy()
        m[:, 2] += (dx, dy)
        return m

    best, score, frame = (0.0, 0.0), -1.0, copy
    for step, reach in ((0.25, 2), (0.125, 1)):
        centre = best
        for i in range(-reach, reach + 1):
            for j in range(-reach, reach + 1):
                if step < 0.25 and i == j == 0:
                    continue  # the centre is the first stage's best, already scored
                offset = (centre[0] + i * step, centre[1] + j * step)
                warped = warp_into(copy, shifted(*offset), size)
                mean = float(agreement(stored, warped, gh, gw).mean())
                if mean > score:
                    best, score, frame = offset, mean, warped
    return frame, covered_by(copy, shifted(*best), size)


def phase_scores(
    stored: GrainPhase, level: np.ndarray, frame: np.ndarray, covered: np.ndarray
) -> np.ndarray:
    """Per 4 x 4 window of blocks, how far its grain agreement fell below its peers'.

    Args:
        stored: The reference stored at signing.
        level: The stored grain level per block (``Grain.log_energy()``, octaves).
        frame: The copy warped into the 512 px frame.
        covered: Pixels of ``frame`` the copy covers (frame-shaped booleans).

    Returns:
        The window scores on the block grid (robust z, positive: less agreement than its
        peers), NaN where a window is not fully compared (the rim of the covered area takes
        the warp's reflected border); all NaN when too few blocks are compared.
    """
    gh = min(stored.grid[0], level.shape[0], frame.shape[0] // BLOCK)
    gw = min(stored.grid[1], level.shape[1], frame.shape[1] // BLOCK)
    ok = reference_blocks(covered, gh, gw)
    none = np.full((gh, gw), np.nan, np.float32)
    if ok is None:
        return none
    agree = agreement(stored, frame, gh, gw)
    lv = level[:gh, :gw]
    x, y = lv[ok], agree[ok]
    grid = np.linspace(float(x.min()), float(x.max()) + 1e-6, _LEVEL_GRID)
    weights = np.exp(-0.5 * ((grid[:, None] - x[None, :]) / _LEVEL_BANDWIDTH) ** 2)
    expected = (weights * y[None, :]).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-12)
    deficit = np.where(ok, np.interp(lv, grid, expected) - agree, np.nan)
    # misalignment of a fraction of a pixel drifts across the picture: take the local trend
    half = _TREND // 2
    padded = np.pad(deficit, half, constant_values=np.nan)
    near = sliding_window_view(padded, (_TREND, _TREND)).reshape(gh, gw, -1)
    counts = np.isfinite(near).sum(axis=2)
    trend = np.zeros((gh, gw))
    has = counts > 0
    trend[has] = np.nanmedian(near[has], axis=1)
    detrended = np.nan_to_num(deficit - trend).astype(np.float32)
    k = _WINDOW
    window = cv2.blur(detrended, (k, k), borderType=cv2.BORDER_CONSTANT)
    complete = cv2.blur(ok.astype(np.float32), (k, k), borderType=cv2.BORDER_CONSTANT) > _COMPLETE
    if not complete.any():
        return none
    values = window[complete]
    spread = 1.4826 * float(np.median(np.abs(values - np.median(values))))
    return np.where(complete, window / max(spread, _SPREAD_FLOOR), np.nan).astype(np.float32)
