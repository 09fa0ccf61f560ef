"""File-level watermark API: pick the codec by the file's content, then embed or read."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from veracity.errors import UnsupportedFormatError, UsageError
from veracity.media.handle import MediaFile
from veracity.media.limits import Limits
from veracity.results import WatermarkReading
from veracity.watermark.base import DEFAULT_KEY, WatermarkCodec
from veracity.watermark.catalog import codec_registry

__all__ = ["detect_file", "embed_file", "parse_payload", "read_watermark"]


def _codec_for(media: MediaFile) -> WatermarkCodec:
    modality = media.modality
    registry = codec_registry()
    if modality not in registry:
        raise UnsupportedFormatError(f"{media.path}: no watermark codec for {modality} files")
    return registry.get(modality)


def parse_payload(payload_hex: str | None, bits: int) -> bytes:
    """Turn user hex into ``ceil(bits/8)`` bytes; random when ``payload_hex`` is None.

    Raises:
        UsageError: Not hex, or more bits than the codec carries.
    """
    nbytes = (bits + 7) // 8
    if payload_hex is None:
        return secrets.token_bytes(nbytes)
    text = payload_hex.lower().removeprefix("0x")
    try:
        value = int(text, 16) if text else -1
    except ValueError:
        raise UsageError(f"payload {payload_hex!r} is not hexadecimal") from None
    if value < 0 or value.bit_length() > bits:
        raise UsageError(f"payload {payload_hex!r} does not fit in {bits} bits")
    return value.to_bytes(nbytes, "big")


def embed_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    payload_hex: str | None = None,
    key: str = DEFAULT_KEY,
    quality: int = 95,
    force: bool = False,
    limits: Limits | None = None,
) -> bytes:
    """Embed a watermark; returns the payload bytes that were embedded."""
    media = MediaFile.open(src, limits)
    codec = _codec_for(media)
    payload = parse_payload(payload_hex, codec.payload_bits)
    codec.embed_file(media.path, Path(dst), payload, key, quality=quality, force=force)
    return payload


def detect_file(
    src: str | os.PathLike[str], *, key: str = DEFAULT_KEY, limits: Limits | None = None
) -> WatermarkReading:
    """Read the watermark of ``src`` blindly."""
    return read_watermark(MediaFile.open(src, limits), key=key)


def read_watermark(
    media: MediaFile | str | os.PathLike[str], *, key: str = DEFAULT_KEY
) -> WatermarkReading:
    """Read the watermark blindly, with the codec of the input's modality.

    Args:
        media: An opened :class:`~veracity.media.handle.MediaFile` (decoded once for
            every reader) or a path (opened under the default limits).
        key: The watermark key.

    Raises:
        InputError: No codec reads this file (e.g. an animated image, audio too short).
    """
    if not isinstance(media, MediaFile):
        media = MediaFile.open(media)
    return _codec_for(media).detect_media(media, key)
