"""Perceptual masking: how much mark each pixel can hide.

Local activity (the standard deviation of luminance in a small window) masks
added noise; flat areas show it. The mask is proportional to a compressed local
activity, floored so flat areas still carry a faint mark.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["activity_mask", "luminance"]

_WINDOW = 5
_FLOOR = 2.0  # grey levels of local std treated as "flat"
_CEIL = 40.0
_GAMMA = 0.2


def luminance(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of a uint8 RGB image as float32."""
    f = rgb.astype(np.float32)
    return 0.299 * f[:, :, 0] + 0.587 * f[:, :, 1] + 0.114 * f[:, :, 2]


def activity_mask(luma: np.ndarray) -> np.ndarray:
    """Relative embedding strength per pixel; 1.0 on flat areas, larger on texture."""
    mean = cv2.blur(luma, (_WINDOW, _WINDOW))
    sq = cv2.blur(luma * luma, (_WINDOW, _WINDOW))
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    std = cv2.GaussianBlur(std, (0, 0), 1.5)  # no hard mask edges
    mask = (np.clip(std, _FLOOR, _CEIL) / _FLOOR) ** _GAMMA
    return mask.astype(np.float32)
