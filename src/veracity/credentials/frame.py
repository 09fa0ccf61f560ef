"""Warping a copy into the frame of the stored block-level references (512 px long side).

The block hash, low-pass signature, grain reference and grain phase are all measured on the
signed image reduced to that frame; a copy is compared after one affine warp from its own
pixels into it. One resampling step only: a second one would blur texture unevenly (its
sub-pixel phase drifts across the picture).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["covered_by", "warp_into"]


def warp_into(copy: np.ndarray, to_frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The copy's RGB pixels warped by ``to_frame`` (2x3, copy px -> frame px) into a frame of
    ``size`` (height, width); area averaging when it shrinks, cubic otherwise, reflected
    border."""
    shrink = abs(float(np.linalg.det(to_frame[:, :2]))) < 1.0
    flags = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    src = np.ascontiguousarray(copy[:, :, :3])
    return cv2.warpAffine(
        src, to_frame, (size[1], size[0]), flags=flags, borderMode=cv2.BORDER_REFLECT
    )


def covered_by(copy: np.ndarray, to_frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The frame pixels the warped copy covers (booleans of ``size``)."""
    ones = np.full(copy.shape[:2], 255, np.uint8)
    covered = cv2.warpAffine(
        ones, to_frame, (size[1], size[0]), flags=cv2.INTER_NEAREST, borderValue=0
    )
    return np.asarray(covered > 0)
