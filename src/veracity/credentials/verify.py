"""``verify_file``: validate embedded credentials, or recover them for stripped copies."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.blockhash import stored_block_hash
from veracity.credentials.durable import watermark_available
from veracity.credentials.durable_av import av_modality, recover_av
from veracity.credentials.engine import (
    FRAGMENT_MIME,
    manifest_thumbnail,
    mime_for,
    read_detailed,
    read_manifest_store,
    reader_context,
)
from veracity.credentials.expiry import expiry_warning, signer_certificate
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


def _trust_file(path: str | Path | None, what: str, marker: bytes) -> bytes | None:
    if path is None:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror}") from None
    if marker not in data:
        raise ConfigError(f"{path}: not a {what} file")
    return data


def _with_detailed(
    report: CredentialReport, data: bytes | Path, mime: str, context: c2pa.Context
) -> CredentialReport:
    detailed = read_detailed(data, mime, context)
    if detailed is None:
        return report
    return dataclasses.replace(report, details={**report.details, "detailed": detailed})


_UNTRUSTED = "signingCredential.untrusted"


def _allowed(report: CredentialReport, cert: x509.Certificate, allowed: bytes) -> CredentialReport:
    """Trust a valid report whose signer certificate is on the allowed list.

    c2pa-python (this version) does not apply its ``trust.allowed_list`` setting in our
    tests, so the list is applied here: the exact end-entity certificate must be listed.
    """
    if report.state != "valid" or _UNTRUSTED not in report.codes:
        return report
    der = cert.public_bytes(serialization.Encoding.DER)
    listed = {
        c.public_bytes(serialization.Encoding.DER) for c in x509.load_pem_x509_certificates(allowed)
    }
    if der not in listed:
        return report
    details: dict[str, Any] = {**report.details, "trusted_via": "allowed list"}
    results = report.details.get("validation_results")
    if isinstance(results, dict) and isinstance(results.get("activeManifest"), dict):
        active = {k: list(v) for k, v in results["activeManifest"].items() if isinstance(v, list)}
        moved = [e for e in active.get("failure", []) if e.get("code") == _UNTRUSTED]
        active["failure"] = [e for e in active.get("failure", []) if e.get("code") != _UNTRUSTED]
        active["informational"] = [*active.get("informational", []), *moved]
        active["success"] = [
            *active.get("success", []),
            {
                "code": "signingCredential.trusted",
                "explanation": "signer certificate is on the allowed list",
            },
        ]
        details["validation_results"] = {**results, "activeManifest": active}
    codes = tuple(c for c in report.codes if c != _UNTRUSTED)
    return dataclasses.replace(report, state="trusted", codes=codes, details=details)


def with_expiry(
    report: CredentialReport, data: bytes, allowed: bytes | None = None
) -> CredentialReport:
    """Add the signer certificate's expiry (and a warning within 30 days) to ``details``.

    With ``allowed`` (PEM end-entity certificates), a valid report whose signer is listed
    becomes trusted.
    """
    if report.manifest is None:
        return report
    cert = signer_certificate(data, report.manifest)
    if cert is None:
        return report
    if allowed:
        report = _allowed(report, cert, allowed)
    not_after = cert.not_valid_after_utc
    details = {**report.details, "signer_not_after": not_after.isoformat()}
    warning = expiry_warning(not_after)
    if warning:
        details["warnings"] = [*report.details.get("warnings", []), warning]
    return dataclasses.replace(report, details=details)


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


def content_check(
    rgb: Any, manifest: bytes, context: c2pa.Context, store_json: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Compare a recovered copy's pixels with the signed image's thumbnail and block hash.

    ``store_json`` is the recovered manifest store as c2pa reads it; its active manifest's
    block hash (when it has one) adds the texture test.

    Returns the :class:`~veracity.credentials.alteration.Alteration` summary, or
    ``{"confirmed": False, "error": ...}`` when there is nothing to compare against.
    """
    thumbnail = manifest_thumbnail(manifest, context)
    if thumbnail is None:
        return {"confirmed": False, "altered": False, "error": "the manifest carries no thumbnail"}
    try:
        reference = decode_image_bytes(thumbnail, "manifest thumbnail").rgb
        stored = None
        if store_json is not None:
            active = store_json.get("manifests", {}).get(store_json.get("active_manifest"), {})
            stored = stored_block_hash(active)
        return compare_to_reference(rgb, reference, stored).to_json()
    except (InputError, ValueError) as exc:
        return {"confirmed": False, "altered": False, "error": str(exc)}


def _recover(
    media: MediaFile,
    mime: str,
    lookup: Lookup,
    context: c2pa.Context,
    key: str,
    reading: WatermarkReading | None,
    allowed: bytes | None = None,
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
    check = content_check(rgb, found.manifest, context, found.store_json)
    report = _recovered(found.store_json, found.via, evidence, found.manifest_id, check)
    return with_expiry(report, found.manifest, allowed)


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
    allowed_list: str | Path | None = None,
    trust_config: str | Path | None = None,
    detailed: bool = False,
) -> CredentialReport:
    """Verify the Content Credentials of a file.

    Args:
        path: The file to check, or an opened :class:`~veracity.media.handle.MediaFile`
            (``veracity check`` passes the one it reads and decodes once).
        limits: Input limits for a path (default :func:`~veracity.media.limits.default_limits`); an opened file
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
        allowed_list: PEM file of end-entity signer certificates trusted as they are.
        trust_config: File of extended key usage OIDs a signer must carry (one per line).
        detailed: Add c2pa's detailed report (claims, assertion store, signature) as
            ``details["detailed"]``, as c2patool ``--detailed`` prints it.

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
    allowed = _trust_file(allowed_list, "allowed list", b"-----BEGIN CERTIFICATE-----")
    context = reader_context(
        load_anchors(trust),
        allow_remote=allow_remote,
        allowed_list=allowed,
        trust_config=_trust_file(trust_config, "trust configuration", b"."),
    )
    outcome = read_manifest_store(media.data(), mime, context)
    if outcome.store is not None:
        report = _strict(report_from_store(outcome.store, recovered_via="embedded"), media, mime)
        report = with_expiry(report, media.data(), allowed)
        return _with_detailed(report, media.data(), mime, context) if detailed else report
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
        found = _recover(media, mime, lookup, context, watermark_key, watermark_reading, allowed)
        if detailed and found.state != "none" and lookup is not None:
            mid = found.details.get("manifest_id")
            manifest = lookup.manifest(str(mid)) if mid else None
            if manifest is not None:
                return _with_detailed(found, manifest, "application/c2pa", context)
        return found
    finally:
        closer = getattr(lookup, "close_owned", None)
        if closer is not None:
            closer()
