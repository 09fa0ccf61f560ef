"""Image decoding and encoding with EXIF orientation, mode handling and a bomb limit.

Analysis code works on ``uint8`` RGB arrays; :class:`LoadedImage` keeps what is
needed to write a file back faithfully (alpha, greyscale, bit depth, ICC profile).
"""

from __future__ import annotations

import dataclasses
import io
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from veracity.errors import (
    CorruptMediaError,
    InputError,
    LimitExceededError,
    UnsupportedFormatError,
    UsageError,
)
from veracity.media.limits import Limits, check_input_file, default_limits
from veracity.media.output import atomic_output

__all__ = ["SAVE_FORMATS", "LoadedImage", "decode_image_bytes", "load_image", "save_image"]

SAVE_FORMATS: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".bmp": "BMP",
}


@dataclasses.dataclass(frozen=True)
class LoadedImage:
    """A decoded image.

    Attributes:
        rgb: ``uint8`` array of shape (H, W, 3), EXIF orientation applied.
        alpha: ``uint8`` (H, W) alpha channel, or None.
        grey: True when the source had a single colour channel.
        bit_depth: 8 or 16 (bits per channel of the source).
        format: Pillow's format name (PNG, JPEG, ...).
        mode: The source's Pillow mode (RGB, RGBA, L, I;16, CMYK, P, ...).
        icc_profile: The embedded ICC profile bytes, if any.
        frames: Number of frames in the file (1 unless animated).
    """

    rgb: np.ndarray
    alpha: np.ndarray | None
    grey: bool
    bit_depth: int
    format: str
    mode: str
    icc_profile: bytes | None = None
    frames: int = 1

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


def _to_rgb8(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None, bool, int]:
    mode = img.mode
    alpha: np.ndarray | None = None
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        hi = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        grey8 = np.clip(np.rint(arr / hi * 255.0), 0, 255).astype(np.uint8)
        return np.repeat(grey8[:, :, None], 3, axis=2), None, True, 16 if hi > 255 else 8
    if mode in ("1", "L", "LA"):
        if mode == "LA":
            alpha = np.asarray(img.getchannel("A"), dtype=np.uint8).copy()
        grey = np.asarray(img.convert("L"), dtype=np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2), alpha, True, 8
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "PA", "RGBa"):
        rgba = np.asarray(img.convert("RGBA"), dtype=np.uint8)
        return rgba[:, :, :3].copy(), rgba[:, :, 3].copy(), False, 8
    depth = 16 if img.mode in ("RGB;16", "RGBA;16") else 8
    return np.asarray(img.convert("RGB"), dtype=np.uint8).copy(), None, False, depth


def _open_checked(source: io.BytesIO | Path, name: str, limits: Limits) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(source)
            w, h = img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LimitExceededError(f"{name}: image dimensions exceed the pixel limit") from None
    except UnidentifiedImageError:
        raise UnsupportedFormatError(f"{name}: not a recognised image format") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMediaError(f"{name}: cannot read image header ({exc})") from None
    if w * h > limits.max_pixels:
        raise LimitExceededError(
            f"{name}: {w}x{h} image exceeds the limit of {limits.max_pixels} pixels"
        )
    if min(w, h) < limits.min_side:
        raise UnsupportedFormatError(
            f"{name}: {w}x{h} image is too small (minimum side {limits.min_side} px)"
        )
    return img


def _decode(img: Image.Image, name: str, *, allow_animated: bool) -> LoadedImage:
    frames = int(getattr(img, "n_frames", 1) or 1)
    if frames > 1 and not allow_animated:
        raise UnsupportedFormatError(
            f"{name}: animated image with {frames} frames is not supported here"
        )
    fmt = img.format or "unknown"
    mode = img.mode
    icc = img.info.get("icc_profile")
    try:
        img.load()
        img = ImageOps.exif_transpose(img) or img
        rgb, alpha, grey, depth = _to_rgb8(img)
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMediaError(f"{name}: image data is truncated or corrupt ({exc})") from None
    return LoadedImage(rgb, alpha, grey, depth, fmt, mode, icc, frames)


def load_image(
    path: str | os.PathLike[str],
    limits: Limits | None = None,
    *,
    allow_animated: bool = False,
) -> LoadedImage:
    """Decode an image file into a :class:`LoadedImage`.

    Args:
        path: The file to read.
        limits: Size limits; defaults to :func:`default_limits`.
        allow_animated: Accept animated images and return their first frame.

    Raises:
        InputError: Missing, empty or unreadable file.
        UnsupportedFormatError: Not an image, animated, or too small.
        LimitExceededError: Too many pixels or bytes.
        CorruptMediaError: Truncated or damaged image data.
    """
    limits = limits or default_limits()
    p = check_input_file(path, limits)
    data = p.read_bytes()
    return decode_image_bytes(data, str(p), limits, allow_animated=allow_animated)


def decode_image_bytes(
    data: bytes, name: str, limits: Limits | None = None, *, allow_animated: bool = False
) -> LoadedImage:
    """Decode image bytes (e.g. an upload) with the same checks as :func:`load_image`."""
    limits = limits or default_limits()
    if not data:
        raise CorruptMediaError(f"{name}: empty image data")
    img = _open_checked(io.BytesIO(data), name, limits)
    with img:
        return _decode(img, name, allow_animated=allow_animated)


def save_image(
    rgb: np.ndarray,
    path: str | os.PathLike[str],
    *,
    alpha: np.ndarray | None = None,
    grey: bool = False,
    quality: int = 95,
    icc_profile: bytes | None = None,
    force: bool = False,
) -> Path:
    """Write an image atomically; the format follows the file extension.

    Raises:
        UsageError: Unknown extension or quality outside 1..100.
        OutputExistsError: ``path`` exists and ``force`` is false.
    """
    target = Path(path)
    fmt = SAVE_FORMATS.get(target.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(SAVE_FORMATS))
        raise UsageError(f"{target}: unsupported output extension (use one of {known})")
    if not 1 <= quality <= 100:
        raise UsageError(f"quality must be between 1 and 100, got {quality}")
    arr = np.clip(np.rint(rgb), 0, 255).astype(np.uint8) if rgb.dtype != np.uint8 else rgb
    img = Image.fromarray(arr[:, :, 0] if grey else arr, "L" if grey else "RGB")
    if alpha is not None and fmt in ("PNG", "WEBP", "TIFF"):
        img = img.convert("LA" if grey else "RGBA")
        img.putalpha(Image.fromarray(alpha, "L"))
    options: dict[str, object] = {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = quality
    if icc_profile and fmt in ("PNG", "JPEG", "WEBP", "TIFF"):
        options["icc_profile"] = icc_profile
    # Encode in memory and write the bytes ourselves: Pillow writing to a path on a full
    # disk could leave a short file without raising (the full-disk sweep caught it), and
    # atomic_output then renamed a truncated JPEG onto the input.
    buf = io.BytesIO()
    img.save(buf, format=fmt, **options)
    with atomic_output(target, force=force) as tmp:
        with tmp.open("wb") as fh:
            fh.write(buf.getbuffer())
        if tmp.stat().st_size != buf.getbuffer().nbytes:
            raise InputError(f"{target}: cannot write here (short write)")
    return target
