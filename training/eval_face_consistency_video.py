"""Held-out video check of face-consistency on the eval_faces.py video set.

Usage: python training/eval_face_consistency_video.py VIDEOS_DIR WORK_DIR [--reuse-videos]

Makes (or reuses) the videos of ``eval_faces.py``: the three held-out clips re-encoded
(real), the six classic swaps among them and per-frame self-blends (fake), all H.264
CRF 20. Frames are sampled at 10 per second; the largest face of each frame is scored
by the shipped face-consistency model, by face-blend and by their fusion (the shipped
fusion weight, or ``--weight``). Video score: mean per-frame log-odds (as face-video).
WORK_DIR holds swaps of real people: keep it outside the repository, delete it after.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_faces import existing_videos, make_videos

from veracity.bench.metrics import auc_groups
from veracity.detect.calibration import load_model
from veracity.faces.align import aligned_crop
from veracity.faces.consistency import consistency_features
from veracity.faces.consistency_model import MODEL_NAME, consistency_logit
from veracity.faces.detect import FaceDetector
from veracity.faces.model import load_face_model
from veracity.media.video import VideoOptions, open_video


def frame_logits(path: Path, model: dict, detector: FaceDetector) -> tuple[list, list]:
    """Calibrated consistency and face-blend log-odds of each sampled frame's largest face."""
    blend = load_face_model()
    a, b = model["platt"]
    zc, zb = [], []
    with open_video(path, options=VideoOptions(sample_fps=10.0)) as video:
        for frame in video.frames():
            faces = [f for f in detector.detect(frame.rgb) if f.size >= 40]
            x = consistency_features(frame.rgb, faces[0].points) if faces else None
            if x is None:
                continue
            zc.append(a * consistency_logit(x, model) + b)
            p = float(blend.predict(aligned_crop(frame.rgb, faces[0].points)[None]).probability[0])
            p = min(max(p, 1e-6), 1 - 1e-6)
            zb.append(float(np.log(p / (1 - p))))
    return zc, zb


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("videos", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--reuse-videos", action="store_true")
    ap.add_argument("--weight", type=float, default=None)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    made = (existing_videos(args.work) if args.reuse_videos else None) or make_videos(
        args.videos, args.work, np.random.default_rng(3)
    )
    model, detector = load_model(MODEL_NAME), FaceDetector()
    w = float(model["fusion_weight"][0]) if args.weight is None else args.weight
    res: dict[str, dict[str, tuple[list, list]]] = {}
    for kind, paths in made.items():
        res[kind] = {"frame": ([], []), "video": ([], [])}
        for path in paths:
            zc, zb = frame_logits(path, model, detector)
            fused = [(q + w * c) / (1 + w) for c, q in zip(zc, zb, strict=True)]
            res[kind]["frame"][0].extend(zc)
            res[kind]["frame"][1].extend(fused)
            res[kind]["video"][0].append(float(np.mean(zc)))
            res[kind]["video"][1].append(float(np.mean(fused)))
            print(f"{path.name}: {len(zc)} frames, consistency {np.mean(zc):+.2f}", flush=True)
    for fake in ("swap", "sbi"):
        for level in ("frame", "video"):
            r, f = res["real"][level], res[fake][level]
            print(
                f"[video] real vs {fake}, {level}: {len(r[0])} vs {len(f[0])}: AUC consistency "
                f"{auc_groups(r[0], f[0]):.3f}  fused(w={w:.2f}) {auc_groups(r[1], f[1]):.3f}"
            )


if __name__ == "__main__":
    main()
