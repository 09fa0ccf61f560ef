"""Durable Content Credentials: a watermark carrying the manifest id, plus a fingerprint.

The image watermark (``veracity.watermark.image``) carries a 64-bit manifest id; the
PDQ fingerprint is a fallback when the mark does not survive. Both are looked up in the
manifest store. A fingerprint match must be unambiguous, and a watermark match must be
confirmed by the fingerprint (within a loose bound), so one wrong signal alone never
attaches someone else's manifest to a file.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from veracity.errors import ConfigError
from veracity.fingerprint import hamming, pdq_hash

__all__ = [
    "CROP_SCALES",
    "FINGERPRINT_MAX_DISTANCE",
    "MIN_PDQ_QUALITY",
    "WATERMARK_CONFIRM_DISTANCE",
    "best_distance",
    "enrolment_fingerprints",
    "watermark_available",
    "watermark_functions",
]

# Centre crops enrolled besides the full image, so centre-cropped copies still match.
CROP_SCALES = (1.0, 0.95, 0.9, 0.85)
# Measured with benchmarks/durable_recovery.py (README "Content Credentials"): copies of
# the same photo after the attacks stayed at or below 24 bits from an enrolled variant,
# unrelated images never came closer than 86 bits.
FINGERPRINT_MAX_DISTANCE = 40
# PDQ's reference guidance: hashes of flatter images (quality below 50) are unreliable.
MIN_PDQ_QUALITY = 50
# A watermark hit is accepted only if the fingerprint is not clearly of another image.
WATERMARK_CONFIRM_DISTANCE = 80


_WATERMARK_MODULE = "veracity.watermark.image"


def _centre_crop(rgb: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return rgb
    h, w = rgb.shape[:2]
    ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return rgb[y0 : y0 + ch, x0 : x0 + cw]


def enrolment_fingerprints(rgb: np.ndarray) -> tuple[bytes, ...]:
    """PDQ digests of the image and its enrolled centre crops."""
    return tuple(pdq_hash(_centre_crop(rgb, s)).digest for s in CROP_SCALES)


def best_distance(digest: bytes, enrolled: tuple[bytes, ...]) -> int:
    """Smallest Hamming distance from ``digest`` to any enrolled fingerprint (256 if none)."""
    return min((hamming(digest, e) for e in enrolled), default=256)


def watermark_functions() -> tuple[Callable[..., np.ndarray], Callable[..., Any]]:
    """Return ``(embed_pixels, detect_pixels)`` of the image watermark.

    Raises:
        ConfigError: The image watermark module is not available in this build.
    """
    try:
        module = importlib.import_module(_WATERMARK_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != _WATERMARK_MODULE:
            raise
        raise ConfigError(
            f"durable credentials need the image watermark ({_WATERMARK_MODULE})"
        ) from None
    return module.embed_pixels, module.detect_pixels


def watermark_available() -> bool:
    """True when the image watermark module is part of this build."""
    return importlib.util.find_spec(_WATERMARK_MODULE) is not None
