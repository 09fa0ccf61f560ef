"""Build the real-generator AI-image dataset from fetched repository snapshots.

Usage:
    python training/build_real_aigen_dataset.py --mirror /work/.mirror \
        --bsds /work/shared/data/photos/real --out /work/data/img/real_aigen

Every source file is read from a bare snapshot (``git show HEAD:path``); large images and
sample grids are cut into non-overlapping 320 px tiles at native resolution (at most
``max_tiles`` per file, flat tiles such as figure backgrounds dropped). Tiles are stored
as PNG; normalisation (JPEG q90) and augmentation happen when features are extracted.
The manifest (``manifest.jsonl``) has one row per tile: file, source
``owner/name@commit:path``, licence, family, label, group (the source file) and
real_source (for the source-held-out split of real photos).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

TILE = 320
EXTS = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class Source:
    repo: str
    prefixes: tuple[str, ...]
    family: str
    label: str
    licence: str
    max_tiles: int = 8
    exclude: tuple[str, ...] = ()
    real_source: str = ""


_SHOWCASE_OUT = (
    "images/inpainting-",
    "images/negative-",
    "images/outpainting-",
    "images/prompt",
    "images/seed-",
    "images/sd-upscale-castle-sd-upscale",
    "images/sd-upscale-city-sd-upscale",
    "images/sd-upscale-robot-sd-upscale",
    "images/attention-3",
    "images/sampling",
    "images/loopback",
    "images/xy_grid-medusa.png",
)

SOURCES = (
    # Stable Diffusion 1.x (ControlNet, webui showcase): result pages and grids only.
    Source("lllyasviel/ControlNet", ("github_page/",), "sd1", "fake", "Apache-2.0"),
    Source(
        "lllyasviel/ControlNet-v1-1-nightly", ("github_docs/imgs/",), "sd1", "fake", "none stated"
    ),
    Source("Mikubill/sd-webui-controlnet", ("samples/",), "sd1", "fake", "GPL-3.0"),
    Source(
        "AUTOMATIC1111/stable-diffusion-webui-feature-showcase",
        _SHOWCASE_OUT,
        "sd1",
        "fake",
        "none stated",
        exclude=("inpainting-initial-content-original", "inpainting-initial-content-mask"),
    ),
    # SDXL-class latent diffusion (Kolors, SDXL IP-Adapter demos, SVD/SDXL assets).
    Source(
        "Kwai-Kolors/Kolors",
        ("controlnet/outputs/", "scripts/outputs/", "imgs/"),
        "sdxl",
        "fake",
        "Apache-2.0",
    ),
    Source("tencent-ailab/IP-Adapter", ("assets/demo/",), "sdxl", "fake", "Apache-2.0"),
    Source("Stability-AI/generative-models", ("assets/",), "sdxl", "fake", "MIT"),
    # FLUX.
    Source("black-forest-labs/flux", ("assets/",), "flux", "fake", "Apache-2.0"),
    Source("XLabs-AI/x-flux", ("assets/readme/examples/",), "flux", "fake", "Apache-2.0"),
    # Other diffusion: pixel-space cascade (DeepFloyd IF), Kandinsky 2, PixArt-alpha.
    Source(
        "deep-floyd/IF", ("pics/",), "other_diffusion", "fake", "DeepFloyd IF licence (research)"
    ),
    Source("ai-forever/Kandinsky-2", ("content/",), "other_diffusion", "fake", "Apache-2.0"),
    Source(
        "PixArt-alpha/PixArt-alpha",
        ("asset/images/",),
        "other_diffusion",
        "fake",
        "Apache-2.0",
        exclude=("controlnet",),
    ),
    # GANs: StyleGAN-XL, StyleGAN2 (pSp, StyleGAN-NADA), DiffAugment StyleGAN2/BigGAN grids.
    Source("autonomousvision/stylegan-xl", ("media/",), "gan", "fake", "MIT", max_tiles=16),
    Source("rinongal/StyleGAN-nada", ("img/",), "gan", "fake", "MIT", max_tiles=16),
    Source("eladrich/pixel2style2pixel", ("docs/",), "gan", "fake", "MIT", max_tiles=16),
    Source(
        "mit-han-lab/data-efficient-gans", ("imgs/",), "gan", "fake", "BSD-2-Clause", max_tiles=16
    ),
    # Mixed web AI images (era in the file name only).
    Source(
        "ML72/AI-Image-Classifier-Playground",
        ("public/images/ai/",),
        "web_mixed",
        "fake",
        "MIT",
        max_tiles=2,
    ),
    # Real photos: camera sample sets and a web-photo set (besides BSDS, added separately).
    Source(
        "drewnoakes/metadata-extractor-images",
        ("jpg/",),
        "real",
        "real",
        "none stated (camera samples)",
        max_tiles=2,
    ),
    Source(
        "ianare/exif-samples",
        ("jpg/",),
        "real",
        "real",
        "MIT (per README)",
        max_tiles=2,
        exclude=("invalid",),
    ),
    Source(
        "ML72/AI-Image-Classifier-Playground",
        ("public/images/real/",),
        "real",
        "real",
        "MIT",
        max_tiles=2,
    ),
)


# Real photo sources added later; kept after BSDS so that the rows above keep their order.
# Files whose blob was already used are skipped (test-data folders repeat files).
EXTRA_REAL = (
    # trained on (split by file 70/30 like the camera samples)
    Source(
        "majedelhelou/denoising_datasets",
        ("CSun_Hays80/",),
        "real",
        "real",
        "none stated (benchmark copy of SUN scenes)",
        max_tiles=3,
        real_source="sun_hays80",
    ),
    Source(
        "majedelhelou/denoising_datasets",
        ("CUrban100/",),
        "real",
        "real",
        "none stated (benchmark copy of Urban100, Flickr)",
        max_tiles=3,
        real_source="urban100",
    ),
    Source(
        "majedelhelou/denoising_datasets",
        ("CSet14/",),
        "real",
        "real",
        "none stated (benchmark copy of Set14)",
        max_tiles=2,
        real_source="set14",
    ),
    Source(
        "Li-Chongyi/Zero-DCE",
        ("Zero-DCE_code/data/test_data/",),
        "real",
        "real",
        "none stated (DICM/LIME low-light test photos)",
        max_tiles=3,
        real_source="lowlight",
    ),
    Source(
        "cszn/FFDNet",
        ("testsets/McMaster/", "testsets/RNI15/"),
        "real",
        "real",
        "none stated (McMaster, RNI15 test sets)",
        max_tiles=3,
        real_source="mcmaster_rni15",
    ),
    # never trained on: the unseen-source test set
    Source(
        "cszn/FFDNet",
        ("testsets/Kodak24/",),
        "real",
        "real",
        "Kodak PhotoCD sample images (free use)",
        max_tiles=2,
        real_source="kodak24",
    ),
    Source(
        "microsoft/Bringing-Old-Photos-Back-to-Life",
        ("test_images/",),
        "real",
        "real",
        "MIT",
        max_tiles=2,
        real_source="old_photos",
    ),
    Source(
        "photoprism/photoprism",
        (
            "assets/examples/",
            "internal/meta/testdata/",
            "internal/ai/face/testdata/",
            "internal/ai/nsfw/testdata/",
            "internal/photoprism/testdata/",
        ),
        "real",
        "real",
        "AGPL-3.0 repository (sample photos)",
        max_tiles=2,
        exclude=("sexy", "hentai", "art.jpg", "screenshot", "Screenshot", ".png", "white.jpg"),
        real_source="photoprism",
    ),
)


def _git(mirror: Path, repo: str, *args: str) -> bytes:
    gdir = mirror / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", f"--git-dir={gdir}", *args], check=True, capture_output=True
    ).stdout


def _files(mirror: Path, src: Source, seen: set[str] | None = None) -> list[str]:
    out = _git(mirror, src.repo, "ls-tree", "-r", "-l", "HEAD").decode()
    paths = []
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        blob, size = meta.split()[2:4]
        if (
            not path.lower().endswith(EXTS)
            or not size.isdigit()
            or not 20_000 < int(size) < 4 << 20
        ):
            continue
        if not path.startswith(src.prefixes) or any(e in path for e in src.exclude):
            continue
        if seen is not None:
            if blob in seen:
                continue
            seen.add(blob)
        paths.append(path)
    return sorted(paths)


def _tiles(rgb: np.ndarray, limit: int, seed: int) -> list[np.ndarray]:
    h, w = rgb.shape[:2]
    if min(h, w) < TILE:
        return []
    boxes = [(y, x) for y in range(0, h - TILE + 1, TILE) for x in range(0, w - TILE + 1, TILE)]
    rng = np.random.default_rng(seed)
    rng.shuffle(boxes)
    out = []
    for y, x in boxes:
        t = rgb[y : y + TILE, x : x + TILE]
        grey = t.mean(2)
        # figure backgrounds, text panels and condition maps: flat or nearly two-tone
        if grey.std() < 12 or (np.abs(grey - np.median(grey)) < 4).mean() > 0.5:
            continue
        out.append(t)
        if len(out) == limit:
            break
    return out


def _real_source(src: Source, path: str) -> str:
    if src.real_source:
        return src.real_source
    if src.repo.startswith("drewnoakes"):
        return "camera:" + Path(path).name.split(" ")[0].split("-")[0].lower()
    return {
        "ianare/exif-samples": "exif_samples",
        "ML72/AI-Image-Classifier-Playground": "web_photos",
    }[src.repo]


def _write(
    out: Path, rows: list[dict[str, str]], tiles: list[np.ndarray], row: dict[str, str]
) -> None:
    for k, t in enumerate(tiles):
        name = f"{row['family']}/{len(rows):05d}_{k}.png"
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(t).save(out / name)
        rows.append({**row, "file": name})


def _add_source(
    mirror: Path,
    src: Source,
    rows: list[dict[str, str]],
    seen: set[str] | None = None,
    *,
    out: Path,
) -> None:
    commit = _git(mirror, src.repo, "rev-parse", "HEAD").decode().strip()
    for i, path in enumerate(_files(mirror, src, seen)):
        try:
            img = Image.open(io.BytesIO(_git(mirror, src.repo, "show", f"HEAD:{path}")))
            rgb = np.asarray(img.convert("RGB"))
        except (OSError, ValueError, subprocess.CalledProcessError):
            continue
        ref = f"{src.repo}@{commit}:{path}"
        row = {
            "source": ref,
            "licence": src.licence,
            "family": src.family,
            "label": src.label,
            "group": ref,
            "real_source": _real_source(src, path) if src.label == "real" else "",
        }
        _write(out, rows, _tiles(rgb, src.max_tiles, i), row)
    print(
        f"{src.repo} {src.prefixes[0]}: {sum(r['source'].startswith(src.repo) for r in rows)} tiles so far"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--bsds", type=Path, default=Path("/work/shared/data/photos/real"))
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    for src in SOURCES:
        _add_source(args.mirror, src, rows, out=args.out)
    with open(args.bsds / "index.csv", newline="") as fh:
        for i, rec in enumerate(csv.DictReader(fh)):
            rgb = np.asarray(Image.open(args.bsds / rec["path"]).convert("RGB"))
            row = {
                "source": rec["source"],
                "licence": "BSDS500 research use",
                "family": "real",
                "label": "real",
                "group": rec["source"],
                "real_source": "bsds",
            }
            _write(args.out, rows, _tiles(rgb, 1, i), row)
    seen: set[str] = set()
    for src in EXTRA_REAL:
        _add_source(args.mirror, src, rows, seen, out=args.out)
    with open(args.out / "manifest.jsonl", "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    fams: dict[str, int] = {}
    for r in rows:
        fams[r["family"]] = fams.get(r["family"], 0) + 1
    print(json.dumps(fams))


if __name__ == "__main__":
    main()
