"""Held-out evaluation of the AI-image detectors, leave-one-generator-out.

Usage:
    PYTHONPATH=src python training/eval_aigen.py --cache /tmp/aigen_cache \
        --photos P --faces F [--parts shipped,logo] [--json out.json]

1. Shipped models: test-split sources (never seen in training or calibration) against
   fakes from every generator, clean / JPEG 75 / resize 0.5.
2. Leave-one-generator-out: for each generator G both detectors are retrained and
   recalibrated without G, then tested on test-split reals against G's fakes only.
3. False-positive rate of the shipped models on whole held-out photos and faces saved
   as PNG and as JPEG (quality 90 and 75).

Metrics: ROC AUC; balanced accuracy, TPR and FPR at threshold 0.5; expected calibration
error (10 bins, classes weighted by the fake prior the probabilities are calibrated for).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aigen_common import jpeg, list_sources, perturb
from aigen_fit import fit_both, labels, npr_logits, spectral_matrix
from train_aigen import load

from veracity.bench.metrics import auc
from veracity.detect.calibration import load_model
from veracity.detect.spectral import spectral_logit
from veracity.synth.generators import generator_names

CONDITIONS = ("clean", "jpeg75", "resize0.5")


def ece(y: np.ndarray, p: np.ndarray, prior: float, bins: int = 10) -> float:
    """ECE with classes weighted to the prior the probabilities are calibrated for."""
    w = np.where(y == 1, prior / y.sum(), (1 - prior) / (len(y) - y.sum()))
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += abs(np.sum(w[m] * (y[m] - p[m])))
    return float(total)


def metrics(y: np.ndarray, p: np.ndarray, prior: float) -> dict[str, float]:
    tpr = float((p[y == 1] >= 0.5).mean())
    fpr = float((p[y == 0] >= 0.5).mean())
    return {
        "auc": auc(y, p),
        "bacc": (tpr + 1 - fpr) / 2,
        "tpr": tpr,
        "fpr": fpr,
        "ece": ece(y, p, prior),
        "n_real": int((y == 0).sum()),
        "n_fake": int(y.sum()),
    }


def sig(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def probs(records: list, spec: dict, npr: dict) -> dict[str, np.ndarray]:
    """Calibrated probabilities of both detectors and their weighted log-odds fusion."""
    sl = np.array([spectral_logit(f.astype(np.float32), spec) for f in spectral_matrix(records)])
    nl = npr_logits(records, npr)
    zs = spec["platt"][0] * sl + spec["platt"][1]
    zn = npr["platt"][0] * nl + npr["platt"][1]
    w = float(spec["fusion_weight"][0])
    return {"spectral": sig(zs), "npr": sig(zn), "fused": sig(w * zs + (1 - w) * zn)}


def evaluate(records: list, spec: dict, npr: dict, per_gen: dict | None = None) -> dict:
    """Metrics per condition and detector; per-generator AUC/TPR into ``per_gen``."""
    out: dict[str, dict] = {}
    prior = float(spec["prior"][0])
    gens = np.array([r[2] for r in records])
    for cond in CONDITIONS:
        recs = [(k, kind, g, perturb(img, cond)) for k, kind, g, img in records]
        y = labels(recs)
        for det, p in probs(recs, spec, npr).items():
            out[f"{cond}/{det}"] = metrics(y, p, prior)
            if per_gen is None:
                continue
            for g in sorted(set(gens) - {"real"}):
                m = (gens == g) | (gens == "real")
                per_gen[f"{g}/{cond}/{det}"] = metrics(y[m], p[m], prior)
    return out


def logo(args: argparse.Namespace, train: list, calib: list, test: list) -> dict:
    tx, cx = spectral_matrix(train), spectral_matrix(calib)
    out = {}
    for g in generator_names():
        tm = np.array([r[2] != g for r in train])
        cm = np.array([r[2] != g for r in calib])
        tr = [r for r, keep in zip(train, tm, strict=True) if keep]
        ca = [r for r, keep in zip(calib, cm, strict=True) if keep]
        spec, npr = fit_both(tr, ca, (tx[tm], cx[cm]), args.fold_seconds, args.fold_steps)
        held = [r for r in test if r[2] in ("real", g)]
        out[g] = evaluate(held, spec, npr)
        print(
            f"LOGO {g}: " + json.dumps({k: round(v["auc"], 3) for k, v in out[g].items()}),
            flush=True,
        )
    return out


def full_photo_fpr(args: argparse.Namespace, spec: dict, npr: dict) -> dict[str, dict]:
    """FPR on whole held-out images (not crops): BSDS photos and LFW faces."""
    srcs = list_sources(args.photos, args.faces, args.max_faces)
    imgs = [np.asarray(Image.open(s.path).convert("RGB")) for s in srcs if s.split == "test"]
    out = {}
    for fmt, fn in (
        ("png", lambda x: x),
        ("jpeg90", lambda x: jpeg(x, 90)),
        ("jpeg75", lambda x: jpeg(x, 75)),
    ):
        recs = [("", "photo", "real", fn(x)) for x in imgs]
        out[fmt] = {d: float((p >= 0.5).mean()) for d, p in probs(recs, spec, npr).items()}
        out[fmt]["n"] = len(recs)
    return out


def table(title: str, res: dict[str, dict]) -> None:
    print(f"\n### {title}\n\n| condition/detector | AUC | bal. acc | TPR | FPR | ECE |")
    print("|---|---|---|---|---|---|")
    for k, m in res.items():
        print(
            f"| {k} | {m['auc']:.3f} | {m['bacc']:.3f} | {m['tpr']:.3f} | {m['fpr']:.3f} "
            f"| {m['ece']:.3f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--faces", type=Path, required=True)
    ap.add_argument("--max-faces", type=int, default=250, help="as given to the builder")
    ap.add_argument("--fold-seconds", type=float, default=240.0, help="time cap per fold")
    ap.add_argument("--fold-steps", type=int, default=600, help="NPR steps per fold")
    ap.add_argument("--parts", default="shipped,logo", help="comma list: shipped, logo")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(1)
    test = load(args.cache, "test")
    parts = set(args.parts.split(","))
    result: dict = {}
    if "shipped" in parts:
        spec, npr = load_model("aigen_spectral"), load_model("aigen_npr")
        per_gen: dict = {}
        result["shipped"] = evaluate(test, spec, npr, per_gen)
        result["shipped_per_generator"] = per_gen
        table("Shipped models, held-out sources, all generators", result["shipped"])
        table("Shipped models, per generator (held-out sources)", per_gen)
        result["full_photo_fpr"] = full_photo_fpr(args, spec, npr)
        print("\nFPR on full-size held-out photos:", json.dumps(result["full_photo_fpr"]))
    if "logo" in parts:
        result["logo"] = logo(args, load(args.cache, "train"), load(args.cache, "calib"), test)
        for g, res in result["logo"].items():
            table(f"Leave-one-generator-out: {g} unseen", res)
        keys = next(iter(result["logo"].values())).keys()
        mean = {
            k: {
                m: float(np.mean([r[k][m] for r in result["logo"].values()]))
                for m in ("auc", "bacc", "tpr", "fpr", "ece")
            }
            for k in keys
        }
        table("Leave-one-generator-out: mean over folds", mean)
        result["logo_mean"] = mean
    if args.json:
        args.json.write_text(
            json.dumps(
                result,
                indent=1,
                default=lambda o: None if isinstance(o, float) and math.isnan(o) else o,
            )
        )


if __name__ == "__main__":
    main()
