"""Durable Content Credentials: a watermark carrying the manifest id, plus a fingerprint.

The image watermark (``veracity.watermark.image``) carries a 64-bit manifest id; the
PDQ fingerprints of several views of the signed image are a fallback when the mark does
not survive. Both are looked up in the manifest store. A watermark match must be
confirmed by the fingerprint (within a loose bound), so a mark copied onto other
content does not attach someone else's manifest to it.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from veracity.errors import ConfigError
from veracity.fingerprint import PdqHash, hamming, pdq_hash

__all__ = [
    "CROP_VIEWS",
    "FINGERPRINT_MAX_DISTANCE",
    "MIN_PDQ_QUALITY",
    "WATERMARK_CONFIRM_DISTANCE",
    "best_distance",
    "enrolment_fingerprints",
    "fingerprint",
    "watermark_available",
    "watermark_functions",
]

# Enrolled views besides the full image: centre crops, and 90% and 80% crops on a 5x5
# grid of offsets (the documented crop tolerance keeps >= 80 % of each side), so cropped copies (centred or not) stay near one enrolled view. PDQ is a
# global hash; without these views a 90% off-centre crop lands ~100 bits away.
CROP_VIEWS: tuple[tuple[float, float, float], ...] = (
    (1.0, 0.5, 0.5),
    (0.95, 0.5, 0.5),
    (0.85, 0.5, 0.5),
    *((0.9, fx, fy) for fx in (0.0, 0.25, 0.5, 0.75, 1.0) for fy in (0.0, 0.25, 0.5, 0.75, 1.0)),
    *((0.8, fx, fy) for fx in (0.0, 0.25, 0.5, 0.75, 1.0) for fy in (0.0, 0.25, 0.5, 0.75, 1.0)),
)
# Candidate radius, from benchmarks/durable_recovery.py (README "Content Credentials"):
# attacked copies stayed within 52 bits of an enrolled view of their own photo, but
# aligned face portraits of other people came as close as 56 bits, so every candidate
# is then checked geometrically against the manifest's thumbnail (geometry.py).
FINGERPRINT_MAX_DISTANCE = 64
# PDQ's reference guidance: hashes of flatter images (quality below 50) are unreliable.
MIN_PDQ_QUALITY = 50
# A watermark hit is accepted only if the fingerprint is not clearly of another image
# (unrelated images sit at 128 +- 8 bits from a given one).
WATERMARK_CONFIRM_DISTANCE = 90
# Images are reduced to this long side before hashing (PDQ works on 64x64 anyway).
_HASH_SIDE = 512

_WATERMARK_MODULE = "veracity.watermark.image"


def _view(rgb: np.ndarray, scale: float, fx: float, fy: float) -> np.ndarray:
    if scale >= 1.0:
        return rgb
    h, w = rgb.shape[:2]
    ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
    y0, x0 = round((h - ch) * fy), round((w - cw) * fx)
    return rgb[y0 : y0 + ch, x0 : x0 + cw]


def _reduce(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    if max(h, w) <= _HASH_SIDE:
        return rgb
    s = _HASH_SIDE / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def fingerprint(rgb: np.ndarray) -> PdqHash:
    """The PDQ hash used for lookups (after reducing large images)."""
    return pdq_hash(_reduce(rgb))


def enrolment_fingerprints(rgb: np.ndarray) -> tuple[bytes, ...]:
    """PDQ digests of the image's enrolled views (full, centre crops, offset crops)."""
    small = _reduce(rgb)
    return tuple(pdq_hash(_view(small, *v)).digest for v in CROP_VIEWS)


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
