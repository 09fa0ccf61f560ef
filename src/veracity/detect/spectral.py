"""Frequency-domain AI-image detector: logistic regression on spectral features."""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import fusion_detail, load_model, platt
from veracity.detect.spectral_features import spectral_features
from veracity.report.evidence.spectrum import save_spectrum_plot
from veracity.results import DetectorScore, Modality

__all__ = ["MODEL_NAME", "SpectralDetector", "spectral_logit"]

MODEL_NAME = "aigen_spectral"


def spectral_logit(feats: np.ndarray, model: dict[str, np.ndarray]) -> float:
    """Uncalibrated logit of the linear model on standardised features."""
    z = (feats - model["mean"]) / model["std"]
    return float(z @ model["coef"] + model["intercept"][0])


class SpectralDetector:
    """Azimuthal power spectrum, residual spectrum and periodic-peak features.

    The probability is Platt-calibrated on a held-out split. Evidence: a PNG with the
    log power spectrum and the image's radial profile against the mean real and fake
    profiles seen in training.
    """

    name = MODEL_NAME
    modality: Modality = "image"

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore:
        """Score a LoadedImage; see :class:`veracity.detect.base.Detector`."""
        model = load_model(MODEL_NAME)
        feats, spec = spectral_features(media.rgb)
        logit = spectral_logit(feats, model)
        score = platt(logit, model["platt"])
        files: tuple[str, ...] = ()
        if evidence is not None:
            path = evidence.path(self.name, "spectrum")
            save_spectrum_plot(path, spec, model["ref_real"], model["ref_fake"], score)
            files = (str(path),)
        peaks = feats[2 * 24 : 2 * 24 + 6]
        details = {
            "logit": round(logit, 4),
            **fusion_detail(model),
            "peak_ratios": [round(float(v), 3) for v in peaks],
        }
        return DetectorScore(self.name, score, details, files)
