"""Strictness checks c2pa leaves out: bytes outside the signature must be untouched.

c2pa reserves room for the claim signature and fills the unused part with a ``pad``
byte string of zeros in the COSE unprotected header. Those bytes are not covered by
the signature, so c2pa accepts a file whose padding was altered. Veracity reads the
manifest's JUMBF (JPEG APP11 segments, PNG ``caBX`` chunk), decodes the COSE_Sign1
structure of ``c2pa.signature`` boxes and reports non-zero padding as tampering; it
also checks the manifest store's own JUMBF description (type, toggles, label ``c2pa``),
which no hash covers either, and the container around the JUMBF (JPEG APP11 packet
numbers and repeated box headers, PNG chunk CRCs).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator

from veracity.credentials.layout import Layout, file_layout
from veracity.errors import VeracityError

__all__ = ["HEADER_CODE", "PADDING_CODE", "has_manifest_store", "unsigned_bytes_altered"]

PADDING_CODE = "veracity.signature.paddingAltered"
HEADER_CODE = "veracity.manifestStore.headerAltered"
# JUMBF description of a C2PA manifest store: type UUID, toggles (requestable + label).
_STORE_UUID = bytes.fromhex("6332706100110010800000aa00389b71")
# Labels of a manifest's parts and the first four bytes of their JUMBF type UUIDs.
_PARTS = {
    b"c2pa.assertions": b"c2as",
    b"c2pa.claim": b"c2cl",
    b"c2pa.claim.v2": b"c2cl",
    b"c2pa.signature": b"c2cs",
    b"c2pa.credentials": b"c2vc",
}
# Manifest labels are lower-case version-4 UUID URNs; a flipped bit usually breaks this
# form. C2PA 1.x labels carry the claim generator's vendor before the URN
# (``contentauth:urn:uuid:...``, ``adobe:urn:uuid:...``), 2.x labels may carry
# generator info after it (``urn:c2pa:UUID:info``).
_MANIFEST_LABEL = re.compile(
    rb"([a-z0-9][a-z0-9._-]*:)?urn:(c2pa|uuid):"
    rb"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(:[ -~]+)?"
)


class _Malformed(Exception):
    pass


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(type, payload_start, payload_end)`` for the boxes in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise _Malformed("bad box size")
        yield kind, pos + header, pos + size
        pos += size


def _label(data: bytes, start: int, end: int) -> str | None:
    for kind, a, b in _boxes(data, start, end):
        if kind == b"jumd" and b - a > 17 and data[a + 16] & 0x02:
            raw = data[a + 17 : b]
            return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        break
    return None


def _signature_payloads(data: bytes, start: int, end: int) -> Iterator[bytes]:
    for kind, a, b in _boxes(data, start, end):
        if kind != b"jumb":
            continue
        if _label(data, a, b) == "c2pa.signature":
            for inner, c, d in _boxes(data, a, b):
                if inner == b"cbor":
                    yield data[c:d]
        else:
            yield from _signature_payloads(data, a, b)


def _head(buf: bytes, pos: int) -> tuple[int, int, int]:
    """Return ``(major, argument, next_pos)`` of the CBOR item at ``pos``."""
    if pos >= len(buf):
        raise _Malformed("truncated CBOR")
    first = buf[pos]
    major, ai = first >> 5, first & 31
    if ai < 24:
        return major, ai, pos + 1
    if ai > 27:
        raise _Malformed("indefinite or reserved CBOR length")
    n = 1 << (ai - 24)
    if pos + 1 + n > len(buf):
        raise _Malformed("truncated CBOR")
    return major, int.from_bytes(buf[pos + 1 : pos + 1 + n], "big"), pos + 1 + n


def _skip(buf: bytes, pos: int) -> int:
    major, arg, pos = _head(buf, pos)
    if major in (2, 3):
        return pos + arg
    if major == 4:
        for _ in range(arg):
            pos = _skip(buf, pos)
    elif major == 5:
        for _ in range(2 * arg):
            pos = _skip(buf, pos)
    elif major == 6:
        pos = _skip(buf, pos)
    return pos


def _cose_padding_ok(buf: bytes) -> bool:
    major, _, pos = _head(buf, 0)
    if major == 6:  # COSE_Sign1 tag
        major, _, pos = _head(buf, pos)
    if major != 4:
        raise _Malformed("COSE_Sign1 is not an array")
    pos = _skip(buf, pos)  # protected header (signed)
    major, entries, pos = _head(buf, pos)
    if major != 5:
        raise _Malformed("unprotected header is not a map")
    for _ in range(entries):
        kmajor, klen, kpos = _head(buf, pos)
        key = buf[kpos : kpos + klen] if kmajor == 3 else None
        pos = _skip(buf, pos)
        vmajor, vlen, vpos = _head(buf, pos)
        if key in (b"pad", b"pad2") and vmajor == 2 and any(buf[vpos : vpos + vlen]):
            return False
        pos = _skip(buf, pos)
    end = _skip(buf, _skip(buf, pos))  # payload, signature
    return not any(buf[end:])


def _container_ok(data: bytes, layout: Layout) -> bool:
    """PNG: the caBX chunk CRCs. JPEG: APP11 packet numbering and repeated box headers."""
    if data.startswith(b"\x89PNG"):
        return all(
            zlib.crc32(data[a + 4 : b - 4]) == int.from_bytes(data[b - 4 : b], "big")
            for a, b in layout.manifest
        )
    next_seq: dict[bytes, int] = {}
    headers: dict[bytes, bytes] = {}
    for a, b in layout.manifest:
        body = data[a + 4 : b]  # CI "JP", En (box instance), Z (packet sequence), box header
        if body[:2] != b"JP":
            return False
        instance, seq, box_header = body[2:4], int.from_bytes(body[4:8], "big"), body[8:16]
        if seq != next_seq.get(instance, 1):
            return False
        next_seq[instance] = seq + 1
        if seq == 1:
            headers[instance] = box_header
        elif box_header != headers.get(instance):
            return False
    return True


def _near_store_uuid(data: bytes) -> bool:
    """True when a JUMBF description box (``jumd``) opens with a type UUID within 2 bits
    of the store's.

    A flipped bit leaves one half of the UUID intact, so each occurrence of either half
    is a candidate. The nearest other C2PA box type (``c2vc``) is 3 bits away.
    """
    n = len(_STORE_UUID)
    for half, offset in ((_STORE_UUID[:8], 0), (_STORE_UUID[8:], 8)):
        pos = data.find(half)
        while pos >= 0:
            start = pos - offset
            window = data[start : start + n] if start >= 4 else b""
            if len(window) == n and data[start - 4 : start] == b"jumd":
                diff = int.from_bytes(window, "big") ^ int.from_bytes(_STORE_UUID, "big")
                if diff.bit_count() <= 2:
                    return True
            pos = data.find(half, pos + 1)
    return False


def has_manifest_store(data: bytes) -> bool:
    """True when a JPEG's APP11 or a PNG's ``caBX`` segments hold a manifest store.

    Also true for a store description whose type UUID has one or two bits altered: c2pa
    then finds no store at all, and the damage must not pass for an unsigned file.
    Other formats (and unparsable JPEG/PNG) are judged on the whole file's bytes.
    """
    try:
        layout = file_layout(data)
        segments = b"".join(data[a:b] for a, b in layout.manifest)
    except VeracityError:
        segments = data
    return _STORE_UUID in segments or _near_store_uuid(segments)


def _jumbf(data: bytes) -> bytes:
    layout = file_layout(data)
    if data.startswith(b"\x89PNG"):
        return b"".join(data[a + 8 : b - 4] for a, b in layout.manifest)
    parts = []
    for i, (a, b) in enumerate(layout.manifest):
        body = data[a + 4 : b]  # after marker and length
        parts.append(body[8:] if i == 0 else body[16:])  # CI, En, Z (+ repeated box header)
    return b"".join(parts)


def _description(jumbf: bytes, a: int, b: int) -> tuple[bytes, int, bytes] | None:
    """(type UUID, toggles, label) of the superbox ``jumbf[a:b]``."""
    for kind, c, d in _boxes(jumbf, a, b):
        if kind != b"jumd" or d - c < 17:
            return None
        raw = jumbf[c + 17 : d]
        return jumbf[c : c + 16], jumbf[c + 16], raw.split(b"\0", 1)[0] if b"\0" in raw else b"\xff"
    return None


def _children_ok(jumbf: bytes, a: int, b: int) -> bool:
    for kind, c, d in _boxes(jumbf, a, b):
        if kind == b"jumd":
            continue
        desc = _description(jumbf, c, d) if kind == b"jumb" else None
        if desc is None:
            return False
        expected = _PARTS.get(desc[2])
        if expected is not None and (desc[0][:4] != expected or desc[1] != 3):
            return False
        if expected is None and desc[2] != b"c2pa.databoxes":
            return False
    return True


def _store_header_ok(jumbf: bytes) -> bool:
    """Check the JUMBF descriptions no hash covers: the store's and each manifest's."""
    boxes = list(_boxes(jumbf, 0, len(jumbf)))
    if len(boxes) != 1 or boxes[0][0] != b"jumb":
        return False
    _, a, b = boxes[0]
    if _description(jumbf, a, b) != (_STORE_UUID, 3, b"c2pa"):
        return False
    for kind, c, d in _boxes(jumbf, a, b):
        if kind == b"jumd":
            continue
        desc = _description(jumbf, c, d) if kind == b"jumb" else None
        if desc is None or desc[0][:4] not in (b"c2ma", b"c2um") or desc[1] != 3:
            return False
        if not _MANIFEST_LABEL.fullmatch(desc[2]) or not _children_ok(jumbf, c, d):
            return False
    return True


def unsigned_bytes_altered(data: bytes) -> list[str] | None:
    """Codes for altered bytes the signature does not cover, in a JPEG/PNG manifest.

    Returns:
        A list of codes (empty when clean), or None when the check does not apply
        (other formats, no or unparsable JUMBF).
    """
    try:
        jumbf = _jumbf(data)
        if not jumbf:
            return None
        ok = _store_header_ok(jumbf) and _container_ok(data, file_layout(data))
        codes = [] if ok else [HEADER_CODE]
        payloads = list(_signature_payloads(jumbf, 0, len(jumbf)))
        if not all(_cose_padding_ok(p) for p in payloads):
            codes.append(PADDING_CODE)
        return codes
    except _Malformed:
        return [HEADER_CODE]  # a store is there, but its boxes do not parse
    except (VeracityError, struct.error, IndexError):
        return None
