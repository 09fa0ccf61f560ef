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


def _fold(eer: float, fakes: int, reals: int) -> dict[str, Any]:
    cond = {"mlp_emb_fused": {"clip_eer": eer, "segment_eer": eer + 0.1}}
    return {
        "test_fake_clips": fakes,
        "test_real_clips": reals,
        **{c: cond for c in ("clean", "mp3_64k", "opus_32k")},
    }


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(TRAINING))
    try:
        import speech_real as s
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    yield s
    sys.path.remove(str(TRAINING))


def test_data_change_table_reads_each_candidate_on_the_same_test_clips(bench: ModuleType) -> None:
    fams = ("vc", "codec")
    base = {"manifest": "m0", "clips": 10, "folds": {f: _fold(0.1, 5, 4) for f in fams}}
    cands = {}
    for name, e_same, e_all in (("all", 0.2, 0.3), ("reals", 0.05, 0.0), ("fakes", 0.4, 0.0)):
        folds = {}
        for f in fams:
            fold = _fold(e_all, 9, 6)
            fold["subsets"] = {"shipped": _fold(e_same, 5, 4)}
            folds[f] = fold
        cands[name] = {"manifest": f"m_{name}", "clips": 20, "folds": folds}
    tab = bench.data_change_table(base, cands, "shipped")
    assert len(tab["columns"]) == len(tab["rows"][0]) == 15
    first = dict(zip(tab["columns"], tab["rows"][0], strict=True))
    assert first["shipped data: clip"] == "10.0 %"
    assert first["+ vocoder pages, same test clips: clip"] == "20.0 %"
    assert first["+ pages' reals only, same test clips: clip"] == "5.0 %"
    assert first["+ pages' fakes only, same test clips: clip"] == "40.0 %"
    assert first["+ vocoder pages, all test clips: clip"] == "30.0 %"
    assert first["+ vocoder pages: fakes / reals"] == "9 / 6"
    mean = dict(zip(tab["columns"], tab["rows"][-1], strict=True))
    assert mean["held-out family"] == "mean of the folds"
    assert mean["+ vocoder pages, all test clips: 2 s segment"] == "40.0 %"


def test_candidate_manifests_add_only_the_new_clips_of_one_label(
    bench: ModuleType, tmp_path: Path
) -> None:
    import json

    base = [{"id": "a", "label": 0}, {"id": "b", "label": 1}]
    full = [*base, {"id": "c", "label": 0}, {"id": "d", "label": 1}, {"id": "e", "label": 1}]
    for name, rows in (("base.jsonl", base), ("full.jsonl", full)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = bench.candidate_manifests(tmp_path, "base.jsonl", "full.jsonl")
    assert out["all"] == "full.jsonl"

    def ids(name: str) -> list[str]:
        return [json.loads(x)["id"] for x in (tmp_path / out[name]).read_text().splitlines()]

    assert ids("reals") == ["a", "b", "c"]
    assert ids("fakes") == ["a", "b", "d", "e"]
