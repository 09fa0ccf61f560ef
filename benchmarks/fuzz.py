"""Fuzz run: mutated JPEG/PNG/MP4/WAV/FLAC/C2PA files through the CLI (tests/fuzzing.py).

Runs ``--inputs`` seeded mutants (default 10,000) in-process in a worker process, every
``--subprocess-every``-th also in a real ``python -m veracity`` subprocess, and counts
exits by code, tracebacks, hangs (past ``--timeout`` s), native crashes, outputs left
behind by a failed embed/sign, changed inputs and the peak RSS of one command. Failing
inputs are copied to ``--keep``. Writes ``benchmarks/results/fuzz.json``.

    .venv/bin/python benchmarks/fuzz.py [--inputs 10000] [--seed 23]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from veracity.bench.results_file import Headline, write_result  # noqa: E402


def tables(data: dict[str, object]) -> dict[str, object]:
    """The docs table (``data.tables``) built from the counts."""
    exits = data["exits"]
    assert isinstance(exits, dict)
    other = sum(v for k, v in exits.items() if k not in ("0", "1", "2"))
    columns = ["inputs", "exit 0", "exit 1", "exit 2", "other exits", "tracebacks", "hangs"]
    columns += ["native crashes", "output left on failure", "input changed"]
    columns += ["peak RSS of one command (MB)", "subprocess runs / failures"]
    row = [data["inputs"], exits.get("0", 0), exits.get("1", 0), exits.get("2", 0), other]
    row += [data["tracebacks"], data["hangs"], data["native_crashes"], data["output_left"]]
    row += [data["input_changed"], data["peak_rss_mb"]]
    row += [f"{data['subprocess_runs']} / {data['subprocess_failures']}"]
    return {"fuzz": {"columns": columns, "rows": [row]}}


def main() -> int:
    from fuzzing import run_fuzz  # type: ignore[import-not-found]

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per command")
    ap.add_argument("--rss-limit-mb", type=float, default=2048.0)
    ap.add_argument("--subprocess-every", type=int, default=200)
    ap.add_argument("--keep", type=Path, default=Path("/tmp/veracity-fuzz-found"))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    start = time.perf_counter()

    def progress(index: int, report: object) -> None:
        if (index + 1) % 1000 == 0:
            print(f"{index + 1} inputs, {report.failures} failures", flush=True)  # type: ignore[attr-defined]

    report = run_fuzz(
        args.inputs,
        seed=args.seed,
        timeout_s=args.timeout,
        rss_limit_mb=args.rss_limit_mb,
        subprocess_every=args.subprocess_every,
        keep=args.keep,
        progress=progress,
    )
    wall = time.perf_counter() - start
    data = report.as_dict()
    data.update(seed=args.seed, timeout_s=args.timeout, rss_limit_mb=args.rss_limit_mb)
    data["wall_s"] = round(wall, 1)
    print(f"{'inputs':>22}: {report.inputs}")
    for key in ("exits", "by_command", "by_format"):
        print(f"{key:>22}: {data[key]}")
    for key in (
        "tracebacks",
        "hangs",
        "native_crashes",
        "bad_exit",
        "output_left",
        "input_changed",
        "rss_over",
        "peak_rss_mb",
        "subprocess_runs",
        "subprocess_failures",
        "cpu_s",
        "wall_s",
    ):
        print(f"{key:>22}: {data[key]}")
    for line in report.findings:
        print("FINDING", line)
    if not args.no_write:
        data["tables"] = tables(data)
        exits = ", ".join(f"exit {k}: {v}" for k, v in data["exits"].items())
        headline = Headline(
            "Hostile files (fuzzing)",
            "measured" if report.failures == 0 else "failing",
            f"{report.inputs} mutated JPEG/PNG/MP4/WAV/FLAC/C2PA inputs through 6 commands "
            f"({exits}): {report.tracebacks} tracebacks, {report.hangs} hangs, "
            f"{report.native_crashes} crashes, {report.output_left} partial outputs, "
            f"peak RSS {data['peak_rss_mb']} MB",
            order=32,
        )
        path = write_result("fuzz", data, script="benchmarks/fuzz.py", headline=headline)
        print(f"wrote {path}")
    return 0 if report.failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
