"""``verify_file``: validate embedded credentials, or recover them for stripped copies."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import c2pa

from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.durable import watermark_available
from veracity.credentials.durable_av import av_modality, recover_av
from veracity.credentials.engine import (
    FRAGMENT_MIME,
    manifest_thumbnail,
    mime_for,
    read_manifest_store,
    reader_context,
)
from veracity.credentials.paths import trust_dir
from veracity.credentials.recover import LocalLookup, Lookup, recover_manifest
from veracity.credentials.report import report_from_store
from veracity.credentials.store import ManifestStore, open_store
from veracity.credentials.strict import HEADER_CODE, has_manifest_store, unsigned_bytes_altered
from veracity.errors import ConfigError, InputError, StoreError
from veracity.media.handle import MediaFile
from veracity.media.image import decode_image_bytes
from veracity.media.limits import Limits
from veracity.media.probe import DOCUMENT_HEAD
from veracity.results import CredentialReport, WatermarkReading
from veracity.watermark.base import DEFAULT_KEY

__all__ = ["FRAGMENT_CODE", "REMOTE_CODE", "load_anchors", "verify_file"]

REMOTE_CODE = "veracity.remoteManifest.notFetched"
FRAGMENT_CODE = "veracity.manifest.fragmentOnly"

_RECOVERABLE = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff")


def load_anchors(paths: Iterable[str | Path] = (), *, include_home: bool = True) -> list[bytes]:
    """Read trust anchors: PEM files, or folders of ``*.pem``/``*.crt`` files.

    The configuration folder's ``trust/`` is included unless ``include_home`` is false.

    Raises:
        ConfigError: A given path does not exist or holds no certificate.
    """
    found: list[bytes] = []
    sources = [Path(p) for p in paths]
    home = trust_dir()
    for src in [*sources, *([home] if include_home and home.is_dir() else [])]:
        files = sorted([*src.glob("*.pem"), *src.glob("*.crt")]) if src.is_dir() else [src]
        for f in files:
            try:
                data = f.read_bytes()
            except OSError as exc:
                raise ConfigError(f"cannot read trust anchor {f}: {exc.strerror}") from None
            if b"-----BEGIN CERTIFICATE-----" not in data:
                raise ConfigError(f"{f}: not a PEM certificate")
            found.append(data)
    return found


def _strict(report: CredentialReport, media: MediaFile, mime: str) -> CredentialReport:
    """Add Veracity's unsigned-bytes checks (JPEG/PNG) to c2pa's verdict."""
    if mime not in ("image/jpeg", "image/png"):
        return report
    extra = unsigned_bytes_altered(media.data())
    if not extra:
        return report
    return dataclasses.replace(report, state="invalid", codes=(*report.codes, *extra))


def _unreadable(error: str) -> CredentialReport:
    if error.startswith("Remote"):
        return CredentialReport(
            state="none",
            codes=(REMOTE_CODE,),
            details={
                "error": error,
                "hint": "the manifest is remote; pass --allow-remote to fetch it",
            },
        )
    return CredentialReport(
        state="invalid", codes=("veracity.manifest.unreadable",), details={"error": error}
    )


def content_check(rgb: Any, manifest: bytes, context: c2pa.Context) -> dict[str, Any]:
    """Compare a recovered copy's pixels with the signed image's thumbnail.

    Returns the :class:`~veracity.credentials.alteration.Alteration` summary, or
    ``{"confirmed": False, "error": ...}`` when there is nothing to compare against.
    """
    thumbnail = manifest_thumbnail(manifest, context)
    if thumbnail is None:
        return {"confirmed": False, "altered": False, "error": "the manifest carries no thumbnail"}
    try:
        reference = decode_image_bytes(thumbnail, "manifest thumbnail").rgb
        return compare_to_reference(rgb, reference).to_json()
    except (InputError, ValueError) as exc:
        return {"confirmed": False, "altered": False, "error": str(exc)}


def _recover(
    media: MediaFile,
    mime: str,
    lookup: Lookup,
    context: c2pa.Context,
    key: str,
    reading: WatermarkReading | None,
) -> CredentialReport:
    if mime not in _RECOVERABLE:
        if av_modality(media, mime) is None:
            return CredentialReport(state="none", details={"recovery": f"not attempted for {mime}"})
        reuse = reading if reading is not None and reading.modality != "image" else None
        av, evidence = recover_av(media.path, lookup, context, key, reuse)
        if av is None:
            return CredentialReport(state="none", details={"recovery": evidence})
        return _recovered(av[1], "watermark", evidence, av[2])
    rgb = media.image().rgb
    image_reading = reading if reading is not None and reading.modality == "image" else None
    found, evidence = recover_manifest(
        rgb, lookup, context, key=key, use_watermark=watermark_available(), reading=image_reading
    )
    if found is None:
        return CredentialReport(state="none", details={"recovery": evidence})
    check = content_check(rgb, found.manifest, context)
    return _recovered(found.store_json, found.via, evidence, found.manifest_id, check)


def _recovered(
    store_json: dict[str, Any],
    via: str,
    evidence: dict[str, Any],
    manifest_id: str,
    check: dict[str, Any] | None = None,
) -> CredentialReport:
    report = report_from_store(store_json, recovered_via=via, detached=True)  # type: ignore[arg-type]
    details: dict[str, Any] = {
        **report.details,
        "recovery": evidence,
        "manifest_id": manifest_id,
        "content_check": check
        or {
            "confirmed": False,
            "altered": False,
            "error": "no pixel comparison exists for audio or video yet",
        },
    }
    return CredentialReport(
        report.state,
        report.codes,
        report.manifest,
        report.recovered_via,
        report.signer,
        report.ai_generated,
        details,
    )


def _lookup_for(store: ManifestStore | str | Path | None, resolver: str | None) -> Lookup | None:
    if resolver:
        from veracity.credentials.resolver_client import RemoteLookup

        return RemoteLookup(resolver)
    if store is not None and not isinstance(store, str | Path):
        return LocalLookup(store)
    try:
        return LocalLookup(open_store(store, create=False), owned=True)
    except StoreError:
        if store is None:  # no default store yet: nothing was ever signed durably here
            return None
        raise


def verify_file(
    path: str | Path | MediaFile,
    *,
    limits: Limits | None = None,
    trust: Sequence[str | Path] = (),
    allow_remote: bool = False,
    recover: bool = True,
    store: ManifestStore | str | Path | None = None,
    resolver: str | None = None,
    watermark_key: str = DEFAULT_KEY,
    watermark_reading: WatermarkReading | None = None,
) -> CredentialReport:
    """Verify the Content Credentials of a file.

    Args:
        path: The file to check, or an opened :class:`~veracity.media.handle.MediaFile`
            (``veracity check`` passes the one it reads and decodes once).
        limits: Input limits for a path (default :class:`Limits()`); an opened file
            keeps the limits it was opened with.
        trust: Extra trust anchors (PEM files or folders); the configuration folder's
            ``trust/`` is always included.
        allow_remote: Fetch a manifest the file only references by URL.
        recover: For images without an embedded manifest, look the manifest up by
            watermark and fingerprint.
        store: Manifest store (object or URL) for recovery; default: the local SQLite
            store, if one exists.
        resolver: URL of a Soft Binding Resolution service to use instead of a store.
        watermark_key: Key of the durable watermark.
        watermark_reading: The file's watermark reading under ``watermark_key``, if the
            caller already has one (saves reading the image twice).

    Returns:
        The report; ``state`` is ``none`` when nothing was found.

    Raises:
        InputError: Missing or unreadable file; UnsupportedFormatError for other types.
        StoreError, ResolverError: The store or resolver could not be reached.
    """
    media = path if isinstance(path, MediaFile) else MediaFile.open(path, limits)
    mime = mime_for(media.path, media.head(DOCUMENT_HEAD))
    if mime == FRAGMENT_MIME:
        return CredentialReport(
            state="none",
            codes=(FRAGMENT_CODE,),
            details={
                "hint": "a fragmented-MP4 media segment holds no manifest; "
                "verify its initialization segment (the file with the 'ftyp' box)"
            },
        )
    context = reader_context(load_anchors(trust), allow_remote=allow_remote)
    outcome = read_manifest_store(media.data(), mime, context)
    if outcome.store is not None:
        return _strict(report_from_store(outcome.store, recovered_via="embedded"), media, mime)
    if outcome.error is not None:
        return _unreadable(outcome.error)
    if has_manifest_store(media.data()):
        return CredentialReport(
            state="invalid",
            codes=(HEADER_CODE,),
            details={"error": "a C2PA manifest store is present but its header is damaged"},
        )
    if not recover:
        return CredentialReport(state="none")
    lookup = _lookup_for(store, resolver)
    if lookup is None:
        return CredentialReport(state="none", details={"recovery": "no manifest store configured"})
    try:
        return _recover(media, mime, lookup, context, watermark_key, watermark_reading)
    finally:
        closer = getattr(lookup, "close_owned", None)
        if closer is not None:
            closer()
