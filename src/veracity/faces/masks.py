"""Face-region masks from landmarks."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["ellipse_mask_from_points5", "hull_mask"]


def hull_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Float32 mask in [0, 1] of the convex hull of ``points`` in an image of ``shape``."""
    mask = np.zeros(shape, dtype=np.uint8)
    hull = cv2.convexHull(np.round(points).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 255)
    return mask.astype(np.float32) / 255.0


def ellipse_mask_from_points5(points5: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Approximate face-region mask from the five YuNet points (used without a mesh)."""
    p = np.asarray(points5, dtype=np.float64)
    eyes = (p[0] + p[1]) / 2
    mouth = (p[3] + p[4]) / 2
    axis = mouth - eyes
    height = np.linalg.norm(axis)
    width = np.linalg.norm(p[1] - p[0])
    centre = eyes + axis * 0.35
    angle = np.degrees(np.arctan2(axis[0], axis[1]))
    mask = np.zeros(shape, dtype=np.uint8)
    axes = (max(1, int(width * 1.05)), max(1, int(height * 1.75)))
    cv2.ellipse(mask, (int(centre[0]), int(centre[1])), axes, -angle, 0, 360, 255, -1)
    return mask.astype(np.float32) / 255.0
