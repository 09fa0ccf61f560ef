"""Feature tables for the face-consistency detector (real, classic swap, self-blend).

Usage: python training/face_consistency_data.py FACES_DIR OUT_DIR --split fit|calib|test

Splits by identity: ``test`` is the held-out fifth of LFW identities (``common.py``, the
same split as the face-blend model); the training identities are divided by a second
hash into ``fit`` (3/4, fits the logistic regression) and ``calib`` (1/4, Platt scaling
and the fusion weight). Swap partners come from the same split, so no test identity is
ever seen in fitting or calibration.

Per target image: the real image, a classic swap of a partner's face onto it
(``veracity.synth.classic_swap``) and a self-blend of it; all three go through the same
random resize + JPEG chain (protocol ``chain``). For ``test``, the three also go through
JPEG q90 alone (protocol ``q90``, the protocol of ``eval_faces.py``). Each sample then
runs through the detector's own path: YuNet on the processed image, features at the
largest face's five points; the face-blend probability of that face is stored too.
Writes ``OUT_DIR/<split>.npz``; the swaps themselves are never written.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import is_heldout_identity, lfw_rows

from veracity.faces.align import aligned_crop
from veracity.faces.consistency import consistency_features
from veracity.faces.detect import FaceDetector
from veracity.faces.landmarks import MeshLandmarker
from veracity.faces.model import load_face_model
from veracity.synth.classic_swap import classic_swap
from veracity.synth.selfblend import jpeg_roundtrip, self_blend

KINDS = ("real", "swap", "sbi")
PROTOCOLS = ("chain", "q90")


def split_of(identity: str) -> str:
    """``test`` for held-out identities, else ``calib`` (1 in 4) or ``fit``."""
    if is_heldout_identity(identity):
        return "test"
    h = int(hashlib.sha256(identity.encode()).hexdigest(), 16)
    return "calib" if (h // 5) % 4 == 0 else "fit"


def chain_params(rng: np.random.Generator) -> tuple[float, int]:
    """Resize factor (1 = none) and JPEG quality (0 = none) of one random chain."""
    scale = float(rng.choice([1.0, 1.0, rng.uniform(0.6, 0.95), rng.uniform(1.05, 1.5)]))
    quality = int(rng.integers(60, 97)) if rng.random() < 0.85 else 0
    return scale, quality


def apply_chain(rgb: np.ndarray, params: tuple[float, int]) -> np.ndarray:
    scale, quality = params
    if scale != 1.0:
        h, w = rgb.shape[:2]
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        rgb = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=interp)
    return jpeg_roundtrip(rgb, quality) if quality else rgb


class Landmarks:
    """Images and their 468 mesh landmarks (largest face), loaded once."""

    def __init__(self) -> None:
        self.detector, self.mesh = FaceDetector(), MeshLandmarker()
        self.cache: dict[Path, tuple[np.ndarray, np.ndarray] | None] = {}

    def get(self, path: Path) -> tuple[np.ndarray, np.ndarray] | None:
        if path not in self.cache:
            bgr = cv2.imread(str(path))
            got = None
            if bgr is not None:
                rgb = np.ascontiguousarray(bgr[:, :, ::-1])
                faces = self.detector.detect(rgb)
                if faces and faces[0].size >= 40:
                    lms = self.mesh.landmarks(rgb, faces[0].points)
                    got = None if lms is None else (rgb, lms)
            self.cache[path] = got
        return self.cache[path]


def score_sample(rgb: np.ndarray, detector: FaceDetector, model) -> tuple[np.ndarray, float] | None:
    """Consistency features and face-blend probability of the largest face, as run time."""
    faces = [f for f in detector.detect(rgb) if f.size >= 40]
    if not faces:
        return None
    x = consistency_features(rgb, faces[0].points)
    if x is None:
        return None
    crop = aligned_crop(rgb, faces[0].points)
    return x, float(model.predict(crop[None]).probability[0])


def make_fakes(target, partner, rng) -> dict[str, np.ndarray]:
    (rgb, lms), (src, src_lms) = target, partner
    out = {"real": rgb, "sbi": self_blend(rgb, lms, rng).image}
    with contextlib.suppress(ValueError, cv2.error):  # degenerate hulls: no swap
        out["swap"] = classic_swap(rgb, lms, src, src_lms)
    return out


def build(rows, split: str, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    mine = [(p, i) for p, i in rows if split_of(i) == split]
    order = rng.permutation(len(mine))
    lm, detector, model = Landmarks(), FaceDetector(), load_face_model()
    recs: list[tuple] = []
    targets, t0 = 0, time.time()
    for k in order:
        if targets >= n:
            break
        path, ident = mine[k]
        target = lm.get(path)
        partner_idx = [j for j in rng.choice(len(mine), 8) if mine[j][1] != ident]
        partner = next((g for j in partner_idx if (g := lm.get(mine[j][0])) is not None), None)
        if target is None or partner is None:
            continue
        made = make_fakes(target, partner, rng)
        protocols = [("chain", chain_params(rng))]
        if split == "test":
            protocols.append(("q90", (1.0, 90)))
        for proto, params in protocols:
            for kind, img in made.items():
                got = score_sample(apply_chain(img, params), detector, model)
                if got is not None:
                    recs.append(
                        (got[0], got[1], KINDS.index(kind), PROTOCOLS.index(proto), targets)
                    )
        targets += 1
        if targets % 100 == 0:
            print(
                f"{split}: {targets} targets, {len(recs)} samples, {time.time() - t0:.0f}s",
                flush=True,
            )
    return {
        "x": np.stack([r[0] for r in recs]).astype(np.float32),
        "sbi_prob": np.array([r[1] for r in recs], np.float32),
        "kind": np.array([r[2] for r in recs], np.int8),
        "protocol": np.array([r[3] for r in recs], np.int8),
        "group": np.array([r[4] for r in recs], np.int32),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("faces", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--split", choices=("fit", "calib", "test"), required=True)
    ap.add_argument("--n", type=int, default=1000, help="target images")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    seed = args.seed + ("fit", "calib", "test").index(args.split)
    table = build(lfw_rows(args.faces), args.split, args.n, np.random.default_rng(seed))
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / f"{args.split}.npz", **table)
    print(f"{args.split}: {len(table['x'])} samples written", flush=True)


if __name__ == "__main__":
    main()
