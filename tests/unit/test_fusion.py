"""Fusion of calibrated detector scores with varying detector sets."""

from __future__ import annotations

import math

from veracity.detect.fusion import Decision, fuse_scores, fusion_weights, label_for
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


def test_learned_weights_come_from_details_and_subsets_still_fuse() -> None:
    a = DetectorScore("a", 0.9, {"fusion_weight": 0.75})
    b = DetectorScore("b", 0.2, {"fusion_weight": 0.25})
    face = DetectorScore("face", 0.6)
    assert fusion_weights((a, b, face)) == {"a": 0.75, "b": 0.25}
    both = fuse_scores((a, b), fusion_weights((a, b)))
    z = 0.75 * math.log(9) + 0.25 * math.log(0.25)
    assert math.isclose(both, 1 / (1 + math.exp(-z)), rel_tol=1e-9)
    # A zero-weighted detector alone still yields its own score, not 0.5.
    only = DetectorScore("b", 0.2, {"fusion_weight": 0.0})
    assert math.isclose(fuse_scores((only,), fusion_weights((only,))), 0.2, rel_tol=1e-9)
