"""Fit the ``face-deepfake`` probe on every crop and write the shipped weights.

Reads the real-deepfake crops (``build_real_face_dataset.py``) and the self-blend crops
(``face_selfblend_crops.py``), extracts (or reuses cached) frozen CLIP features, fits the
class-balanced L2 logistic probe with its out-of-source threshold
(``face_deepfake_common.fit``: the bias puts 0.5 at 3 % of the real crops of training
sources left out of an inner fit; the procedure the benchmark measures), folds the
standardisation into the weights and writes ``model.npz``.  The model card's sha256 line is updated in place.

Usage::

    python training/train_face_deepfake.py --data /work/data/face/v2 /work/data/face/v3 --sbi /work/data/face/sbi \\
        --cache /work/data/face/feats.npz --out src/veracity/models/face_deepfake
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from face_deepfake_common import CropSet, add_data_argument, fit, load_set


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(ap, "; the shipped weights are batches 2 and 3")
    ap.add_argument("--sbi", type=Path, default=Path("/work/data/face/sbi"))
    ap.add_argument("--cache", type=Path, default=Path("/work/data/face/feats.npz"))
    ap.add_argument("--out", type=Path, default=Path("src/veracity/models/face_deepfake"))
    ap.add_argument(
        "--aug",
        type=Path,
        default=None,
        help="re-encoded copies of the crops (training/face_reencode_copies.py) to train on too",
    )
    ap.add_argument("--aug-cache", type=Path, default=Path("/work/data/face/feats_aug.npz"))
    args = ap.parse_args(argv)
    data = load_set([*args.data, args.sbi], args.cache)
    if args.aug is not None:
        aug = load_set([args.aug], args.aug_cache)
        data = CropSet(data.rows + aug.rows, np.concatenate([data.feats, aug.feats]))
    probe = fit(data.feats, data.y, data.col("repo"))
    w = (probe.w / probe.scale).astype(np.float32)
    b = np.array([probe.b - float((probe.mean / probe.scale) @ probe.w)], np.float32)
    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / "model.npz"
    np.savez(weights, w=w, b=b)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    card = args.out / "MODEL_CARD.md"
    if card.is_file():
        text = re.sub(r"sha256: [0-9a-f]{64}", f"sha256: {digest}", card.read_text())
        card.write_text(text)
    fakes, reals = int(data.y.sum()), int((data.y == 0).sum())
    print(f"fitted on {fakes} fake / {reals} real crops; {weights} sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
