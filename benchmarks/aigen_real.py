"""Leave-one-generator-family-out on real generators: CLIP probe alone and fused with spectral/NPR.

Usage:
    python benchmarks/aigen_real.py --data /work/data/img/real_aigen \
        --feats /work/data/img/feats_resize.npz --json benchmarks/results/aigen_real.json

Folds, splits and the probe fit are those of ``training/train_clip_probe.py`` (whole family
held out; real photos of training sources split by file; two real sources never trained
on). The old detectors (aigen_spectral, aigen_npr, shipped weights) score the same q90
images; the fused score is ``veracity.detect.fusion.fuse_scores`` with the shipped weights.
Prints a table per variant and writes the JSON (date, commit, numbers).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))

from aigen_clip_features import variant
from clip_probe_fit import FAMILIES, auc, load_rows, masks
from train_clip_probe import fit_calibrated, prob

from veracity.detect.clip_probe import FUSION_WEIGHT
from veracity.detect.npr import NprDetector
from veracity.detect.spectral import SpectralDetector
from veracity.media.image import LoadedImage

VARIANTS = ("eval", "jpeg75", "half")


def old_scores(data: Path, rows: list[dict[str, str]], name: str) -> dict[str, np.ndarray]:
    cache = data / f"old_scores_{name}.npz"
    if cache.is_file():
        return dict(np.load(cache))
    dets = [SpectralDetector(), NprDetector()]
    out: dict[str, list[float]] = {f"{d.name}": [] for d in dets}
    weights: dict[str, float] = {}
    for r in rows:
        rgb = variant(np.asarray(Image.open(data / r["file"]).convert("RGB")), name, 0)
        media = LoadedImage(rgb, None, False, 8, "JPEG", "RGB")
        for d in dets:
            s = d.analyze(media, None)
            out[d.name].append(s.score)
            weights[d.name] = float(s.details.get("fusion_weight", 1.0))
    arrays = {k: np.array(v) for k, v in out.items()} | {
        f"w_{k}": np.array([w]) for k, w in weights.items()
    }
    np.savez(cache, **arrays)
    return arrays


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fused(clip_p: np.ndarray, old: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    z = FUSION_WEIGHT * logit(clip_p)
    total = FUSION_WEIGHT
    for name in ("aigen_spectral", "aigen_npr"):
        w = float(old[f"w_{name}"][0])
        z, total = z + w * logit(old[name][idx]), total + w
    return 1 / (1 + np.exp(-z / total))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--feats", type=Path, required=True)
    ap.add_argument("--l2", type=float, default=0.05)
    ap.add_argument("--prior", type=float, default=0.25)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    rows = load_rows(args.data)
    f = dict(np.load(args.feats))
    m = masks(rows)
    fam, y = m["family"], (m["family"] != "real").astype(int)
    old = {v: old_scores(args.data, rows, v) for v in VARIANTS}
    shift = float(np.log(args.prior / (1 - args.prior)))
    folds = []
    for held in FAMILIES:
        train = m["real_train"] | ((fam != "real") & (fam != held))
        probe, ab = fit_calibrated(f, train, y, m["calib"], args.l2)
        ab = (ab[0], ab[1] + shift)
        row: dict[str, object] = {"family": held, "n_fake": int((fam == held).sum())}
        for v in VARIANTS:
            fi, ri = np.flatnonzero(fam == held), np.flatnonzero(m["real_test"])
            pf, pr = prob(probe, ab, f[v][fi]), prob(probe, ab, f[v][ri])
            ff, fr = fused(pf, old[v], fi), fused(pr, old[v], ri)
            of, orr = (
                fused(np.full(len(fi), 0.5), old[v], fi),
                fused(np.full(len(ri), 0.5), old[v], ri),
            )
            row[v] = {
                "clip_auc": round(auc(pf, pr), 4),
                "clip_fpr": round(float((pr >= 0.5).mean()), 4),
                "fused_auc": round(auc(ff, fr), 4),
                "fused_fpr": round(float((fr >= 0.5).mean()), 4),
                "fused_tpr": round(float((ff >= 0.5).mean()), 4),
                "old_fused_auc": round(auc(of, orr), 4),
            }
        ui = np.flatnonzero(m["real_unseen"])
        pu = prob(probe, ab, f["eval"][ui])
        row["unseen_real_fpr_clip"] = round(float((pu >= 0.5).mean()), 4)
        row["unseen_real_fpr_fused"] = round(float((fused(pu, old["eval"], ui) >= 0.5).mean()), 4)
        folds.append(row)
    print(
        "| held-out family | n | "
        + " | ".join(f"{v} AUC clip / fused / old | {v} FPR clip / fused" for v in VARIANTS)
        + " | unseen-real FPR clip / fused |"
    )
    print("|---" * (2 + 2 * len(VARIANTS) + 1) + "|")
    for r in folds:
        cells = []
        for v in VARIANTS:
            d = r[v]
            assert isinstance(d, dict)
            cells += [
                f"{d['clip_auc']:.3f} / {d['fused_auc']:.3f} / {d['old_fused_auc']:.3f}",
                f"{d['clip_fpr']:.3f} / {d['fused_fpr']:.3f}",
            ]
        print(
            f"| {r['family']} | {r['n_fake']} | "
            + " | ".join(cells)
            + f" | {r['unseen_real_fpr_clip']:.3f} / {r['unseen_real_fpr_fused']:.3f} |"
        )
    mean = {
        v: {k: round(float(np.mean([r[v][k] for r in folds])), 4) for k in folds[0][v]}
        for v in VARIANTS
    }  # type: ignore[index]
    for k in ("unseen_real_fpr_clip", "unseen_real_fpr_fused"):
        mean[k] = round(float(np.mean([r[k] for r in folds])), 4)  # type: ignore[assignment]
    print("mean", json.dumps(mean))
    if args.json:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        n_real = {k: int(m[k].sum()) for k in ("real_train", "real_test", "real_unseen")}
        args.json.write_text(
            json.dumps(
                {
                    "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "commit": commit,
                    "protocol": "leave-one-generator-family-out; centre 320 native tile + JPEG q90 (eval), q75 (jpeg75), 0.5 resize + q90 (half); threshold 0.5",
                    "l2": args.l2,
                    "prior": args.prior,
                    "n_real": n_real,
                    "folds": folds,
                    "mean": mean,
                },
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
