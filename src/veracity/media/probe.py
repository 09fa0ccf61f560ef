"""Tell images, video and audio apart by their leading bytes, not their names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from veracity.errors import UnsupportedFormatError

__all__ = [
    "DOCUMENT_HEAD",
    "SNIFF_HEAD",
    "modality_from_head",
    "sniff_document",
    "sniff_format",
    "sniff_modality",
]

Modality = Literal["image", "video", "audio"]
SNIFF_HEAD = 64  # bytes sniff_format looks at

_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_AUDIO_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"fLaC", "flac"),
    (b"OggS", "ogg"),
    (b"ID3", "mp3"),
    (b"\xff\xfb", "mp3"),
    (b"\xff\xf3", "mp3"),
    (b"\xff\xf2", "mp3"),
    (b"\xff\xfa", "mp3"),
    (b"\xff\xe3", "mp3"),
    (b"\xff\xe2", "mp3"),
    (b"caff", "caf"),
    (b"\xff\xf1", "aac"),
    (b"\xff\xf9", "aac"),
)
_VIDEO_MAGIC: tuple[tuple[bytes, str], ...] = ((b"\x1a\x45\xdf\xa3", "matroska"),)
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"dash")
_ATTACHED_PICTURE = 1024  # AV_DISPOSITION_ATTACHED_PIC (av.stream.Disposition.attached_pic)


def sniff_format(head: bytes) -> tuple[Modality, str] | None:
    """Return ``(modality, format)`` for the first bytes of a file, or None if unknown."""
    for magic, fmt in _IMAGE_MAGIC:
        if head.startswith(magic):
            return "image", fmt
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "webp"
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return "audio", "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio", "aiff"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "avi"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis", b"heic", b"heix", b"mif1"):
            return "image", brand.decode("ascii").strip()
        if brand in _AUDIO_BRANDS:
            return "audio", "m4a"
        return "video", "mp4"
    for magic, fmt in _AUDIO_MAGIC + _VIDEO_MAGIC:
        if head.startswith(magic):
            return ("video" if fmt == "matroska" else "audio"), fmt
    return None


DOCUMENT_HEAD = 1024  # bytes sniff_document needs (an SVG may open with a long prolog)
_JXL_CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"


def sniff_document(head: bytes) -> str | None:
    """Formats that carry Content Credentials but no decodable picture or sound for us.

    Returns ``pdf``, ``svg``, ``jxl`` (JPEG XL, codestream or container) or
    ``fragment`` (a fragmented-MP4 media segment: ``styp``/``moof`` first, no ``ftyp``),
    or None.
    """
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"\xff\x0a", _JXL_CONTAINER)):
        return "jxl"
    if head[4:8] in (b"styp", b"moof", b"sidx"):
        return "fragment"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE")) and b"<svg" in head:
        return "svg"
    return None


def sniff_modality(path: str | os.PathLike[str]) -> Modality:
    """Return the modality of ``path`` from its content.

    Raises:
        UnsupportedFormatError: The leading bytes match no supported format.
    """
    p = Path(path)
    with p.open("rb") as fh:
        head = fh.read(SNIFF_HEAD)
    return modality_from_head(head, p)


def modality_from_head(head: bytes, path: Path) -> Modality:
    """The modality of the file at ``path`` whose first bytes are ``head``.

    Only a video container is opened (to tell a sound-only MP4 or Matroska from video).

    Raises:
        UnsupportedFormatError: The leading bytes match no supported format.
    """
    found = sniff_format(head[:SNIFF_HEAD])
    if found is None:
        raise UnsupportedFormatError(f"{path}: not a recognised image, video or audio file")
    if found[0] == "video" and _audio_only(path):
        return "audio"
    return found[0]


def _audio_only(path: Path) -> bool:
    """True for a video container (MP4, Matroska, AVI) holding sound but no moving picture.

    Phones and podcasts write voice memos as ``.mp4``/``.m4a`` with the ``isom`` brand;
    a cover picture (an attached-picture stream) is not video either.
    """
    import av

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            pictures = [s for s in container.streams.video if not s.disposition & _ATTACHED_PICTURE]
            return not pictures and bool(container.streams.audio)
    except av.error.FFmpegError:
        return False  # not decodable: the video loader reports it with its own message
