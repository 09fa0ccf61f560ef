"""Train the shipped AI-image detectors (aigen_spectral and aigen_npr) on every generator.

Usage:
    python training/build_aigen_dataset.py --photos ... --faces ... --out /tmp/aigen_cache
    python training/train_aigen.py --cache /tmp/aigen_cache --models src/veracity/models

Fits on the ``train`` split, calibrates (Platt) on ``calib``; never touches ``test``.
Writes ``<models>/aigen_*/model.npz`` and a MODEL_CARD.md stub carrying the sha256
(held-out metrics from eval_aigen.py are added to the card below that stub).
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aigen_fit import fit_both, spectral_matrix

from veracity.nn.layers import sha256_file

CARD = """# {name}

sha256: {sha}

{what}

- Training data: BSDS500 photos + LFW faces (one image per identity, at most 250), split
  by photo id / identity: `train` 60 % fits, `calib` 20 % calibrates, `test` 20 % is only
  used by eval_aigen.py. 160 px crops, 2 real crops per source and one fake per generator
  of `veracity.synth.generators` from the same source; both classes get the same random
  blur / resize / JPEG post-processing.
- Calibration: class-balanced Platt scaling on `calib`, then a log-odds shift to a fake
  prior of {prior} (the largest prior in 0.5, 0.4, 0.3, 0.25, ... for which each detector
  and their fusion keep FPR <= 4 % on `calib` at threshold 0.5). Probabilities are
  therefore calibrated for a population with {prior_pct} % fakes.
- Fusion weight: {weight:.2f} (the spectral and NPR weights sum to 1, chosen on `calib`
  by balanced log-loss of the weighted log-odds mean; see `veracity.detect.fusion`).
- Reproduce (torch, one CPU thread):
  `PYTHONPATH=src python training/build_aigen_dataset.py --photos P --faces F
  --out /tmp/aigen_cache --max-faces 250 --reals 2`, then
  `PYTHONPATH=src python training/train_aigen.py --cache /tmp/aigen_cache
  --models src/veracity/models --npr-steps 1200 --npr-seconds 900`.
- Licence of the weights: Apache-2.0 (training images are research-only and not shipped).
- Train-split size: {n_train} images; calib: {n_calib} images.
"""

WHAT = {
    "aigen_spectral": "Logistic regression on 57 spectral features (azimuthal log power "
    "spectrum, residual spectrum, periodic peak ratios, high-frequency tail fit).",
    "aigen_npr": "Four-layer CNN (about 6 k weights) on the neighbouring-pixel residual "
    "x - nearest_up(x[::2, ::2]), run in numpy (veracity.nn).",
}


def load(cache: Path, split: str) -> list:
    with open(cache / f"{split}.pkl", "rb") as f:
        return pickle.load(f)


def save(models: Path, name: str, model: dict[str, np.ndarray], n: tuple[int, int]) -> None:
    folder = models / name
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "model.npz", **model)
    sha = sha256_file(folder / "model.npz")
    prior = float(model["prior"][0])
    card = CARD.format(
        name=name,
        sha=sha,
        what=WHAT[name],
        n_train=n[0],
        n_calib=n[1],
        prior=prior,
        prior_pct=round(100 * prior),
        weight=float(model["fusion_weight"][0]),
    )
    (folder / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    print(f"{name}: sha256 {sha}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True)
    ap.add_argument("--npr-seconds", type=float, default=900.0, help="time cap for the CNN")
    ap.add_argument("--npr-steps", type=int, default=1500, help="CNN training steps")
    args = ap.parse_args()
    torch.set_num_threads(1)
    train, calib = load(args.cache, "train"), load(args.cache, "calib")
    n = (len(train), len(calib))
    spec_x = (spectral_matrix(train), spectral_matrix(calib))
    spec, npr = fit_both(train, calib, spec_x, args.npr_seconds, args.npr_steps)
    save(args.models, "aigen_spectral", spec, n)
    save(args.models, "aigen_npr", npr, n)


if __name__ == "__main__":
    main()
