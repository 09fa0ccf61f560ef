"""The real-spoof speech set builder: duplicate removal and the demo-page readers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TRAINING = Path(__file__).resolve().parents[2] / "training"
ROOT = TRAINING.parent


@pytest.fixture(scope="module")
def builder() -> Iterator[ModuleType]:
    sys.path.insert(0, str(TRAINING))
    try:
        import build_real_spoof_dataset as b
    finally:
        sys.path.remove(str(TRAINING))
    yield b


def _row(source: str, label: int) -> dict[str, Any]:
    return {"id": source, "source": source, "label": label}


@pytest.mark.parametrize(
    ("labels", "hashes", "kept", "dropped"),
    [
        ([0, 0, 1], ["a", "b", "c"], ["s0", "s1", "s2"], []),  # nothing repeated
        ([0, 0, 1], ["a", "a", "c"], ["s0", "s2"], ["s1"]),  # first of two reals
        ([1, 0, 1], ["a", "a", "a"], ["s1"], ["s0", "s2"]),  # the real one wins a conflict
        ([1, 1], ["a", "a"], ["s0"], ["s1"]),  # first of two fakes
    ],
)
def test_dedupe_keeps_one_row_per_hash(
    builder: ModuleType,
    labels: list[int],
    hashes: list[str],
    kept: list[str],
    dropped: list[str],
) -> None:
    rows = [_row(f"s{i}", y) for i, y in enumerate(labels)]
    k, d = builder.dedupe(rows, hashes)
    assert [r["source"] for r in k] == kept
    assert [r["source"] for r in d] == dropped
    for r in d:  # each dropped row names the kept row with the same content
        h = hashes[int(r["source"][1:])]
        assert r["duplicate_of"] in {
            x["source"] for x, g in zip(rows, hashes, strict=True) if g == h
        }
        assert r["duplicate_of"] in kept


def _items(builder: ModuleType, reader: str, paths: list[str], monkeypatch: Any) -> list[Any]:
    monkeypatch.setattr(builder, "_ls", lambda mirror, repo, commit: paths)
    return list(getattr(builder, reader)(Path("/nonexistent"), "c0ffee"))


@pytest.mark.parametrize(
    ("reader", "path", "expected"),
    [
        ("_hifigan", "samples/ss/GT/ss_gt_1.wav", ("ljspeech", "real", "ljspeech/LJ", 0)),
        (
            "_hifigan",
            "samples/ms/MG/ms_mg_2.wav",
            ("hifigan_demo_mg", "vocoder", "vctk/hifigan-demo-ms", 1),
        ),
        (
            "_hifigan",
            "samples/e2e/HGAN_V1_FT/e2e_hgan_v1_ft_3.wav",
            ("tacotron2_hgan_v1_ft", "two_stage", "ljspeech/LJ", 1),
        ),
        ("_hifigan", "samples/as3/pr/as3_pr_1.wav", None),
        ("_flowvocoder", "Ground-truth/LJ001-0001.wav", ("ljspeech", "real", "ljspeech/LJ", 0)),
        (
            "_flowvocoder",
            "Neural-Vocoder/WaveGlow/LJ001-0001.wav_synthesis.wav",
            ("waveglow", "vocoder", "ljspeech/LJ", 1),
        ),
        (
            "_flowvocoder",
            "TTS/NanoFlow/LJ001-0007.wav",
            ("tacotron2_nanoflow", "two_stage", "ljspeech/LJ", 1),
        ),
        ("_bigvgan", "samples/gt/ltclean2.wav", ("bigvgan_page", "real", "bigvgan/ltclean", 0)),
        (
            "_bigvgan",
            "samples/sc-wavernn/noisytedx1.wav",
            ("sc_wavernn", "vocoder", "bigvgan/noisyted", 1),
        ),
        ("_bigvgan", "samples/gt/guitar.wav", None),  # not speech
        (
            "_univnet",
            "docs/samples/unseen/ground_truth/1089_134686_000007_000005.wav",
            ("libritts", "real", "libritts/1089", 0),
        ),
        (
            "_univnet",
            "docs/samples/seen/official_c32/337_126286_000008_000000.wav",
            ("univnet_official_c32", "vocoder", "libritts/337", 1),
        ),
        ("_vits", "wavs/vc_02_04.wav", ("vits_vc", "vc", "vctk/vits-vc-04", 1)),
        ("_vits", "wavs/vc_03_03.wav", None),  # from X to X: a recording, left out
    ],
)
def test_demo_page_readers(
    builder: ModuleType,
    monkeypatch: Any,
    reader: str,
    path: str,
    expected: tuple[str, str, str, int] | None,
) -> None:
    items = _items(builder, reader, [path, "README.md", "index.html"], monkeypatch)
    if expected is None:
        assert items == []
        return
    (it,) = items
    assert (it.engine, it.family, it.speaker, it.label) == expected
    assert it.path == path and it.commit == "c0ffee" and it.licence
    assert it.family == "real" or it.family in builder.FAMILIES


def test_build_rejects_an_unknown_source(tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            str(TRAINING / "build_real_spoof_dataset.py"),
            "--sources",
            "vocos,nosuch",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "unknown source(s): nosuch" in proc.stderr
    assert not out.exists()
