"""``veracity watermark`` on images through the CLI: formats, modes, and bad input."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.conftest import natural_image

PAYLOAD = "00112233445566ff"


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wm") / "photo.png"
    Image.fromarray(natural_image(320, 384, seed=7)).save(path)
    return path


def _detect(run_cli, path: Path, key: str = "k1") -> dict:  # type: ignore[no-untyped-def]
    r = run_cli("watermark", "detect", path, "--key", key, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_embed_detect_png(run_cli, photo: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "marked.png"
    r = run_cli("watermark", "embed", photo, out, "--payload", PAYLOAD, "--key", "k1")
    assert r.returncode == 0, r.stderr
    reading = _detect(run_cli, out)
    assert reading["detected"] and reading["payload"] == PAYLOAD
    assert reading["p_value"] < 1e-9
    assert not _detect(run_cli, out, key="k2")["detected"]


def test_jpeg_output_with_quality(run_cli, photo: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "marked.jpg"
    r = run_cli(
        "watermark", "embed", photo, out, "--payload", PAYLOAD, "--key", "k1", "--quality", "80"
    )
    assert r.returncode == 0, r.stderr
    assert Image.open(out).format == "JPEG"
    assert _detect(run_cli, out)["payload"] == PAYLOAD


def test_greyscale_and_alpha_are_preserved(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rgb = natural_image(384, 384, seed=9)
    grey, rgba = tmp_path / "grey.png", tmp_path / "rgba.png"
    Image.fromarray(rgb[:, :, 1]).save(grey)
    alpha = np.tile(np.linspace(0, 255, 384, dtype=np.uint8), (384, 1))
    Image.fromarray(np.dstack([rgb, alpha])).save(rgba)
    for src, mode in ((grey, "L"), (rgba, "RGBA")):
        out = tmp_path / f"out-{src.name}"
        r = run_cli("watermark", "embed", src, out, "--payload", PAYLOAD, "--key", "k1")
        assert r.returncode == 0, r.stderr
        with Image.open(out) as img:
            assert img.mode == mode
            if mode == "RGBA":
                assert np.array_equal(np.asarray(img)[:, :, 3], alpha)
        assert _detect(run_cli, out)["payload"] == PAYLOAD


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def _bad_inputs(tmp: Path, photo: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    data = photo.read_bytes()
    (tmp / "empty.png").write_bytes(b"")
    files["zero-byte"] = tmp / "empty.png"
    (tmp / "trunc.png").write_bytes(data[: len(data) // 2])
    files["truncated png"] = tmp / "trunc.png"
    jpg = tmp / "full.jpg"
    Image.open(photo).save(jpg, quality=90)
    (tmp / "trunc.jpg").write_bytes(jpg.read_bytes()[:2000])
    files["truncated jpeg"] = tmp / "trunc.jpg"
    (tmp / "text.png").write_text("this is not an image\n")
    files["text named png"] = tmp / "text.png"
    Image.new("RGB", (1, 1)).save(tmp / "one.png")
    files["1x1"] = tmp / "one.png"
    (tmp / "huge.png").write_bytes(_png_header(100_000, 100_000))
    files["100000x100000 header"] = tmp / "huge.png"
    frames = [Image.fromarray(natural_image(64, 64, seed=s)) for s in range(3)]
    frames[0].save(tmp / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    files["animated gif"] = tmp / "anim.gif"
    files["missing path"] = tmp / "does-not-exist.png"
    (tmp / "folder.png").mkdir()
    files["directory"] = tmp / "folder.png"
    return files


@pytest.mark.parametrize("action", ["embed", "detect"])
def test_bad_input_exits_2_without_output(
    run_cli, photo: Path, tmp_path: Path, action: str
) -> None:  # type: ignore[no-untyped-def]
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    for label, path in _bad_inputs(src_dir, photo).items():
        out = out_dir / "marked.png"
        args = ("embed", path, out, "--payload", PAYLOAD) if action == "embed" else ("detect", path)
        r = run_cli("watermark", *args)
        assert r.returncode == 2, (label, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (label, r.stderr)
        assert "Traceback" not in r.stderr
        assert list(out_dir.iterdir()) == [], label


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file_exits_2(run_cli, photo: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    locked = tmp_path / "locked.png"
    locked.write_bytes(photo.read_bytes())
    locked.chmod(0)
    try:
        r = run_cli("watermark", "detect", locked)
    finally:
        locked.chmod(0o600)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_existing_output_needs_force(run_cli, photo: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "exists.png"
    out.write_bytes(b"keep me")
    r = run_cli("watermark", "embed", photo, out, "--payload", PAYLOAD)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.png"]
    r = run_cli("watermark", "embed", photo, out, "--payload", PAYLOAD, "--force")
    assert r.returncode == 0, r.stderr
    assert Image.open(out).size == (384, 320)


def test_bad_payload_and_extension_exit_2(run_cli, photo: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for args in (
        (photo, tmp_path / "a.png", "--payload", "xyz"),
        (photo, tmp_path / "a.png", "--payload", "1" * 17),
        (photo, tmp_path / "a.xyz", "--payload", PAYLOAD),
    ):
        r = run_cli("watermark", "embed", *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
