"""Run the three sources of evidence on one file, turning "not available" into notes.

A component is *not available* when its package is missing, it has no support for the
file's modality, or it cannot apply to this file (audio too short to carry a watermark);
that becomes a :class:`ComponentNote` and the check goes on. Damaged
input (``CorruptMediaError``, ``LimitExceededError``) and environment errors (missing
model, store down) are not hidden: they propagate and fail the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from veracity.check.options import CheckOptions
from veracity.check.result import ComponentNote
from veracity.errors import (
    CorruptMediaError,
    CredentialError,
    InputError,
    LimitExceededError,
    UnsupportedFormatError,
)
from veracity.results import CredentialReport, Detection, WatermarkReading

if TYPE_CHECKING:
    from veracity.media.handle import MediaFile

__all__ = ["read_credentials", "read_watermark", "run_detection"]


def _missing(component: str, exc: BaseException) -> ComponentNote:
    if isinstance(exc, ImportError):
        message = f"{component} support is not installed in this build ({exc.name or exc})"
    else:
        message = str(exc)
    return ComponentNote(component, "not-available", message)


def _credential_kwargs(options: CheckOptions) -> dict[str, Any]:
    return {
        "limits": options.limits,
        "watermark_key": options.key,
        "store": options.store,
        "trust": [options.trust] if options.trust is not None else [],
    }


def read_credentials(
    media: MediaFile, options: CheckOptions, watermark: WatermarkReading | None = None
) -> tuple[CredentialReport | None, ComponentNote | None]:
    """Verify Content Credentials, including recovery through watermark or fingerprint.

    ``watermark`` is the file's image-watermark reading under ``options.key``, if already
    made; recovery then reuses it instead of reading the image again.
    """
    try:
        from veracity.credentials import verify_file
    except ImportError as exc:
        return None, _missing("credentials", exc)
    reuse = watermark  # the reading under options.key, whatever the modality
    try:
        return verify_file(media, **_credential_kwargs(options), watermark_reading=reuse), None
    except UnsupportedFormatError as exc:
        return None, _missing("credentials", exc)
    except CredentialError as exc:
        return None, ComponentNote("credentials", "error", str(exc))


def read_watermark(
    media: MediaFile, options: CheckOptions
) -> tuple[WatermarkReading | None, ComponentNote | None]:
    """Read the invisible watermark with the configured key."""
    try:
        from veracity.watermark import api as watermark_api
    except ImportError as exc:
        return None, _missing("watermark", exc)
    try:
        return watermark_api.read_watermark(media, key=options.key), None
    except (CorruptMediaError, LimitExceededError):
        raise
    except (InputError, ImportError) as exc:
        # e.g. no codec for the modality, or audio too short to carry a mark
        return None, _missing("watermark", exc)


def run_detection(
    media: MediaFile, options: CheckOptions, evidence_dir: Path | None
) -> tuple[Detection | None, ComponentNote | None]:
    """Run the passive detectors registered for the file's modality."""
    from veracity.detect import api as detect_api

    try:
        found = detect_api.run_detectors(media, evidence_dir=evidence_dir, only=options.detectors)
        return found, None
    except (CorruptMediaError, LimitExceededError):
        raise
    except (InputError, ImportError) as exc:
        # e.g. no detector for the modality, or the file is too small for them
        return None, _missing("detection", exc)
