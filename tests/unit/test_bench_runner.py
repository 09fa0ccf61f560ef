"""Grouping and scoring of bench results, and finding the files of a set."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from veracity.bench.dataset import load_set
from veracity.bench.runner import FileResult, summarise
from veracity.errors import InputError
from veracity.synth.samples import natural_image, write_wav


def _f(label: str, group: str, score: float | None, modality: str = "image") -> FileResult:
    predicted = (
        None
        if score is None
        else "fake"
        if score >= 0.65
        else "real"
        if score < 0.35
        else "uncertain"
    )
    error = "broken" if score is None else None
    return FileResult(f"{group}-{score}", label, group, modality, score, predicted, 0.5, error)


def test_groups_rank_against_their_modality_reals() -> None:
    files = [
        _f("real", "real", 0.1),
        _f("real", "real", 0.2),
        _f("real", "real", 0.5),
        _f("fake", "aigen/a", 0.9),
        _f("fake", "aigen/a", 0.8),
        _f("fake", "aigen/b", 0.15),
        _f("fake", "aigen/b", None),
        _f("real", "real", 0.3, "audio"),
        _f("fake", "vocoder/g", 0.7, "audio"),
    ]
    rows = {g.group: g for g in summarise(files)}
    assert list(rows) == ["vocoder/g", "all audio", "aigen/a", "aigen/b", "all image", "all"]
    a, b = rows["aigen/a"], rows["aigen/b"]
    assert (a.n_fake, a.n_real, a.auc, a.eer, a.tpr_at_5_fpr) == (2, 3, 1.0, 0.0, 1.0)
    assert (b.n_fake, b.n_real, b.errors) == (1, 3, 1)
    assert b.auc == pytest.approx(1 / 3)  # 0.15 beats only the real at 0.1
    assert (a.fake_hit, a.real_ok) == (1.0, pytest.approx(2 / 3))  # 0.5 is "uncertain"
    assert a.accuracy == pytest.approx(5 / 6)  # balanced: the mean of the two
    assert a.uncertain == pytest.approx(1 / 5)
    assert rows["all image"].n_fake == 3 and rows["all image"].errors == 1
    assert rows["all"].n_fake == 4 and rows["all"].n_real == 4
    assert rows["vocoder/g"].auc == 1.0 and rows["vocoder/g"].mean_seconds == 0.5


def test_a_group_without_reals_has_nan_ranking_metrics() -> None:
    rows = summarise([_f("fake", "aigen/a", 0.9)])
    assert math.isnan(rows[0].auc) and math.isnan(rows[0].eer) and rows[0].accuracy == 1.0


def test_layout_without_labels(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "real").mkdir()
    (tmp_path / "fake" / "swap").mkdir(parents=True)
    Image.fromarray(natural_image(32, 32)).save(tmp_path / "real" / "a.png")
    Image.fromarray(natural_image(32, 32, seed=2)).save(tmp_path / "fake" / "swap" / "b.jpg")
    write_wav(tmp_path / "fake" / "c.wav", natural_image(4, 4).ravel() / 255.0)
    (tmp_path / "fake" / "notes.txt").write_text("not media")
    records = load_set(tmp_path)
    got = sorted((Path(r.output).name, r.label, r.method, r.modality) for r in records)
    assert got == [
        ("a.png", "real", "real", "image"),
        ("b.jpg", "fake", "swap", "image"),
        ("c.wav", "fake", "fake", "audio"),
    ]


def test_missing_or_empty_sets_raise(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a folder"):
        load_set(tmp_path / "nope")
    with pytest.raises(InputError, match="empty"):
        load_set(tmp_path)
    (tmp_path / "labels.jsonl").write_text("\n")
    with pytest.raises(InputError, match="empty"):
        load_set(tmp_path)
