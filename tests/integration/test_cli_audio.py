"""``veracity watermark`` and ``veracity detect`` on audio files, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from veracity.synth.speech import speech_like


def test_watermark_embed_detect_json(tmp_path: Path, run_cli) -> None:
    sf.write(tmp_path / "in.wav", speech_like(9.0, 16000, seed=7), 16000, subtype="PCM_16")
    out = tmp_path / "marked.wav"
    res = run_cli(
        "watermark",
        "embed",
        tmp_path / "in.wav",
        out,
        "--payload",
        "a1b2c3d4",
        "--key",
        "k",
        "--json",
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["payload"] == "a1b2c3d4"
    res = run_cli("watermark", "detect", out, "--key", "k", "--json")
    assert res.returncode == 0, res.stderr
    reading = json.loads(res.stdout)
    assert (
        reading["detected"] and reading["payload"] == "a1b2c3d4" and reading["modality"] == "audio"
    )
    assert reading["p_value"] < 1e-6 and reading["details"]["segments"]


def test_bad_audio_inputs_exit_2(tmp_path: Path, run_cli) -> None:
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 8)
    sf.write(tmp_path / "short.wav", np.zeros(8000), 16000)
    res = run_cli("watermark", "detect", tmp_path / "broken.wav")
    assert res.returncode == 2 and "broken.wav" in res.stderr
    res = run_cli("watermark", "embed", tmp_path / "short.wav", tmp_path / "o.wav")
    assert res.returncode == 2 and "too short" in res.stderr


def test_detect_says_why_nothing_scored(tmp_path: Path, run_cli) -> None:
    sf.write(tmp_path / "silence.wav", np.zeros(16000 * 3), 16000)
    res = run_cli("detect", tmp_path / "silence.wav")
    assert res.returncode == 0, res.stderr
    assert "uncertain" in res.stdout and "no speech found" in res.stdout
    res = run_cli("detect", tmp_path / "silence.wav", "--json")
    record = json.loads(res.stdout)
    assert record["label"] == "uncertain" and record["details"]["abstained"] == ["speech_lfcc"]
