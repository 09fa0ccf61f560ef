"""Thin glue around c2pa-python: formats, signers, reader contexts, reading.

Everything that touches the native c2pa library goes through here, so the rest of the
package deals in plain bytes, dicts and Veracity errors.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import c2pa

from veracity.credentials.identity import SigningIdentity
from veracity.errors import CredentialError, UnsupportedFormatError, UsageError
from veracity.media.probe import DOCUMENT_HEAD, sniff_document, sniff_format

__all__ = [
    "FRAGMENT_MIME",
    "MIME_TYPES",
    "SUFFIXES",
    "ReadOutcome",
    "check_output_suffix",
    "make_signer",
    "manifest_thumbnail",
    "mime_for",
    "read_manifest_store",
    "reader_context",
]

# Container formats (as sniffed from content) that c2pa can embed a manifest into.
MIME_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "avif": "image/avif",
    "heic": "image/heic",
    "heix": "image/heic",
    "mif1": "image/heif",
    "mp4": "video/mp4",
    "avi": "video/avi",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "flac": "audio/flac",
    # c2pa reads and signs these, but no detector or watermark codec decodes them
    "pdf": "application/pdf",
    "svg": "image/svg+xml",
    "jxl": "image/jxl",
}
# A fragmented-MP4 media segment: its manifest lives in the init segment.
FRAGMENT_MIME = "video/iso.segment"


# File extensions that name each format; signing keeps the input's format.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "image/gif": (".gif",),
    "image/tiff": (".tif", ".tiff", ".dng"),
    "image/avif": (".avif",),
    "image/heic": (".heic", ".heif"),
    "image/heif": (".heif", ".heic"),
    "video/mp4": (".mp4", ".m4v", ".mov"),
    "video/avi": (".avi",),
    "audio/wav": (".wav",),
    "audio/mpeg": (".mp3",),
    "audio/mp4": (".m4a", ".mp4"),
    "audio/flac": (".flac",),
    "application/pdf": (".pdf",),
    "image/svg+xml": (".svg",),
    "image/jxl": (".jxl",),
}


def check_output_suffix(dst: Path, mime: str) -> None:
    """Refuse an output name whose extension promises another format than ``mime``.

    Signing embeds the manifest in the input's own container; it never converts, so
    ``in.jpg -> out.png`` would write JPEG bytes under a PNG name.

    Raises:
        UsageError: ``dst``'s extension does not name ``mime``'s format.
    """
    allowed = SUFFIXES.get(mime, ())
    if allowed and dst.suffix.lower() not in allowed:
        raise UsageError(
            f"{dst}: the signed copy keeps the input's format ({mime}); "
            f"name it with {' or '.join(allowed)}"
        )


def mime_for(path: str | os.PathLike[str], head: bytes | None = None) -> str:
    """Return the MIME type c2pa should use for ``path``, from its content.

    ``head`` is the file's first :data:`DOCUMENT_HEAD` bytes when the caller has read them.

    Raises:
        UnsupportedFormatError: Unknown content or a container c2pa cannot sign.
    """
    p = Path(path)
    if head is None:
        with p.open("rb") as fh:
            head = fh.read(DOCUMENT_HEAD)
    found = sniff_format(head[:64])
    fmt = found[1] if found is not None else sniff_document(head)
    if fmt == "fragment":
        return FRAGMENT_MIME
    if fmt is None:
        raise UnsupportedFormatError(f"{p}: not a recognised image, video, audio, PDF or SVG file")
    mime = MIME_TYPES.get(fmt)
    if mime is None:
        raise UnsupportedFormatError(f"{p}: Content Credentials are not supported for {fmt} files")
    return mime


def make_signer(identity: SigningIdentity) -> c2pa.Signer:
    """Create a c2pa Signer from a key (PEM) or a signing callback.

    Raises:
        CredentialError: c2pa rejected the certificate chain or key.
    """
    try:
        if identity.callback is not None:
            alg = (
                c2pa.C2paSigningAlg.ES256
                if identity.alg == "es256"
                else c2pa.C2paSigningAlg.ED25519
            )
            return c2pa.Signer.from_callback(
                identity.callback, alg, identity.chain_pem.decode("ascii")
            )
        info = c2pa.C2paSignerInfo(
            identity.alg.encode(), identity.chain_pem, identity.key_pem, None
        )
        return c2pa.Signer.from_info(info)
    except c2pa.C2paError as exc:
        raise CredentialError(
            f"the signing certificate or key was rejected: {_one_line(exc)}"
        ) from None


def reader_context(anchors: Iterable[bytes] = (), *, allow_remote: bool = False) -> c2pa.Context:
    """A c2pa Context with our trust anchors and no network unless ``allow_remote``."""
    settings: dict[str, Any] = {
        "verify": {
            "remote_manifest_fetch": allow_remote,
            "ocsp_fetch": False,
            "verify_trust": True,
        }
    }
    pems = b"\n".join(a.strip() for a in anchors if a.strip())
    if pems:
        settings["trust"] = {"user_anchors": pems.decode("ascii")}
    return c2pa.Context(settings=c2pa.Settings.from_dict(settings))


class ReadOutcome:
    """The parsed manifest store c2pa read, or the error that stopped it."""

    def __init__(self, store: dict[str, Any] | None, error: str | None = None) -> None:
        self.store = store
        self.error = error


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] if text else type(exc).__name__


def read_manifest_store(
    data: bytes | Path,
    mime: str,
    context: c2pa.Context,
    *,
    manifest_data: bytes | None = None,
) -> ReadOutcome:
    """Read and validate the manifest store of an asset (or of detached manifest bytes).

    Returns:
        ``store=None, error=None`` when there is no manifest; ``store=None, error=...``
        when c2pa could not parse one (a damaged or remote manifest); else the store.
    """
    payload = data.read_bytes() if isinstance(data, Path) else data
    try:
        with c2pa.Reader(mime, io.BytesIO(payload), manifest_data, context=context) as reader:
            return ReadOutcome(json.loads(reader.json()))
    except c2pa.C2paError.ManifestNotFound:
        return ReadOutcome(None)
    except c2pa.C2paError as exc:
        return ReadOutcome(None, _one_line(exc))


def manifest_thumbnail(manifest: bytes, context: c2pa.Context) -> bytes | None:
    """The active manifest's thumbnail (encoded image bytes) from detached manifest bytes."""
    try:
        with c2pa.Reader("application/c2pa", io.BytesIO(manifest), context=context) as reader:
            store = json.loads(reader.json())
            active = store.get("manifests", {}).get(store.get("active_manifest"), {})
            uri = active.get("thumbnail", {}).get("identifier")
            if not uri:
                return None
            out = io.BytesIO()
            reader.resource_to_stream(uri, out)
            return out.getvalue() or None
    except c2pa.C2paError:
        return None
