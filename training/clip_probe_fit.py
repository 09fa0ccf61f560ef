"""Logistic probe on standardised frozen features: fitting, splits and metrics (numpy/scipy)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

FAMILIES = ("sd1", "sdxl", "flux", "other_diffusion", "gan", "web_mixed")
HELD_OUT_REAL = ("web_photos", "exif_samples")


@dataclass(frozen=True)
class Probe:
    mean: np.ndarray
    scale: np.ndarray
    w: np.ndarray
    b: float

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.w + self.b


def fit_probe(x: np.ndarray, y: np.ndarray, l2: float) -> Probe:
    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / scale
    pos = y.mean()
    sw = np.where(y == 1, 0.5 / pos, 0.5 / (1 - pos)) / len(y)

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


def masks(rows: list[dict[str, str]]) -> dict[str, np.ndarray]:
    fam = np.array([r["family"] for r in rows])
    src = np.array([r["real_source"] for r in rows])
    fold = np.array([fold_of(r["group"]) for r in rows])
    real = fam == "real"
    unseen = real & np.isin(src, HELD_OUT_REAL)
    return {
        "family": fam,
        "real_train": real & ~unseen & (fold >= 3),
        "real_test": real & ~unseen & (fold < 3),
        "real_unseen": unseen,
        "calib": (fold == 3) | (fold == 4),  # inside training data: the Platt split
    }
