"""The result of ``veracity check``: one verdict per file with its evidence."""

from __future__ import annotations

import dataclasses
from typing import Literal, get_args

from veracity.results import CredentialReport, Detection, Modality, WatermarkReading

# ``document``: PDF, or a fragmented-MP4 segment; only credentials apply to it.
CheckModality = Modality | Literal["document"]

__all__ = ["VERDICTS", "CheckResult", "ComponentNote", "Verdict"]

Verdict = Literal[
    "tampered",
    "signed-then-altered",
    "ai-generated-declared",
    "authentic-signed",
    "likely-manipulated",
    "watermarked",
    "uncertain",
    "no-evidence",
]

#: Every verdict, in the order of the rule table (see :mod:`veracity.check.rules`).
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)


@dataclasses.dataclass(frozen=True)
class ComponentNote:
    """Why one part of the check (credentials, watermark, detection) gave no result,
    or what limits a result (the file itself).

    Attributes:
        component: ``credentials``, ``watermark``, ``detection`` or ``media``.
        status: ``not-available`` (not installed or no support for this modality),
            ``error`` (it ran and failed on this file) or ``warning`` (it ran on what
            could be read, e.g. the decoded part of a truncated file).
        message: One human-readable line.
    """

    component: str
    status: Literal["not-available", "error", "warning"]
    message: str


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Everything ``check`` found about one file, fused into one verdict.

    Attributes:
        path: The file as named by the caller (an upload's client file name in the service).
        modality: image, video, audio or document (sniffed from content).
        verdict: The fused verdict (see :data:`VERDICTS`).
        reasons: Human-readable sentences explaining the verdict, most important first.
        credentials: Content Credentials verification, or None when unavailable.
        watermark: Watermark reading, or None when unavailable.
        detection: Passive detection, or None when unavailable.
        notes: Components that gave no result, and why.
        sha256: Hex digest of the file's bytes.
        size: File size in bytes.
    """

    path: str
    modality: CheckModality
    verdict: Verdict
    reasons: tuple[str, ...]
    credentials: CredentialReport | None
    watermark: WatermarkReading | None
    detection: Detection | None
    notes: tuple[ComponentNote, ...] = ()
    sha256: str = ""
    size: int = 0
