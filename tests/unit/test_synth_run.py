"""``synthesise`` as a library call: all-or-nothing output and unreadable marks skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from veracity.errors import InputError
from veracity.results import WatermarkReading
from veracity.synth import finish
from veracity.synth.run import SynthOptions, synthesise
from veracity.synth.samples import natural_image


def _images(tmp_path: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        paths.append(tmp_path / f"in{i}.png")
        Image.fromarray(natural_image(320, 320, seed=i)).save(paths[-1])
    return paths


def test_a_mark_that_does_not_read_back_is_skipped_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_detect = finish.detect_file
    calls: list[Path] = []

    def flaky(path: Path) -> WatermarkReading:
        calls.append(path)
        if len(calls) == 2:  # the second file's mark "fails" to read back
            return WatermarkReading(detected=False, payload=None, p_value=1.0)
        return real_detect(path)

    monkeypatch.setattr(finish, "detect_file", flaky)
    outcome = synthesise(
        _images(tmp_path, 3), tmp_path / "set", SynthOptions(generator="nearest_up")
    )
    assert [Path(r.output).name for r in outcome.records] == [
        "0000_in0_nearest_up.png",
        "0002_in2_nearest_up.png",
    ]
    assert len(outcome.skipped) == 1 and "did not read back" in outcome.skipped[0]
    assert sorted(p.name for p in (tmp_path / "set" / "fake").iterdir()) == [
        "0000_in0_nearest_up.png",
        "0002_in2_nearest_up.png",
    ]


def test_when_every_file_is_skipped_nothing_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        finish, "detect_file", lambda p: WatermarkReading(detected=False, payload=None, p_value=1.0)
    )
    with pytest.raises(InputError, match="no fake could be made"):
        synthesise(_images(tmp_path, 1), tmp_path / "set")
    assert not (tmp_path / "set").exists()


def test_no_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no input"):
        synthesise([], tmp_path / "set")
