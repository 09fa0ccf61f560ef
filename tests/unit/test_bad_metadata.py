"""Containers whose metadata is not valid UTF-8 (found by the fuzz harness, tests/fuzzing.py).

PyAV decodes stream and container metadata as UTF-8 by default and raised
UnicodeDecodeError from ``av.open``: every command on such an MP4 (``detect``,
``watermark detect/embed``, ``credentials sign``, ``check``) ended in a traceback, exit 1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from veracity.media.probe import sniff_modality

_GOOD = "cam\u20ac\u20ac".encode()
_BAD = b"cam\xe2\x82x\xe2\x82x"  # same length, broken multi-byte sequences


def _bad_metadata_mp4(path: Path, kind: str) -> Path:
    with av.open(str(path), "w", format="mp4") as c:
        if kind == "video":
            s = c.add_stream("mpeg4", rate=12)
            s.width = s.height = 64
            s.pix_fmt = "yuv420p"
            frames = [
                av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 30, np.uint8), format="rgb24")
                for i in range(6)
            ]
        else:
            s = c.add_stream("aac", rate=16000)
            t = np.arange(16000 * 2) / 16000
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="mono")
            frame.sample_rate = 16000
            frames = [frame]
        s.metadata["handler_name"] = _GOOD.decode()
        for f in frames:
            for pkt in s.encode(f):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    data = path.read_bytes()
    assert data.count(_GOOD) == 1
    path.write_bytes(data.replace(_GOOD, _BAD))
    return path


@pytest.mark.parametrize("kind", ["video", "audio"])
def test_probe_ignores_broken_metadata(tmp_path: Path, kind: str) -> None:
    path = _bad_metadata_mp4(tmp_path / f"{kind}.mp4", kind)
    assert sniff_modality(path) == kind


@pytest.mark.parametrize("kind", ["video", "audio"])
@pytest.mark.parametrize(
    "command",
    [
        ["detect", "{i}", "--json"],
        ["watermark", "detect", "{i}", "--json"],
        ["credentials", "sign", "{i}", "{o}"],
    ],
    ids=["detect", "watermark-detect", "sign"],
)
def test_commands_answer_without_a_traceback(
    tmp_path: Path, run_cli: Callable[..., object], kind: str, command: list[str]
) -> None:
    path = _bad_metadata_mp4(tmp_path / f"{kind}.mp4", kind)
    if command[0] == "credentials":
        assert run_cli("credentials", "init").returncode == 0  # type: ignore[attr-defined]
    out = tmp_path / "out" / "signed.mp4"
    out.parent.mkdir()
    proc = run_cli(*[a.format(i=path, o=out) for a in command])
    assert "Traceback" not in proc.stderr, proc.stderr  # type: ignore[attr-defined]
    assert proc.returncode in (0, 2), proc.stderr  # type: ignore[attr-defined]
    if proc.returncode != 0:  # type: ignore[attr-defined]
        assert list(out.parent.iterdir()) == []
