"""Sign + verify round trip in every format c2pa signs, on small files made here."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.credentials import sign_file, verify_file
from veracity.credentials.engine import mime_for
from veracity.credentials.verify import FRAGMENT_CODE
from veracity.errors import UnsupportedFormatError

FIXTURES = Path(os.environ.get("VERACITY_C2PA_FIXTURES", "/work/data/c2pa/fixtures"))
HEIC = FIXTURES / "contentauth+c2pa-python/tests/fixtures/files-for-signing-tests/sample1.heic"


def _picture(h: int = 96, w: int = 128) -> np.ndarray:
    g = np.random.default_rng(3)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([np.sin(xx / 9), np.cos(yy / 7), np.sin((xx + yy) / 13)], -1)
    return np.clip(128 + 90 * base + g.normal(0, 8, (h, w, 3)), 0, 255).astype(np.uint8)


def _image(fmt: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        Image.fromarray(_picture()).save(path, fmt)

    return write


def _video(container: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        import av

        with av.open(str(path), "w", format=container) as out:
            stream = out.add_stream("libx264", rate=8)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            for i in range(6):
                frame = av.VideoFrame.from_ndarray(np.roll(_picture(48, 64), i, 1), format="rgb24")
                out.mux(stream.encode(frame))
            out.mux(stream.encode())

    return write


def _tone(seconds: float = 1.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)


def _audio(container: str, codec: str) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        import av

        rate = 44100
        with av.open(str(path), "w", format=container) as out:
            stream = out.add_stream(codec, rate=rate, layout="mono")
            samples = _tone(1.0, rate)
            step = 1152
            fmt = "fltp" if codec in ("aac", "libmp3lame") else "s16"
            for i in range(0, len(samples), step):
                chunk = samples[None, i : i + step]
                if fmt == "s16":
                    chunk = (chunk * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(chunk, format=fmt, layout="mono")
                frame.sample_rate = rate
                frame.pts = i
                out.mux(stream.encode(frame))
            out.mux(stream.encode())

    return write


def _wav(path: Path) -> None:
    import soundfile as sf

    sf.write(path, _tone(), 16000)


def _pdf(path: Path) -> None:
    objs = [
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n",
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >> endobj\n",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for obj in objs:
        offsets.append(len(body))
        body += obj
    xref = len(body)
    body += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(body)


def _svg(path: Path) -> None:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10" fill="teal"/></svg>\n'
    )


def _jxl(path: Path) -> None:
    # JPEG XL container: signature box, ftyp, and a (tiny, header-only) codestream box
    path.write_bytes(
        b"\x00\x00\x00\x0cJXL \r\n\x87\n"
        b"\x00\x00\x00\x14ftypjxl \x00\x00\x00\x00jxl "
        b"\x00\x00\x00\x10jxlc\xff\x0a\xfa\x1f\x00\x00\x00\x00"
    )


def _heic(path: Path) -> None:
    # pillow-heif (dev extra) bundles libheif with the x265 encoder
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.from_pillow(Image.fromarray(_picture())).save(str(path), quality=90)


def _heif_fixture(path: Path) -> None:
    if not HEIC.is_file():
        pytest.skip(f"no c2pa-python HEIF fixture at {HEIC}")
    path.write_bytes(HEIC.read_bytes())


MAKERS: dict[str, tuple[str, Callable[[Path], None], str]] = {
    "jpeg": ("jpg", _image("JPEG"), "image/jpeg"),
    "png": ("png", _image("PNG"), "image/png"),
    "webp": ("webp", _image("WEBP"), "image/webp"),
    "gif": ("gif", _image("GIF"), "image/gif"),
    "tiff": ("tif", _image("TIFF"), "image/tiff"),
    "avif": ("avif", _image("AVIF"), "image/avif"),
    "heic": ("heic", _heic, "image/heic"),
    "heif": ("heic", _heif_fixture, "image/heif"),  # the fixture's major brand is mif1
    "mp4": ("mp4", _video("mp4"), "video/mp4"),
    "mov": ("mov", _video("mov"), "video/mp4"),
    "m4a": ("m4a", _audio("ipod", "aac"), "audio/mp4"),
    "wav": ("wav", _wav, "audio/wav"),
    "mp3": ("mp3", _audio("mp3", "libmp3lame"), "audio/mpeg"),
    "flac": ("flac", _audio("flac", "flac"), "audio/flac"),
    "pdf": ("pdf", _pdf, "application/pdf"),
    "svg": ("svg", _svg, "image/svg+xml"),
    "jxl": ("jxl", _jxl, "image/jxl"),
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_sign_verify_round_trip(kind: str, cred_home, tmp_path: Path) -> None:
    suffix, make, mime = MAKERS[kind]
    src = tmp_path / f"in.{suffix}"
    make(src)
    assert mime_for(src) == mime
    assert verify_file(src).state == "none"
    result = sign_file(src, tmp_path / f"signed.{suffix}")
    assert result.mime == mime
    report = verify_file(result.output)
    assert (report.state, report.codes) == ("trusted", ()), report.codes
    assert report.recovered_via == "embedded"


@pytest.mark.parametrize("kind", ["mp4", "flac", "pdf", "svg"])
def test_signed_content_edit_is_invalid(kind: str, cred_home, tmp_path: Path) -> None:
    suffix, make, _ = MAKERS[kind]
    src = tmp_path / f"in.{suffix}"
    make(src)
    signed = sign_file(src, tmp_path / f"signed.{suffix}").output.read_bytes()
    # alter the last byte of the file: content covered by the hard binding, not the store
    edited = bytearray(signed)
    edited[-1] ^= 0x01 if kind != "svg" else 0x0A ^ 0x20  # keep SVG's final newline XML
    bad = tmp_path / f"bad.{suffix}"
    bad.write_bytes(bytes(edited))
    report = verify_file(bad)
    assert report.state == "invalid", report.codes
    assert any(re.search(r"Hash|hash", c) for c in report.codes), report.codes


def test_fragment_is_a_clear_state_not_an_error(cred_home, tmp_path: Path) -> None:
    seg = tmp_path / "seg1.m4s"
    seg.write_bytes(b"\x00\x00\x00\x18stypmsdh\x00\x00\x00\x00msdhmsix" + b"\x00" * 32)
    report = verify_file(seg)
    assert (report.state, report.codes) == ("none", (FRAGMENT_CODE,))
    with pytest.raises(UnsupportedFormatError, match="fragmented"):
        sign_file(seg, tmp_path / "out.mp4")


@pytest.mark.parametrize("kind", ["webp", "tiff", "mp4", "m4a", "wav", "flac", "pdf"])
def test_store_type_flip_is_invalid_in_every_container(kind: str, cred_home, tmp_path) -> None:
    """One flipped bit in the store's type UUID hides the store from c2pa: not ``none``."""
    from veracity.credentials.strict import _STORE_UUID

    suffix, make, _ = MAKERS[kind]
    src = tmp_path / f"in.{suffix}"
    make(src)
    signed = sign_file(src, tmp_path / f"signed.{suffix}").output.read_bytes()
    at = signed.index(_STORE_UUID)
    bad = tmp_path / f"bad.{suffix}"
    for pos in range(at, at + 4):
        data = bytearray(signed)
        data[pos] ^= 0x08
        bad.write_bytes(bytes(data))
        report = verify_file(bad)
        assert report.state == "invalid", (pos - at, report.codes)
        assert report.codes
