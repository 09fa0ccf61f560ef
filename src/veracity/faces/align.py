"""Five-point similarity alignment into a fixed face crop.

The template is the widely used ArcFace 112x112 layout, shrunk so that the whole face
(forehead to chin, with some background) fits: the blending boundary a face swap leaves
around the face must lie inside the crop for a detector to see it.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["CROP_SIZE", "aligned_crop", "alignment_matrix", "invert_affine", "transform_points"]

CROP_SIZE = 128
_TEMPLATE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)
# Fraction of the crop the 112-px template spans, and the template point put at the centre.
_FACE_FRACTION = 0.62
_TEMPLATE_CENTRE = np.array([56.0, 66.0], dtype=np.float32)


def template(size: int = CROP_SIZE) -> np.ndarray:
    """The five destination points for a ``size`` x ``size`` crop."""
    scale = size * _FACE_FRACTION / 112.0
    return ((_TEMPLATE_112 - _TEMPLATE_CENTRE) * scale + size / 2.0).astype(np.float32)


def alignment_matrix(points: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """2x3 similarity transform taking the five face points onto the crop template."""
    src = np.asarray(points, dtype=np.float32).reshape(5, 2)
    matrix, _ = cv2.estimateAffinePartial2D(src, template(size), method=cv2.LMEDS)
    if matrix is None:  # degenerate points: fall back to a least-squares fit
        matrix, _ = cv2.estimateAffinePartial2D(src, template(size), method=0)
    if matrix is None:
        raise ValueError("cannot align degenerate face points")
    return matrix.astype(np.float64)


def aligned_crop(rgb: np.ndarray, points: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Warp ``rgb`` so the face's five points land on the template; returns size x size."""
    matrix = alignment_matrix(points, size)
    return cv2.warpAffine(
        rgb, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
    )


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a 2x3 affine transform."""
    return cv2.invertAffineTransform(matrix)


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine transform to ``(N, 2)`` points."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]
