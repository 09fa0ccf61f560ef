"""Small preview pictures of media, as PNG ``data:`` URIs for self-contained HTML."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

from veracity.errors import InputError
from veracity.media.limits import Limits

__all__ = ["png_data_uri", "png_file_data_uri", "thumbnail_data_uri"]

THUMB_SIDE = 320


def png_data_uri(rgb: np.ndarray, max_side: int = THUMB_SIDE) -> str:
    """Encode an RGB (or grey) uint8 array as a PNG data URI, shrunk to ``max_side``."""
    img = Image.fromarray(np.ascontiguousarray(rgb))
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def png_file_data_uri(path: Path, max_side: int = 640) -> str | None:
    """Inline an evidence picture; None if it cannot be read as an image."""
    try:
        with Image.open(path) as img:
            return png_data_uri(np.asarray(img.convert("RGB")), max_side)
    except (OSError, ValueError):
        return None


def _video_frame(path: Path) -> np.ndarray | None:
    import av

    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                return frame.to_ndarray(format="rgb24")
    except (av.FFmpegError, ValueError, IndexError, StopIteration):
        return None
    return None


def _audio_picture(path: Path, width: int = 480, height: int = 120) -> np.ndarray | None:
    """A waveform envelope drawn in numpy (min/max per column)."""
    import soundfile as sf

    try:
        samples, _ = sf.read(str(path), dtype="float32", always_2d=True, frames=48000 * 120)
    except (RuntimeError, sf.LibsndfileError):
        return None
    mono = samples.mean(axis=1)
    if mono.size < width:
        return None
    cols = np.array_split(mono, width)
    lo = np.array([c.min() for c in cols])
    hi = np.array([c.max() for c in cols])
    scale = max(float(np.abs(mono).max()), 1e-6)
    canvas = np.full((height, width, 3), 248, dtype=np.uint8)
    mid = height // 2
    top = np.clip(mid - (hi / scale * mid * 0.95).astype(int), 0, height - 1)
    bottom = np.clip(mid - (lo / scale * mid * 0.95).astype(int), 0, height - 1)
    for x in range(width):
        canvas[top[x] : bottom[x] + 1, x] = (37, 99, 235)
    return canvas


def thumbnail_data_uri(path: Path, modality: str, limits: Limits | None = None) -> str | None:
    """A preview of ``path``: the image, a video's first frame, or an audio waveform.

    Returns None when no preview can be made (the report then shows a placeholder).
    """
    picture: np.ndarray | None
    if modality not in ("image", "video", "audio"):
        return None  # a document: nothing of ours decodes it
    if modality == "image":
        from veracity.media.image import load_image

        try:
            picture = load_image(path, limits, allow_animated=True).rgb
        except InputError:
            picture = None
    elif modality == "video":
        picture = _video_frame(path)
    else:
        picture = _audio_picture(path)
    return png_data_uri(picture) if picture is not None else None
