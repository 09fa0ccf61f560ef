"""Evidence overlay: a detector's per-region probability over the greyed image."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from veracity.media.image import save_image

__all__ = ["save_heatmap"]


def save_heatmap(path: Path, rgb: np.ndarray, logits: np.ndarray) -> Path:
    """Write ``rgb`` with red where sigmoid(logits) is high and blue where it is low."""
    h, w = rgb.shape[:2]
    prob = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
    prob = cv2.resize(prob.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    grey = rgb.astype(np.float32).mean(axis=2, keepdims=True) * 0.6
    colour = np.stack([prob, np.zeros_like(prob), 1.0 - prob], axis=2) * 255.0
    out = grey + 0.4 * colour
    return save_image(np.clip(out, 0, 255).astype(np.uint8), path, force=True)
