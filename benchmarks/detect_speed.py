"""Time every registered image detector on a 1-megapixel image, on one core.

Usage:
    python benchmarks/detect_speed.py [--image PHOTO] [--repeats 15]

Prints a markdown table per detector (decoding excluded, models loaded beforehand) and
their sum: median wall-clock and median CPU (process) milliseconds. On a shared,
overloaded machine the CPU time is the better estimate of one free core. Thread pools are pinned to one thread before
numpy is imported, so the numbers are single-core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from veracity.detect.catalog import detectors_for  # noqa: E402
from veracity.media.image import LoadedImage, load_image  # noqa: E402


def one_megapixel(image: Path | None) -> LoadedImage:
    if image is None:
        rng = np.random.default_rng(0)
        base = rng.integers(0, 256, (125, 125, 3), dtype=np.uint8)
        rgb = cv2.GaussianBlur(
            cv2.resize(base, (1000, 1000), interpolation=cv2.INTER_CUBIC), (0, 0), 1.0
        )
        return LoadedImage(rgb, None, False, 8, "PNG", "RGB")
    loaded = load_image(image)
    scale = (1_000_000 / (loaded.width * loaded.height)) ** 0.5
    size = (round(loaded.width * scale), round(loaded.height * scale))
    rgb = cv2.resize(loaded.rgb, size, interpolation=cv2.INTER_CUBIC)
    return LoadedImage(rgb, None, False, 8, loaded.format, "RGB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--image", type=Path, help="a photo, rescaled to 1 MP (default: synthetic)")
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    media = one_megapixel(args.image)
    print(f"image: {media.width}x{media.height}, one thread, {args.repeats} repeats\n")
    print("| detector | wall median ms | CPU median ms |\n|---|---|---|")
    total, total_cpu = 0.0, 0.0
    for det in detectors_for("image"):
        det.analyze(media, None)  # load the model and warm caches
        wall, cpu = [], []
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            det.analyze(media, None)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        med, med_cpu = statistics.median(wall), statistics.median(cpu)
        total, total_cpu = total + med, total_cpu + med_cpu
        print(f"| {det.name} | {med:.1f} | {med_cpu:.1f} |")
    print(f"| **all image detectors** | **{total:.1f}** | **{total_cpu:.1f}** |")


if __name__ == "__main__":
    main()
