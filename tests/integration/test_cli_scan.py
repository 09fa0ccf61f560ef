"""``veracity scan``: discovery, resumable JSONL, per-file errors, process pool and Ray."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from PIL import Image

from veracity.check import CheckOptions
from veracity.scan import discover, scan_folder, scan_one
from veracity.scan.jsonl import recorded_paths
from veracity.synth.samples import natural_image, speech_like, write_wav


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    (root / "sub").mkdir(parents=True)
    (root / ".hidden").mkdir()
    for i, rel in enumerate(("a.png", "sub/b.jpg", ".hidden/c.png")):
        Image.fromarray(natural_image(64, 80, seed=i)).save(root / rel)
    write_wav(root / "voice.wav", speech_like(0.5))
    (root / "notes.txt").write_text("not media")
    (root / "empty.png").write_bytes(b"")
    return root


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_discover_skips_hidden_and_non_media(folder: Path) -> None:
    flat, other = discover(folder)
    assert [p.name for p in flat] == ["a.png", "voice.wav"]
    assert other == 2  # notes.txt and the empty file
    deep, _ = discover(folder, recursive=True)
    assert [p.name for p in deep] == ["a.png", "b.jpg", "voice.wav"]
    assert all(p.is_absolute() for p in deep)


def test_scan_one_records_errors(tmp_path: Path) -> None:
    record = scan_one(str(tmp_path / "missing.png"), CheckOptions())
    assert record["error"].endswith("no such file") and record["error_type"] == "InputError"
    assert record["path"] == str(tmp_path / "missing.png")


def test_scan_resumes_and_repairs_partial_line(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.jsonl"
    first = scan_folder(folder, output=out, recursive=True)
    assert (first.found, first.scanned, first.skipped_done) == (3, 3, 0)
    lines = _lines(out)
    assert {Path(d["path"]).name for d in lines} == {"a.png", "b.jpg", "voice.wav"}
    # simulate a crash mid-line after removing the last record
    text = out.read_text().splitlines(keepends=True)
    out.write_text("".join(text[:-1]) + text[-1][:20])
    second = scan_folder(folder, output=out, recursive=True)
    assert (second.scanned, second.skipped_done) == (1, 2)
    assert len(_lines(out)) == 3
    assert len(recorded_paths(out)) == 3


def test_cli_scan_with_workers(run_cli, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.jsonl"
    r = run_cli("scan", folder, "-r", "--workers", "2", "--jsonl", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "scanned 3 of 3 media files" in r.stderr
    docs = _lines(out)
    assert [Path(d["path"]).name for d in docs] == ["a.png", "b.jpg", "voice.wav"]
    assert all("verdict" in d for d in docs)
    again = run_cli("scan", folder, "-r", "--jsonl", out, "--no-progress")
    assert "scanned 0 of 3" in again.stderr and len(_lines(out)) == 3


def test_cli_scan_to_stdout_detect_only(run_cli, folder: Path) -> None:
    r = run_cli("scan", folder, "--detect-only", "--no-progress")
    assert r.returncode == 0, r.stderr
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [Path(d["path"]).name for d in docs] == ["a.png", "voice.wav"]
    for doc in docs:  # either a Detection or an error record (no detector for it)
        assert ("label" in doc) != ("error" in doc)


def test_cli_scan_bad_folder(run_cli, tmp_path: Path) -> None:
    r = run_cli("scan", tmp_path / "nope")
    assert r.returncode == 2 and "not a folder" in r.stderr


@pytest.mark.slow  # starting a local Ray takes 10-20 s on a 2-core machine
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_cli_scan_on_local_ray(run_cli, folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "ray.jsonl"
    r = run_cli("scan", folder, "-r", "--ray", "--workers", "1", "--jsonl", out, "--no-progress")
    assert r.returncode == 0, r.stderr
    docs = _lines(out)
    assert sorted(Path(d["path"]).name for d in docs) == ["a.png", "b.jpg", "voice.wav"]
    assert all("verdict" in d for d in docs)
