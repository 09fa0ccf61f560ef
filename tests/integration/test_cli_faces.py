"""``veracity detect`` on generated videos: no face, audio only, broken container."""

from __future__ import annotations

import json
from pathlib import Path

from veracity.synth.samples import natural_image
from videogen import write_audio_only_mp4, write_video


def test_detect_video_without_face(tmp_path: Path, run_cli) -> None:
    frames = [natural_image(96, 128, seed=i) for i in range(10)]
    path = write_video(tmp_path / "noface.mp4", frames, fps=10)
    proc = run_cli("detect", path, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["modality"] == "video" and out["detectors"] == []
    # an expected abstention is recorded in the JSON, and said on stderr only with -v
    assert "no usable face" in json.dumps(out)
    assert "no face found" not in proc.stderr
    verbose = run_cli("detect", path, "--json", "-v")
    assert "no face found" in verbose.stderr


def test_detect_audio_only_mp4(tmp_path: Path, run_cli) -> None:
    # a voice memo in an MP4 is audio: no video detector runs on it
    proc = run_cli("detect", "--json", write_audio_only_mp4(tmp_path / "a.mp4"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["modality"] == "audio"


def test_detect_broken_container(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x01\x02" * 4000)
    proc = run_cli("detect", path)
    assert proc.returncode == 2
    assert "cannot decode video" in proc.stderr or "no video" in proc.stderr
