"""Fusion of calibrated detector scores with varying detector sets."""

from __future__ import annotations

import math

from veracity.detect.fusion import Decision, fuse_scores, label_for
from veracity.results import DetectorScore


def test_no_detector_gives_half() -> None:
    assert fuse_scores(()) == 0.5


def test_single_detector_passes_through() -> None:
    assert math.isclose(fuse_scores((DetectorScore("a", 0.8),)), 0.8, rel_tol=1e-9)


def test_log_odds_mean_of_opposite_opinions_is_half() -> None:
    fused = fuse_scores((DetectorScore("a", 0.9), DetectorScore("b", 0.1)))
    assert math.isclose(fused, 0.5, abs_tol=1e-9)


def test_extreme_scores_stay_finite_and_labels_follow_band() -> None:
    fused = fuse_scores((DetectorScore("a", 1.0), DetectorScore("b", 1.0)))
    assert 0.99 < fused <= 1.0
    d = Decision()
    assert label_for(fused, d) == "fake"
    assert label_for(0.5, d) == "uncertain"
    assert label_for(0.01, d) == "real"
