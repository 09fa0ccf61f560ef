"""A fine low-frequency signature stored at signing: each small block's mean colour, exactly.

The manifest's thumbnail is a c2pa-made JPEG (quality ~75) whose block means carry a grey
level or more of compression noise, and the block hash (:mod:`.blockhash`) keeps one
rounded luma mean per 16 px block. A fill that shifts 1 % of a flat picture by 1-2 grey
levels hides in both. So durable signing also stores, beside the block hash, the mean Y,
Cr and Cb of every 8 px block of the 512 px frame, quantised to a quarter of a grey level
(row-wise differences, zlib, base64: 7-11 KB). Re-encoding and resizing leave those means
almost unchanged (a block mean is the lowest frequency a codec keeps), apart from a global
tone change and a residual proportional to the local gradient where the copy is a fraction
of a pixel out of alignment. On recovery the copy's block means are tone-matched to the
stored ones, each block's difference is divided by the copy's own noise level plus its
stored gradient and texture, and the squared ratios are averaged over 2x2 blocks: a local
change is a cluster of large ratios, re-encoding noise is not.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

__all__ = [
    "LOWPASS_ALG",
    "LowPass",
    "block_means",
    "lowpass_change",
    "lowpass_of",
    "pack",
    "unpack",
    "window_peak",
]

LOWPASS_ALG = "io.github.veracity.lowpass.v1"
BLOCK = 8  # block side in the 512 px frame of the block hash (px)
STEP = 0.25  # quantisation step of the stored means (8-bit levels)
# Misalignment of a fraction of a pixel moves a block's mean in proportion to its gradient
# and texture: these shares of the stored gradient (to the neighbouring blocks) and of the
# block hash's texture energy are added to the copy's noise level. Set on BSDS500 train.
_GRADIENT = 0.1
_ENERGY = 0.5
_NOISE_FLOOR = 0.2  # floor of the copy's noise level (8-bit levels)
_FULL = 0.999  # share of a block the copy must cover to be compared


@dataclass(frozen=True)
class LowPass:
    """Mean Y, Cr, Cb per 8 px block of the 512 px frame.

    Attributes:
        means: float array (rows, cols, 3), multiples of :data:`STEP`.
    """

    means: np.ndarray

    @property
    def grid(self) -> tuple[int, int]:
        """Blocks down and across."""
        return (int(self.means.shape[0]), int(self.means.shape[1]))

    def to_assertion(self) -> dict[str, Any]:
        """The signature as assertion data (row-wise differences, zlib, base64)."""
        codes = np.round(self.means / STEP).astype(np.int32).transpose(2, 0, 1)  # 0..1020
        # low bytes before the high ones: zlib finds the runs of zeros
        zigzag = encode_rows(codes, axis=2).astype(np.uint16)
        raw = (zigzag & 255).astype(np.uint8).tobytes() + (zigzag >> 8).astype(np.uint8).tobytes()
        return {
            "alg": LOWPASS_ALG,
            "block": BLOCK,
            "step": STEP,
            "grid_rows": self.grid[0],
            "grid_cols": self.grid[1],
            "planes": ["Y", "Cr", "Cb"],
            "data": pack(raw),
        }

    @classmethod
    def from_assertion(cls, data: dict[str, Any]) -> LowPass:
        """Parse :meth:`to_assertion` output.

        Raises:
            ValueError: Not a signature of this version, or damaged.
        """
        if data.get("alg") != LOWPASS_ALG or data.get("block") != BLOCK:
            raise ValueError("not a Veracity low-pass signature (v1)")
        try:
            gh, gw, step = int(data["grid_rows"]), int(data["grid_cols"]), float(data["step"])
            raw = unpack(data["data"])
            low, high = np.frombuffer(raw, np.uint8).astype(np.int32).reshape(2, 3, gh, gw)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"damaged low-pass signature ({exc})") from None
        return cls(decode_rows(low | (high << 8), axis=2).transpose(1, 2, 0) * step)


def pack(raw: bytes) -> str:
    """Bytes as assertion text: zlib (level 9), then base64 (ASCII)."""
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


# The references unpack to a few KB; a hostile manifest could carry a zlib bomb.
MAX_UNPACKED = 4 << 20


def unpack(text: str, limit: int = MAX_UNPACKED) -> bytes:
    """Inverse of :func:`pack`, refusing streams that inflate past ``limit`` bytes.

    Raises:
        ValueError: Not base64, not a complete zlib stream, or larger than ``limit``.
    """
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.b64decode(text, validate=True), limit)
    except zlib.error as exc:
        raise ValueError(str(exc)) from None
    if inflater.unconsumed_tail:
        raise ValueError(f"packed data inflates past {limit} bytes")
    if not inflater.eof:
        raise ValueError("truncated zlib stream")
    return raw


def encode_rows(codes: np.ndarray, axis: int) -> np.ndarray:
    """Integer codes as differences along ``axis``, zigzag-coded (0, -1, 1, -2 -> 0, 1, 2, 3)."""
    deltas = np.diff(codes, axis=axis, prepend=0)
    return np.where(deltas >= 0, 2 * deltas, -2 * deltas - 1)


def decode_rows(zigzag: np.ndarray, axis: int) -> np.ndarray:
    """Inverse of :func:`encode_rows`."""
    deltas = np.where(zigzag % 2 == 0, zigzag // 2, -(zigzag + 1) // 2)
    return np.cumsum(deltas, axis=axis)


def _ycc(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(frame[:, :, :3]), cv2.COLOR_RGB2YCrCb).astype(
        np.float32
    )


def block_means(plane: np.ndarray, gh: int, gw: int, block: int = BLOCK) -> np.ndarray:
    """Mean of each ``block`` x ``block`` cell of the top-left ``gh`` x ``gw`` cells (any channels)."""
    cut = plane[: gh * block, : gw * block]
    return np.asarray(cut.reshape(gh, block, gw, block, *plane.shape[2:]).mean(axis=(1, 3)))


def lowpass_of(frame: np.ndarray) -> LowPass:
    """The signature of an image already reduced to the 512 px frame (:func:`.frame_of`)."""
    h, w = frame.shape[:2]
    means = block_means(_ycc(frame), h // BLOCK, w // BLOCK)
    return LowPass(np.round(means / STEP) * STEP)


def _tone_matched(now: np.ndarray, then: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``now`` mapped onto ``then`` by one gain and offset per channel (robust fit)."""
    out = np.empty_like(now)
    for c in range(now.shape[2]):
        q, r = now[..., c][keep], then[..., c][keep]
        inl = np.ones(q.shape, bool)
        for _ in range(2):  # refit without the worst blocks, so an edit does not bend it
            gain, offset = np.polyfit(q[inl], r[inl], 1)
            resid = np.abs(gain * q + offset - r)
            inl = resid <= np.quantile(resid, 0.8)
        out[..., c] = gain * now[..., c] + offset
    return out


def _gradient(means: np.ndarray) -> np.ndarray:
    """Largest difference of each block's means to its four neighbours (per channel)."""
    gh, gw = means.shape[:2]
    p = np.pad(means, ((1, 1), (1, 1), (0, 0)), mode="edge")
    steps = ((0, 1), (0, -1), (1, 0), (-1, 0))
    return np.max([np.abs(means - p[1 + dy : 1 + dy + gh, 1 + dx : 1 + dx + gw]) for dy, dx in steps], axis=0)  # fmt: skip


def lowpass_change(
    stored: LowPass, frame: np.ndarray, covered: np.ndarray, energy: np.ndarray
) -> np.ndarray:
    """Noise-relative squared change per block of a copy warped into the stored frame.

    Args:
        stored: The signature stored at signing.
        frame: The copy warped into the 512 px frame.
        covered: Pixels of ``frame`` the copy covers (frame-shaped booleans).
        energy: Texture energy per block (8-bit levels, on this signature's grid).

    Returns:
        Per block, the largest squared ratio of a channel's tone-matched difference to the
        copy's noise level plus the block's gradient and texture share (NaN where the block
        is not compared: outside or on the rim of the covered area; NaN everywhere when
        too few blocks are).
    """
    gh = min(stored.grid[0], frame.shape[0] // BLOCK, energy.shape[0])
    gw = min(stored.grid[1], frame.shape[1] // BLOCK, energy.shape[1])
    then = stored.means[:gh, :gw]
    now = block_means(_ycc(frame), gh, gw)
    full = block_means(covered.astype(np.float32), gh, gw) >= _FULL
    # blocks on the rim of the covered area take the reflected border of the warp
    kernel = np.ones((3, 3), np.uint8)
    inner = cv2.erode(full.astype(np.uint8), kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    keep = inner > 0
    if keep.sum() < 20:
        return np.full((gh, gw), np.nan, np.float32)
    diff = _tone_matched(now, then, keep) - then
    noise = np.maximum(np.median(np.abs(diff[keep]), axis=0), _NOISE_FLOOR)
    scale = noise + _GRADIENT * _gradient(then) + _ENERGY * energy[:gh, :gw, None]
    ratio = np.max((diff / scale) ** 2, axis=2)
    return np.where(keep, ratio, np.nan).astype(np.float32)


def window_peak(change: np.ndarray) -> float:
    """The largest mean of :func:`lowpass_change` over a fully compared 2x2 window."""
    if change.shape[0] < 2 or change.shape[1] < 2:
        return 0.0
    window = (change[:-1, :-1] + change[1:, :-1] + change[:-1, 1:] + change[1:, 1:]) / 4
    compared = np.isfinite(change)
    full = compared[:-1, :-1] & compared[1:, :-1] & compared[:-1, 1:] & compared[1:, 1:]
    return float(window[full].max()) if full.any() else 0.0
