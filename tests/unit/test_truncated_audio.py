"""A cut WAV/FLAC is analysed with a note, never silently (issue 23, item 6)."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import soundfile as sf

from veracity.detect.api import detect_file
from veracity.synth.speech import speech_like
from veracity.watermark.api import detect_file as watermark_detect

_NOTE = r"truncated: its header declares 12\.00 s but only \d+\.\d\d s decode"


def _cut(tmp_path: Path, ext: str) -> Path:
    whole, cut = tmp_path / f"whole{ext}", tmp_path / f"cut{ext}"
    sf.write(whole, speech_like(12.0, seed=2), 16000)
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.mark.parametrize("ext", [".flac", ".wav"])
def test_detect_and_watermark_detect_note_the_truncation(tmp_path: Path, ext: str) -> None:
    cut = _cut(tmp_path, ext)
    det = detect_file(cut)
    assert det.modality == "audio"
    assert "truncated" in det.details
    assert pytest.approx(12.0) == det.details["truncated"]["declared_s"]
    assert det.details["truncated"]["decoded_s"] < 7.0
    reading = watermark_detect(cut, key="k")
    assert reading.details["truncated"]["declared_s"] == pytest.approx(12.0)
    whole = tmp_path / f"whole{ext}"
    assert "truncated" not in detect_file(whole).details
    assert "truncated" not in watermark_detect(whole, key="k").details


@pytest.mark.parametrize("command", [["detect", "--json"], ["check", "--json"]])
def test_cli_json_carries_the_note(
    tmp_path: Path, run_cli: Callable[..., subprocess.CompletedProcess[str]], command: list[str]
) -> None:
    cut = _cut(tmp_path, ".wav")
    proc = run_cli(*command, str(cut))
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "truncated" in proc.stdout
    body = json.loads(proc.stdout.splitlines()[0])
    if command[0] == "check":
        notes = [n for n in body["notes"] if n["component"] == "media"]
        assert len(notes) == 1 and notes[0]["status"] == "warning"
        assert re.search(_NOTE, notes[0]["message"])
    else:
        assert re.search(_NOTE, body["details"]["truncated"]["message"])
