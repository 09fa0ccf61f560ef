"""The synthetic-speech detector: contract, abstention, streaming, evidence, generators."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from veracity.detect.api import detect_file
from veracity.detect.catalog import detectors_for
from veracity.detect.speech_features import FEATURE_DIM, active_segments, segment_features
from veracity.errors import ModelError
from veracity.media.audio import load_audio
from veracity.synth import speech
from veracity.synth.speech import griffin_lim_resynth, speech_like


def test_features_shape_and_vad() -> None:
    x = speech_like(6.0, seed=3).astype(np.float32)
    segs = active_segments(x)
    assert 3 <= len(segs) <= 5
    feats = segment_features(x, segs)
    assert feats.shape == (len(segs), FEATURE_DIM) and np.isfinite(feats).all()
    assert active_segments(np.zeros(16000 * 3, np.float32)) == []


@pytest.mark.parametrize("seconds", [1.2, 3.0, 9.0])
def test_detector_contract(tmp_path: Path, seconds: float) -> None:
    path = tmp_path / "s.wav"
    sf.write(path, np.stack([speech_like(seconds, 22050, seed=4)] * 2, axis=1), 22050)
    (detector,) = [d for d in detectors_for("audio") if d.name == "speech_lfcc"]
    result = detector.analyze(load_audio(path), None)
    assert result is not None
    assert 0.0 <= result.score <= 1.0 and np.isfinite(result.score)
    scores = [s["score"] for s in result.details["segments"]]
    assert scores and all(0.0 <= s <= 1.0 for s in scores)


def test_under_one_second_abstains_with_a_note(tmp_path: Path) -> None:
    sf.write(tmp_path / "blip.wav", speech_like(0.6, 16000, seed=4), 16000)
    (detector,) = [d for d in detectors_for("audio") if d.name == "speech_lfcc"]
    assert detector.analyze(load_audio(tmp_path / "blip.wav"), None) is None
    detection = detect_file(tmp_path / "blip.wav")
    assert detection.label == "uncertain" and detection.detectors == ()
    assert detection.details["abstained"] == ["speech_lfcc"]
    assert "under 1 s" in detection.details["note"]


def test_silence_abstains_and_api_reports(tmp_path: Path) -> None:
    sf.write(tmp_path / "silence.wav", np.zeros(16000 * 3), 16000)
    (detector,) = [d for d in detectors_for("audio") if d.name == "speech_lfcc"]
    assert detector.analyze(load_audio(tmp_path / "silence.wav"), None) is None
    sf.write(tmp_path / "voice.flac", speech_like(5.0, seed=5), 16000)
    detection = detect_file(tmp_path / "voice.flac", evidence_dir=tmp_path / "ev")
    assert detection.modality == "audio" and detection.label in ("real", "fake", "uncertain")
    (score,) = detection.detectors
    assert score.evidence and Path(score.evidence[0]).stat().st_size > 1000


def test_griffin_lim_keeps_length() -> None:
    x = speech_like(1.0, seed=6)
    y, rate = griffin_lim_resynth(x, 16000, iterations=4)
    assert rate == 16000 and len(y) == len(x) and np.isfinite(y).all()


def test_missing_tts_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ModelError, match="apt-get install -y espeak-ng"):
        speech.tts("hello", "espeak", "en")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_espeak_tts_generates_speech() -> None:
    x, rate = speech.tts("Testing one two three.", "espeak", "en")
    assert rate > 8000 and len(x) > rate // 2 and np.abs(x).max() > 0.01


def test_long_files_are_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from veracity.detect import synthetic_speech
    from veracity.media import audio as audio_mod

    sf.write(tmp_path / "long.flac", speech_like(25.0, 16000, seed=8), 16000)
    (detector,) = [d for d in detectors_for("audio") if d.name == "speech_lfcc"]
    eager = detector.analyze(load_audio(tmp_path / "long.flac"), None)
    monkeypatch.setattr(audio_mod, "EAGER_SECONDS", 5.0)
    monkeypatch.setattr(synthetic_speech, "_STREAM_BLOCK_S", 7.0)
    clip = load_audio(tmp_path / "long.flac")
    assert clip.samples is None
    streamed = detector.analyze(clip, None)
    assert eager is not None and streamed is not None
    starts = [s["start_s"] for s in streamed.details["segments"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert abs(len(starts) - eager.details["segments_scored"]) <= 2
    assert abs(streamed.score - eager.score) < 0.2
