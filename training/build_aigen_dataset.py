"""Build the real/fake image cache used to train and evaluate the AI-image detectors.

Usage:
    python training/build_aigen_dataset.py --photos /work/shared/data/photos/real \
        --faces /work/shared/data/faces/real --out /tmp/aigen_cache

For every source image (split by photo id / face identity, see aigen_common) it takes
random 160 px crops: ``--reals`` real variants and one fake per generator of
veracity.synth.generators. ``train`` and ``calib`` images get the same random
blur/resize/JPEG post-processing for both classes; ``test`` images are left clean (the
evaluation applies its own JPEG 75 / resize 0.5 conditions). The cache holds derived
media of real people: keep it outside the repository and delete it after use.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aigen_common import augment, list_sources, load_crop

from veracity.synth.generators import generate, generator_names


def build_split(sources: list, split: str, reals: int, seed: int) -> list[tuple]:
    """Records (source key, kind, generator or 'real', uint8 image)."""
    rng = np.random.default_rng(seed)
    out: list[tuple] = []
    for i, src in enumerate(sources):
        crops = [load_crop(src, rng) for _ in range(reals)]
        for crop in crops:
            out.append((src.key, src.kind, "real", crop))
        for g in generator_names():
            out.append((src.key, src.kind, g, generate(crops[0], g, rng)))
        if i % 100 == 0:
            print(f"{split}: {i}/{len(sources)}", flush=True)
    if split != "test":
        out = [(k, kind, g, augment(img, rng)) for k, kind, g, img in out]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--faces", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reals", type=int, default=3, help="real crops per source")
    ap.add_argument("--max-faces", type=int, default=600)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sources = list_sources(args.photos, args.faces, args.max_faces)
    for i, split in enumerate(("train", "calib", "test")):
        t0 = time.time()
        part = [s for s in sources if s.split == split]
        records = build_split(part, split, args.reals, seed=100 + i)
        with open(args.out / f"{split}.pkl", "wb") as f:
            pickle.dump(records, f, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"{split}: {len(part)} sources, {len(records)} images, {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
