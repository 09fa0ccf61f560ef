"""Probability calibration and shipped-model loading shared by the learned detectors."""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np

from veracity.errors import ModelError
from veracity.nn.layers import load_npz_weights, sha256_file

__all__ = ["MODELS_DIR", "fusion_detail", "load_model", "platt", "sigmoid"]

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
_SHA_RE = re.compile(r"sha256[^0-9a-f]*([0-9a-f]{64})")


def sigmoid(z: float) -> float:
    """Numerically safe logistic function."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def platt(logit: float, params: np.ndarray) -> float:
    """Platt scaling: ``sigmoid(a * logit + b)`` with ``params = (a, b)``."""
    z = float(params[0]) * logit + float(params[1])
    return sigmoid(z) if math.isfinite(z) else 0.5


@functools.cache
def load_model(name: str, filename: str = "model.npz") -> dict[str, np.ndarray]:
    """Load ``models/<name>/<filename>`` once per process, checking the model card's sha256.

    Raises:
        ModelError: The weights or the model card are missing, or the checksum differs.
    """
    folder = MODELS_DIR / name
    weights, card = folder / filename, folder / "MODEL_CARD.md"
    if not weights.is_file() or not card.is_file():
        raise ModelError(f"model {name!r} is not installed (expected {weights} and {card})")
    match = _SHA_RE.search(card.read_text(encoding="utf-8"))
    if match is None or match.group(1) != sha256_file(weights):
        raise ModelError(f"model {name!r}: {filename} does not match the sha256 in MODEL_CARD.md")
    return load_npz_weights(weights)


def fusion_detail(model: dict[str, np.ndarray]) -> dict[str, float]:
    """``{"fusion_weight": w}`` when the model carries a learned fusion weight, else {}."""
    if "fusion_weight" not in model:
        return {}
    return {"fusion_weight": round(float(model["fusion_weight"][0]), 4)}
