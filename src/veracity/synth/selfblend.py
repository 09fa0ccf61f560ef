"""Self-blended pseudo-fakes (Shiohara & Yamasaki, CVPR 2022) with Face X-ray boundaries.

A real face crop is blended with a slightly altered copy of itself inside a soft
landmark-hull mask. The result carries the statistical traces of a face swap (a colour
or sharpness seam along the blending boundary, small geometric misfit) without any
second identity, so a detector trained on these pairs learns the seam, not identities.
The blending boundary ``B = 4 M (1 - M)`` (Li et al., Face X-ray, CVPR 2020) is returned
as a per-pixel target.

Pseudo-fakes of real people must stay inside training and evaluation runs: never save
them into the repository or publish them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import cv2
import numpy as np

from veracity.faces.masks import hull_mask

__all__ = ["SelfBlend", "boundary_map", "jpeg_roundtrip", "self_blend"]


@dataclasses.dataclass(frozen=True, eq=False)
class SelfBlend:
    """One pseudo-fake.

    Attributes:
        image: Blended uint8 RGB image, same size as the input.
        mask: Soft blending mask in [0, 1] (float32), before the blend ratio.
        boundary: Face X-ray boundary map ``4 M (1 - M)`` of the effective mask.
        params: The random choices made (for logging and tests).
    """

    image: np.ndarray
    mask: np.ndarray
    boundary: np.ndarray
    params: dict[str, Any]


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """Face X-ray blending boundary of a soft mask in [0, 1]."""
    m = np.clip(mask.astype(np.float32), 0.0, 1.0)
    return 4.0 * m * (1.0 - m)


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode ``rgb`` as JPEG at ``quality``."""
    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None
    if decoded is None:
        raise ValueError("JPEG round trip failed")
    return np.ascontiguousarray(decoded[:, :, ::-1])


def _colour_jitter(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = img.astype(np.float32)
    out += rng.uniform(-20, 20, size=3).astype(np.float32)
    contrast = rng.uniform(0.85, 1.15)
    out = (out - out.mean()) * contrast + out.mean() + rng.uniform(-15, 15)
    hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.int16)
    hsv[:, :, 0] = (hsv[:, :, 0] + rng.integers(-6, 7)) % 180
    hsv[:, :, 1] = np.clip(hsv[:, :, 1] * rng.uniform(0.8, 1.2), 0, 255)
    return cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)


def _frequency_jitter(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kind = rng.integers(0, 3)
    if kind == 0:
        sigma = rng.uniform(0.6, 1.6)
        return cv2.GaussianBlur(img, (0, 0), sigma)
    if kind == 1:
        blur = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.8, 1.5)).astype(np.float32)
        amount = rng.uniform(0.4, 1.2)
        sharp = img.astype(np.float32) * (1 + amount) - blur * amount
        return np.clip(sharp, 0, 255).astype(np.uint8)
    h, w = img.shape[:2]
    f = rng.uniform(0.45, 0.8)
    small = cv2.resize(img, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _small_warp(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    sx, sy = rng.uniform(0.95, 1.05, size=2)
    tx, ty = rng.uniform(-0.03, 0.03, size=2) * (w, h)
    cx, cy = w / 2, h / 2
    m = np.array([[sx, 0, cx - sx * cx + tx], [0, sy, cy - sy * cy + ty]], dtype=np.float64)
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT101)


def _make_mask(
    landmarks: np.ndarray, shape: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    pts = np.asarray(landmarks, dtype=np.float32)
    if rng.random() < 0.3:  # inner face only: drop the forehead points above the eyebrows
        brow_y = np.percentile(pts[:, 1], 25)
        pts = pts[pts[:, 1] >= brow_y]
    mask = hull_mask(pts, shape)
    size = int(max(3, min(shape) * rng.uniform(0.02, 0.08)))
    kernel = np.ones((size, size), np.uint8)
    choice = rng.integers(0, 3)
    if choice == 0:
        mask = cv2.erode(mask, kernel)
    elif choice == 1:
        mask = cv2.dilate(mask, kernel)
    mask = _elastic(mask, rng)
    sigma = min(shape) * rng.uniform(0.01, 0.06)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    return np.clip(mask / max(float(mask.max()), 1e-6), 0.0, 1.0)


def _elastic(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = mask.shape
    grid = rng.normal(0, 1, size=(2, 4, 4)).astype(np.float32) * min(h, w) * 0.03
    dx = cv2.resize(grid[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(grid[1], (w, h), interpolation=cv2.INTER_CUBIC)
    xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(mask, xx + dx, yy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def self_blend(
    rgb: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator | None = None
) -> SelfBlend:
    """Make one self-blended pseudo-fake of a real face.

    Args:
        rgb: ``(H, W, 3)`` uint8 face image (an aligned crop with some margin).
        landmarks: ``(N, 2)`` face landmarks in ``rgb`` pixel coordinates (mesh or 68-pt).
        rng: Random generator (for reproducibility).

    Returns:
        The blended image, its mask and its boundary map.
    """
    rng = rng or np.random.default_rng()
    jitters = (_colour_jitter, _frequency_jitter)
    source = jitters[int(rng.integers(0, 2))](rgb, rng)
    if rng.random() < 0.5:
        source = (
            _colour_jitter(source, rng) if rng.random() < 0.5 else _frequency_jitter(source, rng)
        )
    source = _small_warp(source, rng)
    mask = _make_mask(landmarks, rgb.shape[:2], rng)
    ratio = float(rng.choice([0.25, 0.5, 0.75, 1.0, 1.0, 1.0]))
    effective = mask * ratio
    blended = source.astype(np.float32) * effective[:, :, None] + rgb.astype(np.float32) * (
        1.0 - effective[:, :, None]
    )
    image = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return SelfBlend(image=image, mask=mask, boundary=boundary_map(mask), params={"ratio": ratio})
