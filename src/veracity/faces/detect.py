"""Face detection with YuNet (OpenCV's ``FaceDetectorYN``, shipped ONNX model, CPU only)."""

from __future__ import annotations

import dataclasses
import functools
import threading
from typing import Any

import cv2
import numpy as np

from veracity.models import registry

__all__ = ["Face", "FaceDetector", "detect_faces", "shifted", "yunet_model_path"]


@dataclasses.dataclass(frozen=True, eq=False)
class Face:
    """One detected face in image pixel coordinates.

    Attributes:
        box: ``(x, y, w, h)`` of the face box.
        points: ``(5, 2)`` float array: image-left eye, image-right eye, nose tip,
            image-left and image-right mouth corners.
        score: Detector confidence in [0, 1].
    """

    box: tuple[float, float, float, float]
    points: np.ndarray
    score: float

    @property
    def size(self) -> float:
        """The shorter side of the box in pixels."""
        return float(min(self.box[2], self.box[3]))


def yunet_model_path() -> str:
    """Return the path of the shipped YuNet ONNX file, its sha256 checked.

    Raises:
        ModelError: The model file is missing or differs from the model table.
    """
    return str(registry.path("yunet"))


# YuNet reads garbage (boxes of 1e30 px, or boxes mostly outside the picture) from
# frames thinner than its coarsest stride, so thin frames are padded with black up to this.
_MIN_INPUT_SIDE = 64
# A box is kept only when at least this fraction of its area lies inside the frame.
_MIN_VISIBLE = 0.5


class FaceDetector:
    """YuNet face detector working on a downscaled copy of the frame.

    Args:
        max_side: Frames are downscaled so their longer side is at most this (speed).
        threshold: Minimum detection confidence.
    """

    def __init__(self, max_side: int = 640, threshold: float = 0.7) -> None:
        self.max_side = max_side
        self.threshold = threshold
        # cv2.FaceDetectorYN is not thread-safe (threads resizing one net crash in
        # native code), so each thread sharing this detector gets its own net.
        self._local = threading.local()

    def _net_for_thread(self) -> Any:
        """This thread's native net, created on first use."""
        net = getattr(self._local, "net", None)
        if net is None:
            net = cv2.FaceDetectorYN.create(
                yunet_model_path(), "", (1, 1), self.threshold, 0.3, 200
            )
            self._local.net, self._local.size = net, (1, 1)
        return net

    def _ensure(self, size: tuple[int, int]) -> Any:
        net = self._net_for_thread()
        if size != self._local.size:
            net.setInputSize(size)
            self._local.size = size
        return net

    def detect(self, rgb: np.ndarray, max_side: int | None = None) -> list[Face]:
        """Detect faces in an RGB uint8 image; largest first.

        Args:
            rgb: ``(H, W, 3)`` uint8 image.
            max_side: Override of the downscaling bound (smaller is faster).
        """
        h, w = rgb.shape[:2]
        scale = min(1.0, (max_side or self.max_side) / max(h, w))
        small = (
            rgb
            if scale == 1.0
            else cv2.resize(
                rgb,
                (max(1, round(w * scale)), max(1, round(h * scale))),
                interpolation=cv2.INTER_AREA,
            )
        )
        bgr = np.ascontiguousarray(small[:, :, ::-1])
        sh, sw = bgr.shape[:2]
        if min(sh, sw) < _MIN_INPUT_SIDE:
            bgr = cv2.copyMakeBorder(
                bgr,
                0,
                max(0, _MIN_INPUT_SIDE - sh),
                0,
                max(0, _MIN_INPUT_SIDE - sw),
                cv2.BORDER_CONSTANT,
                value=(0, 0, 0),
            )
        net = self._ensure((bgr.shape[1], bgr.shape[0]))
        _, found = net.detect(bgr)
        if found is None:
            return []
        faces = [_to_face(row, scale) for row in found if np.isfinite(row).all()]
        faces = [f for f in faces if _visible_fraction(f.box, w, h) >= _MIN_VISIBLE]
        return sorted(faces, key=lambda f: -f.box[2] * f.box[3])


def shifted(face: Face, dx: float, dy: float) -> Face:
    """The same face in a frame where its image was cut out at offset ``(dx, dy)``."""
    x, y, w, h = face.box
    points = face.points + np.array([dx, dy], dtype=np.float32)
    return Face((x + dx, y + dy, w, h), points, face.score)


def _visible_fraction(box: tuple[float, float, float, float], width: int, height: int) -> float:
    """The fraction of a box's area inside a ``width`` x ``height`` frame (0 for empty boxes)."""
    x, y, bw, bh = box
    if not (bw > 0 and bh > 0):
        return 0.0
    ix = max(0.0, min(x + bw, float(width)) - max(x, 0.0))
    iy = max(0.0, min(y + bh, float(height)) - max(y, 0.0))
    return ix * iy / (bw * bh)


def _to_face(row: np.ndarray, scale: float) -> Face:
    vals = row.astype(np.float64) / scale
    box = (float(vals[0]), float(vals[1]), float(vals[2]), float(vals[3]))
    points = vals[4:14].reshape(5, 2).astype(np.float32)
    return Face(box=box, points=points, score=float(row[14]))


@functools.lru_cache(maxsize=1)
def _default_detector() -> FaceDetector:
    return FaceDetector()


def detect_faces(rgb: np.ndarray) -> list[Face]:
    """Detect faces with the process-wide default detector (largest first)."""
    return _default_detector().detect(rgb)
