"""Did a recovered copy change since it was signed?  Compare it with the manifest's thumbnail.

A durable watermark survives local edits by design, so recovering a manifest through it
(or through the fingerprint) proves where a picture came from, not that it is unchanged.
Before a recovered credential may vouch for the pixels, the copy is aligned to the
thumbnail the signed manifest carries (ORB keypoints, one similarity transform: crops and
rescales), both are low-passed to the scale where re-encoding leaves no trace, a per-channel
gain and offset absorbs tone changes, and the residual is averaged over an 8 px grid at
256 px. Blocks whose residual stands far above both an absolute floor and the picture's own
benign level are changed; a copy with enough changed blocks is altered, and the block map
says where. The thresholds were set on benign re-encodes (JPEG 50-95, WebP, resizes, crops)
and local edits of 1-25 % of the area: see ``benchmarks/altered_credentials.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Alteration", "compare_to_reference"]

_SIDE = 256  # working resolution of the comparison (long edge, px)
_BLOCK = 8  # grid cell at the working resolution (px)
_BLUR = 1.2  # Gaussian sigma at the working resolution: removes codec and resampling noise
_ABS_FLOOR = 3.5  # contrast-relative block residual under which nothing counts as changed
_REL_FACTOR = 10.0  # ... and over this many times the picture's lower-quartile block residual
_MIN_BLOCKS = 3  # changed blocks (each ~0.1-0.2 % of the area) that make a copy altered
_STRONG = 8.0  # one block this far over its contrast is an edit on its own
_DOUBT = 2.8  # a block over this (benign copies stay under it) leaves the copy unconfirmed
_MIN_VALID = 0.75  # a block is compared when this share of it lies inside the copy
_TEXTURE_C = 2.0  # residual scale added to a block's own contrast (8-bit levels)
_MIN_INLIERS = 12


@dataclass(frozen=True)
class Alteration:
    """The outcome of comparing a copy with the signed image's thumbnail.

    Attributes:
        altered: True when the copy's content changed beyond re-encoding.
        confirmed: True when every block matches the signed image within the re-encoding
            tolerance (neither altered nor in doubt).
        changed_fraction: share of the compared area in changed blocks.
        compared_fraction: share of the signed image the copy still shows (crops lower it).
        block_scores: residual per grid block (8-bit levels; NaN where not compared).
        changed: boolean block map of the changed blocks.
        aligned: how the copy was aligned ("keypoints" or "resize").
    """

    altered: bool
    confirmed: bool
    changed_fraction: float
    compared_fraction: float
    block_scores: np.ndarray
    changed: np.ndarray
    aligned: str

    def to_json(self) -> dict[str, object]:
        """A JSON-ready summary (the block map as rows of 0/1)."""
        return {
            "altered": self.altered,
            "confirmed": self.confirmed,
            "changed_fraction": round(self.changed_fraction, 4),
            "compared_fraction": round(self.compared_fraction, 4),
            "changed_blocks": int(self.changed.sum()),
            "grid": list(self.changed.shape),
            "changed_map": self.changed.astype(int).tolist(),
            "aligned": self.aligned,
            "method": "thumbnail comparison (8 px blocks at 256 px)",
        }


def _fit(rgb: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(rgb[:, :, :3]), size, interpolation=interp), scale


def _similarity(query: np.ndarray, reference: np.ndarray) -> np.ndarray | None:
    """2x3 transform mapping query pixels onto reference pixels, or None."""
    orb = cv2.ORB_create(nfeatures=1500)  # type: ignore[attr-defined]
    gq = cv2.cvtColor(query, cv2.COLOR_RGB2GRAY)
    gr = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY)
    kq, dq = orb.detectAndCompute(gq, None)
    kr, dr = orb.detectAndCompute(gr, None)
    if dq is None or dr is None or len(kq) < 8 or len(kr) < 8:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(dq, dr, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < _MIN_INLIERS:
        return None
    src = np.array([kq[m.queryIdx].pt for m in good], dtype=np.float32)
    dst = np.array([kr[m.trainIdx].pt for m in good], dtype=np.float32)
    matrix, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0
    )
    if matrix is None or mask is None or int(mask.sum()) < _MIN_INLIERS:
        return None
    return matrix


def _aligned(query: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """The query warped into the frame of ``reference`` (already at the comparison size).

    Returns the warped copy, the mask of pixels it covers, and how it was aligned.
    """
    h, w = reference.shape[:2]
    # Keypoints at twice the comparison size, so the transform is accurate to < 1 px there.
    fine_q, _ = _fit(query, 2 * _SIDE)
    fine_r, sr = _fit(reference, 2 * _SIDE)
    matrix = _similarity(fine_q, fine_r)
    how = "keypoints"
    if matrix is None:
        qh, qw = fine_q.shape[:2]
        if abs(qw / qh - w / h) > 0.02:
            raise ValueError("the copy cannot be aligned with the signed image")
        matrix = np.array([[w / qw, 0, 0], [0, h / qh, 0]], dtype=np.float64)
        how = "resize"
    else:
        matrix = matrix.astype(np.float64) / sr  # fine reference px -> comparison px
    warped = cv2.warpAffine(fine_q, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    ones = np.full(fine_q.shape[:2], 255, np.uint8)
    valid = cv2.warpAffine(ones, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0) > 0
    return warped, valid, how


def _tone_matched(query: np.ndarray, reference: np.ndarray, valid: np.ndarray) -> np.ndarray:
    out = np.empty_like(query)
    for c in range(3):
        q = query[:, :, c][valid]
        r = reference[:, :, c][valid]
        keep = np.ones(q.shape, bool)
        for _ in range(2):  # refit without the worst residuals, so edits do not bend it
            gain, offset = np.polyfit(q[keep], r[keep], 1)
            resid = np.abs(gain * q + offset - r)
            keep = resid <= np.quantile(resid, 0.8)
        out[:, :, c] = gain * query[:, :, c] + offset
    return out


def _contrast(rgb: np.ndarray, gh: int, gw: int) -> np.ndarray:
    """Mean gradient magnitude per grid block (8-bit levels per pixel)."""
    grey = rgb.mean(axis=2)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.sqrt(gx * gx + gy * gy)[: gh * _BLOCK, : gw * _BLOCK]
    return grad.reshape(gh, _BLOCK, gw, _BLOCK).mean(axis=(1, 3)) / 8.0


def compare_to_reference(copy_rgb: np.ndarray, reference_rgb: np.ndarray) -> Alteration:
    """Compare a copy with the signed image (its thumbnail) and map what changed.

    Raises:
        ValueError: when the copy cannot be aligned with the reference.
    """
    reference, _ = _fit(reference_rgb, _SIDE)
    warped, valid, how = _aligned(copy_rgb, reference)
    # the blur below spreads the black border of the warp ~3 sigma inwards: keep clear of it
    valid = cv2.erode(valid.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    ref = cv2.GaussianBlur(reference.astype(np.float32), (0, 0), _BLUR)
    cur = cv2.GaussianBlur(warped.astype(np.float32), (0, 0), _BLUR)
    if valid.sum() < 0.05 * valid.size:
        raise ValueError("the copy shows too little of the signed image to compare")
    cur = _tone_matched(cur, ref, valid)
    resid = np.abs(cur - ref).mean(axis=2)
    resid[~valid] = 0.0
    h, w = resid.shape
    gh, gw = h // _BLOCK, w // _BLOCK
    r = resid[: gh * _BLOCK, : gw * _BLOCK].reshape(gh, _BLOCK, gw, _BLOCK)
    v = valid[: gh * _BLOCK, : gw * _BLOCK].reshape(gh, _BLOCK, gw, _BLOCK)
    counts = v.sum(axis=(1, 3))
    sums = r.sum(axis=(1, 3))
    compared = counts >= _MIN_VALID * _BLOCK * _BLOCK
    # Sub-pixel misalignment and resampling leave residuals along strong edges; texture
    # masks them, so each block's residual is measured against its own local contrast.
    # The lower of the two contrasts: an edge present in both masks its own misalignment,
    # while a flat fill pasted over texture (or texture over flat) is not masked.
    texture = np.minimum(_contrast(ref, gh, gw), _contrast(cur, gh, gw))
    scores = np.where(compared, sums / np.maximum(counts, 1) / (_TEXTURE_C + texture), np.nan)
    benign = float(np.nanquantile(scores, 0.25)) if compared.any() else 0.0
    threshold = max(_ABS_FLOOR, _REL_FACTOR * benign)
    changed = compared & (np.nan_to_num(scores) > threshold)
    n_compared = int(compared.sum())
    peak = float(np.nanmax(scores)) if compared.any() else 0.0
    altered = int(changed.sum()) >= _MIN_BLOCKS or peak > _STRONG
    return Alteration(
        altered=altered,
        confirmed=not altered and peak <= _DOUBT,
        changed_fraction=float(changed.sum() / max(n_compared, 1)),
        compared_fraction=float(n_compared / compared.size),
        block_scores=scores,
        changed=changed,
        aligned=how,
    )
