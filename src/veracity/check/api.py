"""``check_file``: credentials, watermark and detection of one file, fused into a verdict."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from veracity.check.options import CheckOptions
from veracity.check.result import CheckModality, CheckResult, ComponentNote
from veracity.check.rules import decide
from veracity.check.sources import read_credentials, read_watermark, run_detection
from veracity.errors import UnsupportedFormatError
from veracity.media.handle import MediaFile
from veracity.media.probe import DOCUMENT_HEAD, sniff_document
from veracity.results import Detection, WatermarkReading

__all__ = ["check_file"]


def _renamed_notes(
    notes: tuple[ComponentNote | None, ...], actual: str, shown: str
) -> tuple[ComponentNote, ...]:
    """Drop empty notes; name the file as the caller does (not a server temp path)."""
    return tuple(
        dataclasses.replace(n, message=n.message.replace(actual, shown))
        for n in notes
        if n is not None
    )


_DOCUMENT_NAMES = {
    "pdf": "PDF",
    "svg": "SVG",
    "jxl": "JPEG XL",
    "fragment": "fragmented-MP4 segment",
}


def _modality(media: MediaFile) -> tuple[CheckModality, str | None]:
    """The file's modality, and the document format when no codec of ours decodes it.

    Raises:
        UnsupportedFormatError: Neither media nor a format that carries credentials.
    """
    try:
        return media.modality, None
    except UnsupportedFormatError:
        doc = sniff_document(media.head(DOCUMENT_HEAD))
        if doc is None:
            raise
        return ("image" if doc in ("svg", "jxl") else "document"), doc


def _abstain(doc: str) -> tuple[None, ComponentNote, None, ComponentNote]:
    name = _DOCUMENT_NAMES[doc]
    return (
        None,
        ComponentNote("watermark", "not-available", f"no watermark codec decodes {name} files"),
        None,
        ComponentNote("detection", "not-available", f"no detector decodes {name} files"),
    )


def _evidence(
    media: MediaFile, options: CheckOptions, doc: str | None, ev: Path | None
) -> tuple[WatermarkReading | None, ComponentNote | None, Detection | None, ComponentNote | None]:
    if doc is not None:
        return _abstain(doc)
    watermark, wm_note = read_watermark(media, options)
    detection, det_note = run_detection(media, options, ev)
    return watermark, wm_note, detection, det_note


def _truncation_note(
    watermark: WatermarkReading | None, detection: Detection | None
) -> ComponentNote | None:
    """A cut FLAC/WAV was analysed only as far as it decodes: say so once."""
    for details in (detection.details if detection else {}, watermark.details if watermark else {}):
        cut = details.get("truncated")
        if isinstance(cut, dict):
            return ComponentNote("media", "warning", str(cut["message"]))
    return None


def check_file(
    path: str | os.PathLike[str],
    options: CheckOptions | None = None,
    *,
    evidence_dir: str | os.PathLike[str] | None = None,
    display_name: str | None = None,
) -> CheckResult:
    """Check one file and return its verdict with the evidence behind it.

    Args:
        path: Image, video or audio file, or a PDF, SVG, JPEG XL file or fragmented-MP4
            segment (only its credentials are checked; watermark and detectors abstain
            with a note).
        options: Key, store, trust anchors and limits (defaults when None).
        evidence_dir: If given, detectors write evidence pictures there.
        display_name: Name to report instead of ``path`` (e.g. an upload's file name).

    Returns:
        The :class:`CheckResult`; components that are not installed or do not support the
        modality are listed in ``notes`` and left out of the verdict.

    Raises:
        InputError: The file is missing, empty, too large, not media, or undecodable.
        VeracityError: An environment problem (missing model, store unreachable).
    """
    options = options or CheckOptions()
    media = MediaFile.open(path, options.limits)
    modality, doc = _modality(media)
    ev = Path(evidence_dir) if evidence_dir is not None else None
    watermark, wm_note, detection, det_note = _evidence(media, options, doc, ev)
    credentials, cred_note = read_credentials(media, options, watermark)
    verdict, reasons = decide(credentials, watermark, detection)
    shown = display_name if display_name is not None else str(path)
    media_note = _truncation_note(watermark, detection)
    notes = _renamed_notes((media_note, cred_note, wm_note, det_note), media.name, shown)
    if detection is not None and display_name is not None:
        detection = dataclasses.replace(detection, path=shown)
    return CheckResult(
        path=shown,
        modality=modality,
        verdict=verdict,
        reasons=reasons,
        credentials=credentials,
        watermark=watermark,
        detection=detection,
        notes=notes,
        sha256=media.sha256(),
        size=media.size,
    )
