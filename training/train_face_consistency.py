"""Fit, calibrate and evaluate the face-consistency detector; write its weights.

Usage:
  python training/face_consistency_data.py FACES_DIR TABLES --split fit|calib|test
  python training/train_face_consistency.py TABLES [--models src/veracity/models]

``fit`` fits a class-balanced L2 logistic regression on standardised features (reals
against classic swaps and self-blends, the two fake kinds weighted equally); ``calib``
(other training identities) fits Platt scaling and the fusion weight next to face-blend;
``test`` (held-out identities) is only scored. The fusion weight is shipped only if the
fused face score beats face-blend alone on the held-out swaps (``--fuse auto``).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from veracity.bench.metrics import auc_groups
from veracity.faces.consistency import FEATURE_NAMES
from veracity.faces.consistency_model import expand

KINDS = ("real", "swap", "sbi")


def load(tables: Path, split: str) -> dict[str, np.ndarray]:
    with np.load(tables / f"{split}.npz") as d:
        return {k: d[k] for k in d.files}


def sample_weights(kind: np.ndarray) -> np.ndarray:
    """Reals carry half the weight, swaps and self-blends a quarter each."""
    w = np.zeros(len(kind))
    for k, share in ((0, 0.5), (1, 0.25), (2, 0.25)):
        w[kind == k] = share / max(int((kind == k).sum()), 1)
    return w * len(kind)


def fit_logistic(x: np.ndarray, y: np.ndarray, sw: np.ndarray, l2: float) -> np.ndarray:
    """Weighted L2 logistic regression; returns (coef..., intercept)."""

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:-1] + theta[-1]
        nll = (sw * (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))).sum()
        g = sw * (1 / (1 + np.exp(-np.clip(z, -30, 30))) - y)
        grad = np.append(x.T @ g + l2 * theta[:-1], g.sum())
        return float(nll + 0.5 * l2 * theta[:-1] @ theta[:-1]), grad

    return minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B").x


def design(x: np.ndarray, model: dict) -> np.ndarray:
    """The run-time expansion (veracity.faces.consistency_model.expand), batched."""
    return expand(x.astype(np.float32), {k: np.asarray(v, np.float32) for k, v in model.items()})


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p.astype(np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit(fit_t: dict, l2: float) -> dict[str, np.ndarray]:
    x = fit_t["x"].astype(np.float64)
    mean = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0) + 1e-6
    model = {"mean": mean, "scale": scale, "centre": np.zeros(len(mean))}
    z = design(x, model)[:, : len(mean)]
    model["centre"] = np.median(z[fit_t["kind"] == 0], axis=0)
    y = (fit_t["kind"] > 0).astype(np.float64)
    theta = fit_logistic(design(x, model).astype(np.float64), y, sample_weights(fit_t["kind"]), l2)
    model.update(coef=theta[:-1], intercept=theta[-1:])
    return model


def raw_logits(t: dict, model: dict) -> np.ndarray:
    return design(t["x"], model).astype(np.float64) @ model["coef"] + model["intercept"][0]


def calibrate(calib: dict, model: dict) -> None:
    """Platt scaling (balanced) and the fusion weight next to face-blend, on ``calib``."""
    y = (calib["kind"] > 0).astype(np.float64)
    sw = sample_weights(calib["kind"])
    a, b = fit_logistic(raw_logits(calib, model)[:, None], y, sw, 1e-6)
    model["platt"] = np.array([a, b])
    zc, zb = a * raw_logits(calib, model) + b, logit(calib["sbi_prob"])
    grid = np.linspace(0, 3, 31)
    losses = []
    for w in grid:
        z = (zb + w * zc) / (1 + w)
        losses.append(float((sw * (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))).sum()))
    model["fusion_weight"] = np.array([grid[int(np.argmin(losses))]])
    w = float(model["fusion_weight"][0])
    model["prior"] = np.array([choose_prior(zc, zb, w, y)])
    model["platt"][1] += np.log(model["prior"][0] / (1 - model["prior"][0]))


PRIORS = (0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05)


def choose_prior(
    zc: np.ndarray, zb: np.ndarray, w: float, y: np.ndarray, max_fpr: float = 0.04
) -> float:
    """Largest fake prior keeping calib FPR <= max_fpr at 0.5 (as the AI-image detectors).

    Shifting the consistency log-odds by log(prior / (1 - prior)) makes its probability
    one under that prior; it moves the fused log-odds by w / (1 + w) of the shift.
    """
    for prior in PRIORS:
        shift = np.log(prior / (1 - prior))
        fused = (zb + w * (zc + shift)) / (1 + w)
        if all(float((z[y == 0] >= 0).mean()) <= max_fpr for z in (zc + shift, fused)):
            return prior
    return PRIORS[-1]


def scores(t: dict, model: dict) -> dict[str, np.ndarray]:
    a, b = model["platt"]
    zc, zb = a * raw_logits(t, model) + b, logit(t["sbi_prob"])
    w = float(model["fusion_weight"][0])
    return {"consistency": zc, "face-blend": zb, "fused": (zb + w * zc) / (1 + w)}


def report(name: str, t: dict, model: dict, protocol: int | None = None) -> dict:
    sel = np.ones(len(t["kind"]), bool) if protocol is None else t["protocol"] == protocol
    s = scores(t, model)
    out = {}
    for fake, label in ((1, "swap"), (2, "sbi"), (None, "both")):
        real = sel & (t["kind"] == 0)
        fk = sel & ((t["kind"] > 0) if fake is None else (t["kind"] == fake))
        row = {k: auc_groups(v[real], v[fk]) for k, v in s.items()}
        out[label] = row
        cells = "  ".join(f"{k} {v:.3f}" for k, v in row.items())
        print(f"[{name}] real vs {label} ({real.sum()} vs {fk.sum()}): AUC {cells}", flush=True)
    return out


def bootstrap_gain(t: dict, model: dict, protocol: int, fake: int | None, n: int = 1000) -> tuple:
    """95 % interval of AUC(fused) - AUC(face-blend), resampling target images."""
    rng = np.random.default_rng(0)
    s = scores(t, model)
    sel = t["protocol"] == protocol
    groups = np.unique(t["group"][sel])
    gains = []
    for _ in range(n):
        pick = np.isin(t["group"], rng.choice(groups, len(groups)))
        real = sel & pick & (t["kind"] == 0)
        fk = sel & pick & ((t["kind"] > 0) if fake is None else (t["kind"] == fake))
        gains.append(
            auc_groups(s["fused"][real], s["fused"][fk])
            - auc_groups(s["face-blend"][real], s["face-blend"][fk])
        )
    return float(np.percentile(gains, 2.5)), float(np.percentile(gains, 97.5))


def write_model(folder: Path, model: dict, card: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    weights = folder / "model.npz"
    np.savez(weights, **{k: np.asarray(v, np.float32) for k, v in model.items()})
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    (folder / "MODEL_CARD.md").write_text(card.replace("SHA256", digest), encoding="utf-8")
    print(f"wrote {weights} sha256 {digest}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tables", type=Path)
    ap.add_argument("--models", type=Path, default=None)
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--fuse", choices=("auto", "yes", "no"), default="auto")
    ap.add_argument("--card", type=Path, default=None, help="model card template (SHA256 marker)")
    ap.add_argument("--no-test", action="store_true", help="fit and calibrate only")
    args = ap.parse_args()
    fit_t, calib = load(args.tables, "fit"), load(args.tables, "calib")
    model = fit(fit_t, args.l2)
    calibrate(calib, model)
    names = [*FEATURE_NAMES, *(f"|{n}|" for n in FEATURE_NAMES)]
    for name, c in sorted(zip(names, model["coef"], strict=True), key=lambda r: -abs(r[1]))[:12]:
        print(f"  coef {name:30s} {c:+.3f}")
    print(
        f"platt {model['platt']}, fusion weight {model['fusion_weight'][0]:.2f}, "
        f"prior {model['prior'][0]:.2f}"
    )
    report("calib chain", calib, model)
    if not args.no_test:
        test = load(args.tables, "test")
        res = {p: report(f"test {p}", test, model, i) for i, p in enumerate(("chain", "q90"))}
        lows = []
        for proto, i in (("chain", 0), ("q90", 1)):
            for fake, label in ((1, "swap"), (2, "sbi"), (None, "both")):
                lo, hi = bootstrap_gain(test, model, i, fake)
                gain = res[proto][label]["fused"] - res[proto][label]["face-blend"]
                print(
                    f"[test {proto}] {label}: AUC fused - face-blend {gain:+.3f}, 95% CI [{lo:+.3f}, {hi:+.3f}]"
                )
                if label != "sbi":
                    lows.append(lo)
        # Fused only if it helps on swaps and on all fakes together, under both protocols.
        if args.fuse == "no" or (args.fuse == "auto" and min(lows) <= 0):
            print("fusion weight set to 0: no significant held-out gain")
            model["fusion_weight"] = np.array([0.0])
    if args.models is not None and args.card is not None:
        write_model(args.models / "face_consistency", model, args.card.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
