"""Fuzzing the CLI with mutated JPEG/PNG/MP4/WAV/FLAC/C2PA files (harness: tests/fuzzing.py).

Every mutant must exit 0, 1 or 2 without a traceback, within its time limit, under an RSS
bound, leave no output behind when ``embed``/``sign`` fail, and leave its input alone.
"""

from __future__ import annotations

import random

import pytest

from fuzzing import build_seeds, mutate, run_fuzz


def _assert_clean(report: object) -> None:
    from fuzzing import FuzzReport

    assert isinstance(report, FuzzReport)
    summary = report.as_dict()
    assert report.failures == 0, summary["findings"]
    assert report.tracebacks == 0 and report.hangs == 0 and report.native_crashes == 0
    assert set(report.exits) <= {"0", "1", "2"}, report.exits


def test_mutations_are_seeded_and_change_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    seeds = build_seeds(tmp_path / "seeds", tmp_path / "home")
    assert {"jpg", "png", "wav", "flac", "mp4", "c2pa.jpg", "c2pa.png"} <= set(seeds)
    first = [mutate(seeds, "jpg", random.Random(3)) for _ in range(1)]
    again = [mutate(seeds, "jpg", random.Random(3)) for _ in range(1)]
    assert first == again
    rng = random.Random(4)
    changed = sum(mutate(seeds, k, rng)[0] != seeds[k] for k in sorted(seeds) for _ in range(5))
    assert changed >= 30  # of 35: a mutation can occasionally be a no-op


def test_fuzz_small_default_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run_fuzz(
        50, seed=2026, timeout_s=60, subprocess_every=25, work=tmp_path, keep=tmp_path / "found"
    )
    assert report.inputs == 50 and report.subprocess_runs == 2
    assert len(report.by_command) >= 5 and len(report.by_format) == 7
    _assert_clean(report)


@pytest.mark.slow
def test_fuzz_ten_thousand_inputs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = run_fuzz(
        10_000, seed=23, timeout_s=60, subprocess_every=200, work=tmp_path, keep=tmp_path / "found"
    )
    assert report.inputs == 10_000 and report.subprocess_runs == 50
    _assert_clean(report)
