import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.errors import (
    CorruptMediaError,
    InputError,
    LimitExceededError,
    OutputExistsError,
    UnsupportedFormatError,
)
from veracity.media.image import load_image, save_image
from veracity.media.probe import sniff_format, sniff_modality


def _save(img: Image.Image, path: Path, **kw: object) -> Path:
    img.save(path, **kw)
    return path


def test_modes_decode_to_rgb8(tmp_path: Path, sample_rgb: np.ndarray) -> None:
    base = Image.fromarray(sample_rgb)
    cases = {
        "rgb.png": base,
        "grey.png": base.convert("L"),
        "rgba.png": base.convert("RGBA"),
        "pal.png": base.convert("P"),
        "cmyk.jpg": base.convert("CMYK"),
        "grey16.png": Image.fromarray(np.asarray(base.convert("L")).astype(np.uint16) * 257),
    }
    for name, img in cases.items():
        loaded = load_image(_save(img, tmp_path / name))
        assert loaded.rgb.shape == (256, 256, 3), name
        assert loaded.rgb.dtype == np.uint8, name
    assert load_image(tmp_path / "grey.png").grey
    assert load_image(tmp_path / "rgba.png").alpha is not None
    g16 = load_image(tmp_path / "grey16.png")
    assert g16.bit_depth == 16
    assert (
        abs(int(g16.rgb[..., 0].astype(int).mean()) - int(np.asarray(base.convert("L")).mean()))
        <= 1
    )


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    arr = np.zeros((40, 80, 3), np.uint8)
    img = Image.fromarray(arr)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 on display
    path = tmp_path / "o.jpg"
    img.save(path, exif=exif)
    assert load_image(path).rgb.shape[:2] == (80, 40)


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    end = b"IEND"
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", 0)
        + end
        + struct.pack(">I", zlib.crc32(end))
    )


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("empty.png", b"", InputError),
        ("text.png", b"hello, I am not an image\n", UnsupportedFormatError),
        ("bomb.png", None, LimitExceededError),
    ],
)
def test_bad_inputs(tmp_path: Path, name: str, content: bytes | None, error: type) -> None:
    path = tmp_path / name
    path.write_bytes(content if content is not None else _png_header(100000, 100000))
    with pytest.raises(error):
        load_image(path)


def test_truncated_and_tiny_and_animated(tmp_path: Path, sample_rgb: np.ndarray) -> None:
    buf = io.BytesIO()
    Image.fromarray(sample_rgb).save(buf, "JPEG")
    (tmp_path / "t.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    with pytest.raises(CorruptMediaError):
        load_image(tmp_path / "t.jpg")
    Image.new("RGB", (1, 1)).save(tmp_path / "one.png")
    with pytest.raises(UnsupportedFormatError, match="too small"):
        load_image(tmp_path / "one.png")
    frames = [Image.fromarray(sample_rgb), Image.fromarray(255 - sample_rgb)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedFormatError, match="animated"):
        load_image(tmp_path / "a.gif")
    assert load_image(tmp_path / "a.gif", allow_animated=True).frames == 2


def test_save_is_atomic_and_refuses_overwrite(tmp_path: Path, sample_rgb: np.ndarray) -> None:
    out = tmp_path / "x.jpg"
    save_image(sample_rgb, out, quality=80)
    with pytest.raises(OutputExistsError):
        save_image(sample_rgb, out)
    save_image(sample_rgb, out, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["x.jpg"]


def test_sniffing_uses_content_not_names(tmp_path: Path, sample_rgb: np.ndarray) -> None:
    p = tmp_path / "looks_like.wav"
    Image.fromarray(sample_rgb).save(p, format="PNG")
    assert sniff_modality(p) == "image"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") == ("audio", "wav")
    assert sniff_format(b"\x00\x00\x00\x18ftypisom") == ("video", "mp4")
    assert sniff_format(b"nothing") is None
