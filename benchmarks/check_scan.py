"""Time ``check_file`` per image and ``scan`` throughput per backend on generated images.

Usage: python benchmarks/check_scan.py [--images 24] [--size 512] [--ray]

Prints a table: backend, files, wall seconds, files per second, and writes
``benchmarks/results/check_scan.json`` (table ``speed``, rendered in the checking guide;
``--no-write`` prints only). Images are generated photo-like JPEGs (no data needed).
Numbers depend on the machine and its load; the 2-process and Ray rows are also given as a
ratio to the 1-process run of the same invocation.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from PIL import Image

from veracity.bench.results_file import write_result
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
    parser.add_argument("--note", default="", help="text added to the table note")
    parser.add_argument("--results-dir", type=Path, default=None, help="default benchmarks/results")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "media"
        folder.mkdir()
        paths = _make(folder, args.images, args.size)
        check_file(paths[0], CheckOptions())  # warm-up: imports, models, caches
        start, cpu = time.perf_counter(), time.process_time()
        for p in paths[:5]:
            check_file(p, CheckOptions())
        per_file = (time.perf_counter() - start) / min(5, len(paths))
        per_cpu = (time.process_time() - cpu) / min(5, len(paths))
        print(
            f"check_file, one {args.size}px JPEG: {per_file * 1000:.0f} ms wall, "
            f"{per_cpu * 1000:.0f} ms CPU (mean of 5, warm)"
        )
        print(f"{'backend':<18} {'files':>5} {'seconds':>8} {'files/s':>8}")
        runs: list[tuple[str, dict[str, object]]] = [
            ("local, 1 process", {"workers": 1}),
            ("local, 2 processes", {"workers": 2}),
        ]
        if args.ray:
            runs.append(("ray local, 2 cpus", {"workers": 2, "ray": "local"}))
        timed: list[tuple[str, float]] = []
        for i, (name, kwargs) in enumerate(runs):
            seconds = _time_scan(folder, Path(tmp) / f"out{i}.jsonl", **kwargs)
            timed.append((name, seconds))
            print(f"{name:<18} {len(paths):>5} {seconds:>8.1f} {len(paths) / seconds:>8.2f}")
    if args.no_write:
        return
    h, w = args.size * 3 // 4, args.size
    rows = [
        [
            f"`check_file`, one {w}x{h} JPEG, warm (mean of 5)",
            f"{per_file:.2f} s wall, {per_cpu:.2f} s CPU",
        ]
    ]
    base = timed[0][1]
    for name, seconds in timed:
        ratio = "" if seconds == base else f"; {base / seconds:.2f}x the 1-process rate"
        rows.append(
            [
                f"`scan`, {len(paths)} JPEGs, {name}",
                f"{seconds:.1f} s ({len(paths) / seconds:.2f} files/s{ratio})",
            ]
        )
    note = (
        f"benchmarks/check_scan.py --images {args.images} --size {args.size}"
        f"{' --ray' if args.ray else ''}; generated photo-like JPEGs; wall seconds include "
        "worker start-up. " + args.note
    ).strip()
    data = {
        "check_file_s": round(per_file, 3),
        "check_file_cpu_s": round(per_cpu, 3),
        "scan_s": {name: round(seconds, 2) for name, seconds in timed},
        "images": len(paths),
        "tables": {"speed": {"columns": ["what", "measured"], "rows": rows, "note": note}},
    }
    print(write_result("check_scan", data, script="benchmarks/check_scan.py",
                       directory=args.results_dir))  # fmt: skip


if __name__ == "__main__":
    main()
