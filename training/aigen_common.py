"""Shared data handling for the AI-generated image detectors (training and evaluation).

Real images come from the developer data (BSDS500 photos and LFW faces). Every source
image is assigned to one split by a hash of its key (photo id, or face identity so that
no person spans two splits): ``train`` 60 %, ``calib`` 20 % (calibration and fusion),
``test`` 20 % (held-out evaluation only).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CROP = 224


@dataclasses.dataclass(frozen=True)
class Source:
    path: Path
    key: str
    kind: str  # "photo" or "face"

    @property
    def split(self) -> str:
        h = int(hashlib.sha256(self.key.encode()).hexdigest(), 16) % 100
        return "train" if h < 60 else "calib" if h < 80 else "test"


def list_sources(photos: Path, faces: Path, max_faces: int = 600) -> list[Source]:
    """Real source images; faces capped (one image per identity) to keep runs short."""
    out = [Source(p, f"photo:{p.stem}", "photo") for p in sorted(photos.rglob("*.jpg"))]
    seen: set[str] = set()
    for p in sorted(faces.rglob("*.jpg")):
        ident = p.parent.name
        if ident in seen or len(seen) >= max_faces:
            continue
        seen.add(ident)
        out.append(Source(p, f"face:{ident}", "face"))
    return out


def load_crop(src: Source, rng: np.random.Generator, size: int = CROP) -> np.ndarray:
    """Decode a source and take a random crop (faces are 250 px, photos 481x321)."""
    rgb = np.asarray(Image.open(src.path).convert("RGB"))
    h, w = rgb.shape[:2]
    s = min(size, h, w) // 2 * 2
    y, x = rng.integers(0, h - s + 1), rng.integers(0, w - s + 1)
    return np.ascontiguousarray(rgb[y : y + s, x : x + s])


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def resize(rgb: np.ndarray, factor: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    size = (max(16, round(w * factor)), max(16, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, size, interpolation=interp)


def augment(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Same random post-processing for both classes, so the container is not a cue."""
    if rng.random() < 0.1:
        rgb = cv2.GaussianBlur(rgb, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.3:
        rgb = resize(rgb, rng.uniform(0.5, 0.95))
    if rng.random() < 0.5:
        rgb = jpeg(rgb, int(rng.integers(60, 98)))
    return rgb


def perturb(rgb: np.ndarray, condition: str) -> np.ndarray:
    """Evaluation conditions: clean, jpeg75, resize0.5."""
    if condition == "clean":
        return rgb
    if condition == "jpeg75":
        return jpeg(rgb, 75)
    if condition == "resize0.5":
        return resize(rgb, 0.5)
    raise ValueError(condition)
