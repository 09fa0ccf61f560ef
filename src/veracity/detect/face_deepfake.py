"""``face-deepfake``: face swaps, talking heads and generated faces, from frozen CLIP features.

Each face (YuNet) is cropped square around its box with a 30 % margin and resized to
256 px, the crop is shown to the shared CLIP ViT-B/16 image tower at 224 px, and the
class tokens of blocks 4, 8 and 11 are scored by a logistic probe trained on real
deepfake face crops (swaps, reenactment/talking heads, GAN faces) and self-blends
(``training/train_face_deepfake.py``).  The probe's weights fold the standardisation in,
and its bias is set so that 0.5 flags 3 % of the real crops of *training sources left out
of an inner fit* (out-of-source calibration); on real faces from sources absent from
training it flags 4.7 % (``benchmarks/face_real.py``; an in-sample threshold flagged 16 %).  The
image score is that of its most suspicious face.  Abstains, with a logged note, when no
face is large enough or the backbone wheel is not installed.
"""

from __future__ import annotations

import logging
from typing import Any

import cv2
import numpy as np

from veracity.backbones import ClipSpec, load_clip
from veracity.detect.backbone import clip_or_abstain
from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import load_model, sigmoid
from veracity.faces.analyze import MIN_FACE_PX
from veracity.faces.detect import FaceDetector
from veracity.results import DetectorScore, Modality

__all__ = [
    "CROP_PX",
    "MARGIN",
    "MAX_FACES",
    "MODEL_NAME",
    "SPEC",
    "THRESHOLD_FPR",
    "FaceDeepfakeDetector",
    "face_crop",
]

MODEL_NAME = "face_deepfake"
SPEC = ClipSpec(blocks=(4, 8, 11), size=224)
CROP_PX = 256
MARGIN = 0.3
MAX_FACES = 4
# Real-crop FPR at 0.5 on training sources left out of an inner fit (set at training time).
THRESHOLD_FPR = 0.03
_log = logging.getLogger(__name__)


def face_crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Square ``CROP_PX`` crop around ``box`` (x, y, w, h) with a margin, edge-padded."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * MARGIN)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = round(cx - side / 2), round(cy - side / 2)
    s = max(1, round(side))
    pad = max(0, -x0, -y0, x0 + s - rgb.shape[1], y0 + s - rgb.shape[0])
    padded = np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else rgb
    crop = padded[y0 + pad : y0 + pad + s, x0 + pad : x0 + pad + s]
    return cv2.resize(np.ascontiguousarray(crop), (CROP_PX, CROP_PX), interpolation=cv2.INTER_AREA)


class FaceDeepfakeDetector:
    """Image detector; logistic probe on frozen CLIP class tokens of each face crop."""

    name = "face-deepfake"
    modality: Modality = "image"
    # Opt-in (``--detectors face-deepfake``): at its 4.7 % false-alarm rate on real faces
    # from unseen sources it catches only 13-34 % of real deepfakes (crop AUC 0.67-0.81),
    # and it costs ~0.4 CPU-s per face, beyond the image detectors' time budget; see
    # docs/guide/detection-faces.md.
    default = False

    def __init__(self, min_face: int = MIN_FACE_PX) -> None:
        self.min_face = min_face
        self._detector = FaceDetector()

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore | None:
        """Score a LoadedImage; None (abstain) without a usable face or the backbone."""
        rgb = media.rgb
        faces = [f for f in self._detector.detect(rgb) if f.size >= self.min_face]
        if not faces:
            _log.info(
                "%s: no face of at least %d px; the detector abstains", self.name, self.min_face
            )
            return None
        backbone = clip_or_abstain(SPEC, self.name)
        if backbone is None:
            return None
        faces = sorted(faces, key=lambda f: f.size, reverse=True)[:MAX_FACES]
        logits = self.logits([face_crop(rgb, f.box) for f in faces], backbone)
        worst = int(np.argmax(logits))
        details = {
            "faces": [
                {
                    "box": [round(v, 1) for v in f.box],
                    "probability": round(sigmoid(float(z)), 4),
                }
                for f, z in zip(faces, logits, strict=True)
            ],
            "logit": round(float(logits[worst]), 4),
        }
        return DetectorScore(self.name, sigmoid(float(logits[worst])), details)

    @staticmethod
    def logits(crops: list[np.ndarray], backbone: Any | None = None) -> np.ndarray:
        """Probe logits of 256 px face crops (uint8 RGB)."""
        model = load_model(MODEL_NAME)
        clip = backbone if backbone is not None else load_clip(SPEC)
        feats = clip.embed(crops)
        return np.asarray(feats @ model["w"] + model["b"][0], np.float64)
