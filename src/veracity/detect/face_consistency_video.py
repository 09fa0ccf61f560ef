"""``face-consistency-video``: the face-consistency model over a video's frames.

Frames are sampled evenly in presentation time (2 per second, at most 60 samples, at
the native resolution so the noise statistics survive); the largest face of each
sampled frame is scored by the image model of ``face-consistency`` and the video score
is the mean of the per-frame log-odds. It carries fusion weight 0 (reported, not fused):
three held-out real clips cannot show a measurable gain (see README).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import load_model, sigmoid
from veracity.faces.analyze import MIN_FACE_PX
from veracity.faces.consistency import consistency_features
from veracity.faces.consistency_model import MODEL_NAME, consistency_logit
from veracity.faces.detect import FaceDetector
from veracity.media.video import VideoOptions
from veracity.results import DetectorScore, Modality

__all__ = ["FaceConsistencyVideoDetector"]

_log = logging.getLogger(__name__)


class FaceConsistencyVideoDetector:
    """Video detector: mean per-frame consistency log-odds of the largest face."""

    name = "face-consistency-video"
    modality: Modality = "video"

    def __init__(
        self, sample_fps: float = 2.0, max_samples: int = 60, min_face: int = MIN_FACE_PX
    ) -> None:
        self.sample_fps = sample_fps
        self.max_samples = max_samples
        self.min_face = min_face
        self._detector = FaceDetector()

    def _sampling(self, duration_s: float) -> VideoOptions:
        fps = self.sample_fps
        if duration_s * fps > self.max_samples:
            fps = max(self.max_samples / max(duration_s, 1e-6), 0.05)
        return VideoOptions(sample_fps=fps, max_frames=self.max_samples)

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore | None:
        """Score a :class:`~veracity.media.video.Video`; None when no usable face appears."""
        model: dict[str, Any] = {}
        times: list[float] = []
        logits: list[float] = []
        samples = 0
        for frame in media.frames(self._sampling(media.info.duration_s)):
            samples += 1
            faces = [f for f in self._detector.detect(frame.rgb) if f.size >= self.min_face]
            x = consistency_features(frame.rgb, faces[0].points) if faces else None
            if x is None:
                continue
            model = model or load_model(MODEL_NAME)
            a, b = model["platt"]
            logits.append(float(a) * consistency_logit(x, model) + float(b))
            times.append(frame.time_s)
        if not logits:
            _log.info("%s: no usable face in %d sampled frames; abstains", self.name, samples)
            return None
        mean = sum(logits) / len(logits)
        details = {
            "sampled_frames": samples,
            "frames_scored": len(logits),
            "fusion_weight": 0.0,
            "timeline": [
                [round(t, 3), round(sigmoid(z), 4)] for t, z in zip(times, logits, strict=True)
            ],
        }
        score = sigmoid(mean) if math.isfinite(mean) else 0.5
        return DetectorScore(self.name, score, details, ())
