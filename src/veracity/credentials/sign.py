"""``sign_file``: embed a C2PA manifest, optionally durable (watermark + fingerprint + store)."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.x509.oid import NameOID

from veracity.credentials.blockhash import block_hash
from veracity.credentials.definition import merge_definition
from veracity.credentials.durable import enrolment_fingerprints, watermark_functions
from veracity.credentials.durable_av import av_modality, marked_av_copy, store_id
from veracity.credentials.engine import FRAGMENT_MIME, check_output_suffix, make_signer, mime_for
from veracity.credentials.identity import SigningIdentity, load_identity
from veracity.credentials.manifest import (
    PARENT_LABEL,
    WATERMARK_ALG,
    ManifestSpec,
    build_definition,
)
from veracity.credentials.store import ManifestRecord, ManifestStore, open_store
from veracity.errors import CredentialError, OutputExistsError, UnsupportedFormatError, UsageError
from veracity.media.image import load_image, save_image
from veracity.media.limits import check_input_file, default_limits
from veracity.media.output import atomic_output
from veracity.media.policy import check_media
from veracity.watermark.base import DEFAULT_KEY

__all__ = ["SignResult", "sign_file"]

_DURABLE_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}


@dataclasses.dataclass(frozen=True)
class SignResult:
    """What :func:`sign_file` wrote.

    Attributes:
        output: The signed file.
        mime: Its MIME type.
        signer: Common name of the signing certificate.
        manifest_bytes: Size of the embedded manifest store.
        manifest_id: The 64-bit id (hex) carried by the watermark, when durable.
        fingerprint: PDQ hash (hex) of the signed image, when durable.
        store: URL of the store holding the manifest, when durable.
    """

    output: Path
    mime: str
    signer: str
    manifest_bytes: int
    manifest_id: str | None = None
    fingerprint: str | None = None
    store: str | None = None


def _signer_name(chain_pem: bytes) -> str:
    try:
        cert = x509.load_pem_x509_certificates(chain_pem)[0]
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else cert.subject.rfc4514_string()
    except (ValueError, IndexError):
        return "unknown"


@dataclasses.dataclass
class _Durable:
    content: Path
    manifest_id: bytes
    fingerprints: tuple[bytes, ...]
    alg: str = WATERMARK_ALG
    block_hash: dict[str, Any] | None = None


@contextlib.contextmanager
def _durable_copy(src: Path, mime: str, key: str, quality: int) -> Iterator[_Durable]:
    """Write a watermarked copy of ``src`` to a temporary file and fingerprint it."""
    suffix = _DURABLE_SUFFIX.get(mime)
    if suffix is None:
        if av_modality(src, mime) is None:
            raise UsageError(
                f"{src}: --durable supports JPEG, PNG, WebP, WAV, FLAC, MP3, M4A and MP4/MOV, "
                f"not {mime}"
            )
        with marked_av_copy(src, mime, key, quality) as (content, manifest_id, alg):
            yield _Durable(content, manifest_id, (), alg)
        return
    embed_pixels, _ = watermark_functions()
    loaded = load_image(src)
    manifest_id = secrets.token_bytes(8)
    try:
        marked = embed_pixels(loaded.rgb, manifest_id, key, grey=loaded.grey)
    except ValueError as exc:
        raise UsageError(f"{src}: cannot watermark this image ({exc})") from None
    with tempfile.TemporaryDirectory(prefix="veracity-sign-") as tmp:
        content = Path(tmp) / f"marked{suffix}"
        save_image(
            marked,
            content,
            alpha=loaded.alpha,
            grey=loaded.grey,
            quality=quality,
            icc_profile=loaded.icc_profile,
        )
        decoded = load_image(content).rgb
        yield _Durable(
            content,
            manifest_id,
            enrolment_fingerprints(decoded),
            block_hash=block_hash(decoded).to_assertion(),
        )


def _text(name: str) -> str:
    """A file name as valid UTF-8 text (undecodable bytes become U+FFFD) for the manifest."""
    return os.fsencode(name).decode("utf-8", "replace")


def _build(
    spec: ManifestSpec, parent: Path | None, definition: dict[str, Any] | None = None
) -> c2pa.Builder:
    doc = build_definition(spec) if definition is None else merge_definition(definition, spec)
    try:
        builder = c2pa.Builder(doc)
        if parent is not None:
            ingredient = {
                "title": _text(parent.name),
                "relationship": "parentOf",
                "label": PARENT_LABEL,
            }
            with parent.open("rb") as fh:
                builder.add_ingredient(ingredient, mime_for(parent), fh)
        return builder
    except c2pa.C2paError as exc:
        raise CredentialError(f"cannot build the manifest: {' '.join(str(exc).split())}") from None


def _embed(
    builder: c2pa.Builder, identity: SigningIdentity, mime: str, content: Path, tmp: Path
) -> bytes:
    signer = make_signer(identity)
    # c2pa signs into memory, and Python writes the file: a full disk or a refused write
    # then surfaces as an OSError (exit 2 through atomic_output), not as c2pa's opaque
    # "JPEG write error".
    dest = io.BytesIO()
    try:
        with signer, content.open("rb") as source:
            manifest = bytes(builder.sign(signer, mime, source, dest))
    except c2pa.C2paError as exc:
        raise CredentialError(
            f"{content.name}: signing failed: {' '.join(str(exc).split())}"
        ) from None
    with tmp.open("wb") as fh:
        fh.write(dest.getbuffer())
    return manifest


def sign_file(
    src: str | Path,
    dst: str | Path,
    *,
    identity: SigningIdentity | None = None,
    spec: ManifestSpec | None = None,
    parent: str | Path | None = None,
    durable: bool = False,
    store: ManifestStore | str | None = None,
    watermark_key: str = DEFAULT_KEY,
    quality: int = 95,
    force: bool = False,
    definition: dict[str, Any] | None = None,
) -> SignResult:
    """Sign ``src`` into ``dst`` with a C2PA manifest.

    Args:
        src: Input media (JPEG, PNG, WebP, MP4, WAV and the other formats c2pa embeds in).
        dst: Output path; written atomically.
        identity: Signing identity (default: the one made by ``init_identity``).
        spec: What the manifest states (title, author, AI generation...).
        parent: The file ``src`` was edited from; added as the parent ingredient.
        durable: Watermark the manifest id into the image, add the soft binding and the
            fingerprint, and keep the manifest in ``store``.
        store: Manifest store (or its URL) for durable signing; default SQLite file.
        watermark_key: Watermark key for durable signing.
        quality: JPEG/WebP quality of the re-encoded watermarked image.
        force: Overwrite ``dst``.
        definition: A c2pa ``Builder`` manifest definition (see
            :func:`veracity.credentials.definition.load_definition`) to sign instead of
            the one ``spec`` describes; Veracity's durable assertions are added to it.

    Raises:
        InputError: Missing or unreadable input; UnsupportedFormatError for other types.
        UsageError: ``dst``'s extension names another format than ``src``'s.
        ConfigError: No identity. CredentialError: c2pa refused to sign.
        StoreError: The manifest store is unreachable (nothing is written then).
    """
    src_path, dst_path = check_input_file(src, default_limits()), Path(dst)
    check_media(src_path)  # the limits and truncation checks every other command applies
    mime = mime_for(src_path)
    if mime == FRAGMENT_MIME:
        raise UnsupportedFormatError(
            f"{src_path}: a fragmented-MP4 segment cannot be signed on its own; "
            "sign the whole video"
        )
    check_output_suffix(dst_path, mime)
    parent_path = check_input_file(parent, default_limits()) if parent is not None else None
    identity = identity or load_identity()
    base = spec or ManifestSpec(title=_text(dst_path.name))
    spec = dataclasses.replace(base, has_parent=parent_path is not None)
    if not durable:
        with atomic_output(dst_path, force=force) as tmp:
            builder = _build(spec, parent_path, definition)
            manifest = _embed(builder, identity, mime, src_path, tmp)
        return SignResult(dst_path, mime, _signer_name(identity.chain_pem), len(manifest))
    if dst_path.exists() and not force:
        raise OutputExistsError(f"{dst_path}: output exists (use --force to overwrite)")
    owned = store is None or isinstance(store, str | Path)
    db: ManifestStore = (
        open_store(store) if store is None or isinstance(store, str | Path) else store
    )
    try:
        return _sign_durable(
            src_path,
            dst_path,
            mime,
            identity,
            spec,
            parent_path,
            db,
            (watermark_key, quality, force),
            definition,
        )
    finally:
        if owned:
            db.close()


def _sign_durable(
    src: Path,
    dst: Path,
    mime: str,
    identity: SigningIdentity,
    spec: ManifestSpec,
    parent: Path | None,
    db: ManifestStore,
    options: tuple[str, int, bool],
    definition: dict[str, Any] | None,
) -> SignResult:
    key, quality, force = options
    signer = _signer_name(identity.chain_pem)
    with _durable_copy(src, mime, key, quality) as marked:
        spec = dataclasses.replace(
            spec,
            manifest_id=marked.manifest_id,
            fingerprints=marked.fingerprints,
            watermark_alg=marked.alg,
            block_hash=marked.block_hash,
        )
        with atomic_output(dst, force=force) as tmp:
            manifest = _embed(_build(spec, parent, definition), identity, mime, marked.content, tmp)
            record = ManifestRecord(
                store_id(marked.manifest_id),
                manifest,
                mime,
                marked.fingerprints,
                spec.title,
                signer,
            )
            db.put(record)  # before the rename: a store failure leaves no output
    return SignResult(
        dst,
        mime,
        signer,
        len(manifest),
        record.manifest_id,
        marked.fingerprints[0].hex() if marked.fingerprints else None,
        db.url,
    )
