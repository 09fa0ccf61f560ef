"""Probability calibration shared by the learned detectors (and their weights loader)."""

from __future__ import annotations

import numpy as np

from veracity.models import registry
from veracity.models.registry import MODELS_DIR
from veracity.nn.probability import platt, sigmoid

__all__ = ["MODELS_DIR", "fusion_detail", "load_model", "platt", "sigmoid"]


def load_model(name: str) -> dict[str, np.ndarray]:
    """The numpy weights of shipped model ``name`` (:func:`veracity.models.registry.load`).

    Raises:
        ModelError: Unknown, missing, or a checksum that differs from the model table.
    """
    weights: dict[str, np.ndarray] = registry.load(name)
    return weights


def fusion_detail(model: dict[str, np.ndarray]) -> dict[str, float]:
    """``{"fusion_weight": w}`` when the model carries a learned fusion weight, else {}."""
    if "fusion_weight" not in model:
        return {}
    return {"fusion_weight": round(float(model["fusion_weight"][0]), 4)}
