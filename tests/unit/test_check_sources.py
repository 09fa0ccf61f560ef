"""Which component failures become notes and which fail the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from veracity.check import CheckOptions
from veracity.check.sources import read_watermark, run_detection
from veracity.errors import CorruptMediaError, InputError, UnsupportedFormatError
from veracity.media.handle import MediaFile


@pytest.mark.parametrize("error", [InputError("too short"), UnsupportedFormatError("no codec")])
def test_component_limits_become_notes(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr("veracity.watermark.api.read_watermark", refuse)
    monkeypatch.setattr("veracity.detect.api.run_detectors", refuse)
    media = MediaFile(Path("x.wav"), CheckOptions().limits, 1)
    reading, note = read_watermark(media, CheckOptions())
    assert reading is None and note is not None
    assert (note.component, note.status, note.message) == ("watermark", "not-available", str(error))
    detection, det_note = run_detection(media, CheckOptions(), None)
    assert detection is None and det_note is not None and det_note.component == "detection"


def test_corrupt_media_fails_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def corrupt(*args: object, **kwargs: object) -> None:
        raise CorruptMediaError("truncated")

    monkeypatch.setattr("veracity.watermark.api.read_watermark", corrupt)
    with pytest.raises(CorruptMediaError):
        read_watermark(MediaFile(Path("x.png"), CheckOptions().limits, 1), CheckOptions())
