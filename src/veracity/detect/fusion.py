"""Fuse detector probabilities into one score and a label."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from veracity.results import DetectorScore, Label

__all__ = ["Decision", "fuse_scores", "fusion_weights", "label_for"]


@dataclasses.dataclass(frozen=True)
class Decision:
    """Threshold and uncertain band applied to a fused probability."""

    threshold: float = 0.5
    uncertain_low: float = 0.35
    uncertain_high: float = 0.65


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def fuse_scores(scores: Sequence[DetectorScore], weights: dict[str, float] | None = None) -> float:
    """Weighted mean of the detectors' log-odds, mapped back to a probability.

    Detectors are calibrated individually, so averaging log-odds keeps the fused value a
    probability-like score; weights default to 1 (equal weights when all present ones are
    0). With no detector the score is 0.5.
    """
    if not scores:
        return 0.5
    weights = weights or {}
    total = sum(weights.get(s.name, 1.0) for s in scores)
    if total <= 0:  # only zero-weighted detectors answered: fall back to equal weights
        weights, total = {}, float(len(scores))
    z = sum(weights.get(s.name, 1.0) * _logit(s.score) for s in scores) / total
    return 1.0 / (1.0 + math.exp(-z))


def fusion_weights(scores: Sequence[DetectorScore]) -> dict[str, float]:
    """Weights that detectors learned for themselves (``details["fusion_weight"]``).

    A detector family trained together (e.g. the two AI-image detectors) stores weights
    fitted on its calibration split, summing to 1 within the family; detectors without
    one count 1. Abstaining detectors are simply absent, so any subset fuses.
    """
    out: dict[str, float] = {}
    for s in scores:
        w = s.details.get("fusion_weight") if s.details else None
        if isinstance(w, int | float) and math.isfinite(w) and w >= 0:
            out[s.name] = float(w)
    return out


def label_for(score: float, decision: Decision) -> Label:
    """Map a probability to real / fake / uncertain."""
    if decision.uncertain_low <= score <= decision.uncertain_high:
        return "uncertain"
    return "fake" if score >= decision.threshold else "real"
