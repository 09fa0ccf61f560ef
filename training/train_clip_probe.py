"""Leave-one-generator-family-out evaluation and the final fit of the CLIP probe.

Usage:
    python training/train_clip_probe.py --data /work/data/img/real_aigen \
        --feats /work/data/img/feats_resize.npz [--l2 0.05] [--out src/veracity/models/aigen_clip]

For each family F: the probe is fitted on the training real photos plus every other
family (augmented and q90 variants), Platt-scaled on a calibration split of that
training data, and tested on all of F against held-out real photos of the training
sources; real photos from sources never in training are scored too. With ``--out`` a
final probe on all families is written (model.npz; float16 weights).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from clip_probe_fit import FAMILIES, auc, fit_probe, load_rows, masks


def platt_fit(logits: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Class-balanced 1-D logistic fit of the probe's logits on the calibration split."""
    p = fit_probe(logits[:, None], y, 1e-4)
    a = float(p.w[0] / p.scale[0])
    return a, float(p.b - a * p.mean[0])


def fit_calibrated(
    f: dict[str, np.ndarray], train: np.ndarray, y: np.ndarray, calib: np.ndarray, l2: float
):
    fit_idx = train & ~calib
    x = np.concatenate([f["aug"][fit_idx], f["eval"][fit_idx]])
    yy = np.concatenate([y[fit_idx], y[fit_idx]])
    probe = fit_probe(x, yy, l2)
    cal_idx = train & calib
    a, b = platt_fit(probe.logit(f["aug"][cal_idx]), y[cal_idx].astype(float))
    return probe, (a, b)


def prob(probe, ab, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(ab[0] * probe.logit(x) + ab[1], -50, 50)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--feats", type=Path, required=True)
    ap.add_argument("--l2", type=float, default=0.05)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--prior", type=float, default=0.25, help="fake prior the probabilities assume")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    rows = load_rows(args.data)
    f = dict(np.load(args.feats))
    m = masks(rows)
    fam, y = m["family"], (m["family"] != "real").astype(int)
    results = []
    for held in FAMILIES:
        train = m["real_train"] | ((fam != "real") & (fam != held))
        probe, ab = fit_calibrated(f, train, y, m["calib"], args.l2)
        ab = (ab[0], ab[1] + float(np.log(args.prior / (1 - args.prior))))
        row: dict[str, object] = {
            "family": held,
            "n_fake": int((fam == held).sum()),
            "n_real_test": int(m["real_test"].sum()),
        }
        for var in ("eval", "jpeg75", "half"):
            pf, pr = prob(probe, ab, f[var][fam == held]), prob(probe, ab, f[var][m["real_test"]])
            lf, lr = probe.logit(f[var][fam == held]), probe.logit(f[var][m["real_test"]])
            row[f"auc_{var}"] = round(auc(lf, lr), 4)
            row[f"fpr_{var}"] = round(float((pr >= args.threshold).mean()), 4)
            row[f"tpr_{var}"] = round(float((pf >= args.threshold).mean()), 4)
        pu = prob(probe, ab, f["eval"][m["real_unseen"]])
        row["fpr_unseen_real"] = round(float((pu >= args.threshold).mean()), 4)
        results.append(row)
        print(json.dumps(row), flush=True)
    summary = {
        k: round(float(np.mean([r[k] for r in results])), 4)
        for k in results[0]
        if k.startswith(("auc", "fpr", "tpr"))
    }
    print("mean", json.dumps(summary))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "folds": results,
                    "mean": summary,
                    "l2": args.l2,
                    "prior": args.prior,
                    "threshold": args.threshold,
                },
                indent=1,
            )
        )
    if args.out:
        train = m["real_train"] | (fam != "real")
        probe, ab = fit_calibrated(f, train, y, m["calib"], args.l2)
        ab = (ab[0], ab[1] + float(np.log(args.prior / (1 - args.prior))))
        args.out.mkdir(parents=True, exist_ok=True)
        w = probe.w / probe.scale
        b = probe.b - float((probe.mean / probe.scale) @ probe.w)
        np.savez(
            args.out / "model.npz",
            w=(w * ab[0]).astype(np.float32),
            b=np.array([b * ab[0] + ab[1]], np.float32),
        )
        print("wrote", args.out / "model.npz")


if __name__ == "__main__":
    main()
