"""A classic landmark-based 2D face swap, for evaluating detectors on real swaps.

The source face is warped onto the target's landmarks with one affine transform,
colour-corrected to the target skin (Reinhard transfer in Lab inside the face hull) and
pasted with Poisson blending (``cv2.seamlessClone``). This is the pre-deep-learning
method of many public face-swap scripts; it leaves a blending boundary, which is what
the face detector is trained to find from self-blended real faces alone.

Swaps of real people belong inside evaluation runs only: never save them in the
repository or publish them.
"""

from __future__ import annotations

import cv2
import numpy as np

from veracity.faces.masks import hull_mask

__all__ = ["classic_swap", "reinhard_transfer"]


def reinhard_transfer(src: np.ndarray, ref: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Match ``src``'s Lab mean and spread to ``ref`` inside ``mask`` (both RGB uint8)."""
    inside = mask > 0.5
    s_lab = cv2.cvtColor(src, cv2.COLOR_RGB2LAB).astype(np.float32)
    r_lab = cv2.cvtColor(ref, cv2.COLOR_RGB2LAB).astype(np.float32)
    out = s_lab.copy()
    for c in range(3):
        s_vals, r_vals = s_lab[:, :, c][inside], r_lab[:, :, c][inside]
        gain = r_vals.std() / max(float(s_vals.std()), 1e-6)
        out[:, :, c] = (s_lab[:, :, c] - s_vals.mean()) * gain + r_vals.mean()
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def _swap_mask(
    target_landmarks: np.ndarray,
    source_landmarks: np.ndarray,
    matrix: np.ndarray,
    shape: tuple[int, int],
    shrink: float,
) -> np.ndarray:
    """Where both faces are (target hull and warped source hull), eroded, off the borders."""
    h, w = shape
    warped_src = source_landmarks.astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]
    mask = hull_mask(target_landmarks, (h, w)) * hull_mask(warped_src, (h, w))
    size = float(np.ptp(target_landmarks[:, 0]))
    k = max(3, int(size * shrink) | 1)
    mask = cv2.erode(mask, np.ones((k, k), np.uint8))
    mask[:2, :] = mask[-2:, :] = 0
    mask[:, :2] = mask[:, -2:] = 0
    if mask.sum() < 16:
        raise ValueError("face hull too small to swap")
    return mask


def classic_swap(
    target: np.ndarray,
    target_landmarks: np.ndarray,
    source: np.ndarray,
    source_landmarks: np.ndarray,
    *,
    shrink: float = 0.04,
) -> np.ndarray:
    """Put the source face onto the target face.

    Args:
        target: RGB uint8 image receiving the face.
        target_landmarks: ``(N, 2)`` landmarks of the target face (same scheme as source).
        source: RGB uint8 image giving the face.
        source_landmarks: ``(N, 2)`` landmarks of the source face.
        shrink: Mask erosion as a fraction of the face size (keeps the seam inside the face).

    Returns:
        The swapped RGB image (same size as ``target``).
    """
    h, w = target.shape[:2]
    matrix, _ = cv2.estimateAffine2D(
        source_landmarks.astype(np.float32),
        target_landmarks.astype(np.float32),
        method=cv2.LMEDS,
    )
    if matrix is None:
        raise ValueError("cannot fit the source landmarks onto the target")
    warped = cv2.warpAffine(source, matrix, (w, h), borderMode=cv2.BORDER_REFLECT101)
    mask = _swap_mask(target_landmarks, source_landmarks, matrix, (h, w), shrink)
    warped = reinhard_transfer(warped, target, mask)
    mask_u8 = (mask > 0.5).astype(np.uint8) * 255
    x, y, bw, bh = cv2.boundingRect(mask_u8)
    centre = (x + bw // 2, y + bh // 2)
    out = cv2.seamlessClone(
        warped[:, :, ::-1],
        np.ascontiguousarray(target[:, :, ::-1]),
        mask_u8,
        centre,
        cv2.NORMAL_CLONE,
    )
    return np.ascontiguousarray(out[:, :, ::-1])
