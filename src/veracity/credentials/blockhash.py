"""Block-wise perceptual hashes stored at signing: what each region of the image looked like.

The manifest's thumbnail is a JPEG the C2PA library makes (quality ~75, resampled), so it
cannot tell a region's fine texture from its compression noise. At durable signing,
Veracity therefore also stores, per 16 px block of the image reduced to a 512 px long
side, the block's mean luma and two texture energies (mean absolute band-pass luma at a
fine and a middle scale, log-coded) in a custom assertion (``io.github.veracity.blockhash``,
~3 KB). Re-encoding (JPEG 50-95, WebP, resizes) scales texture nearly uniformly across
the picture; an inpainted or pasted region loses (or gains) texture locally. On recovery
the copy is aligned with the thumbnail (:mod:`.alteration`) and each block's texture is
compared with the stored one, relative to the picture-wide change. Since v1.1 of the
assertion, the same data also carries a finer low-frequency signature (``lowpass``: the
mean colour of every 8 px block, :mod:`.lowpass`); since v1.2 also a grain reference
(``grain``: the fine high-pass energy of every 8 px block, :mod:`.grain`); since v1.3 also a
grain-phase reference (``phase``: the sign pattern of that high-pass, :mod:`.grainphase`).
Manifests signed before lack them and are compared without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from veracity.credentials.grain import Grain, grain_of
from veracity.credentials.grainphase import GrainPhase, phase_of
from veracity.credentials.lowpass import LowPass, block_means, lowpass_of, pack, unpack
from veracity.credentials.manifest import BLOCKHASH_LABEL

__all__ = [
    "BLOCKHASH_ALG",
    "BLOCKHASH_LABEL",
    "FRAME_SIDE",
    "BlockHash",
    "block_hash",
    "frame_of",
    "stored_block_hash",
    "texture_change",
]

BLOCKHASH_ALG = "io.github.veracity.blockhash.v1"
FRAME_SIDE = 512  # long side of the frame the blocks are measured in (px)
BLOCK = 16  # block side in that frame (px): the 8 px grid of the thumbnail comparison
_CODE = 32.0  # log-code steps per octave of texture energy
_FLOOR = 0.5  # texture energy (8-bit levels) added before taking ratios: noise floor


@dataclass(frozen=True)
class BlockHash:
    """Per-block summary of a signed image.

    Attributes:
        frame: (height, width) of the frame the blocks tile (long side 512 px).
        luma: Mean luma per block (uint8, grid shape).
        fine: Log-coded fine-scale texture energy per block (uint8).
        mid: Log-coded middle-scale texture energy per block (uint8).
        lowpass: The finer low-frequency signature, or None (manifests signed before it).
        grain: The grain reference, or None (manifests signed before it).
        phase: The grain-phase reference, or None (manifests signed before it).
    """

    frame: tuple[int, int]
    luma: np.ndarray
    fine: np.ndarray
    mid: np.ndarray
    lowpass: LowPass | None = None
    grain: Grain | None = None
    phase: GrainPhase | None = None

    @property
    def grid(self) -> tuple[int, int]:
        """Blocks down and across."""
        return (int(self.luma.shape[0]), int(self.luma.shape[1]))

    def energy(self) -> np.ndarray:
        """Texture energy per block (8-bit levels): the larger of the fine and middle scale."""
        return np.maximum(_decode(self.fine), _decode(self.mid))

    def to_assertion(self) -> dict[str, Any]:
        """The assertion data (the three planes zlib-compressed and base64-coded)."""
        planes = np.stack([self.luma, self.fine, self.mid]).astype(np.uint8).tobytes()
        extra: dict[str, Any] = {}
        if self.lowpass is not None:
            extra["lowpass"] = self.lowpass.to_assertion()
        if self.grain is not None:
            extra["grain"] = self.grain.to_assertion()
        if self.phase is not None:
            extra["phase"] = self.phase.to_assertion()
        return {
            "alg": BLOCKHASH_ALG,
            # plain integers: c2pa's CBOR round trip turns short integer lists into bytes
            "frame_height": self.frame[0],
            "frame_width": self.frame[1],
            "block": BLOCK,
            "grid_rows": self.grid[0],
            "grid_cols": self.grid[1],
            "planes": ["luma", "fine", "mid"],
            "data": pack(planes),
            **extra,
        }

    @classmethod
    def from_assertion(cls, data: dict[str, Any]) -> BlockHash:
        """Parse :meth:`to_assertion` output.

        Raises:
            ValueError: Not a block hash of this version, or damaged.
        """
        if data.get("alg") != BLOCKHASH_ALG or data.get("block") != BLOCK:
            raise ValueError("not a Veracity block hash (v1)")
        try:
            gh, gw = int(data["grid_rows"]), int(data["grid_cols"])
            fh, fw = int(data["frame_height"]), int(data["frame_width"])
            raw = unpack(data["data"])
            planes = np.frombuffer(raw, np.uint8).reshape(3, gh, gw)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"damaged block hash ({exc})") from None
        lowpass = data.get("lowpass")
        parsed = None if lowpass is None else LowPass.from_assertion(lowpass)
        grain = data.get("grain")
        texture = None if grain is None else Grain.from_assertion(grain)
        phase = data.get("phase")
        signs = None if phase is None else GrainPhase.from_assertion(phase)
        return cls(
            (fh, fw), planes[0].copy(), planes[1].copy(), planes[2].copy(), parsed, texture, signs
        )


def stored_block_hash(manifest: dict[str, Any]) -> BlockHash | None:
    """The block hash a manifest (reader JSON of one manifest) carries, or None."""
    for assertion in manifest.get("assertions", []):
        if assertion.get("label") == BLOCKHASH_LABEL:
            try:
                return BlockHash.from_assertion(assertion.get("data") or {})
            except ValueError:
                return None
    return None


def frame_of(rgb: np.ndarray) -> np.ndarray:
    """The image reduced (or enlarged) to the block-hash frame."""
    h, w = rgb.shape[:2]
    scale = FRAME_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(rgb[:, :, :3]), size, interpolation=interp)


def _planes(frame: np.ndarray, gh: int, gw: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean luma and fine/middle band-pass energy per block (8-bit levels)."""
    y = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    b1 = cv2.GaussianBlur(y, (0, 0), 1.0)
    b3 = cv2.GaussianBlur(y, (0, 0), 3.0)
    return (
        block_means(y, gh, gw, BLOCK),
        block_means(np.abs(y - b1), gh, gw, BLOCK),
        block_means(np.abs(b1 - b3), gh, gw, BLOCK),
    )


def _code(energy: np.ndarray) -> np.ndarray:
    return np.clip(np.round(_CODE * np.log2(1.0 + energy)), 0, 255).astype(np.uint8)


def _decode(code: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp2(code.astype(np.float64) / _CODE) - 1.0)


def block_hash(rgb: np.ndarray) -> BlockHash:
    """The block hash of an image (the decoded pixels that were signed)."""
    frame = frame_of(rgb)
    h, w = frame.shape[:2]
    gh, gw = h // BLOCK, w // BLOCK
    luma, fine, mid = _planes(frame, gh, gw)
    luma8 = np.round(luma).astype(np.uint8)
    return BlockHash(
        (h, w), luma8, _code(fine), _code(mid), lowpass_of(frame), grain_of(frame), phase_of(frame)
    )


def texture_change(stored: BlockHash, frame: np.ndarray, compared: np.ndarray) -> np.ndarray:
    """Per-block texture change of a copy (warped into the stored frame) against the hash.

    The log-ratio of each block's texture energy to the stored one, less its median over
    the compared blocks (re-encoding changes texture picture-wide), in octaves; the larger
    of the fine and middle scale. NaN where ``compared`` (grid-shaped) is false.
    """
    gh, gw = compared.shape
    _, fine, mid = _planes(frame, gh, gw)
    out = np.zeros((gh, gw))
    for now, code in ((fine, stored.fine), (mid, stored.mid)):
        then = _decode(code[:gh, :gw])
        d = np.log2((now + _FLOOR) / (then + _FLOOR))
        d -= float(np.median(d[compared])) if compared.any() else 0.0
        out = np.maximum(out, np.abs(d))
    return np.where(compared, out, np.nan)
