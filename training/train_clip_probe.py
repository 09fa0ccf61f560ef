"""Fit the shipped CLIP probe (model.npz) on every generator family.

Usage:
    cd training && python train_clip_probe.py --data /work/data/img/real_aigen \
        --feats /work/data/img/feats_resize.npz --out ../src/veracity/models/aigen_clip

The fit is the one ``benchmarks/aigen_real.py`` evaluates per held-out family (see
``clip_probe_fit``): training real photos (sources balanced) plus every family, q90 and
augmented variants; Platt scaling on the calibration split; bias shifted so that training
real sources, each left out in turn, pass 0.5 at most ``TARGET_FPR`` of the time. The
unseen real sources and the real test split never take part. Writes float32 weights with
the standardisation and calibration folded in; prints the shift and sha256. Results
(numbers) are written by the benchmark, not here.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np
from clip_probe_fit import TARGET_FPR, fit_calibrated, load_rows, masks, source_shift


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--feats", type=Path, required=True)
    ap.add_argument("--l2", type=float, default=0.05)
    ap.add_argument("--target-fpr", type=float, default=TARGET_FPR)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows = load_rows(args.data)
    f = dict(np.load(args.feats))
    m = masks(rows)
    fam, y = m["family"], (m["family"] != "real").astype(int)
    train = m["real_train"] | (fam != "real")
    delta, left_out = source_shift(f, train, y, m, args.l2, args.target_fpr)
    cal = fit_calibrated(f, train, y, m, args.l2).shifted(delta)
    probe = cal.probe
    w = probe.w / probe.scale
    b = probe.b - float((probe.mean / probe.scale) @ probe.w)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "model.npz"
    np.savez(
        target,
        w=(w * cal.a).astype(np.float32),
        b=np.array([b * cal.a + cal.b], np.float32),
    )
    print("shift", round(delta, 4), "left-out source FPR", left_out)
    print("wrote", target, "sha256", hashlib.sha256(target.read_bytes()).hexdigest())


if __name__ == "__main__":
    main()
