"""``veracity synth`` and ``veracity bench`` through the CLI, on media made in fixtures."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from PIL import Image

from veracity.synth.samples import natural_image, speech_like, write_mp4, write_wav

LABEL_KEYS = {
    "source",
    "output",
    "modality",
    "label",
    "method",
    "generator",
    "seed",
    "params",
    "watermark",
}


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "src"
    src.mkdir()
    Image.fromarray(natural_image(320, 384, seed=11)).save(src / "photo.jpg", quality=90)
    Image.fromarray(natural_image(320, 320, seed=12)).save(src / "render.png")
    write_wav(src / "voice.wav", speech_like(6.0, 16000, seed=13), 16000)
    return {"jpg": src / "photo.jpg", "png": src / "render.png", "wav": src / "voice.wav"}


def _labels(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "labels.jsonl").read_text().splitlines()]


def test_synth_image_and_audio_are_labelled_marked_and_signed(
    tmp_path: Path, media: dict[str, Path], run_cli
) -> None:
    out = tmp_path / "set"
    res = run_cli("synth", media["jpg"], media["wav"], "--out", out, "--copy-real", "--json")
    assert res.returncode == 0, res.stderr
    printed = [json.loads(line) for line in res.stdout.splitlines()]
    labels = _labels(out)
    assert len(labels) == len(printed) == 4
    assert all(set(rec) == LABEL_KEYS for rec in labels)
    fakes = [r for r in labels if r["label"] == "fake"]
    reals = [r for r in labels if r["label"] == "real"]
    assert [r["modality"] for r in fakes] == ["image", "audio"]
    assert [r["method"] for r in fakes] == ["aigen", "vocoder"] and [r["seed"] for r in fakes] == [
        0,
        1,
    ]
    assert all(r["watermark"] and r["generator"] for r in fakes)
    assert [r["method"] for r in reals] == ["real", "real"] and not any(
        r["watermark"] for r in reals
    )
    assert (out / reals[0]["output"]).read_bytes() == media["jpg"].read_bytes()
    for rec in fakes:
        path = out / rec["output"]
        assert path.is_file() and not Path(rec["output"]).is_absolute()
        mark = run_cli("watermark", "detect", path, "--json")
        assert mark.returncode == 0, mark.stderr
        reading = json.loads(mark.stdout)
        assert reading["detected"] and reading["payload"] == rec["watermark"]
    check = run_cli("check", *(out / r["output"] for r in fakes), "--json")
    assert check.returncode == 0, check.stderr
    results = [json.loads(line) for line in check.stdout.splitlines()]
    assert [r["verdict"] for r in results] == ["ai-generated-declared"] * 2
    assert not list(out.glob(".synth-staging-*"))


def test_generator_and_seed_are_honoured(tmp_path: Path, media: dict[str, Path], run_cli) -> None:
    out = tmp_path / "set"
    res = run_cli("synth", media["png"], "--out", out, "--generator", "ae_upconv", "--seed", "5")
    assert res.returncode == 0, res.stderr
    (rec,) = _labels(out)
    assert rec["generator"] == "ae_upconv" and rec["seed"] == 5
    assert rec["output"] == "fake/0000_render_ae_upconv.png"
    again = run_cli("synth", media["png"], "--out", out)
    assert again.returncode == 2 and "--force" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_bad_inputs_exit_2_and_write_nothing(
    tmp_path: Path, media: dict[str, Path], run_cli
) -> None:
    tiny = tmp_path / "tiny.png"
    Image.fromarray(natural_image(64, 64, seed=1)).save(tiny)  # too small to watermark
    clip = write_mp4(tmp_path / "clip.mp4", frames=6, size=64)
    cases = [
        ((media["jpg"], tmp_path / "missing.jpg"), "missing.jpg"),
        ((media["jpg"], clip), "video"),
        ((media["jpg"], tiny), "too small"),  # fails after the first fake was made
        ((media["jpg"],), "needs audio"),  # --kind tts on an image, below
    ]
    for i, (inputs, message) in enumerate(cases):
        out = tmp_path / f"out{i}"
        extra = ("--kind", "tts") if message == "needs audio" else ()
        res = run_cli("synth", *inputs, "--out", out, *extra)
        assert res.returncode == 2, res.stderr
        assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
        assert "Traceback" not in res.stderr
        assert not out.exists()


def test_existing_folder_keeps_only_its_own_files_after_a_failure(
    tmp_path: Path, media: dict[str, Path], run_cli
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    tiny = tmp_path / "tiny.png"
    Image.fromarray(natural_image(64, 64, seed=1)).save(tiny)
    res = run_cli("synth", media["png"], tiny, "--out", out)
    assert res.returncode == 2
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_tts_from_a_reference_clip(tmp_path: Path, media: dict[str, Path], run_cli) -> None:
    out = tmp_path / "set"
    res = run_cli("synth", media["wav"], "--out", out, "--kind", "tts", "--generator", "espeak")
    assert res.returncode == 0, res.stderr
    (rec,) = _labels(out)
    assert rec["method"] == "tts" and rec["params"]["rate"] == 16000 and rec["params"]["text"]
    mark = json.loads(run_cli("watermark", "detect", out / rec["output"], "--json").stdout)
    assert mark["payload"] == rec["watermark"]


def test_selfblend_without_faces_exits_2(tmp_path: Path, media: dict[str, Path], run_cli) -> None:
    from veracity.faces.landmarks import mesh_available

    if not mesh_available():
        pytest.skip("MediaPipe not installed")
    res = run_cli("synth", media["png"], "--out", tmp_path / "s", "--kind", "selfblend")
    assert res.returncode == 2 and "no usable face" in res.stderr
    assert not (tmp_path / "s").exists()


def test_bench_on_a_tiny_synth_set(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(4):
        Image.fromarray(natural_image(320, 320, seed=30 + i)).save(src / f"p{i}.jpg", quality=90)
    out = tmp_path / "set"
    res = run_cli("synth", *sorted(src.iterdir()), "--out", out, "--copy-real")
    assert res.returncode == 0, res.stderr
    report = tmp_path / "report.json"
    res = run_cli("bench", out, "--out", report)
    assert res.returncode == 0, res.stderr
    header = res.stdout.splitlines()[0].split()
    assert header[:5] == ["group", "modality", "fakes", "reals", "AUC"]
    rows = {line.split()[0]: line.split() for line in res.stdout.splitlines()[1:]}
    assert "all" in rows and rows["all"][2:4] == ["4", "4"]
    data = json.loads(report.read_text())
    overall = next(g for g in data["groups"] if g["group"] == "all")
    assert math.isfinite(overall["auc"]) and 0.0 <= overall["auc"] <= 1.0
    assert overall["n_fake"] == 4 and overall["n_real"] == 4 and overall["errors"] == 0
    assert len(data["files"]) == 8 and all(f["seconds"] > 0 for f in data["files"])
    again = run_cli("bench", out, "--json", "--labels", out / "labels.jsonl")
    assert again.returncode == 0 and json.loads(again.stdout)["groups"]


def test_bench_missing_or_empty_set_exits_2(tmp_path: Path, run_cli) -> None:
    res = run_cli("bench", tmp_path / "nope")
    assert res.returncode == 2 and "not a folder" in res.stderr
    res = run_cli("bench", tmp_path)
    assert res.returncode == 2 and "empty" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
