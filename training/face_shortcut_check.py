"""Label-shortcut check of the real-face crop sets: can trivial image statistics tell the labels?

For every source repository that holds both fakes and reals, each low-level statistic of
the crops (brightness, contrast, saturation, sharpness, high-frequency share, black
border share) is scored as a detector on its own, and the within-source AUC of fakes
against reals is reported.  A statistic far from 0.5 (``|AUC - 0.5| >= FLAG``, at least
``MIN_N`` crops per class) is a shortcut candidate: the labels of that source could be
learnt from it without any manipulation evidence.  Then the same statistics go into a
logistic probe under the benchmark's leave-one-source-out protocol: per fake family, its
AUC is the level a shortcut alone reaches across sources.

Usage::

    python training/face_shortcut_check.py --data /work/data/face/v2 /work/data/face/v3 \\
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from clip_probe_fit import auc
from face_deepfake_common import CropSet, add_data_argument, family_table, load_rows, loso

STATS = ("brightness", "contrast", "saturation", "sharpness", "high_freq", "dark_border")
FLAG = 0.35
MIN_N = 5


def crop_stats(rgb: np.ndarray) -> np.ndarray:
    """The ``STATS`` of one RGB crop (uint8, H x W x 3), in that order."""
    x = rgb.astype(np.float64) / 255.0
    grey = x @ np.array([0.299, 0.587, 0.114])
    sat = x.max(axis=2) - x.min(axis=2)
    lap = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    window = np.outer(np.hanning(grey.shape[0]), np.hanning(grey.shape[1]))  # no wrap edges
    spec = np.abs(np.fft.rfft2((grey - grey.mean()) * window)) ** 2
    fy = np.abs(np.fft.fftfreq(grey.shape[0]))[:, None]
    fx = np.fft.rfftfreq(grey.shape[1])[None, :]
    high = spec[np.maximum(fy, fx) > 0.25].sum() / max(float(spec.sum()), 1e-12)
    edge = np.concatenate(
        [grey[:8].ravel(), grey[-8:].ravel(), grey[:, :8].ravel(), grey[:, -8:].ravel()]
    )
    return np.array(
        [grey.mean(), grey.std(), sat.mean(), lap.var(), high, float(np.mean(edge < 0.04))]
    )


def stats_set(folders: list[Path]) -> CropSet:
    rows = [r for f in folders for r in load_rows(f)]
    feats = np.stack([crop_stats(np.asarray(Image.open(r["path"]).convert("RGB"))) for r in rows])
    feats[:, 3] = np.log(feats[:, 3] + 1e-9)  # sharpness spans decades
    return CropSet(rows, feats)


def within_source(data: CropSet) -> list[dict[str, object]]:
    """Per source with both classes: each statistic's fake-vs-real AUC, flagged ones."""
    src, y = data.col("repo"), data.y
    out: list[dict[str, object]] = []
    for s in sorted(set(src)):
        m = src == s
        n_fake, n_real = int((m & (y == 1)).sum()), int((m & (y == 0)).sum())
        if not n_fake or not n_real:
            continue
        aucs = {
            k: auc(data.feats[m & (y == 1), i], data.feats[m & (y == 0), i])
            for i, k in enumerate(STATS)
        }
        flagged = [
            k for k, a in aucs.items() if abs(a - 0.5) >= FLAG and min(n_fake, n_real) >= MIN_N
        ]
        out.append({"repo": s, "fake_n": n_fake, "real_n": n_real, "auc": aucs, "flagged": flagged})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(ap)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    data = stats_set(args.data)
    per = within_source(data)
    print(f"{'source':40s} {'fake':>5s} {'real':>5s} " + " ".join(f"{k[:10]:>10s}" for k in STATS))
    for p in per:
        aucs = p["auc"]
        assert isinstance(aucs, dict)
        print(
            f"{p['repo']!s:40s} {p['fake_n']:5d} {p['real_n']:5d} "
            + " ".join(f"{aucs[k]:10.3f}" for k in STATS)
            + (f"  FLAG {','.join(p['flagged'])}" if p["flagged"] else "")  # type: ignore[arg-type]
        )
    z, _ = loso(data, l2=1.0)
    table = family_table(z, data.rows, 0.0)
    print("Statistics-only probe, leave one source out (the level a shortcut reaches):")
    for fam, v in table.items():
        if fam != "real":
            print(f"  {fam:12s} fake {v['fake_n']} real {v['real_n']} AUC {v['auc']}")
    if args.json is not None:
        args.json.write_text(
            json.dumps({"within_source": per, "loso_stats_probe": table}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
