"""Label-preserving augmentations applied identically (in distribution) to reals and fakes."""

from __future__ import annotations

import cv2
import numpy as np

from veracity.synth.selfblend import jpeg_roundtrip

__all__ = ["shared_augment"]


def shared_augment(
    rgb: np.ndarray, boundary: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Flip, rescale and JPEG-compress an image (and flip its boundary map with it).

    Real and fake training images both pass through this, so compression or resolution
    alone never tells them apart.
    """
    if rng.random() < 0.5:
        rgb, boundary = rgb[:, ::-1], boundary[:, ::-1]
    if rng.random() < 0.3:
        h, w = rgb.shape[:2]
        f = rng.uniform(0.5, 0.9)
        small = cv2.resize(rgb, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
        rgb = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.7:
        rgb = jpeg_roundtrip(np.ascontiguousarray(rgb), int(rng.integers(50, 96)))
    return np.ascontiguousarray(rgb), np.ascontiguousarray(boundary)
