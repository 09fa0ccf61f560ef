"""Scalar probability helpers shared by every learned model (detectors and face models)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["platt", "sigmoid"]


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
