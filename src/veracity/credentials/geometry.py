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

from veracity.credentials.keypoints import fit_similarity, grey

__all__ = ["MIN_INLIERS", "matched_inliers"]

MIN_INLIERS = 40
_SIDE = 512


def _small(rgb: np.ndarray) -> np.ndarray:
    g = grey(rgb)
    h, w = g.shape
    scale = _SIDE / max(h, w)
    if scale < 1:
        g = cv2.resize(g, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    return g


def matched_inliers(query: np.ndarray, reference: np.ndarray) -> int:
    """Number of keypoint matches consistent with one crop-and-scale transform."""
    return fit_similarity(_small(query), _small(reference)).inliers
