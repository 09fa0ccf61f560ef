"""Existing face detectors on real deepfake face crops, per family, versus real faces.

Reads the manifest written by ``training/build_real_face_dataset.py`` (256 px JPEG q90
crops, one group per origin file), scores every crop with the shipped image face
detectors (``face-blend``, ``face-consistency``) and prints, per fake family, the
face-crop AUC against all real crops and the real-face false-positive rate at the
default 0.5 threshold.  None of these crops was used to train the shipped models, so
every number is cross-dataset.  Writes ``benchmarks/results/face_real.json``.

Usage::

    python benchmarks/face_real.py --data /work/data/face/real
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

THRESHOLD = 0.5


def auc(pos: list[float], neg: list[float]) -> float | None:
    """Mann-Whitney AUC (ties count half); None when a class is empty."""
    if not pos or not neg:
        return None
    p = np.asarray(pos)[:, None]
    n = np.asarray(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def fit_probe(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 500) -> np.ndarray:
    """L2 logistic regression on standardised features, class-balanced; returns weights."""
    w = np.zeros(x.shape[1] + 1)
    xb = np.hstack([x, np.ones((len(x), 1))])
    cw = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(xb @ w)))
        g = xb.T @ (cw * (p - y)) / len(y) + l2 * np.r_[w[:-1], 0.0] / len(y)
        w -= 0.5 * g
    return w


def clip_lofo(rows: list[dict[str, Any]], data: Path) -> dict[str, Any]:
    """Leave one fake family out, on frozen CLIP ViT-B/16 class tokens of the crops (160 px).

    The held-out family's fakes and the real crops of the repositories it came from form
    the test set; training sees only the other families and real crops of other
    repositories, so people, cameras and sources are disjoint.
    """
    from PIL import Image

    from veracity.backbones.clip import ClipSpec, load_clip

    clip = load_clip(ClipSpec(size=160))
    imgs = [np.asarray(Image.open(data / r["file"]).convert("RGB")) for r in rows]
    feats = np.concatenate([clip.embed(imgs[i : i + 16]) for i in range(0, len(imgs), 16)])
    repo = np.array([r["origin"].split("@")[0] for r in rows])
    y = np.array([r["label"] == "fake" for r in rows], dtype=float)
    fam = np.array([r["family"] for r in rows])
    out: dict[str, Any] = {}
    for held in sorted(set(fam[y == 1])):
        test_repos = set(repo[fam == held])
        test = np.isin(repo, list(test_repos)) & ((fam == held) | (y == 0))
        train = ~np.isin(repo, list(test_repos)) & (fam != held)
        if y[train].sum() == 0 or y[test].sum() == 0 or (y[test] == 0).sum() == 0:
            out[held] = {"auc": None, "why": "one class missing"}
            continue
        mu, sd = feats[train].mean(0), feats[train].std(0) + 1e-6
        w = fit_probe((feats[train] - mu) / sd, y[train])
        z = np.hstack([(feats[test] - mu) / sd, np.ones((int(test.sum()), 1))]) @ w
        prob = 1 / (1 + np.exp(-z))
        real_p = prob[y[test] == 0]
        out[held] = {
            "auc": auc(list(prob[y[test] == 1]), list(real_p)),
            "real_fpr_at_0.5": float(np.mean(real_p >= THRESHOLD)),
            "train_fake": int(y[train].sum()),
            "train_real": int((y[train] == 0).sum()),
            "test_fake": int(y[test].sum()),
            "test_real": int((y[test] == 0).sum()),
            "test_repos": sorted(test_repos),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/face/real"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/face_real.json"))
    ap.add_argument("--clip", action="store_true", help="also run the CLIP-probe LOFO")
    args = ap.parse_args(argv)
    from veracity.detect.face_blend import FaceBlendDetector
    from veracity.detect.face_consistency import FaceConsistencyDetector
    from veracity.media.image import load_image

    rows = [json.loads(line) for line in (args.data / "manifest.jsonl").read_text().splitlines()]
    detectors: list[FaceBlendDetector | FaceConsistencyDetector] = [
        FaceBlendDetector(),
        FaceConsistencyDetector(),
    ]
    scores: dict[str, list[float | None]] = {d.name: [] for d in detectors}
    t0 = time.process_time()
    for r in rows:
        img = load_image(args.data / r["file"])
        for d in detectors:
            s = d.analyze(img)
            scores[d.name].append(None if s is None else float(s.score))
    cpu = time.process_time() - t0

    families = sorted({r["family"] for r in rows if r["label"] == "fake"})
    table: dict[str, Any] = {}
    print(
        f"{'detector':18s} {'family':12s} {'n_fake':>6s} {'n_real':>6s} {'AUC':>6s} "
        f"{'FPR@0.5':>8s} {'abstain':>7s}"
    )
    for name, vals in scores.items():
        real = [
            v for v, r in zip(vals, rows, strict=True) if r["label"] == "real" and v is not None
        ]
        fpr = float(np.mean(np.asarray(real) >= THRESHOLD)) if real else None
        table[name] = {"real_n": len(real), "real_fpr_at_0.5": fpr, "families": {}}
        for fam in families:
            fake = [
                v for v, r in zip(vals, rows, strict=True) if r["family"] == fam and v is not None
            ]
            abstain = sum(
                1 for v, r in zip(vals, rows, strict=True) if r["family"] == fam and v is None
            )
            a = auc(fake, real)
            tpr = float(np.mean(np.asarray(fake) >= THRESHOLD)) if fake else None
            table[name]["families"][fam] = {
                "fake_n": len(fake),
                "auc": a,
                "tpr_at_0.5": tpr,
                "abstained": abstain,
            }
            print(
                f"{name:18s} {fam:12s} {len(fake):6d} {len(real):6d} "
                f"{'-' if a is None else f'{a:.3f}':>6s} "
                f"{'-' if fpr is None else f'{fpr:.3f}':>8s} {abstain:7d}"
            )
    probe = clip_lofo(rows, args.data) if args.clip else None
    if probe is not None:
        print("CLIP ViT-B/16 probe, leave one family out (test = that family + its repos' reals)")
        for held, v in probe.items():
            a = v.get("auc")
            print(
                f"  held out {held:10s} AUC {'-' if a is None else f'{a:.3f}'} "
                f"real FPR {v.get('real_fpr_at_0.5', '-')} "
                f"train {v.get('train_fake')}f/{v.get('train_real')}r "
                f"test {v.get('test_fake')}f/{v.get('test_real')}r"
            )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": platform.platform(),
        "cpu_s_scoring": round(cpu, 1),
        "threshold": THRESHOLD,
        "crops": len(rows),
        "counts": {
            f"{r['family']}/{r['label']}": sum(
                1 for q in rows if (q["family"], q["label"]) == (r["family"], r["label"])
            )
            for r in rows
        },
        "detectors": table,
        "clip_probe_lofo": probe,
        "note": "cross-dataset only: no crop here was used to train a shipped model; "
        "no reenactment or generated-face crops were found (see docs/face-detection.md)",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out} ({cpu:.1f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
