"""Platform re-encoded copies of the real-face crops, for train-time augmentation.

Each crop of the given folders gets one copy, degraded the way platforms do: down-scaled
(the face of a 360 px clip), then H.264 (libx264, yuv420p, one frame) at CRF 23, 29 or 35,
or JPEG q60, and scaled back to 256 px JPEG q90 like every crop.  The operation is fixed
per crop by a hash of its file name (``OPS`` in turn), so the set is reproducible.  The
copies keep their original's manifest row (repo, origin, family, label, group) plus
``aug`` (the operation) and ``of`` (the original crop), and are meant for the *training*
side only: a benchmark holds a copy out with its source and never scores it.

Usage::

    python training/face_reencode_copies.py --data /work/data/face/v2 /work/data/face/v3 \\
        --out /work/data/face/aug
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import stable_hash


@dataclass(frozen=True)
class Reencode:
    """One degradation: scale the crop to ``size`` px, then H.264 at ``crf`` or JPEG at ``q``."""

    name: str
    size: int
    crf: int | None = None
    jpeg_q: int | None = None


OPS = (
    Reencode("h264_crf23_192", 192, crf=23),
    Reencode("h264_crf29_160", 160, crf=29),
    Reencode("h264_crf35_144", 144, crf=35),
    Reencode("jpeg_q60_180", 180, jpeg_q=60),
)
CROP_PX = 256


def h264_frame(rgb: np.ndarray, crf: int) -> np.ndarray:
    """``rgb`` (even sides) through libx264 yuv420p at ``crf`` and back, as one frame."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as box:
        stream = box.add_stream("libx264", rate=25)
        stream.width, stream.height = rgb.shape[1], rgb.shape[0]
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 25)
        stream.options = {"crf": str(crf), "preset": "medium"}
        for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
            box.mux(packet)
        for packet in stream.encode(None):
            box.mux(packet)
    buf.seek(0)
    with av.open(buf, "r") as src:
        return next(iter(src.decode(video=0))).to_ndarray(format="rgb24")


def apply(op: Reencode, img: Image.Image) -> Image.Image:
    """The degraded copy of one crop, back at ``CROP_PX``."""
    small = img.convert("RGB").resize((op.size, op.size), Image.Resampling.BICUBIC)
    if op.crf is not None:
        small = Image.fromarray(h264_frame(np.asarray(small), op.crf))
    else:
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=op.jpeg_q)
        buf.seek(0)
        small = Image.open(buf).convert("RGB")
    return small.resize((CROP_PX, CROP_PX), Image.Resampling.BICUBIC)


def op_for(file: str) -> Reencode:
    return OPS[stable_hash(file, 12) % len(OPS)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    for folder in args.data:
        for line in (folder / "manifest.jsonl").read_text().splitlines():
            row = json.loads(line)
            op = op_for(row["file"])
            name = f"{Path(row['file']).stem}+{op.name}.jpg"
            with Image.open(folder / row["file"]) as img:
                apply(op, img).save(args.out / name, "JPEG", quality=90)
            rows.append({**row, "file": name, "aug": op.name, "of": str(folder / row["file"])})
    tmp = args.out / "manifest.jsonl.tmp"
    tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tmp.replace(args.out / "manifest.jsonl")
    print(f"{len(rows)} copies -> {args.out / 'manifest.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
