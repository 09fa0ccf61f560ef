"""ROC, AUC, EER and TPR@FPR against hand-worked cases and a brute-force AUC."""

from __future__ import annotations

import math

import numpy as np
import pytest

from veracity.bench.metrics import auc, auc_groups, eer, roc_curve, tpr_at_fpr


def _pairwise_auc(y: np.ndarray, s: np.ndarray) -> float:
    pos, neg = s[y == 1], s[y == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def test_perfect_and_inverted_rankings() -> None:
    y = [0, 0, 1, 1]
    assert auc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc(y, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert eer(y, [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert eer(y, [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert tpr_at_fpr(y, [0.1, 0.2, 0.8, 0.9], 0.05) == 1.0


def test_constant_scores_are_chance() -> None:
    y = [0, 1, 0, 1, 1]
    s = [0.5] * 5
    assert auc(y, s) == 0.5
    assert eer(y, s) == pytest.approx(0.5)
    assert tpr_at_fpr(y, s, 0.05) == 0.0  # the only threshold below 1.0 flags every real


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_pairwise_count_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 60)
    y[:2] = (0, 1)
    s = np.round(rng.normal(y * 0.7, 1.0), 1)  # rounding makes ties
    assert auc(y, s) == pytest.approx(_pairwise_auc(y, s))
    assert auc_groups(s[y == 0], s[y == 1]) == pytest.approx(_pairwise_auc(y, s))


def test_eer_hand_worked() -> None:
    # reals 0.1 0.2 0.3 0.7, fakes 0.4 0.6 0.8 0.9: at threshold 0.4, FNR 0.25 and FPR 0.25.
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    s = [0.1, 0.2, 0.3, 0.7, 0.4, 0.6, 0.8, 0.9]
    assert eer(y, s) == pytest.approx(0.25)
    assert auc(y, s) == pytest.approx(14 / 16)
    # FPR <= 0.05 allows no real above the threshold: only the fakes above 0.7 count.
    assert tpr_at_fpr(y, s, 0.05) == pytest.approx(0.5)
    assert tpr_at_fpr(y, s, 0.25) == pytest.approx(1.0)


def test_roc_curve_shape() -> None:
    fpr, tpr, thr = roc_curve([0, 1, 1, 0], [0.2, 0.9, 0.9, 0.5])
    assert fpr.tolist() == [0.0, 0.0, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 1.0, 1.0, 1.0]
    assert math.isinf(thr[0]) and thr[1:].tolist() == [0.9, 0.5, 0.2]


def test_one_class_gives_nan_and_bad_input_raises() -> None:
    assert math.isnan(auc([1, 1], [0.2, 0.3]))
    assert math.isnan(eer([0, 0], [0.2, 0.3]))
    assert math.isnan(tpr_at_fpr([1], [0.2]))
    with pytest.raises(ValueError, match="labels"):
        auc([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="scores"):
        auc([0, 1], [0.1])


def test_auc_interval_covers_the_auc_and_needs_two_per_class() -> None:
    import math

    from veracity.bench.metrics import auc, auc_ci

    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(60), np.ones(60)]
    s = np.r_[rng.normal(0, 1, 60), rng.normal(1, 1, 60)]
    low, high = auc_ci(y, s)
    assert low < auc(y, s) < high and 0.1 < high - low < 0.35
    assert auc_ci(y, s) == (low, high)  # seeded
    assert all(math.isnan(v) for v in auc_ci([0, 1], [0.2, 0.8]))
