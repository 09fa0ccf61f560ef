"""``face-blend``: face swap / face manipulation detector for still images.

Detects faces (YuNet), aligns each to a 128x128 crop and scores it with a MobileNetV2
trained only on real faces and their self-blended pseudo-fakes; a Face X-ray style
boundary map shows where a blend seam is suspected. Abstains when no face is large
enough to judge.
"""

from __future__ import annotations

import logging
from typing import Any

from veracity.detect.base import EvidenceSink
from veracity.faces.analyze import MIN_FACE_PX, ImageFaces, score_faces
from veracity.faces.detect import FaceDetector
from veracity.faces.model import load_face_model
from veracity.report.evidence.faces import save_face_heatmap
from veracity.results import DetectorScore, Modality

__all__ = ["FaceBlendDetector"]

_log = logging.getLogger(__name__)


def _face_details(found: ImageFaces) -> list[dict[str, Any]]:
    return [
        {
            "box": [round(v, 1) for v in s.face.box],
            "detector_confidence": round(s.face.score, 3),
            "probability": round(s.probability, 4),
        }
        for s in found.scored
    ]


class FaceBlendDetector:
    """Image detector; the image score is that of its most suspicious face."""

    name = "face-blend"
    modality: Modality = "image"

    def __init__(self, min_face: int = MIN_FACE_PX) -> None:
        self.min_face = min_face
        self._detector = FaceDetector()

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore | None:
        """Score a :class:`~veracity.media.image.LoadedImage`; None when no usable face."""
        found = score_faces(media.rgb, self._detector, load_face_model(), min_face=self.min_face)
        if not found.scored:
            why = (
                f"{found.too_small} face(s) smaller than {self.min_face} px"
                if found.too_small
                else "no face found"
            )
            _log.info("%s: %s; the face detector abstains", self.name, why)
            return None
        worst = max(found.scored, key=lambda s: s.probability)
        paths: list[str] = []
        if evidence is not None:
            for i, s in enumerate(found.scored):
                paths.append(
                    save_face_heatmap(evidence.path(self.name, f"face{i}"), s.crop, s.xray)
                )
        details = {
            "faces": _face_details(found),
            "faces_too_small": found.too_small,
            "min_face_px": self.min_face,
        }
        return DetectorScore(self.name, worst.probability, details, tuple(paths))
