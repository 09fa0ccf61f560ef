"""Extract frozen CLIP features for the real-generator dataset, per normalisation variant.

Usage:
    python training/aigen_clip_features.py --data /work/data/img/real_aigen \
        --view resize --variants eval,aug --out /work/data/img/feats_resize.npz

Each tile (320 px, native pixels) is first turned into a variant:
``eval`` JPEG q90 (the evaluation normalisation); ``jpeg75`` JPEG q75; ``half`` resized to
0.5 then JPEG q90; ``aug`` a training augmentation (random crop 224-320, resize 0.5-1.5,
JPEG 60-95 or WebP 60-95), seeded per tile. Then ``view`` says what the backbone sees:
``resize`` the whole image resized to the backbone size, ``crop`` the centre at native
resolution. Features: class tokens of the probe's blocks (see veracity.detect.clip_probe).
``--reuse OLD.npz`` copies the rows OLD already holds (the manifest only grows at its end;
OLD's ``files`` list, where present, must match) and extracts the rest.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import numpy as np
from PIL import Image

from veracity.detect.clip_probe import SPEC, view_of


def _encode(img: Image.Image, fmt: str, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    img.save(buf, fmt, quality=quality)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def variant(tile: np.ndarray, name: str, seed: int) -> np.ndarray:
    img = Image.fromarray(tile)
    if name == "eval":
        return _encode(img, "JPEG", 90)
    if name == "jpeg75":
        return _encode(img, "JPEG", 75)
    if name == "half":
        return _encode(
            img.resize((tile.shape[1] // 2, tile.shape[0] // 2), Image.Resampling.BICUBIC),
            "JPEG",
            90,
        )
    rng = np.random.default_rng(seed)
    side = int(rng.integers(224, 321))
    y, x = (
        int(rng.integers(0, tile.shape[0] - side + 1)),
        int(rng.integers(0, tile.shape[1] - side + 1)),
    )
    img = Image.fromarray(tile[y : y + side, x : x + side])
    scale = float(rng.uniform(0.5, 1.5))
    new = max(64, round(side * scale))
    img = img.resize((new, new), Image.Resampling.BICUBIC)
    fmt = "WEBP" if rng.random() < 0.3 else "JPEG"
    return _encode(img, fmt, int(rng.integers(60, 96)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--view", choices=("resize", "crop"), default="resize")
    ap.add_argument("--variants", default="eval,aug")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reuse", type=Path, help="earlier output whose rows are copied")
    args = ap.parse_args()
    from veracity.backbones import load_clip

    backbone = load_clip(SPEC)
    rows = [json.loads(line) for line in (args.data / "manifest.jsonl").read_text().splitlines()]
    files = np.array([r["file"] for r in rows])
    old: dict[str, np.ndarray] = dict(np.load(args.reuse)) if args.reuse else {}
    done = min((len(v) for k, v in old.items() if k != "files"), default=0)
    if "files" in old and not np.array_equal(old["files"][:done], files[:done]):
        raise SystemExit(f"{args.reuse}: rows do not match the manifest")
    tiles = [np.asarray(Image.open(args.data / r["file"]).convert("RGB")) for r in rows]
    arrays: dict[str, np.ndarray] = {"files": files}
    for name in args.variants.split(","):
        feats = [old[name][:done]] if name in old else []
        first = done if name in old else 0
        for start in range(first, len(tiles), 16):
            batch = [
                view_of(variant(t, name, start + k), args.view)
                for k, t in enumerate(tiles[start : start + 16])
            ]
            feats.append(backbone.embed(batch).astype(np.float32))
        arrays[name] = np.concatenate(feats)
        print(name, arrays[name].shape, flush=True)
    np.savez_compressed(args.out, **arrays)


if __name__ == "__main__":
    main()
