"""The real-face dataset builder and its benchmark's metric, on generated data only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image


@pytest.mark.parametrize(
    ("box", "shape"),
    [((10.0, 10.0, 50.0, 60.0), (120, 160, 3)), ((-5.0, 90.0, 80.0, 80.0), (100, 100, 3))],
)
def test_square_crop_is_256_even_at_the_edge(
    face_builder: ModuleType, box: tuple[float, float, float, float], shape: tuple[int, int, int]
) -> None:
    rgb = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    assert face_builder.square_crop(rgb, box).shape == (256, 256, 3)


def test_every_source_is_labelled_consistently(face_builder: ModuleType) -> None:
    reserved = {"OpenTalker/SadTalker", "s0md3v/roop", "polimi-ispl/icpr2020dfdc"}
    for src in face_builder.SOURCES:
        assert (src.label == "real") == (src.family == "real")
        assert src.family in {"real", "face_swap", "reenactment", "generated"}
        assert src.repo not in reserved and src.licence


@pytest.mark.parametrize(
    ("pos", "neg", "want"),
    [([0.9, 0.8], [0.1, 0.2], 1.0), ([0.1], [0.9], 0.0), ([0.7, 0.2], [0.5], 0.5)],
)
def test_auc(face_bench: ModuleType, pos: list[float], neg: list[float], want: float) -> None:
    assert face_bench.auc(np.asarray(pos), np.asarray(neg)) == pytest.approx(want)


def test_family_table_counts_and_rates(face_bench: ModuleType) -> None:
    rows = [
        {"family": "face_swap", "label": "fake"},
        {"family": "face_swap", "label": "fake"},
        {"family": "real", "label": "real"},
        {"family": "real", "label": "real"},
    ]
    table = face_bench.family_table(np.array([2.0, -1.0, 0.5, -3.0]), rows, 0.0)
    assert table["face_swap"]["fake_n"] == 2 and table["face_swap"]["tpr"] == 0.5
    assert table["face_swap"]["auc"] == pytest.approx(0.75)
    assert table["real"]["fpr"] == 0.5 and table["generated"]["auc"] is None


def test_builder_traces_every_crop_to_a_commit(
    face_builder: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    git_mirror: Callable[..., tuple[Path, str]],
    one_face: Callable[..., None],
) -> None:
    mirror, commit = git_mirror(
        {"imgs/a.jpg": Image.fromarray(np.full((200, 200, 3), 128, np.uint8))}
    )
    src = face_builder.Source("o/r", "imgs/*.jpg", "fake", "face_swap", "test", "MIT")
    monkeypatch.setattr(face_builder, "SOURCES", (src,))
    one_face((50.0, 50.0, 80.0, 90.0), 80.0)
    out = tmp_path / "out"
    assert face_builder.main(["--mirror", str(mirror), "--out", str(out)]) == 0
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert [r["origin"] for r in rows] == [f"o/r@{commit}:imgs/a.jpg"]
    assert rows[0]["label"] == "fake" and rows[0]["family"] == "face_swap"
    with Image.open(out / rows[0]["file"]) as im:
        assert im.size == (256, 256) and im.format == "JPEG"
