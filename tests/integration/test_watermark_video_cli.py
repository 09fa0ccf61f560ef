"""Video watermark through the CLI: round trip, re-encoding, rotation, audio kept, bad input."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from tests.videogen import write_video

from veracity.synth.samples import natural_image

PAYLOAD = "00112233445566ff"


def _frames(n: int = 45, seed: int = 4) -> list[np.ndarray]:
    """A textured scene panning sideways (content moves, the mark does not)."""
    base = natural_image(288, 384, seed=seed)
    return [np.roll(base, 3 * i, axis=1).copy() for i in range(n)]


def _detect(run_cli, path: Path, key: str = "k1") -> dict:  # type: ignore[no-untyped-def]
    r = run_cli("watermark", "detect", path, "--key", key, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _reencode(src: Path, dst: Path, crf: int, scale: float) -> Path:
    """Decode and re-encode with H.264 at ``crf``, resized by ``scale`` (a re-upload)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        v_in = inp.streams.video[0]
        w = round(v_in.codec_context.width * scale) // 2 * 2
        h = round(v_in.codec_context.height * scale) // 2 * 2
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf)}
        stream.codec_context.time_base = Fraction(1, 30)
        for i, frame in enumerate(inp.decode(v_in)):
            small = frame.reformat(width=w, height=h, format="yuv420p")
            small.pts, small.time_base = i, Fraction(1, 30)
            out.mux(stream.encode(small))
        out.mux(stream.encode(None))
    return dst


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import subprocess
    import sys

    from tests.conftest import _cli_env

    folder = tmp_path_factory.mktemp("video")
    src = write_video(folder / "src.mp4", _frames(), audio=True)
    out = folder / "marked.mp4"
    cmd = [sys.executable, "-m", "veracity", "watermark", "embed", str(src), str(out)]
    cmd += ["--payload", PAYLOAD, "--key", "k1"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=_cli_env(), check=False)
    assert r.returncode == 0, r.stderr
    return src, out


def test_round_trip_keeps_frames_and_audio(run_cli, marked) -> None:  # type: ignore[no-untyped-def]
    src, out = marked
    reading = _detect(run_cli, out)
    assert reading["detected"] and reading["payload"] == PAYLOAD
    assert reading["modality"] == "video" and reading["p_value"] < 1e-6
    with av.open(str(src)) as a, av.open(str(out)) as b:
        assert [s.type for s in b.streams] == ["video", "audio"]
        assert b.streams.video[0].frames == a.streams.video[0].frames


def test_unmarked_and_other_key_read_nothing(run_cli, marked) -> None:  # type: ignore[no-untyped-def]
    src, out = marked
    assert not _detect(run_cli, src)["detected"]
    other = _detect(run_cli, out, key="another key")
    assert not other["detected"] and other["payload"] is None


def test_hd_video_survives_reencoding(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A 720p clip re-encoded at CRF 28 (a typical re-upload) keeps its mark."""
    base = natural_image(760, 1400, seed=11)
    frames = [np.ascontiguousarray(base[20:740, 2 * i : 2 * i + 1280]) for i in range(20)]
    src = write_video(tmp_path / "hd.mp4", frames)
    out = tmp_path / "hd-marked.mp4"
    r = run_cli("watermark", "embed", src, out, "--payload", PAYLOAD, "--key", "k1")
    assert r.returncode == 0, r.stderr
    copy = _reencode(out, tmp_path / "reupload.mp4", crf=28, scale=1.0)
    reading = _detect(run_cli, copy)
    assert reading["detected"] and reading["payload"] == PAYLOAD


def test_rotated_phone_video_keeps_its_rotation(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from veracity.media.video import open_video

    src = write_video(tmp_path / "phone.mp4", _frames(30, seed=7), rotation=90)
    out = tmp_path / "phone-marked.mp4"
    r = run_cli("watermark", "embed", src, out, "--payload", PAYLOAD, "--key", "k1")
    assert r.returncode == 0, r.stderr
    assert open_video(out).info.rotation == 90
    assert _detect(run_cli, out)["payload"] == PAYLOAD


def test_bad_output_extension_and_existing_output(run_cli, marked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src, out = marked
    r = run_cli("watermark", "embed", src, tmp_path / "x.gif", "--key", "k1")
    assert r.returncode == 2 and "video output must be one of" in r.stderr
    assert not (tmp_path / "x.gif").exists()
    r = run_cli("watermark", "embed", src, out, "--key", "k1")
    assert r.returncode == 2 and "exists" in r.stderr
