"""Fuse detector probabilities into one score and a label."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

from veracity.results import DetectorScore, Label

__all__ = ["Decision", "fuse_scores", "label_for"]


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
    probability-like score; weights default to 1. With no detector the score is 0.5.
    """
    if not scores:
        return 0.5
    weights = weights or {}
    total = sum(weights.get(s.name, 1.0) for s in scores)
    if total <= 0:
        return 0.5
    z = sum(weights.get(s.name, 1.0) * _logit(s.score) for s in scores) / total
    return 1.0 / (1.0 + math.exp(-z))


def label_for(score: float, decision: Decision) -> Label:
    """Map a probability to real / fake / uncertain."""
    if decision.uncertain_low <= score <= decision.uncertain_high:
        return "uncertain"
    return "fake" if score >= decision.threshold else "real"
