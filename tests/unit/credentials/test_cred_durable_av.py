"""Durable credentials for audio and video: the manifest id in our A/V watermark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.credentials import sign_file, verify_file
from veracity.credentials.manifest import AUDIO_WATERMARK_ALG, VIDEO_WATERMARK_ALG
from veracity.media.audio import decode_audio
from veracity.media.audio_out import save_audio
from veracity.media.limits import Limits
from veracity.synth.samples import speech_like


def _voice(path: Path, seconds: float = 6.0, seed: int = 0) -> Path:
    save_audio(path, speech_like(seconds, seed=seed), 16000)
    return path


def _strip_audio(src: Path, dst: Path) -> None:
    """Re-write the samples only: the C2PA chunk is gone, the watermark stays."""
    x, rate = decode_audio(src, Limits(), rate=None, mono=False)
    save_audio(dst, x, rate)


def _soft_binding_alg(report) -> str:
    sb = [a for a in report.manifest["assertions"] if a["label"] == "c2pa.soft-binding"]
    return sb[0]["data"]["alg"]


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_durable_audio_is_recovered_after_stripping(suffix, cred_home, tmp_path) -> None:
    src = _voice(tmp_path / f"voice{suffix}")
    result = sign_file(src, tmp_path / f"signed{suffix}", durable=True)
    assert result.manifest_id is not None and result.manifest_id.startswith("00000000")
    embedded = verify_file(result.output)
    assert embedded.state == "trusted" and embedded.recovered_via == "embedded"
    assert _soft_binding_alg(embedded) == AUDIO_WATERMARK_ALG
    stripped = tmp_path / f"stripped{suffix}"
    _strip_audio(result.output, stripped)
    assert b"c2pa" not in stripped.read_bytes()
    report = verify_file(stripped)
    assert report.recovered_via == "watermark"
    assert report.state == "trusted"
    assert report.details["manifest_id"] == result.manifest_id


def test_unmarked_audio_recovers_nothing(cred_home, tmp_path) -> None:
    sign_file(_voice(tmp_path / "a.wav"), tmp_path / "signed.wav", durable=True)
    other = _voice(tmp_path / "other.wav", seconds=7.0, seed=3)
    report = verify_file(other)
    assert report.state == "none" and report.recovered_via is None


def test_durable_video_round_trip(cred_home, tmp_path) -> None:
    import av

    src = tmp_path / "clip.mp4"
    g = np.random.default_rng(1)
    with av.open(str(src), "w") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 256, 224, "yuv420p"
        base = np.asarray(
            Image.fromarray(g.integers(0, 255, (28, 32, 3), dtype=np.uint8)).resize((256, 224))
        )
        for i in range(24):
            frame = av.VideoFrame.from_ndarray(np.roll(base, i, 1), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    result = sign_file(src, tmp_path / "signed.mp4", durable=True)
    assert result.manifest_id is not None and len(result.manifest_id) == 16
    report = verify_file(result.output)
    assert report.state == "trusted"
    assert _soft_binding_alg(report) == VIDEO_WATERMARK_ALG
    stripped = tmp_path / "stripped.mp4"
    with av.open(str(result.output)) as inp, av.open(str(stripped), "w") as out:
        stream = out.add_stream("libx264", rate=12)
        stream.width, stream.height, stream.pix_fmt = 256, 224, "yuv420p"
        for frame in inp.decode(video=0):
            out.mux(stream.encode(frame.reformat(format="yuv420p")))
        out.mux(stream.encode())
    assert b"c2pa" not in stripped.read_bytes()
    recovered = verify_file(stripped)
    assert (recovered.recovered_via, recovered.state) == ("watermark", "trusted")
    assert recovered.details["manifest_id"] == result.manifest_id
