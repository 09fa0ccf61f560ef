"""A write failure through the CLI entry point: exit 2, one line, input intact, no residue.

The failure is injected where the atomic writer flushes its temporary file (where a
full disk or a revoked permission surfaces on a real filesystem).
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

import veracity.media.output as output
from veracity.cli import main
from veracity.synth.samples import natural_image
from veracity.synth.speech import speech_like


def _inputs(folder: Path) -> dict[str, Path]:
    jpg, wav = folder / "photo.jpg", folder / "voice.wav"
    Image.fromarray(natural_image(256, 320, seed=4)).save(jpg, quality=92)
    sf.write(wav, speech_like(6.0, seed=1).astype(np.float32), 16000)
    return {"jpg": jpg, "wav": wav}


def _fail_with(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def refuse(tmp: Path) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(output, "_sync", refuse)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
@pytest.mark.parametrize("same", [True, False], ids=["in-eq-out", "in-ne-out"])
@pytest.mark.parametrize(
    ("command", "kind"),
    [
        (["watermark", "embed"], "jpg"),
        (["watermark", "embed"], "wav"),
        (["credentials", "sign"], "jpg"),
    ],
)
def test_write_failure_is_exit_2_and_leaves_everything_as_it_was(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    kind: str,
    same: bool,
    code: int,
) -> None:
    if command[0] == "credentials":
        assert main(["credentials", "init"]) == 0
    src = _inputs(tmp_path)[kind]
    out = src if same else tmp_path / f"out{src.suffix}"
    before = _digest(tmp_path)
    capsys.readouterr()
    _fail_with(monkeypatch, code)
    assert main([*command, str(src), str(out), "--force"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("veracity: error: ")
    assert os.strerror(code) in err[0]
    assert _digest(tmp_path) == before  # input byte-identical, no partial or temporary file


def test_report_write_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _inputs(tmp_path)["jpg"]
    before = _digest(tmp_path)
    _fail_with(monkeypatch, errno.ENOSPC)
    code = main(["check", str(src), "--report", str(tmp_path / "r.html")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("veracity: error: ")
    assert _digest(tmp_path) == before
