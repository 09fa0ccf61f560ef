"""``veracity detect`` on images through the CLI, including odd inputs."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.synth.generators import generate
from veracity.synth.samples import natural_image


def _write_odd_images(d: Path) -> dict[str, Path]:
    rgb = natural_image(120, 160, seed=9)
    files = {
        "png": d / "real.png",
        "jpeg": d / "real.jpg",
        "fake": d / "fake.png",
        "rgba": d / "rgba.png",
        "grey": d / "grey.png",
        "grey16": d / "grey16.png",
        "cmyk": d / "cmyk.jpg",
        "gif": d / "anim.gif",
        "tiny_ok": d / "tiny.png",
    }
    Image.fromarray(rgb).save(files["png"])
    Image.fromarray(rgb).save(files["jpeg"], quality=85)
    Image.fromarray(generate(rgb, "deconv_random")).save(files["fake"])
    Image.fromarray(rgb).convert("RGBA").save(files["rgba"])
    Image.fromarray(rgb).convert("L").save(files["grey"])
    grey16 = (rgb[:, :, 1].astype(np.uint16) * 257).astype(np.uint16)
    Image.fromarray(grey16).save(files["grey16"])
    Image.fromarray(rgb).convert("CMYK").save(files["cmyk"])
    frames = [Image.fromarray(np.roll(rgb, 5 * i, axis=1)) for i in range(3)]
    frames[0].save(files["gif"], save_all=True, append_images=frames[1:], duration=50)
    Image.fromarray(rgb[:16, :16]).save(files["tiny_ok"])
    return files


@pytest.fixture(scope="module")
def odd_images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _write_odd_images(tmp_path_factory.mktemp("odd"))


def test_detect_json_scores_every_odd_image(run_cli, odd_images: dict[str, Path]) -> None:
    r = run_cli("detect", "--json", *odd_images.values())
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == len(odd_images)
    for row in rows:
        assert row["modality"] == "image"
        assert 0.0 <= row["score"] <= 1.0
        assert row["label"] in ("real", "fake", "uncertain")
        names = {d["name"] for d in row["detectors"]}
        assert {"aigen_spectral", "aigen_npr"} <= names


def test_detect_writes_evidence(run_cli, odd_images: dict[str, Path], tmp_path: Path) -> None:
    ev = tmp_path / "evidence"
    r = run_cli("detect", "--json", "--evidence", ev, odd_images["fake"])
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout)
    paths = [p for d in row["detectors"] for p in d["evidence"]]
    assert {Path(p).name for p in paths} >= {
        "fake.png.aigen_spectral.spectrum.png",
        "fake.png.aigen_npr.heatmap.png",
    }
    assert all(Path(p).is_file() for p in paths)


def test_detector_filter(run_cli, odd_images: dict[str, Path]) -> None:
    r = run_cli("detect", "--json", "--detector", "aigen_spectral", odd_images["png"])
    assert r.returncode == 0, r.stderr
    assert [d["name"] for d in json.loads(r.stdout)["detectors"]] == ["aigen_spectral"]


def test_too_small_image_is_a_clear_error(run_cli, tmp_path: Path) -> None:
    p = tmp_path / "dot.png"
    Image.fromarray(natural_image(8, 8)).save(p)
    r = run_cli("detect", "--json", p)
    assert r.returncode == 2
    assert "too small" in r.stderr and "Traceback" not in r.stderr


def _png_with_header_size(path: Path, width: int, height: int) -> None:
    """A tiny valid PNG whose IHDR claims a huge size (decompression bomb)."""
    Image.fromarray(natural_image(16, 16)).save(path)
    data = bytearray(path.read_bytes())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    path.write_bytes(bytes(data))


def test_huge_image_is_a_clear_error(run_cli, tmp_path: Path) -> None:
    p = tmp_path / "bomb.png"
    _png_with_header_size(p, 100_000, 100_000)
    r = run_cli("detect", p)
    assert r.returncode == 2
    assert "limit" in r.stderr and "Traceback" not in r.stderr


def test_not_an_image_is_a_clear_error(run_cli, tmp_path: Path) -> None:
    p = tmp_path / "notes.png"
    p.write_bytes(b"this is text, not a picture\n" * 4)
    r = run_cli("detect", p)
    assert r.returncode == 2 and "Traceback" not in r.stderr
