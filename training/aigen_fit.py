"""Fitting code for the two AI-image detectors (used by train_aigen.py and eval_aigen.py).

Records are tuples (source key, kind, generator or 'real', uint8 RGB image) from
build_aigen_dataset.py. Labels: 1 = fake. Classes are weighted to balance, so the
calibrated probabilities assume a 50 % prior.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from scipy.optimize import minimize
from torch import nn

from veracity.detect.npr import npr_logit
from veracity.detect.spectral import spectral_logit
from veracity.detect.spectral_features import RADIAL_BINS, spectral_features


def labels(records: list) -> np.ndarray:
    return np.array([0 if r[2] == "real" else 1 for r in records], np.float64)


def balanced_weights(y: np.ndarray) -> np.ndarray:
    n1, n0 = max(y.sum(), 1), max((1 - y).sum(), 1)
    return np.where(y == 1, 0.5 / n1, 0.5 / n0) * len(y)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Class-balanced L2 logistic regression; returns (coef..., intercept)."""
    sw = balanced_weights(y)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        ll = -(sw * (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))).sum()
        g = sw * (p - y)
        grad = np.append(x.T @ g, g.sum()) + np.append(l2 * theta[:-1], 0)
        return -ll + 0.5 * l2 * float(theta[:-1] @ theta[:-1]), grad

    res = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B")
    return res.x


def fit_platt(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Platt parameters (a, b) on held-out logits."""
    theta = fit_logistic(logits[:, None], y, l2=1e-6)
    return np.array([theta[0], theta[1]], np.float32)


def spectral_matrix(records: list) -> np.ndarray:
    return np.stack([spectral_features(r[3])[0] for r in records]).astype(np.float64)


def fit_spectral(
    train_x: np.ndarray, train_y: np.ndarray, calib_x: np.ndarray, calib_y: np.ndarray
) -> dict[str, np.ndarray]:
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    theta = fit_logistic((train_x - mean) / std, train_y, l2=1.0)
    model = {
        "mean": mean.astype(np.float32),
        "std": std.astype(np.float32),
        "coef": theta[:-1].astype(np.float32),
        "intercept": np.array([theta[-1]], np.float32),
        "ref_real": train_x[train_y == 0, :RADIAL_BINS].mean(0).astype(np.float32),
        "ref_fake": train_x[train_y == 1, :RADIAL_BINS].mean(0).astype(np.float32),
    }
    logits = np.array([spectral_logit(f.astype(np.float32), model) for f in calib_x])
    model["platt"] = fit_platt(logits, calib_y)
    return model


class NprNet(nn.Module):
    """Torch twin of veracity.detect.npr.npr_map (same layers, reflect padding)."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, 1, 1, padding_mode="reflect")
        self.c2 = nn.Conv2d(8, 16, 3, 2, 1, padding_mode="reflect")
        self.c3 = nn.Conv2d(16, 32, 3, 2, 1, padding_mode="reflect")
        self.c4 = nn.Conv2d(32, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x - nn.functional.interpolate(x[:, :, ::2, ::2], scale_factor=2, mode="nearest")
        h = torch.relu(self.c3(torch.relu(self.c2(torch.relu(self.c1(x))))))
        return self.c4(h).mean(dim=(1, 2, 3))


TRAIN_CROP = 64  # the net is fully convolutional; smaller training crops train faster


def random_crops(records: list, per_image: int, rng: np.random.Generator) -> tuple:
    xs, ys = [], []
    for r in records:
        img = r[3]
        h, w = img.shape[:2]
        if min(h, w) < TRAIN_CROP:
            continue
        for _ in range(per_image):
            y, x = rng.integers(0, h - TRAIN_CROP + 1), rng.integers(0, w - TRAIN_CROP + 1)
            xs.append(img[y : y + TRAIN_CROP, x : x + TRAIN_CROP])
            ys.append(0.0 if r[2] == "real" else 1.0)
    return np.stack(xs), np.array(ys, np.float32)


def export_npr(net: NprNet) -> dict[str, np.ndarray]:
    out = {}
    for name in ("c1", "c2", "c3", "c4"):
        mod = getattr(net, name)
        out[f"{name}.w"] = np.ascontiguousarray(mod.weight.detach().numpy().transpose(2, 3, 1, 0))
        out[f"{name}.b"] = mod.bias.detach().numpy().astype(np.float32)
    return out


def train_npr(
    train: list, seconds: float, seed: int = 0, max_steps: int = 10**9
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    x_all, y_all = random_crops(train, 4, rng)
    pos_weight = torch.tensor((1 - y_all).sum() / max(y_all.sum(), 1))
    net = NprNet()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    start, step = time.time(), 0
    while time.time() - start < seconds and step < max_steps:
        idx = rng.integers(0, len(x_all), 64)
        xb = torch.from_numpy(x_all[idx]).permute(0, 3, 1, 2).float() / 255.0
        yb = torch.from_numpy(y_all[idx])
        loss = nn.functional.binary_cross_entropy_with_logits(net(xb), yb, pos_weight=pos_weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 250 == 0:
            print(f"npr step {step} loss {loss.item():.4f}", flush=True)
    print(f"npr: {step} steps in {time.time() - start:.0f}s", flush=True)
    return export_npr(net)


def npr_logits(records: list, model: dict[str, np.ndarray]) -> np.ndarray:
    return np.array([npr_logit(r[3], model) for r in records])


def fit_npr(
    train: list, calib: list, seconds: float, seed: int = 0, max_steps: int = 10**9
) -> dict[str, np.ndarray]:
    model = train_npr(train, seconds, seed, max_steps)
    model["platt"] = fit_platt(npr_logits(calib, model), labels(calib))
    return model


PRIORS = (0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05)


def choose_prior(calibrated: list[np.ndarray], y: np.ndarray, max_fpr: float) -> float:
    """Largest fake prior whose 0.5 threshold keeps every score's calib FPR <= max_fpr.

    ``calibrated`` holds class-balanced calibrated logits (one array per detector and
    one for their fusion). Shifting every logit by log(prior / (1 - prior)) turns them
    into probabilities under that prior, so the default threshold 0.5 stays meaningful.
    """
    for prior in PRIORS:
        shift = np.log(prior / (1 - prior))
        if all(float(((z[y == 0] + shift) >= 0).mean()) <= max_fpr for z in calibrated):
            return prior
    return PRIORS[-1]


def fit_both(
    train: list, calib: list, spec_x: tuple, seconds: float, steps: int, max_fpr: float = 0.04
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fit both detectors, calibrate them and set the shared prior on ``calib``.

    ``spec_x`` is (train features, calib features) from :func:`spectral_matrix`.
    """
    ty, cy = labels(train), labels(calib)
    spec = fit_spectral(spec_x[0], ty, spec_x[1], cy)
    npr = fit_npr(train, calib, seconds, max_steps=steps)
    zs = (
        spec["platt"][0] * np.array([spectral_logit(f.astype(np.float32), spec) for f in spec_x[1]])
        + spec["platt"][1]
    )
    zn = npr["platt"][0] * npr_logits(calib, npr) + npr["platt"][1]
    w = fusion_weight(zs, zn, cy)
    prior = choose_prior([zs, zn, w * zs + (1 - w) * zn], cy, max_fpr)
    shift = np.float32(np.log(prior / (1 - prior)))
    for model, weight in ((spec, w), (npr, 1 - w)):
        model["platt"] = np.array([model["platt"][0], model["platt"][1] + shift], np.float32)
        model["prior"] = np.array([prior], np.float32)
        model["fusion_weight"] = np.array([weight], np.float32)
    print(f"prior {prior}, spectral fusion weight {w:.2f}", flush=True)
    return spec, npr


def fusion_weight(zs: np.ndarray, zn: np.ndarray, y: np.ndarray) -> float:
    """Weight of the spectral logit in the weighted log-odds mean (balanced log-loss)."""
    sw = balanced_weights(y)
    grid = np.linspace(0, 1, 21)
    losses = []
    for w in grid:
        z = w * zs + (1 - w) * zn
        losses.append(float((sw * (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))).sum()))
    return float(grid[int(np.argmin(losses))])
