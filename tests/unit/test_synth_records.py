"""labels.jsonl: the ManipulationRecord schema, relative paths and strict reading."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from veracity.errors import InputError, OutputExistsError
from veracity.synth.records import ManipulationRecord, read_labels, write_labels

FIELDS = [
    "source",
    "output",
    "modality",
    "label",
    "method",
    "generator",
    "seed",
    "params",
    "watermark",
]


def _records(root: Path) -> list[ManipulationRecord]:
    return [
        ManipulationRecord(
            source="/elsewhere/photo.jpg",
            output=str(root / "fake" / "0000_photo_denoiser.jpg"),
            modality="image",
            label="fake",
            method="aigen",
            generator="denoiser",
            seed=7,
            params={"size": [64, 48]},
            watermark="00c0ffee00c0ffee",
        ),
        ManipulationRecord(
            source="/elsewhere/photo.jpg",
            output=str(root / "real" / "0000_photo.jpg"),
            modality="image",
            label="real",
            method="real",
        ),
    ]


def test_record_is_frozen() -> None:
    rec = _records(Path("/x"))[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.label = "real"  # type: ignore[misc]


def test_write_is_golden_json_with_relative_outputs(tmp_path: Path) -> None:
    path = write_labels(tmp_path / "labels.jsonl", _records(tmp_path))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [list(d) for d in lines] == [FIELDS, FIELDS]
    assert lines[0] == {
        "source": "/elsewhere/photo.jpg",
        "output": "fake/0000_photo_denoiser.jpg",
        "modality": "image",
        "label": "fake",
        "method": "aigen",
        "generator": "denoiser",
        "seed": 7,
        "params": {"size": [64, 48]},
        "watermark": "00c0ffee00c0ffee",
    }
    assert lines[1]["output"] == "real/0000_photo.jpg" and lines[1]["watermark"] is None


def test_round_trip_gives_absolute_paths(tmp_path: Path) -> None:
    records = _records(tmp_path)
    write_labels(tmp_path / "labels.jsonl", records)
    assert read_labels(tmp_path / "labels.jsonl") == records


def test_existing_labels_are_kept_without_force(tmp_path: Path) -> None:
    write_labels(tmp_path / "labels.jsonl", _records(tmp_path))
    with pytest.raises(OutputExistsError):
        write_labels(tmp_path / "labels.jsonl", [])


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not JSON"),
        ('{"source": "a"}', "needs source, output"),
        ('{"source": "a", "output": "b", "modality": "image", "label": "maybe"}', "real or fake"),
    ],
)
def test_bad_lines_raise_input_error(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "labels.jsonl").write_text(line + "\n")
    with pytest.raises(InputError, match=message):
        read_labels(tmp_path / "labels.jsonl")


def test_missing_labels_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read labels"):
        read_labels(tmp_path / "nope.jsonl")
