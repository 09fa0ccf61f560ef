"""Where the manifest and the content lie inside signed JPEG and PNG files.

Used by the tamper evaluation (``benchmarks/credentials_tamper.py``) and tests to flip
bytes in exactly the part they mean to attack, and to move a manifest between files.
"""

from __future__ import annotations

import struct

from veracity.errors import CorruptMediaError, UnsupportedFormatError

__all__ = ["Layout", "file_layout", "transplant_manifest"]

Range = tuple[int, int]


class Layout:
    """Byte ranges (start, end) of the manifest segments and of the coded content."""

    def __init__(self, manifest: list[Range], content: list[Range]) -> None:
        self.manifest = manifest
        self.content = content


def _jpeg(data: bytes) -> Layout:
    manifest: list[Range] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise CorruptMediaError("JPEG marker expected")
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xEB and data[pos + 4 : pos + 6] == b"JP":  # JUMBF (C2PA) segment
            manifest.append((pos, pos + 2 + length))
        if marker == 0xDA:  # start of scan: entropy-coded data runs to EOI
            return Layout(manifest, [(pos + 2 + length, len(data) - 2)])
        pos += 2 + length
    raise CorruptMediaError("JPEG without a scan")


def _png(data: bytes) -> Layout:
    manifest: list[Range] = []
    content: list[Range] = []
    pos = 8
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind == b"caBX":
            manifest.append((pos, end))
        elif kind == b"IDAT":
            content.append((pos + 8, pos + 8 + length))
        pos = end
    return Layout(manifest, content)


def file_layout(data: bytes) -> Layout:
    """Find the manifest and content ranges of a JPEG or PNG file.

    Raises:
        UnsupportedFormatError: Neither JPEG nor PNG.
    """
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    raise UnsupportedFormatError("layout is known for JPEG and PNG only")


def transplant_manifest(signed: bytes, target: bytes) -> bytes:
    """Copy the manifest segments of ``signed`` into the unsigned ``target`` file."""
    segments = b"".join(signed[a:b] for a, b in file_layout(signed).manifest)
    if target.startswith(b"\xff\xd8"):
        at = 2  # after SOI, or after a leading APP0 (JFIF) segment as c2pa writes it
        if target[2:4] == b"\xff\xe0":
            at = 4 + struct.unpack(">H", target[4:6])[0]
        return target[:at] + segments + target[at:]
    ihdr_end = 8 + 12 + struct.unpack(">I", target[8:12])[0]
    return target[:ihdr_end] + segments + target[ihdr_end:]
