"""``face-consistency``: does the inner face match its surroundings?

A face swapped in from another picture keeps that picture's noise level, resampling
blur, JPEG grid and colour, while the hair, background and neck keep the target's.
Per face (YuNet, five points), inside-versus-outside statistics of noise, sharpness,
blockiness and chroma (:mod:`veracity.faces.consistency`) are scored by a logistic
regression (numpy weights in ``models/face_consistency``). Complements ``face-blend``,
which looks for the blending seam. Abstains when no face is large enough to judge.
"""

from __future__ import annotations

import logging
from typing import Any

from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import fusion_detail, load_model
from veracity.faces.analyze import MIN_FACE_PX
from veracity.faces.consistency import features_of_regions
from veracity.faces.consistency_model import (
    MODEL_NAME,
    consistency_probability,
    contributions,
    save_noise_evidence,
)
from veracity.faces.detect import FaceDetector
from veracity.faces.regions import face_regions
from veracity.results import DetectorScore, Modality

__all__ = ["FaceConsistencyDetector"]

_log = logging.getLogger(__name__)


class FaceConsistencyDetector:
    """Image detector; the image score is that of its least consistent face."""

    name = "face-consistency"
    modality: Modality = "image"

    def __init__(self, min_face: int = MIN_FACE_PX, max_faces: int = 8) -> None:
        self.min_face = min_face
        self.max_faces = max_faces
        self._detector = FaceDetector()

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore | None:
        """Score a :class:`~veracity.media.image.LoadedImage`; None when no usable face."""
        faces = self._detector.detect(media.rgb)
        big = [f for f in faces if f.size >= self.min_face][: self.max_faces]
        model = load_model(MODEL_NAME) if big else {}
        rows: list[dict[str, Any]] = []
        probs: list[float] = []
        paths: list[str] = []
        for face in big:
            reg = face_regions(media.rgb, face.points)
            if reg is None:
                continue
            x = features_of_regions(reg)
            probs.append(consistency_probability(x, model))
            rows.append(
                {
                    "box": [round(v, 1) for v in face.box],
                    "probability": round(probs[-1], 4),
                    "strongest_cues": contributions(x, model),
                }
            )
            if evidence is not None:
                path = evidence.path(self.name, f"face{len(rows) - 1}.noise")
                paths.append(save_noise_evidence(path, reg))
        if not rows:
            why = (
                f"{len(faces)} face(s) smaller than {self.min_face} px or too close to the edge"
                if faces
                else "no face found"
            )
            _log.info("%s: %s; the detector abstains", self.name, why)
            return None
        details: dict[str, Any] = {"faces": rows, "min_face_px": self.min_face}
        details.update(fusion_detail(model))
        return DetectorScore(self.name, max(probs), details, tuple(paths))
