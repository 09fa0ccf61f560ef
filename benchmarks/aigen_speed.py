"""CPU time per 1-megapixel image, one thread: every image detector, with and without aigen_clip.

Usage:
    python benchmarks/aigen_speed.py [--repeats 7] [--write]

The baseline is the image detectors registered before the CLIP probe (spectral, NPR, the
face detectors), timed in the same run. CPU (process) time is reported because the
machine is shared; models are loaded (and the CLIP graph built) before timing.
``--write`` writes ``benchmarks/results/aigen_speed.json`` through
``veracity.bench.results_file`` (no headline row: the speed is part of aigen_real's).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from veracity.bench.results_file import write_result  # noqa: E402
from veracity.detect.catalog import detectors_for  # noqa: E402
from veracity.media.image import LoadedImage  # noqa: E402

NEW = "aigen_clip"


def _image() -> LoadedImage:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (125, 125, 3), dtype=np.uint8)
    rgb = cv2.GaussianBlur(
        cv2.resize(base, (1000, 1000), interpolation=cv2.INTER_CUBIC), (0, 0), 1.0
    )
    return LoadedImage(rgb, None, False, 8, "PNG", "RGB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument(
        "--write", action="store_true", help="write benchmarks/results/aigen_speed.json"
    )
    args = ap.parse_args()
    cv2.setNumThreads(1)
    media = _image()
    cpu: dict[str, float] = {}
    for det in detectors_for("image"):
        det.analyze(media, None)
        times = []
        for _ in range(args.repeats):
            c0 = time.process_time()
            det.analyze(media, None)
            times.append((time.process_time() - c0) * 1000)
        cpu[det.name] = round(statistics.median(times), 1)
    base = sum(v for k, v in cpu.items() if k != NEW)
    total = sum(cpu.values())
    print("| detector | CPU median ms |\n|---|---|")
    for k, v in cpu.items():
        print(f"| {k} | {v} |")
    print(f"| current detectors (baseline) | {base:.1f} |\n| all with {NEW} | {total:.1f} |")
    print(
        f"ratio all / baseline: {total / base:.2f}x; target <= 150 ms: {'met' if total <= 150 else 'not met'}"
    )
    if args.write:
        data = {
            "image": "1000x1000 synthetic",
            "threads": 1,
            "repeats": args.repeats,
            "measure": "median CPU (process) time per call, shared machine",
            "cpu_ms": cpu,
            "baseline_ms": round(base, 1),
            "total_ms": round(total, 1),
            "ratio": round(total / base, 2),
            "target_ms": 150,
        }
        print("wrote", write_result("aigen_speed", data, script="benchmarks/aigen_speed.py"))


if __name__ == "__main__":
    main()
