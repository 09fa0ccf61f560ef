"""Build the small real-deepfake face-crop set from fetched repository snapshots.

Every face crop is traced to ``owner/name@commit:path`` with its licence, family
(``face_swap``, ``reenactment`` or ``generated``; ``real`` for genuine faces), source
dataset and label.  Faces are found with the project's own detector
(:func:`veracity.faces.detect.detect_faces`), cropped square around the box with a
30 % margin and written as 256 px JPEG q90.  Video files contribute a few evenly
spaced frames each (no H.264 normalisation: this machine has no H.264 encoder).

Usage::

    python training/build_real_face_dataset.py --mirror /work/.mirror --out /work/data/face/real

The snapshots must already be present (``fetch`` them first); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

CROP_PX = 256
JPEG_Q = 90
MARGIN = 0.3
VIDEO_FRAMES = 4
MIN_FACE = 40


@dataclasses.dataclass(frozen=True)
class Source:
    """One group of files in one repository, all with the same label."""

    repo: str
    pattern: str
    label: str  # real | fake
    family: str  # real | face_swap | reenactment | generated
    dataset: str
    licence: str
    commit: str | None = None  # None: the snapshot's HEAD; else a commit the files existed at


# Chosen by looking at each file: inputs (real people) and outputs (swaps) only where
# the file shows one or the other, never side-by-side grids that mix both.
SOURCES: tuple[Source, ...] = (
    Source(
        "DariusAf/MesoNet",
        "test_images/df/*.jpg",
        "fake",
        "face_swap",
        "MesoNet Deepfake set (internet deepfake videos)",
        "Apache-2.0",
    ),
    Source(
        "DariusAf/MesoNet",
        "test_images/real/*.jpg",
        "real",
        "real",
        "MesoNet Deepfake set (internet videos)",
        "Apache-2.0",
    ),
    Source(
        "neuralchen/SimSwap",
        "docs/img/result_whole_swap_multispecific_512.jpg",
        "fake",
        "face_swap",
        "SimSwap demo output (multi-specific swap of demo_file/multi_people.jpg)",
        "CC-BY-NC-4.0",
    ),
    Source(
        "neuralchen/SimSwap",
        "demo_file/multi_people.jpg",
        "real",
        "real",
        "SimSwap demo input (real counterpart of the swap)",
        "CC-BY-NC-4.0",
    ),
    Source(
        "neuralchen/SimSwap",
        "crop_224/*.jpg",
        "real",
        "real",
        "SimSwap identity crops (celebrity photos)",
        "CC-BY-NC-4.0",
    ),
    Source(
        "KwaiVGI/LivePortrait",
        "assets/examples/driving/*.mp4",
        "real",
        "real",
        "LivePortrait driving videos (real people)",
        "MIT",
    ),
    Source(
        "yoyo-nb/Thin-Plate-Spline-Motion-Model",
        "assets/driving.mp4",
        "real",
        "real",
        "TPSMM driving video",
        "MIT",
    ),
    Source(
        "alexkyllo/fake-faces",
        "app/fakefaceapp/public/fake*.jpg",
        "fake",
        "generated",
        "140k Real and Fake Faces (StyleGAN fakes), app examples",
        "MIT",
        "3b6ab9d8c90b7026e3f22da9bd935ca5c87660bb",
    ),
    Source(
        "alexkyllo/fake-faces",
        "app/fakefaceapp/public/real*.jpg",
        "real",
        "real",
        "140k Real and Fake Faces (FFHQ reals), app examples",
        "MIT",
        "3b6ab9d8c90b7026e3f22da9bd935ca5c87660bb",
    ),
    Source(
        "alexkyllo/fake-faces",
        "figures/crop-failures/*/false-negatives/fakefaces/*.jpg",
        "fake",
        "generated",
        "140k Real and Fake Faces (StyleGAN fakes), crop-failure figures",
        "MIT",
    ),
    Source(
        "alexkyllo/fake-faces",
        "figures/crop-failures/dlib/false-positives/fairface/*.jpg",
        "real",
        "real",
        "FairFace (real photos), crop-failure figures",
        "MIT",
    ),
)


def git(mirror: Path, repo: str, *args: str) -> bytes:
    gitdir = mirror / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", f"--git-dir={gitdir}", *args], check=True, capture_output=True
    ).stdout


def list_files(mirror: Path, src: Source) -> tuple[str, list[str]]:
    commit = git(mirror, src.repo, "rev-parse", src.commit or "HEAD").decode().strip()
    names = git(mirror, src.repo, "ls-tree", "-r", "--name-only", commit).decode().splitlines()
    return commit, sorted(n for n in names if fnmatch.fnmatch(n, src.pattern))


def frames_of(data: bytes, path: str) -> list[np.ndarray]:
    """RGB frames of an image (one) or a video (a few, evenly spaced)."""
    if path.lower().endswith((".mp4", ".mov", ".avi")):
        with tempfile.NamedTemporaryFile(suffix=Path(path).suffix) as tmp:
            tmp.write(data)
            tmp.flush()
            cap = cv2.VideoCapture(tmp.name)
            n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            out = []
            for i in np.linspace(0, max(n - 1, 0), VIDEO_FRAMES).astype(int):
                cap.set(cv2.CAP_PROP_POS_FRAMES, int(i))
                ok, bgr = cap.read()
                if ok:
                    out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            cap.release()
            return out
    return [np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))]


def square_crop(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """Square crop around ``box`` (x, y, w, h) with a margin, padded at the edges, 256 px."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * MARGIN)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = round(cx - side / 2), round(cy - side / 2)
    s = round(side)
    pad = max(0, -x0, -y0, x0 + s - rgb.shape[1], y0 + s - rgb.shape[0])
    padded = np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode="edge") if pad else rgb
    crop = padded[y0 + pad : y0 + pad + s, x0 + pad : x0 + pad + s]
    return cv2.resize(crop, (CROP_PX, CROP_PX), interpolation=cv2.INTER_AREA)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=Path("/work/data/face/real"))
    args = ap.parse_args(argv)
    from veracity.faces.detect import detect_faces

    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for src in SOURCES:
        commit, names = list_files(args.mirror, src)
        for name in names:
            data = git(args.mirror, src.repo, "show", f"{commit}:{name}")
            for fi, rgb in enumerate(frames_of(data, name)):
                faces = [f for f in detect_faces(rgb) if f.size >= MIN_FACE]
                for k, face in enumerate(faces):
                    crop = square_crop(rgb, face.box)
                    stem = f"{src.repo.replace('/', '+')}+{name.replace('/', '+')}+f{fi}+{k}"
                    dest = args.out / f"{stem}.jpg"
                    Image.fromarray(crop).save(dest, quality=JPEG_Q)
                    rows.append(
                        {
                            "file": dest.name,
                            "origin": f"{src.repo}@{commit}:{name}",
                            "frame": fi,
                            "face": k,
                            "licence": src.licence,
                            "family": src.family,
                            "dataset": src.dataset,
                            "label": src.label,
                            # one group per origin file: frames of a clip never cross a split
                            "group": f"{src.repo}:{name}",
                        }
                    )
    manifest = args.out / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    by: dict[tuple[str, str], int] = {}
    for r in rows:
        by[(r["family"], r["label"])] = by.get((r["family"], r["label"]), 0) + 1
    for (fam, lab), n in sorted(by.items()):
        print(f"{fam:12s} {lab:5s} {n:4d}")
    print(f"{len(rows)} crops -> {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
