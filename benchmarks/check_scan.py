"""Time ``check_file`` per image and ``scan`` throughput per backend on generated images.

Usage: python benchmarks/check_scan.py [--images 24] [--size 512] [--ray]

Prints a table: backend, files, wall seconds, files per second. Images are generated
photo-like JPEGs (no data needed). Numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from PIL import Image

from veracity.check import CheckOptions, check_file
from veracity.scan import scan_folder
from veracity.synth.samples import natural_image


def _make(folder: Path, n: int, size: int) -> list[Path]:
    paths = []
    for i in range(n):
        p = folder / f"img{i:04d}.jpg"
        Image.fromarray(natural_image(size * 3 // 4, size, seed=i)).save(p, quality=90)
        paths.append(p)
    return paths


def _time_scan(folder: Path, out: Path, **kwargs: object) -> float:
    start = time.perf_counter()
    summary = scan_folder(folder, output=out, **kwargs)  # type: ignore[arg-type]
    assert summary.errors == 0, summary
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--ray", action="store_true", help="also time a local Ray")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "media"
        folder.mkdir()
        paths = _make(folder, args.images, args.size)
        start = time.perf_counter()
        for p in paths[:5]:
            check_file(p, CheckOptions())
        per_file = (time.perf_counter() - start) / min(5, len(paths))
        print(f"check_file, one {args.size}px JPEG: {per_file * 1000:.0f} ms (mean of 5)")
        print(f"{'backend':<18} {'files':>5} {'seconds':>8} {'files/s':>8}")
        runs: list[tuple[str, dict[str, object]]] = [
            ("local, 1 process", {"workers": 1}),
            ("local, 2 processes", {"workers": 2}),
        ]
        if args.ray:
            runs.append(("ray local, 2 cpus", {"workers": 2, "ray": "local"}))
        for i, (name, kwargs) in enumerate(runs):
            seconds = _time_scan(folder, Path(tmp) / f"out{i}.jsonl", **kwargs)
            print(f"{name:<18} {len(paths):>5} {seconds:>8.1f} {len(paths) / seconds:>8.2f}")


if __name__ == "__main__":
    main()
