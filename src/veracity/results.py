"""Result types that cross module boundaries, and their one JSON serialiser.

Results are frozen dataclasses. :func:`to_dict` turns any of them (nested, with
numpy scalars, paths, bytes and enums) into plain JSON-ready data, so every
command prints the same shapes.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

__all__ = [
    "CredentialReport",
    "Detection",
    "DetectorScore",
    "Label",
    "Modality",
    "WatermarkReading",
    "to_dict",
    "to_json",
]

Modality = Literal["image", "video", "audio"]
Label = Literal["real", "fake", "uncertain"]


@dataclasses.dataclass(frozen=True)
class DetectorScore:
    """One detector's calibrated opinion about one file.

    Attributes:
        name: Registered detector name.
        score: Probability in [0, 1] that the content is manipulated or synthetic.
        details: Detector-specific, JSON-serialisable facts (e.g. per-frame scores).
        evidence: Paths of evidence files written for this detector.
    """

    name: str
    score: float
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    evidence: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Detection:
    """The fused passive-detection result for one file."""

    path: str
    modality: Modality
    score: float
    label: Label
    detectors: tuple[DetectorScore, ...]
    threshold: float = 0.5
    uncertain_band: tuple[float, float] = (0.35, 0.65)
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    evidence: tuple[str, ...] = ()

    @property
    def abstain_note(self) -> str:
        """Why no detector scored this file: ``details["note"]``, or a generic reason."""
        return str(self.details.get("note") or "nothing the detectors analyse was found")


@dataclasses.dataclass(frozen=True)
class WatermarkReading:
    """What a watermark detector read from one file.

    Attributes:
        detected: True when a valid mark for the key was found.
        payload: The recovered user payload as lowercase hex, or None.
        p_value: Probability that an unmarked file yields a reading at least this strong.
        confidence: Detector-specific strength (for ROC curves), larger is stronger.
        modality: image, video or audio.
        details: Codec-specific facts (estimated rotation/scale, marked segments...).
    """

    detected: bool
    payload: str | None
    p_value: float
    confidence: float = 0.0
    modality: Modality = "image"
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)


CredentialState = Literal["none", "valid", "trusted", "invalid"]
RecoveredVia = Literal["embedded", "watermark", "fingerprint"]


@dataclasses.dataclass(frozen=True)
class CredentialReport:
    """What verifying a file's Content Credentials found.

    Attributes:
        state: none (no manifest found), valid (well-formed, signer not trusted),
            trusted (valid and the signer chains to a trust anchor), invalid.
        codes: C2PA validation status codes (e.g. ``assertion.dataHash.mismatch``).
        manifest: The active manifest as reported by c2pa (a JSON object), or None.
        recovered_via: How the manifest was found: embedded, watermark, fingerprint, or None.
        signer: Signer's common name / issuer, if any.
        ai_generated: True when the actions declare trainedAlgorithmicMedia or similar.
        details: Timestamps, actions, ingredient chain and other facts.
    """

    state: CredentialState
    codes: tuple[str, ...] = ()
    manifest: Mapping[str, Any] | None = None
    recovered_via: RecoveredVia | None = None
    signer: str | None = None
    ai_generated: bool | None = None
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def _convert(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _convert(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return _convert(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, np.generic):
        return _convert(value.item())
    if isinstance(value, np.ndarray):
        return _convert(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _convert(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_convert(v) for v in value]
    return value


def to_dict(result: Any) -> Any:
    """Convert a result dataclass (or nested data) to JSON-ready Python data."""
    return _convert(result)


def to_json(result: Any, *, indent: int | None = None) -> str:
    """Serialise a result to a JSON string (non-finite floats become null)."""
    return json.dumps(to_dict(result), indent=indent, sort_keys=False, allow_nan=False)
