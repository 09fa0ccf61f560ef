"""Detection metrics in numpy: ROC curve, AUC, EER and TPR at a fixed FPR.

Scores are "higher means fake"; labels are 1 for fake, 0 for real. Tied scores are
handled exactly (a tie counts half in the AUC, and the ROC takes one step per distinct
score), so a detector answering a constant gets AUC 0.5 and EER 0.5. With only one
class present every metric is NaN: there is nothing to rank.
"""

from __future__ import annotations

import numpy as np

__all__ = ["auc", "auc_ci", "auc_groups", "eer", "roc_curve", "tpr_at_fpr"]


def _arrays(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.int64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"{len(y)} labels but {len(s)} scores")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 (real) or 1 (fake)")
    return y, s


def roc_curve(labels: object, scores: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC points for every distinct threshold, from (0, 0) to (1, 1).

    Returns:
        ``(fpr, tpr, thresholds)``: a file is called fake when ``score >= threshold``;
        the first point has threshold ``+inf``. Empty arrays when a class is missing.
    """
    y, s = _arrays(labels, scores)
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        empty = np.zeros(0)
        return empty, empty, empty
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each distinct score
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    tpr = np.r_[0.0, tp / n_pos]
    fpr = np.r_[0.0, fp / n_neg]
    return fpr, tpr, np.r_[np.inf, s[last]]


def auc(labels: object, scores: object) -> float:
    """Area under the ROC curve: P(a fake outscores a real), ties counting half."""
    fpr, tpr, _ = roc_curve(labels, scores)
    if len(fpr) == 0:
        return float("nan")
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def auc_ci(
    labels: object, scores: object, *, level: float = 0.95, resamples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of :func:`auc`, resampling fakes and reals separately.

    Returns ``(nan, nan)`` with fewer than two files of either class: an AUC from one
    fake and one real says nothing.
    """
    y, s = _arrays(labels, scores)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) < 2 or len(neg) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = [
        auc_groups(rng.choice(neg, len(neg)), rng.choice(pos, len(pos))) for _ in range(resamples)
    ]
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(draws, [tail, 1.0 - tail])
    return float(low), float(high)


def auc_groups(real_scores: object, fake_scores: object) -> float:
    """:func:`auc` from two groups of scores (reals and fakes)."""
    real = np.asarray(real_scores, dtype=np.float64).ravel()
    fake = np.asarray(fake_scores, dtype=np.float64).ravel()
    labels = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    return auc(labels, np.r_[real, fake])


def eer(labels: object, scores: object) -> float:
    """Equal error rate: where the false-positive and false-negative rates cross.

    The ROC is linearly interpolated between its points, so the value does not depend on
    how ties break.
    """
    fpr, tpr, _ = roc_curve(labels, scores)
    if len(fpr) == 0:
        return float("nan")
    fnr = 1.0 - tpr
    diff = fnr - fpr  # decreasing from 1 to -1 along the curve
    i = int(np.flatnonzero(diff <= 0)[0])
    if i == 0 or diff[i] == 0:
        return float(fpr[i])
    t = diff[i - 1] / (diff[i - 1] - diff[i])
    return float(fpr[i - 1] + t * (fpr[i] - fpr[i - 1]))


def tpr_at_fpr(labels: object, scores: object, max_fpr: float = 0.05) -> float:
    """Best true-positive rate at a threshold whose false-positive rate is <= ``max_fpr``."""
    fpr, tpr, _ = roc_curve(labels, scores)
    if len(fpr) == 0:
        return float("nan")
    return float(tpr[fpr <= max_fpr + 1e-12].max())
