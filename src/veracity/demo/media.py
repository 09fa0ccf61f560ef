"""Sample files for the demo, and the edits applied to them."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np
from PIL import Image

from veracity.media.image import load_image
from veracity.media.output import atomic_output
from veracity.synth.samples import natural_image, speech_like, write_mp4, write_wav

__all__ = [
    "crop_copy",
    "edit_keeping_metadata",
    "make_camera_photo",
    "make_photo",
    "make_speech",
    "make_video",
    "real_photo",
    "strip_copy",
]

_APP11 = 0xEB


def _save_jpeg(rgb: np.ndarray, dst: Path, quality: int) -> Path:
    with atomic_output(dst, force=True) as tmp:
        Image.fromarray(np.ascontiguousarray(rgb)).save(tmp, format="JPEG", quality=quality)
    return dst


def make_photo(path: Path, seed: int = 7) -> Path:
    """A 384x512 photo-like JPEG, drawn procedurally (not a camera photograph)."""
    return _save_jpeg(natural_image(384, 512, seed=seed), path, 92)


def real_photo() -> np.ndarray | None:
    """A real photograph that ships offline: matplotlib's sample ``grace_hopper.jpg``.

    It is a US Navy portrait of Grace Hopper (public domain), part of every matplotlib
    wheel. Returns None when this matplotlib build lacks its sample data.
    """
    try:
        from matplotlib import cbook

        path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        with Image.open(str(path)) as im:
            return np.asarray(im.convert("RGB"))
    except (ImportError, OSError, ValueError):
        return None


def make_camera_photo(path: Path, mirror: bool = False) -> Path:
    """The real sample photograph as a JPEG (mirrored on request), or a drawn one without it."""
    rgb = real_photo()
    if rgb is None:
        return make_photo(path, seed=11 if mirror else 7)
    return _save_jpeg(rgb[:, ::-1] if mirror else rgb, path, 92)


def make_speech(path: Path) -> Path | None:
    """A 6 s speech-like WAV (long enough for the audio watermark), or None without audio."""
    if importlib.util.find_spec("veracity.media.audio") is None:
        return None
    return write_wav(path, speech_like(6.0, 16000, seed=5), 16000, force=True)


def make_video(path: Path) -> Path | None:
    """A 2 s 128x128 H.264 MP4, when this build can load video; else None."""
    if importlib.util.find_spec("veracity.media.video") is None:
        return None
    return write_mp4(path, frames=24, size=128, fps=12, seed=9, force=True)


def _segments(data: bytes) -> list[tuple[int, bytes]]:
    """Marker segments of a JPEG header up to (not including) SOS, as (marker, bytes)."""
    out: list[tuple[int, bytes]] = []
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF and data[pos + 1] != 0xDA:
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        out.append((data[pos + 1], data[pos : pos + 2 + length]))
        pos += 2 + length
    return out


def edit_keeping_metadata(src: Path, dst: Path) -> Path:
    """Paste a patch over the picture and re-save, keeping the JPEG's APP11 (C2PA) segments.

    This is what a careless editor does: the pixels change, the old Content Credentials
    stay, and verification must then report a hash mismatch.
    """
    data = src.read_bytes()
    rgb = load_image(src).rgb.copy()
    h, w = rgb.shape[:2]
    rgb[h // 4 : h // 2, w // 2 : w // 2 + w // 4] = rgb[h // 2 : h // 2 + h // 4, : w // 4]
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=92)
    edited = buf.getvalue()
    kept = b"".join(seg for marker, seg in _segments(data) if marker == _APP11)
    with atomic_output(dst, force=True) as tmp:
        tmp.write_bytes(edited[:2] + kept + edited[2:])
    return dst


def crop_copy(src: Path, dst: Path) -> Path:
    """Crop away a 10% border, as an editor would before publishing."""
    rgb = load_image(src).rgb
    h, w = rgb.shape[:2]
    return _save_jpeg(rgb[h // 10 : h - h // 10, w // 10 : w - w // 10], dst, 92)


def strip_copy(src: Path, dst: Path) -> Path:
    """Re-encode the pixels only, as a social platform would: all metadata is gone."""
    return _save_jpeg(load_image(src).rgb, dst, 85)
