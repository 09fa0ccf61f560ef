"""Score the faces of one still image with the blending detector."""

from __future__ import annotations

import dataclasses

import numpy as np

from veracity.faces.align import aligned_crop
from veracity.faces.detect import Face, FaceDetector
from veracity.faces.model import FaceBlendModel

__all__ = ["MIN_FACE_PX", "FaceScore", "ImageFaces", "score_faces"]

# Faces smaller than this (shorter box side, pixels) carry too little detail to judge.
MIN_FACE_PX = 40


@dataclasses.dataclass(frozen=True, eq=False)
class FaceScore:
    """One scored face.

    Attributes:
        face: The detection.
        probability: Probability that the face was blended in (swapped or pasted).
        crop: The aligned 128x128 crop the model saw.
        xray: ``(16, 16)`` blending-boundary map.
    """

    face: Face
    probability: float
    crop: np.ndarray
    xray: np.ndarray


@dataclasses.dataclass(frozen=True, eq=False)
class ImageFaces:
    """All faces of one image: scored ones and those too small to score."""

    scored: tuple[FaceScore, ...]
    too_small: int


def score_faces(
    rgb: np.ndarray,
    detector: FaceDetector,
    model: FaceBlendModel,
    *,
    min_face: int = MIN_FACE_PX,
    max_faces: int = 8,
) -> ImageFaces:
    """Detect, align and score every sufficiently large face (largest ``max_faces`` only)."""
    faces = detector.detect(rgb)
    big = [f for f in faces if f.size >= min_face][:max_faces]
    if not big:
        return ImageFaces((), len(faces))
    crops = np.stack([aligned_crop(rgb, f.points) for f in big])
    pred = model.predict(crops)
    scored = tuple(
        FaceScore(f, float(p), c, m)
        for f, p, c, m in zip(big, pred.probability, crops, pred.xray, strict=True)
    )
    return ImageFaces(scored, len(faces) - len(big))
