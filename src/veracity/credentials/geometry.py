"""Geometric verification of a fingerprint candidate against the manifest's thumbnail.

PDQ is a global hash: different photos with the same layout (aligned face portraits)
can land as close as attacked copies of one photo. Before a fingerprint match is
accepted, ORB keypoints of the query are matched to the thumbnail the manifest carries
(Lowe ratio test) and a similarity transform (crop + scale) is fitted with RANSAC; only
a copy of the signed image yields many inliers. Measured with
benchmarks/geometry_check.py (README): 300 pairs of different LFW faces gave at most 25
inliers, social-media copies (crop + resize + JPEG 75) of faces 71 or more, of photos 83
or more; the threshold sits between.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["MIN_INLIERS", "matched_inliers"]

MIN_INLIERS = 40
_SIDE = 512
_RATIO = 0.8


def _grey(rgb: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[:, :, :3]), cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    scale = _SIDE / max(h, w)
    if scale < 1:
        grey = cv2.resize(grey, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return grey


def matched_inliers(query: np.ndarray, reference: np.ndarray) -> int:
    """Number of keypoint matches consistent with one crop-and-scale transform."""
    orb = cv2.ORB_create(nfeatures=1000)  # type: ignore[attr-defined]
    kq, dq = orb.detectAndCompute(_grey(query), None)
    kr, dr = orb.detectAndCompute(_grey(reference), None)
    if dq is None or dr is None or len(kq) < 8 or len(kr) < 8:
        return 0
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(dq, dr, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO * p[1].distance]
    if len(good) < 6:
        return 0
    src = np.array([kq[m.queryIdx].pt for m in good], dtype=np.float32)
    dst = np.array([kr[m.trainIdx].pt for m in good], dtype=np.float32)
    _, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=4.0)
    return int(mask.sum()) if mask is not None else 0
