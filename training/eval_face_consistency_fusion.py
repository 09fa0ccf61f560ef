"""Held-out AUC of the fused image score, as ``veracity detect`` computes it.

Usage: python training/eval_face_consistency_fusion.py FACES_DIR [--n 300]

On held-out identities only (``test`` split of face_consistency_data.py), each target
image, a classic swap of another held-out person onto it and a self-blend of it are
JPEG q90 compressed; every registered image detector scores them, and the fused score
(``veracity.detect.fusion``) is computed with and without ``face-consistency``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import lfw_rows
from face_consistency_data import Landmarks, apply_chain, make_fakes, split_of

from veracity.bench.metrics import auc_groups
from veracity.detect.catalog import detectors_for
from veracity.detect.fusion import fuse_scores, fusion_weights
from veracity.media.image import LoadedImage


def fused(scores: list, drop: str | None) -> float:
    kept = [s for s in scores if s.name != drop]
    return fuse_scores(kept, fusion_weights(kept))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("faces", type=Path)
    ap.add_argument("--n", type=int, default=300)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    rows = [(p, i) for p, i in lfw_rows(args.faces) if split_of(i) == "test"]
    detectors, lm = detectors_for("image"), Landmarks()
    out: dict[str, dict[str, list[float]]] = {}
    done = 0
    for k in rng.permutation(len(rows)):
        if done >= args.n:
            break
        target, j = lm.get(rows[k][0]), int(rng.integers(len(rows)))
        partner = lm.get(rows[j][0]) if rows[j][1] != rows[k][1] else None
        if target is None or partner is None:
            continue
        made = make_fakes(target, partner, rng)
        if "swap" not in made:
            continue
        done += 1
        for kind, img in made.items():
            media = LoadedImage(apply_chain(img, (1.0, 90)), None, False, 8, "JPEG", "RGB")
            scores = [s for d in detectors if (s := d.analyze(media)) is not None]
            row = out.setdefault(kind, {})
            for name in ("all", "without face-consistency", "face-blend", "face-consistency"):
                if name.startswith("face-") and not any(s.name == name for s in scores):
                    value = 0.5  # abstained: a neutral score
                elif name.startswith("face-"):
                    value = next(s.score for s in scores if s.name == name)
                else:
                    value = fused(scores, None if name == "all" else "face-consistency")
                row.setdefault(name, []).append(value)
    for fake in ("swap", "sbi"):
        for name, real in out["real"].items():
            auc = auc_groups(real, out[fake][name])
            print(f"[fusion] held-out q90, real vs {fake} ({done} each), {name}: AUC {auc:.3f}")


if __name__ == "__main__":
    main()
