"""Logistic probe on standardised frozen features: fitting, splits, calibration, metrics.

numpy/scipy only. Shared by ``training/train_clip_probe.py`` (the shipped fit) and
``benchmarks/aigen_real.py`` (leave-one-generator-family-out).

Calibration uses training data only: the probe is Platt-scaled on a calibration split of
the training rows, then its bias is shifted so that real photos of a *source the probe
was not fitted on* pass the 0.5 threshold at most ``target_fpr`` of the time. That rate is
measured by leaving each training real source out in turn (an inner fit without it), so
the shift anticipates photo sources absent from training instead of the training
sources' own (optimistic) false-positive rate. The test sources never take part.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

FAMILIES = ("sd1", "sdxl", "flux", "other_diffusion", "gan", "web_mixed")
# Real photo sources never trained on (the unseen-source test set), fixed before measuring.
HELD_OUT_REAL = ("web_photos", "exif_samples", "kodak24", "old_photos", "photoprism")
# Mean false-positive rate allowed on a left-out training real source (margin below 5 %).
TARGET_FPR = 0.03


@dataclass(frozen=True)
class Probe:
    mean: np.ndarray
    scale: np.ndarray
    w: np.ndarray
    b: float

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.w + self.b


@dataclass(frozen=True)
class Calibrated:
    """A probe with its Platt scale ``a`` and bias ``b`` (probability = sigmoid(a*logit + b))."""

    probe: Probe
    a: float
    b: float

    def prob(self, x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-np.clip(self.a * self.probe.logit(x) + self.b, -50, 50)))

    def shifted(self, delta: float) -> Calibrated:
        return Calibrated(self.probe, self.a, self.b + delta)


def fit_probe(x: np.ndarray, y: np.ndarray, l2: float, weight: np.ndarray | None = None) -> Probe:
    """Class-balanced L2 logistic regression; ``weight`` multiplies each row's share."""
    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / scale
    pos = y.mean()
    sw = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos)) / len(y)
    if weight is not None:
        for cls in (0, 1):
            sel = y == cls
            sw[sel] *= weight[sel] / weight[sel].mean()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        s = z @ w + b
        p = 1 / (1 + np.exp(-s))
        ll = np.logaddexp(0, s) - y * s
        g = sw * (p - y)
        return float((sw * ll).sum() + 0.5 * l2 * w @ w), np.append(z.T @ g + l2 * w, g.sum())

    res = minimize(
        loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    return Probe(mean, scale, res.x[:-1], float(res.x[-1]))


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def fold_of(group: str, k: int = 10) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % k


def load_rows(data: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in open(data / "manifest.jsonl")]


def source_group(real_source: str) -> str:
    """Camera makes share one group (one sample collection); other sources are their own."""
    return real_source.split(":")[0]


def masks(rows: list[dict[str, str]]) -> dict[str, np.ndarray]:
    fam = np.array([r["family"] for r in rows])
    src = np.array([r["real_source"] for r in rows])
    fold = np.array([fold_of(r["group"]) for r in rows])
    real = fam == "real"
    unseen = real & np.isin(src, HELD_OUT_REAL)
    return {
        "family": fam,
        "source": np.array([source_group(s) for s in src]),
        "real_train": real & ~unseen & (fold >= 3),
        "real_test": real & ~unseen & (fold < 3),
        "real_unseen": unseen,
        "calib": (fold == 3) | (fold == 4),  # inside training data: the Platt split
    }


def _weights(m: dict[str, np.ndarray], idx: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Real rows weighted so that every real source group counts the same in total."""
    w = np.ones(len(idx))
    src = m["source"][idx]
    real = y[idx] == 0
    groups = np.unique(src[real])
    for g in groups:
        sel = real & (src == g)
        w[sel] = 1.0 / sel.sum()
    return w


def fit_calibrated(
    f: dict[str, np.ndarray],
    train: np.ndarray,
    y: np.ndarray,
    m: dict[str, np.ndarray],
    l2: float,
    balance_sources: bool = True,
) -> Calibrated:
    """Probe fitted on the non-calibration training rows (q90 + augmented), Platt-scaled."""
    fit_idx = np.flatnonzero(train & ~m["calib"])
    x = np.concatenate([f["aug"][fit_idx], f["eval"][fit_idx]])
    yy = np.concatenate([y[fit_idx], y[fit_idx]])
    weight = None
    if balance_sources:
        w = _weights(m, fit_idx, y)
        weight = np.concatenate([w, w])
    probe = fit_probe(x, yy, l2, weight)
    cal_idx = train & m["calib"]
    p = fit_probe(probe.logit(f["aug"][cal_idx])[:, None], y[cal_idx].astype(float), 1e-4)
    a = float(p.w[0] / p.scale[0])
    return Calibrated(probe, a, float(p.b - a * p.mean[0]))


def source_shift(
    f: dict[str, np.ndarray],
    train: np.ndarray,
    y: np.ndarray,
    m: dict[str, np.ndarray],
    l2: float,
    target_fpr: float,
    balance_sources: bool = True,
) -> tuple[float, dict[str, float]]:
    """Bias shift that holds the mean left-out-source real FPR at ``target_fpr``.

    For each real source group in the training rows: fit and calibrate without that group,
    score its photos (q90 and augmented variants). The shift is the largest for which the
    mean over groups of the rate at 0.5 stays at or below ``target_fpr``; returned with
    each group's left-out rate after the shift, for the record.
    """
    groups = sorted(set(m["source"][train & (y == 0)]))
    held: list[np.ndarray] = []
    for g in groups:
        without = train & ~((y == 0) & (m["source"] == g))
        cal = fit_calibrated(f, without, y, m, l2, balance_sources)
        idx = train & (y == 0) & (m["source"] == g)
        z = np.concatenate([f["eval"][idx], f["aug"][idx]])
        held.append(cal.a * cal.probe.logit(z) + cal.b)

    def mean_fpr(delta: float) -> float:
        return float(np.mean([(h + delta >= 0).mean() for h in held]))

    lo, hi = -20.0, 20.0  # mean_fpr falls as delta falls
    for _ in range(60):
        mid = (lo + hi) / 2
        if mean_fpr(mid) > target_fpr:
            hi = mid
        else:
            lo = mid
    return lo, {g: round(float((h + lo >= 0).mean()), 4) for g, h in zip(groups, held, strict=True)}
