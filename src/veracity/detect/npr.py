"""Learned AI-image detector on neighbouring-pixel relationships (NPR-like).

Up-sampling layers in generators make each 2x2 block of output pixels depend on one
low-resolution sample, so the residual ``x - nearest_up(x[::2, ::2])`` (Tan et al.,
CVPR 2024) exposes them. A four-layer CNN (about 6 k weights) reads that residual and
emits a map of logits at 1/4 resolution; the image logit is the mean over a fixed set
of crops, Platt-calibrated on a held-out split. Evidence: the logit map over the image.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import fusion_detail, load_model, platt
from veracity.nn.layers import conv2d, relu, upsample_nearest
from veracity.report.evidence.heatmap import save_heatmap
from veracity.results import DetectorScore, Modality

__all__ = ["CROP", "MODEL_NAME", "NprDetector", "crop_boxes", "npr_logit", "npr_map"]

MODEL_NAME = "aigen_npr"
CROP = 96
_HEATMAP_MAX = 1024


def npr_residual(x: np.ndarray) -> np.ndarray:
    """``x - nearest_up(x[::2, ::2])`` on an even-sized float image."""
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    return x - upsample_nearest(x[::2, ::2], 2)


def npr_map(rgb: np.ndarray, model: dict[str, np.ndarray]) -> np.ndarray:
    """Logit map (H/4, W/4) of the CNN over a uint8 RGB region (at least 8x8)."""
    x = npr_residual(rgb.astype(np.float32) * np.float32(1 / 255.0))
    h = relu(conv2d(x, model["c1.w"], model["c1.b"]))
    h = relu(conv2d(h, model["c2.w"], model["c2.b"], stride=2))
    h = relu(conv2d(h, model["c3.w"], model["c3.b"], stride=2))
    return conv2d(h, model["c4.w"], model["c4.b"], pad=0)[:, :, 0]


def crop_boxes(height: int, width: int, size: int = CROP) -> list[tuple[int, int, int]]:
    """Up to five crops (four corners of a centred grid plus the centre): (y, x, side)."""
    s = min(size, height // 2 * 2, width // 2 * 2)
    if s == size and height >= 2 * s and width >= 2 * s:
        ys = (height // 4 - s // 2, 3 * height // 4 - s // 2)
        xs = (width // 4 - s // 2, 3 * width // 4 - s // 2)
        corners = [(y, x, s) for y in ys for x in xs]
        return [*corners, ((height - s) // 2, (width - s) // 2, s)]
    return [((height - s) // 2, (width - s) // 2, s)]


def npr_logit(rgb: np.ndarray, model: dict[str, np.ndarray]) -> float:
    """Mean CNN logit over :func:`crop_boxes` of the image."""
    boxes = crop_boxes(rgb.shape[0], rgb.shape[1])
    logits = [float(npr_map(rgb[y : y + s, x : x + s], model).mean()) for y, x, s in boxes]
    return float(np.mean(logits))


class NprDetector:
    """Small CNN on up-sampling residuals, run in numpy."""

    name = MODEL_NAME
    modality: Modality = "image"

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore:
        """Score a LoadedImage; see :class:`veracity.detect.base.Detector`."""
        model = load_model(MODEL_NAME)
        rgb = media.rgb
        logit = npr_logit(rgb, model)
        score = platt(logit, model["platt"])
        files: tuple[str, ...] = ()
        if evidence is not None:
            files = (str(self._heatmap(rgb, model, evidence)),)
        details = {"logit": round(logit, 4), **fusion_detail(model)}
        return DetectorScore(self.name, score, details, files)

    def _heatmap(self, rgb: np.ndarray, model: dict[str, np.ndarray], sink: EvidenceSink) -> Any:
        h, w = rgb.shape[:2]
        s_h, s_w = min(h, _HEATMAP_MAX), min(w, _HEATMAP_MAX)
        y0, x0 = (h - s_h) // 2, (w - s_w) // 2
        region = rgb[y0 : y0 + s_h, x0 : x0 + s_w]
        logits = npr_map(region, model) * float(model["platt"][0]) + float(model["platt"][1])
        return save_heatmap(sink.path(self.name, "heatmap"), region, logits, detector=self.name)
