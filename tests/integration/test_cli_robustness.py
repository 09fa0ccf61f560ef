"""Odd inputs and outputs through the CLI: one-line errors, exit codes, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from veracity.cli import main
from veracity.synth.samples import natural_image


def _photo(path: Path, size: int = 256) -> Path:
    Image.fromarray(natural_image(size, size, seed=3)).save(path)
    return path


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("veracity: error:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("command", ["detect", "check"])
def test_batch_goes_on_after_a_bad_file(run_cli, tmp_path: Path, command: str) -> None:
    photo = _photo(tmp_path / "photo.png")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(bytes(range(256)) * 20)
    r = run_cli(command, "--json", junk, photo)
    assert r.returncode == 2
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert docs[0] == {
        "path": str(junk),
        "error": f"{junk}: not a recognised image, video or audio file",
        "error_type": "UnsupportedFormatError",
    }
    assert docs[1]["path"] == str(photo) and "error" not in docs[1]
    assert "junk.jpg" in _one_error_line(r.stderr)


@pytest.mark.parametrize("command", ["detect", "check"])
def test_batch_goes_on_after_a_crash(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import veracity.cli.check as check_cli
    import veracity.cli.detect as detect_cli

    module, name = (detect_cli, "detect_file") if command == "detect" else (check_cli, "check_file")
    real = getattr(module, name)
    first = tmp_path / "a.png"

    def crash_on_first(path, *args, **kwargs):
        if Path(path) == first:
            raise ValueError("boom")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, name, crash_on_first)
    files = [_photo(first), _photo(tmp_path / "b.png")]
    assert main([command, "--json", *map(str, files)]) == 2
    out, err = capsys.readouterr()
    docs = [json.loads(line) for line in out.splitlines()]
    assert docs[0] == {
        "path": str(first),
        "error": "internal error: boom",
        "error_type": "ValueError",
    }
    assert docs[1]["path"] == str(files[1]) and "error" not in docs[1]
    assert "internal error: boom" in _one_error_line(err)
