"""Image watermark benchmark: Veracity next to invisible-watermark, measured in one run.

Two modes:

``robustness``  embeds a random payload in each photo (at 512x512 and at native size),
applies every attack of the wmbench suite plus the issue's extra attacks, detects blindly
and prints, per method and attack: exact-payload recovery, TPR at 1% and at 1e-6 FPR,
PSNR/SSIM and median embed/detect times (one thread).

``fpr``  runs >= 10,000 Veracity detections on unmarked photos (clean, attacked, random
crops), synthetic photo-like images and images marked under another key, and prints the
false detections and how often ``p_value <= alpha`` for several alphas.

Usage::

    python benchmarks/watermark.py robustness --photos /work/shared/data/photos \\
        --wmbench /work/shared/bench/wmbench --images 100 --out wm_robust.json
    python benchmarks/watermark.py fpr --photos /work/shared/data/photos --n 10000 \\
        --wmbench /work/shared/bench/wmbench --out wm_fpr.json
    python benchmarks/watermark.py timing --photos /work/shared/data/photos --images 10 \\
        --wmbench /work/shared/bench/wmbench
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np
from PIL import Image
from scipy.stats import binom

cv2.setNumThreads(1)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from veracity.watermark.image import detect_pixels, embed_pixels  # noqa: E402

KEY = "benchmark-key"
Attack = Callable[[np.ndarray, int], np.ndarray]


def load_attacks(wmbench: Path) -> dict[str, Attack]:
    """wmbench's attack suite plus rotation 10 degrees and a 50 % corner crop."""
    sys.path.insert(0, str(wmbench))
    from wmbench import attacks as wa  # type: ignore[import-not-found]

    table: dict[str, Attack] = {a.name: a.fn for a in wa.ATTACKS}
    table["resize2.0"] = lambda im, s: wa.resize(im, 2.0)
    table["rotate-10"] = lambda im, s: wa.rotate_crop(im, -10.0)
    table["crop50corner"] = lambda im, s: _corner_crop(im, 0.5, s)
    return table


def _corner_crop(im: np.ndarray, area: float, seed: int) -> np.ndarray:
    h, w = im.shape[:2]
    side = math.sqrt(area)
    ch, cw = round(h * side), round(w * side)
    rng = np.random.default_rng(seed)
    y = int(rng.integers(0, h - ch + 1))
    x = int(rng.integers(0, w - cw + 1))
    return im[y : y + ch, x : x + cw].copy()


def photos(root: Path, n: int) -> list[Path]:
    files = sorted(root.rglob("*.jpg"))
    return files[:n]


def load_rgb(path: Path, size: str) -> np.ndarray:
    rgb = np.asarray(Image.open(path).convert("RGB"))
    if size == "512":
        rgb = cv2.resize(rgb, (512, 512), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * math.log10(255.0**2 / max(mse, 1e-12))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of the luma channels (Gaussian window, sigma 1.5)."""
    x = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64)
    y = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda z: cv2.GaussianBlur(z, (11, 11), 1.5)  # noqa: E731
    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(s.mean())


class Method:
    """One watermarking method: embed bits, decode -> (bits or None, p-value)."""

    def __init__(self, name: str, wmbench: Path) -> None:
        self.name = name
        self.bits = 64
        if name != "veracity":
            sys.path.insert(0, str(wmbench))
            from wmbench.adapters.imwatermark_adapter import (  # type: ignore[import-not-found]
                ImWatermarkAdapter,
            )

            self.adapter = ImWatermarkAdapter(name, threads=1)
            self.bits = 32 if name == "rivaGan" else 64

    def embed(self, rgb: np.ndarray, bits: np.ndarray) -> np.ndarray:
        if self.name == "veracity":
            return embed_pixels(rgb, np.packbits(bits).tobytes(), KEY)
        return self.adapter.embed(rgb, bits)

    def decode(self, rgb: np.ndarray, truth: np.ndarray) -> tuple[bool, float]:
        """(exact payload recovered, p-value that an unmarked image reads this well)."""
        if self.name == "veracity":
            r = detect_pixels(rgb, KEY)
            exact = r.payload == np.packbits(truth).tobytes().hex()
            return exact, r.p_value
        try:
            bits = self.adapter.decode(rgb, n_bits=self.bits).bits
        except RuntimeError:  # invisible-watermark refuses images under 256 x 256
            return False, 1.0
        if bits is None:
            return False, 1.0
        agree = int(np.sum(bits == truth))
        # Known-payload test: an unmarked image agrees with each bit with probability 1/2.
        return agree == self.bits, float(binom.sf(agree - 1, self.bits, 0.5))


def run_robustness(args: argparse.Namespace) -> dict:
    attacks = load_attacks(args.wmbench)
    if args.attacks:
        attacks = {k: attacks[k] for k in args.attacks.split(",")}
    results: dict = {}
    files = photos(args.photos, args.images)
    for name in args.methods.split(","):
        method = Method(name, args.wmbench)
        cap = {"veracity": len(files), "rivaGan": args.riva_images}.get(name, args.compare_images)
        n_img = min(len(files), cap)
        for size in args.sizes.split(","):
            results[f"{name}@{size}"] = _measure(method, files[:n_img], size, attacks)
            print(f"done {name}@{size}", file=sys.stderr, flush=True)
            if args.out:  # keep partial results if a long run is stopped
                args.out.write_text(json.dumps(results, indent=2))
    return results


def _measure(method: Method, files: list[Path], size: str, attacks: dict[str, Attack]) -> dict:
    rng = np.random.default_rng(7)
    rec: dict[str, list[tuple[bool, float]]] = {a: [] for a in attacks}
    quality, t_embed, t_detect = [], [], []
    for idx, path in enumerate(files):
        rgb = load_rgb(path, size)
        bits = rng.integers(0, 2, method.bits).astype(np.uint8)
        t0 = time.perf_counter()
        marked = method.embed(rgb, bits)
        t_embed.append(time.perf_counter() - t0)
        quality.append((psnr(rgb, marked), ssim(rgb, marked)))
        for name, fn in attacks.items():
            attacked = np.ascontiguousarray(fn(marked, 1000 * idx + len(name)))
            t0 = time.perf_counter()
            rec[name].append(method.decode(attacked, bits))
            t_detect.append(time.perf_counter() - t0)
    q = np.array(quality)
    per_attack = {
        a: {
            "exact": float(np.mean([e for e, _ in v])),
            "tpr@1e-2": float(np.mean([p <= 1e-2 for _, p in v])),
            "tpr@1e-6": float(np.mean([p <= 1e-6 for _, p in v])),
        }
        for a, v in rec.items()
    }
    return {
        "images": len(files),
        "bits": method.bits,
        "psnr": float(q[:, 0].mean()),
        "psnr_min": float(q[:, 0].min()),
        "ssim": float(q[:, 1].mean()),
        "embed_ms": 1000 * float(np.median(t_embed)),
        "detect_ms": 1000 * float(np.median(t_detect)),
        "attacks": per_attack,
    }


def print_robustness(results: dict) -> None:
    keys = list(results)
    attacks = list(results[keys[0]]["attacks"])
    print("| attack | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for a in attacks:
        cells = []
        for k in keys:
            r = results[k]["attacks"][a]
            cells.append(f"{r['exact']:.2f} / {r['tpr@1e-2']:.2f} / {r['tpr@1e-6']:.2f}")
        print(f"| {a} | " + " | ".join(cells) + " |")
    for label, field, fmt in (
        ("images", "images", "{:d}"),
        ("payload bits", "bits", "{:d}"),
        ("PSNR dB (mean)", "psnr", "{:.2f}"),
        ("PSNR dB (min)", "psnr_min", "{:.2f}"),
        ("SSIM", "ssim", "{:.4f}"),
        ("embed ms (median)", "embed_ms", "{:.0f}"),
        ("detect ms (median)", "detect_ms", "{:.0f}"),
    ):
        print(f"| {label} | " + " | ".join(fmt.format(results[k][field]) for k in keys) + " |")


def synthetic(h: int, w: int, seed: int) -> np.ndarray:
    """Photo-like image: smooth shapes, edges and 1/f noise (as tests/conftest.py)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        img[:, :, c] = 90 + 60 * np.sin(xx / (23 + 7 * c) + c) * np.cos(yy / (31 - 5 * c))
    for _ in range(6):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        r = rng.uniform(0.08, 0.3) * min(h, w)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r**2] = rng.uniform(20, 235, size=3)
    spec = np.fft.fft2(rng.normal(size=(h, w)))
    f = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.fftfreq(w)[None, :])
    pink = np.real(np.fft.ifft2(spec / np.maximum(f, 1.0 / max(h, w))))
    img += (pink / (pink.std() + 1e-9) * rng.uniform(4, 20))[:, :, None]
    return np.clip(img, 0, 255).astype(np.uint8)


def _null_images(args: argparse.Namespace, attacks: dict[str, Attack]):  # type: ignore[no-untyped-def]
    """Yield (kind, rgb) unmarked (or other-key) images, args.n in all."""
    rng = np.random.default_rng(11 + args.shard)
    files = photos(args.photos, 10_000)
    names = list(attacks)
    for i in range(args.shard * args.n, (args.shard + 1) * args.n):
        kind = ("photo", "photo", "synthetic", "otherkey")[i % 4]
        h, w = (int(v) for v in rng.integers(256, 400, 2))
        if kind == "synthetic":
            rgb = synthetic(h, w, i)
        else:  # a random crop (at least 256 x 256) of a photo at native size
            rgb = load_rgb(files[int(rng.integers(len(files)))], "native")
            h, w = min(h, rgb.shape[0]), min(w, rgb.shape[1])
            y = int(rng.integers(0, rgb.shape[0] - h + 1))
            x = int(rng.integers(0, rgb.shape[1] - w + 1))
            rgb = np.ascontiguousarray(rgb[y : y + h, x : x + w])
            if kind == "otherkey":
                rgb = embed_pixels(rgb, rng.bytes(8), "some-other-key")
        attack = names[int(rng.integers(len(names)))] if i % 2 else "identity"
        yield kind, attack, np.ascontiguousarray(attacks[attack](rgb, i))


def run_fpr(args: argparse.Namespace) -> dict:
    attacks = load_attacks(args.wmbench)
    rows = []
    for k, (kind, attack, rgb) in enumerate(_null_images(args, attacks)):
        r = detect_pixels(rgb, KEY)
        rows.append(
            (
                kind,
                attack,
                r.detected,
                r.p_value,
                float(r.details.get("sync_z", 0.0)),
                bool(r.details.get("crc_ok", False)),
            )
        )
        if k % 250 == 0:
            print(f"{k}/{args.n}", file=sys.stderr, flush=True)
            if args.out:  # keep what is done if a long run is stopped
                args.out.write_text(json.dumps({"rows": rows}))
    return summarise_fpr(rows)


def summarise_fpr(rows: list) -> dict:
    p = np.array([row[3] for row in rows])
    alphas = [0.5, 0.1, 1e-2, 1e-3, 1e-4]
    return {
        "rows": rows,
        "detections": len(rows),
        "false_detections": int(sum(row[2] for row in rows)),
        "crc_passes": int(sum(row[5] for row in rows)),
        "max_sync_z": float(max(row[4] for row in rows)),
        "min_p_value": float(p.min()),
        "fraction_p_le_alpha": {str(a): float(np.mean(p <= a)) for a in alphas},
        "by_kind": {
            k: int(sum(1 for row in rows if row[0] == k))
            for k in ("photo", "synthetic", "otherkey")
        },
    }


def run_timing(args: argparse.Namespace) -> dict:
    """CPU time per call on one thread (process_time: robust to a busy machine)."""
    files = photos(args.photos, args.images)
    out: dict = {}
    for w, h in ((512, 512), (1920, 1080), (3840, 2160)):
        emb, det = [], []
        for path in files:
            rgb = cv2.resize(load_rgb(path, "native"), (w, h), interpolation=cv2.INTER_CUBIC)
            t0 = time.process_time()
            marked = embed_pixels(rgb, b"\x12" * 8, KEY)
            t1 = time.process_time()
            ok = detect_pixels(marked, KEY).detected
            t2 = time.process_time()
            detect_pixels(rgb, KEY)  # unmarked: every candidate is tried
            t3 = time.process_time()
            emb.append(t1 - t0)
            det.append((t2 - t1, t3 - t2, ok))
        d = np.array(det, dtype=float)
        out[f"{w}x{h}"] = {
            "embed_ms": 1000 * float(np.median(emb)),
            "detect_marked_ms": 1000 * float(np.median(d[:, 0])),
            "detect_unmarked_ms": 1000 * float(np.median(d[:, 1])),
            "detected": float(d[:, 2].mean()),
        }
        print(f"{w}x{h}", out[f"{w}x{h}"], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("mode", choices=("robustness", "fpr", "timing", "report"))
    ap.add_argument("--photos", type=Path, help="folder searched for *.jpg")
    ap.add_argument("--wmbench", type=Path, help="wmbench checkout (attack suite)")
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--sizes", default="512,native")
    ap.add_argument("--methods", default="veracity,dwtDct,dwtDctSvd,rivaGan")
    ap.add_argument("--riva-images", type=int, default=8, help="rivaGan is ~3 s/op: fewer")
    ap.add_argument("--compare-images", type=int, default=30, help="images for dwtDct/dwtDctSvd")
    ap.add_argument("--attacks", default="", help="comma list (default: all)")
    ap.add_argument("--n", type=int, default=10_000, help="fpr: number of detections")
    ap.add_argument(
        "--shard", type=int, default=0, help="fpr: run shard k of several (seeds differ)"
    )
    ap.add_argument("--merge", type=Path, nargs="*", help="fpr/report: JSON files to merge")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.mode == "report":  # re-print robustness tables from saved JSON files
        results = {k: v for f in args.merge or [] for k, v in json.loads(f.read_text()).items()}
        for size in ("512", "native"):
            if not any(k.endswith("@" + size) for k in results):
                continue
            print(f"cells: exact payload / TPR@1%FPR / TPR@1e-6 FPR ({size})")
            print_robustness({k: v for k, v in results.items() if k.endswith("@" + size)})
        return
    if args.mode == "fpr" and args.merge:
        rows = [row for f in args.merge for row in json.loads(f.read_text())["rows"]]
        results = summarise_fpr(rows)
        print(json.dumps({k: v for k, v in results.items() if k != "rows"}, indent=2))
    elif args.mode == "timing":
        results = run_timing(args)
    elif args.mode == "robustness":
        results = run_robustness(args)
        print("cells: exact payload / TPR@1%FPR / TPR@1e-6 FPR")
        print_robustness(results)
    else:
        results = run_fpr(args)
        print(json.dumps({k: v for k, v in results.items() if k != "rows"}, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
