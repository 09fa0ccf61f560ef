"""Face regions for inside-versus-outside statistics, from the five YuNet points.

A face swap pastes a face taken from another picture: the inner face then carries that
picture's noise, sharpness, compression grid and colour, while the hair, background and
neck keep the target's. :func:`face_regions` cuts a window around one face out of the
image at its native pixel grid (no resampling below ``max_side``, so the JPEG 8x8 grid
survives) and marks three elliptical regions in it, all scaled from the face outline
estimated from the eyes and mouth:

* ``inner``: eyes, nose, mouth and cheeks (0.65 x the outline), inside any swap mask;
* ``band``: just outside the outline (1.0-1.3 x): jaw, neck, forehead, ears, where a
  swap's blending seam ends (on LFW, 30 % of this band is inside the 468-point hull);
* ``ring``: further out (1.3-1.7 x): hair, ears, neck, background.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

__all__ = ["FaceRegions", "ellipse_distance", "face_ellipse", "face_regions"]

# Outline of the face relative to the eye centre e, the eye-to-mouth vector a and the eye
# distance d: centre e + 0.25 a, semi-axes 1.15 d (across) and 1.4 |a| (along a).
_CENTRE_ALONG = 0.25
_SEMI_ACROSS = 1.15
_SEMI_ALONG = 1.4
INNER = (0.0, 0.65)
BAND = (1.0, 1.3)
RING = (1.3, 1.7)


@dataclasses.dataclass(frozen=True, eq=False)
class FaceRegions:
    """One face's analysis window and region masks.

    Attributes:
        rgb: ``(h, w, 3)`` uint8 window of the image (native grid unless it was larger
            than ``max_side``; then ``scale`` < 1).
        inner: Boolean mask of the inner face.
        band: Boolean mask of the face rim.
        ring: Boolean mask of the surroundings outside the face.
        skin: Boolean mask of band and ring pixels whose chroma is close to the inner
            face's (neck, forehead, ears): outside skin to compare inside skin with.
        origin: ``(x, y)`` of the window's top-left corner in the image.
        scale: Window pixels per image pixel.
    """

    rgb: np.ndarray
    inner: np.ndarray
    band: np.ndarray
    ring: np.ndarray
    skin: np.ndarray
    origin: tuple[int, int]
    scale: float


def face_ellipse(points5: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Centre ``(2,)``, semi-axes ``(across, along)`` and angle (degrees) of the face outline."""
    p = np.asarray(points5, dtype=np.float64).reshape(5, 2)
    eyes, mouth = (p[0] + p[1]) / 2, (p[3] + p[4]) / 2
    axis = mouth - eyes
    along = max(float(np.linalg.norm(axis)), 1.0)
    across = max(float(np.linalg.norm(p[1] - p[0])), 1.0)
    centre = eyes + _CENTRE_ALONG * axis
    # Angle of the face's "across" direction: the along axis turned by -90 degrees.
    angle = float(np.degrees(np.arctan2(axis[1], axis[0]))) - 90.0
    return centre, np.array([_SEMI_ACROSS * across, _SEMI_ALONG * along]), angle


def ellipse_distance(
    shape: tuple[int, int], centre: np.ndarray, axes: np.ndarray, angle: float
) -> np.ndarray:
    """Normalised elliptical radius of every pixel (1.0 on the outline)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = xx - np.float32(centre[0]), yy - np.float32(centre[1])
    t = np.deg2rad(angle)
    u = dx * np.float32(np.cos(t)) + dy * np.float32(np.sin(t))
    v = -dx * np.float32(np.sin(t)) + dy * np.float32(np.cos(t))
    r2 = (u / np.float32(axes[0])) ** 2 + (v / np.float32(axes[1])) ** 2
    return np.asarray(np.sqrt(r2), dtype=np.float32)


def _window(
    shape: tuple[int, int], centre: np.ndarray, axes: np.ndarray
) -> tuple[int, int, int, int]:
    """Bounding box of the outer ring, clipped to the image; x0, y0 on the 8x8 grid."""
    h, w = shape
    reach = float(axes.max()) * RING[1]
    x0 = max(0, int(centre[0] - reach)) // 8 * 8
    y0 = max(0, int(centre[1] - reach)) // 8 * 8
    x1 = min(w, int(np.ceil(centre[0] + reach)) + 1)
    y1 = min(h, int(np.ceil(centre[1] + reach)) + 1)
    return x0, y0, x1, y1


def face_regions(rgb: np.ndarray, points5: np.ndarray, max_side: int = 512) -> FaceRegions | None:
    """Window and regions of the face at ``points5`` in ``rgb``; None if it does not fit.

    Args:
        rgb: ``(H, W, 3)`` uint8 image.
        points5: ``(5, 2)`` YuNet points (eyes, nose tip, mouth corners) in image pixels.
        max_side: Windows larger than this are downscaled (area) to bound the cost.
    """
    centre, axes, angle = face_ellipse(points5)
    x0, y0, x1, y1 = _window(rgb.shape[:2], centre, axes)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    window = rgb[y0:y1, x0:x1]
    scale = min(1.0, max_side / max(window.shape[:2]))
    local = centre - np.array([x0, y0], dtype=np.float64)
    if scale < 1.0:
        size = (max(16, round(window.shape[1] * scale)), max(16, round(window.shape[0] * scale)))
        window = cv2.resize(window, size, interpolation=cv2.INTER_AREA)
        local, axes = local * scale, axes * scale
    r = ellipse_distance(window.shape[:2], local, axes, angle)
    inner = r < INNER[1]
    band = (r >= BAND[0]) & (r < BAND[1])
    ring = (r >= RING[0]) & (r < RING[1])
    if min(int(inner.sum()), int(band.sum())) < 64:
        return None
    skin = (band | ring) & _skin_like(window, inner)
    return FaceRegions(np.ascontiguousarray(window), inner, band, ring, skin, (x0, y0), scale)


def _skin_like(rgb: np.ndarray, inner: np.ndarray, tolerance: float = 7.0) -> np.ndarray:
    """Pixels within ``tolerance`` (Cr, Cb levels) of the inner face's median chroma."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    ref = np.median(ycc[inner], axis=0)
    close = np.abs(ycc[:, :, 1:] - ref[1:]).max(axis=2) < tolerance
    bright = np.abs(ycc[:, :, 0] - ref[0]) < 60
    return np.asarray(close & bright)
