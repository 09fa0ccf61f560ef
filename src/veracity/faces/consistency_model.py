"""The face-consistency logistic regression (numpy weights) and its evidence picture."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from veracity.faces.consistency import FEATURE_NAMES, noise_map
from veracity.faces.regions import FaceRegions
from veracity.media.output import atomic_output
from veracity.nn.probability import platt

__all__ = [
    "MODEL_NAME",
    "consistency_logit",
    "consistency_probability",
    "contributions",
    "expand",
    "noise_evidence",
    "save_noise_evidence",
]

MODEL_NAME = "face_consistency"


def expand(x: np.ndarray, model: dict[str, np.ndarray]) -> np.ndarray:
    """The regression's inputs: standardised features and their distance from a real face.

    Features are standardised with the training statistics (unmeasured ones become 0,
    extremes are clipped at 5). A swapped-in face can be noisier *or* cleaner, sharper
    *or* blurrier than its surroundings, so besides each standardised value ``z`` the
    model sees ``|z - c|``, its distance from the median real face ``c``.
    """
    z = (np.asarray(x, np.float32) - model["mean"]) / model["scale"]
    z = np.clip(np.where(np.isfinite(z), z, 0.0), -5.0, 5.0)
    return np.concatenate([z, np.abs(z - model["centre"])], axis=-1).astype(np.float32)


def consistency_logit(x: np.ndarray, model: dict[str, np.ndarray]) -> float:
    """Uncalibrated log-odds that the face was pasted from another picture."""
    return float(expand(x, model) @ model["coef"] + model["intercept"][0])


def consistency_probability(x: np.ndarray, model: dict[str, np.ndarray]) -> float:
    """Calibrated probability (Platt scaling fitted on the calibration identities)."""
    return platt(consistency_logit(x, model), model["platt"])


def contributions(x: np.ndarray, model: dict[str, np.ndarray], top: int = 3) -> dict[str, float]:
    """The ``top`` features that pushed this face's log-odds up the most (name -> log-odds)."""
    both = expand(x, model) * model["coef"]
    n = len(FEATURE_NAMES)
    parts = both[:n] + both[n:]
    order = np.argsort(-parts)[:top]
    return {FEATURE_NAMES[i]: round(float(parts[i]), 3) for i in order}


def noise_evidence(reg: FaceRegions) -> np.ndarray:
    """Window beside its local noise map (log scale), with the inner and ring outlines."""
    luma = cv2.cvtColor(reg.rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    nmap = np.log(noise_map(luma))
    lo, hi = np.percentile(nmap, [2, 98])
    norm = np.clip((nmap - lo) / max(float(hi - lo), 1e-6), 0, 1)
    heat = cv2.applyColorMap((norm * 255).astype(np.uint8), cv2.COLORMAP_VIRIDIS)[:, :, ::-1]
    heat = np.ascontiguousarray(heat)
    for mask, colour in ((reg.inner, (255, 80, 80)), (reg.ring, (255, 255, 255))):
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(heat, contours, -1, colour, 1)
    both = np.concatenate([reg.rgb, heat], axis=1)
    factor = max(1, 256 // max(both.shape[0], 1))
    return cv2.resize(
        both, (both.shape[1] * factor, both.shape[0] * factor), interpolation=cv2.INTER_NEAREST
    )


def save_noise_evidence(path: Path, reg: FaceRegions) -> str:
    """Write the noise-map picture of one face; returns the path written."""
    with atomic_output(path, force=True) as tmp:
        cv2.imwrite(str(tmp), noise_evidence(reg)[:, :, ::-1])
    return str(path)
