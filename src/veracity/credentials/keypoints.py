"""One ORB keypoint matcher for the credential checks that compare a copy with its thumbnail.

Both the geometric verification of a fingerprint candidate (:mod:`.geometry`) and the
content comparison (:mod:`.alteration`) fit one similarity transform (crop + scale +
small rotation) from a copy to the signed image's thumbnail: ORB keypoints, Lowe's ratio
test, RANSAC.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Similarity", "fit_similarity", "grey"]

_RATIO = 0.8  # Lowe's ratio test


@dataclass(frozen=True)
class Similarity:
    """A fitted transform from query pixels to reference pixels.

    Attributes:
        matrix: 2x3 similarity matrix (query -> reference), or None when none was found.
        inliers: Keypoint matches consistent with it (0 when none).
    """

    matrix: np.ndarray | None
    inliers: int


def grey(rgb: np.ndarray) -> np.ndarray:
    """8-bit luma of an RGB(A) or grey array."""
    if rgb.ndim == 2:
        return np.ascontiguousarray(rgb)
    return cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2GRAY)


def fit_similarity(
    query: np.ndarray,
    reference: np.ndarray,
    *,
    features: int = 1000,
    reprojection: float = 4.0,
    min_matches: int = 6,
) -> Similarity:
    """Fit a similarity transform mapping ``query`` onto ``reference`` (both 8-bit images)."""
    orb = cv2.ORB_create(nfeatures=features)  # type: ignore[attr-defined]
    kq, dq = orb.detectAndCompute(grey(query), None)
    kr, dr = orb.detectAndCompute(grey(reference), None)
    if dq is None or dr is None or len(kq) < 8 or len(kr) < 8:
        return Similarity(None, 0)
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(dq, dr, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO * p[1].distance]
    if len(good) < min_matches:
        return Similarity(None, 0)
    src = np.array([kq[m.queryIdx].pt for m in good], dtype=np.float32)
    dst = np.array([kr[m.trainIdx].pt for m in good], dtype=np.float32)
    matrix, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=reprojection
    )
    if matrix is None or mask is None:
        return Similarity(None, 0)
    return Similarity(matrix.astype(np.float64), int(mask.sum()))
