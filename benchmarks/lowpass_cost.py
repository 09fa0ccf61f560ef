"""What the low-pass signature, the grain reference and the grain phase cost: manifest bytes
and CPU per check.

For N photos (sorted by name): the block-hash assertion with and without the low-pass
signature, the grain reference and the grain-phase reference (JSON characters; c2pa stores
the assertion as CBOR, about the same size), and the CPU time of ``compare_to_reference`` on
a JPEG 75 copy against a c2pa-style thumbnail (1024 px, JPEG 75) with the block hash stripped
of all three (the baseline), with the low-pass signature only, with it and the grain
reference, and with all three, in the same run, one thread, best of 3 per photo. Writes
benchmarks/results/lowpass_cost.json.

Usage::

    python benchmarks/lowpass_cost.py --photos /work/shared/data/photos/real/bsds500/train -n 50
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from veracity.bench.results_file import write_result
from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.blockhash import BlockHash, block_hash


def _jpeg(rgb: np.ndarray, q: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=q)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _thumbnail(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = 1024 / max(h, w)
    size = (round(w * scale), round(h * scale))
    return _jpeg(cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC), 75)


LAYERS = ("lowpass", "grain", "phase")  # BlockHash fields and their assertion keys


def _cpu(copy: np.ndarray, thumb: np.ndarray, stored: BlockHash) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        compare_to_reference(copy, thumb, stored)
        best = min(best, time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, required=True, help="folder of JPEG photos")
    ap.add_argument("-n", type=int, default=50, help="photos (default 50)")
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "lowpass_cost.json"
    )
    args = ap.parse_args()
    cv2.setNumThreads(1)
    photos = sorted(args.photos.rglob("*.jpg"))[: args.n]
    # cumulative layers of the block hash: none, + low-pass, + grain, + grain phase
    n = len(LAYERS) + 1
    sizes: list[list[int]] = [[] for _ in range(n)]  # JSON characters per layer count
    cpu_s: list[list[float]] = [[] for _ in range(n)]
    for photo in photos:
        rgb = np.asarray(Image.open(photo).convert("RGB"))
        stored = block_hash(rgb)
        data = stored.to_assertion()
        copy, thumb = _jpeg(rgb, 75), _thumbnail(rgb)
        for i in range(n):
            dropped = LAYERS[i:]
            sizes[i].append(len(json.dumps({k: v for k, v in data.items() if k not in dropped})))
            stripped = dataclasses.replace(stored, **dict.fromkeys(dropped))
            cpu_s[i].append(_cpu(copy, thumb, stripped))
    blockhash = sizes[0]
    added, grain_added, phase_added = (np.subtract(sizes[i + 1], sizes[i]) for i in range(3))
    base_s, lowpass_s, grain_s, full_s = cpu_s
    rows = {
        "bytes_added": {"mean": round(float(np.mean(added))), "max": int(np.max(added))},
        "grain_bytes_added": {"mean": round(float(np.mean(grain_added))), "max": int(np.max(grain_added))},
        "phase_bytes_added": {"mean": round(float(np.mean(phase_added))), "max": int(np.max(phase_added))},
        "blockhash_bytes_before": {"mean": round(float(np.mean(blockhash))), "max": int(np.max(blockhash))},
        "cpu_s_per_check": {
            "baseline_without_lowpass": round(float(np.median(base_s)), 4),
            "with_lowpass": round(float(np.median(lowpass_s)), 4),
            "ratio": round(float(np.median(lowpass_s) / np.median(base_s)), 3),
            "with_lowpass_and_grain": round(float(np.median(grain_s)), 4),
            "ratio_with_grain": round(float(np.median(grain_s) / np.median(base_s)), 3),
            "ratio_grain_vs_lowpass": round(float(np.median(grain_s) / np.median(lowpass_s)), 3),
            "with_all_three": round(float(np.median(full_s)), 4),
            "ratio_with_phase": round(float(np.median(full_s) / np.median(base_s)), 3),
            "ratio_phase_vs_grain": round(float(np.median(full_s) / np.median(grain_s)), 3),
        },
        "photos": len(photos),
        "photo_folder": str(args.photos),
        "threads": 1,
        "timing": "time.process_time, best of 3 per photo, median over photos",
    }  # fmt: skip
    print(f"{'':<34} {'mean':>8} {'max':>8}")
    print(f"{'JSON bytes added by lowpass':<34} {rows['bytes_added']['mean']:>8} {rows['bytes_added']['max']:>8}")  # fmt: skip
    print(f"{'JSON bytes added by grain':<34} {rows['grain_bytes_added']['mean']:>8} {rows['grain_bytes_added']['max']:>8}")  # fmt: skip
    print(f"{'JSON bytes added by grain phase':<34} {rows['phase_bytes_added']['mean']:>8} {rows['phase_bytes_added']['max']:>8}")  # fmt: skip
    print(f"{'block hash JSON bytes (before)':<34} {rows['blockhash_bytes_before']['mean']:>8} {rows['blockhash_bytes_before']['max']:>8}")  # fmt: skip
    cpu = rows["cpu_s_per_check"]
    print(
        f"CPU per content check (median, 1 thread): baseline {cpu['baseline_without_lowpass']:.4f} s, "
        f"with low-pass {cpu['with_lowpass']:.4f} s (ratio {cpu['ratio']:.3f}), "
        f"with low-pass and grain {cpu['with_lowpass_and_grain']:.4f} s (ratio "
        f"{cpu['ratio_with_grain']:.3f}; {cpu['ratio_grain_vs_lowpass']:.3f} vs low-pass only), "
        f"with all three {cpu['with_all_three']:.4f} s (ratio {cpu['ratio_with_phase']:.3f}; "
        f"{cpu['ratio_phase_vs_grain']:.3f} vs without the grain phase)"
    )
    write_result(
        args.out.stem, rows, script="benchmarks/lowpass_cost.py", directory=args.out.parent
    )


if __name__ == "__main__":
    main()
