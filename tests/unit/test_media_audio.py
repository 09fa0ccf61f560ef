"""The audio media layer: formats, mix-down, resampling, limits and damaged inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from veracity.errors import (
    CorruptMediaError,
    InputError,
    LimitExceededError,
    UnsupportedFormatError,
)
from veracity.media.audio import decode_audio, iter_blocks, load_audio, probe_audio
from veracity.media.audio_out import save_audio
from veracity.media.limits import Limits
from veracity.media.probe import sniff_modality


def _tone(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    cols = [0.3 * np.sin(2 * np.pi * (440 + 110 * c) * t) for c in range(channels)]
    return np.stack(cols, axis=1).astype(np.float32)


@pytest.mark.parametrize("ext", [".wav", ".flac", ".mp3", ".ogg", ".m4a"])
def test_formats_load_as_mono_16k(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"tone{ext}"
    save_audio(path, _tone(2.0, 44100, channels=2), 44100, bitrate=96_000)
    assert sniff_modality(path) == "audio"
    clip = load_audio(path)
    assert clip.rate == 16000 and clip.samples is not None and clip.samples.ndim == 1
    assert abs(clip.duration_s - 2.0) < 0.1
    assert 0.05 < float(np.sqrt(np.mean(clip.samples**2))) < 0.5


def test_native_rate_and_channels_kept(tmp_path: Path) -> None:
    x = _tone(1.5, 22050, channels=6)
    sf.write(tmp_path / "six.wav", x, 22050, subtype="FLOAT")
    y, rate = decode_audio(tmp_path / "six.wav", rate=None, mono=False)
    assert rate == 22050 and y.shape == x.shape
    np.testing.assert_allclose(y, x, atol=1e-6)
    mono, _ = decode_audio(tmp_path / "six.wav")
    assert mono.ndim == 1 and abs(len(mono) - 1.5 * 16000) <= 1


def test_streaming_blocks_cover_the_file(tmp_path: Path) -> None:
    sf.write(tmp_path / "long.flac", _tone(7.0, 16000), 16000)
    blocks = list(iter_blocks(tmp_path / "long.flac", block_s=2.0))
    assert [len(b) for b in blocks[:-1]] == [32000] * 3
    assert sum(len(b) for b in blocks) == 7 * 16000


def test_duration_limit(tmp_path: Path) -> None:
    sf.write(tmp_path / "a.wav", _tone(3.0, 16000), 16000)
    with pytest.raises(LimitExceededError, match="limit"):
        load_audio(tmp_path / "a.wav", Limits(max_duration_s=1.0))


def test_corrupt_and_empty(tmp_path: Path) -> None:
    sf.write(tmp_path / "a.wav", _tone(1.0, 16000), 16000)
    data = (tmp_path / "a.wav").read_bytes()
    (tmp_path / "cut.mp3").write_bytes(b"ID3" + b"\x00" * 7 + bytes(range(256)) * 4)
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "head.wav").write_bytes(data[:40])
    with pytest.raises(InputError, match="empty"):
        load_audio(tmp_path / "empty.wav")
    for name in ("cut.mp3", "head.wav"):
        with pytest.raises((CorruptMediaError, UnsupportedFormatError)):
            load_audio(tmp_path / name)


def test_silent_and_short_inputs_decode(tmp_path: Path) -> None:
    sf.write(tmp_path / "silence.wav", np.zeros(8000, np.float32), 16000)
    sf.write(tmp_path / "short.wav", _tone(0.2, 16000), 16000)
    assert float(np.abs(load_audio(tmp_path / "silence.wav").samples).max()) == 0.0
    assert probe_audio(tmp_path / "short.wav").duration_s == pytest.approx(0.2, abs=0.01)


def test_mp3_without_id3_is_sniffed(tmp_path: Path) -> None:
    save_audio(tmp_path / "a.mp3", _tone(1.0, 44100), 44100)
    raw = (tmp_path / "a.mp3").read_bytes()
    if raw.startswith(b"ID3"):
        size = (raw[6] << 21) | (raw[7] << 14) | (raw[8] << 7) | raw[9]
        raw = raw[10 + size :]
    (tmp_path / "bare.mp3").write_bytes(raw)
    assert sniff_modality(tmp_path / "bare.mp3") == "audio"


def test_unknown_output_extension(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError):
        save_audio(tmp_path / "x.xyz", _tone(0.5, 16000), 16000)


def test_aiff_and_rf64_are_sniffed_and_decoded(tmp_path: Path) -> None:
    x = _tone(1.0, 16000)
    sf.write(tmp_path / "a.aiff", x, 16000, format="AIFF")
    sf.write(tmp_path / "a.wav", x, 16000, format="RF64")
    for name in ("a.aiff", "a.wav"):
        assert sniff_modality(tmp_path / name) == "audio"
        assert load_audio(tmp_path / name).duration_s == pytest.approx(1.0, abs=0.01)
