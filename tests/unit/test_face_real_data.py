"""The real-face dataset builder and its benchmark's metric, on generated data only."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def _load(rel: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(Path(rel).stem, ROOT / rel)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    return _load("training/build_real_face_dataset.py")


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return _load("benchmarks/face_real.py")


@pytest.mark.parametrize(
    ("box", "shape"),
    [((10.0, 10.0, 50.0, 60.0), (120, 160, 3)), ((-5.0, 90.0, 80.0, 80.0), (100, 100, 3))],
)
def test_square_crop_is_256_even_at_the_edge(
    builder: ModuleType, box: tuple[float, float, float, float], shape: tuple[int, int, int]
) -> None:
    rgb = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    assert builder.square_crop(rgb, box).shape == (256, 256, 3)


def test_every_source_is_labelled_consistently(builder: ModuleType) -> None:
    reserved = {"OpenTalker/SadTalker", "s0md3v/roop", "polimi-ispl/icpr2020dfdc"}
    for src in builder.SOURCES:
        assert (src.label == "real") == (src.family == "real")
        assert src.family in {"real", "face_swap", "reenactment", "generated"}
        assert src.repo not in reserved and src.licence


@pytest.mark.parametrize(
    ("pos", "neg", "want"),
    [([0.9, 0.8], [0.1, 0.2], 1.0), ([0.1], [0.9], 0.0), ([0.7, 0.2], [0.5], 0.5)],
)
def test_auc(bench: ModuleType, pos: list[float], neg: list[float], want: float) -> None:
    assert bench.auc(np.asarray(pos), np.asarray(neg)) == pytest.approx(want)


def test_family_table_counts_and_rates(bench: ModuleType) -> None:
    rows = [
        {"family": "face_swap", "label": "fake"},
        {"family": "face_swap", "label": "fake"},
        {"family": "real", "label": "real"},
        {"family": "real", "label": "real"},
    ]
    table = bench.family_table(np.array([2.0, -1.0, 0.5, -3.0]), rows, 0.0)
    assert table["face_swap"]["fake_n"] == 2 and table["face_swap"]["tpr"] == 0.5
    assert table["face_swap"]["auc"] == pytest.approx(0.75)
    assert table["real"]["fpr"] == 0.5 and table["generated"]["auc"] is None


def test_builder_traces_every_crop_to_a_commit(
    builder: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "work"
    (repo / "imgs").mkdir(parents=True)
    Image.fromarray(np.full((200, 200, 3), 128, np.uint8)).save(repo / "imgs" / "a.jpg")
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    mirror = tmp_path / "mirror"
    (mirror / "o+r").mkdir(parents=True)
    subprocess.run(
        ["git", "clone", "-q", "--bare", str(repo), str(mirror / "o+r" / "repo")], check=True
    )
    src = builder.Source("o/r", "imgs/*.jpg", "fake", "face_swap", "test", "MIT")
    monkeypatch.setattr(builder, "SOURCES", (src,))

    from veracity.faces import detect

    class _Face:
        box = (50.0, 50.0, 80.0, 90.0)
        size = 80.0

    monkeypatch.setattr(detect, "detect_faces", lambda rgb: [_Face()])
    out = tmp_path / "out"
    assert builder.main(["--mirror", str(mirror), "--out", str(out)]) == 0
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert [r["origin"] for r in rows] == [f"o/r@{commit}:imgs/a.jpg"]
    assert rows[0]["label"] == "fake" and rows[0]["family"] == "face_swap"
    with Image.open(out / rows[0]["file"]) as im:
        assert im.size == (256, 256) and im.format == "JPEG"
