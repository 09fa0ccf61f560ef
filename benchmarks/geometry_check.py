"""Inlier counts of the geometric check (credentials/geometry.py) that gates fingerprint
recovery: copies of one image versus different images.

Usage::

    python benchmarks/geometry_check.py --photos .../photos/real --faces .../faces/real
"""

from __future__ import annotations

import argparse
import io
import random
from pathlib import Path

import numpy as np
from PIL import Image

from veracity.credentials.geometry import MIN_INLIERS, matched_inliers


def _social(img: Image.Image, rng: random.Random) -> np.ndarray:
    w, h = img.size
    cw, ch = round(w * 0.9), round(h * 0.9)
    x0, y0 = round((w - cw) * rng.random()), round((h - ch) * rng.random())
    small = img.crop((x0, y0, x0 + cw, y0 + ch)).resize(
        (round(cw * 0.75), round(ch * 0.75)), Image.BICUBIC
    )
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=75)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _thumb(img: Image.Image) -> np.ndarray:
    t = img.copy()
    t.thumbnail((1024, 1024))
    return np.asarray(t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--faces", type=Path, required=True)
    ap.add_argument("--pairs", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(0)
    photos = sorted(args.photos.rglob("*.jpg"))
    faces = sorted(args.faces.rglob("*.jpg"))
    rows = {
        "photo: social copy vs its thumbnail": [
            matched_inliers(_social(im, rng), _thumb(im))
            for im in (Image.open(p).convert("RGB") for p in rng.sample(photos, 50))
        ],
        "face: social copy vs its thumbnail": [
            matched_inliers(_social(im, rng), _thumb(im))
            for im in (Image.open(p).convert("RGB") for p in rng.sample(faces, 50))
        ],
        "two different faces": [
            matched_inliers(
                *(np.asarray(Image.open(p).convert("RGB")) for p in rng.sample(faces, 2))
            )
            for _ in range(args.pairs)
        ],
        "two different photos": [
            matched_inliers(
                *(np.asarray(Image.open(p).convert("RGB")) for p in rng.sample(photos, 2))
            )
            for _ in range(args.pairs // 3)
        ],
    }
    print(
        f"| pair | n | min inliers | median | max | accepted (>= {MIN_INLIERS}) |\n|---|---|---|---|---|---|"
    )
    for name, v in rows.items():
        acc = sum(x >= MIN_INLIERS for x in v)
        print(f"| {name} | {len(v)} | {min(v)} | {int(np.median(v))} | {max(v)} | {acc} |")


if __name__ == "__main__":
    main()
