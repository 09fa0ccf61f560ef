"""Run every registered detector of a file's modality and fuse the results."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from veracity.detect.base import EvidenceSink
from veracity.detect.catalog import check_detector_names, detector_registry, detectors_for
from veracity.detect.fusion import Decision, fuse_scores, fusion_weights, label_for
from veracity.errors import UnsupportedFormatError
from veracity.media.handle import MediaFile
from veracity.media.limits import Limits
from veracity.media.loaders import load_for_detection
from veracity.results import Detection

__all__ = ["detect_file", "run_detectors"]


def detect_file(
    path: str | os.PathLike[str],
    *,
    evidence_dir: str | os.PathLike[str] | None = None,
    limits: Limits | None = None,
    decision: Decision | None = None,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Detection:
    """Analyse one file with the detectors registered for its modality.

    Args:
        path: Image, video or audio file.
        evidence_dir: If given, detectors write evidence pictures there.
        limits: Input limits.
        decision: Threshold and uncertain band for the label.
        only: Restrict to these detector names.
        progress: Called with each detector's name as it starts (progress bars).

    Raises:
        InputError: The file cannot be used (see :mod:`veracity.errors`).
        UsageError: ``only`` names an unknown detector.
    """
    media = MediaFile.open(path, limits)
    return run_detectors(
        media, evidence_dir=evidence_dir, decision=decision, only=only, progress=progress
    )


def run_detectors(
    media: MediaFile,
    *,
    evidence_dir: str | os.PathLike[str] | None = None,
    decision: Decision | None = None,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Detection:
    """Analyse an opened input with the detectors registered for its modality.

    Arguments and errors are those of :func:`detect_file`; the input is decoded under
    ``media.limits``.
    """
    decision = decision or Decision()
    p, modality = media.path, media.modality
    detectors = detectors_for(modality, include_optional=bool(only))
    if only:
        check_detector_names(only)
        wanted = {detector_registry().resolve(n) for n in only}
        detectors = [d for d in detectors if d.name in wanted]
    if not detectors:
        raise UnsupportedFormatError(f"{p}: no detector is available for {modality} files")
    decoded = load_for_detection(media)
    sink = EvidenceSink(Path(evidence_dir), p.name) if evidence_dir is not None else None
    results = []
    for d in detectors:
        if progress is not None:
            progress(d.name)
        results.append((d.name, d.analyze(decoded, sink)))
    scores = tuple(s for _, s in results if s is not None)
    abstained = [name for name, s in results if s is None]
    fused = fuse_scores(scores, fusion_weights(scores))
    details: dict[str, object] = {"abstained": abstained} if abstained else {}
    cut = _truncation(decoded)
    if cut is not None:
        details["truncated"] = cut
    if not scores:
        # Nothing scored (silence, no face, too short): say so instead of a bare 0.5.
        details["note"] = _abstain_reason(modality)
    return Detection(
        path=str(p),
        modality=modality,
        score=fused,
        label=label_for(fused, decision),
        detectors=scores,
        threshold=decision.threshold,
        uncertain_band=(decision.uncertain_low, decision.uncertain_high),
        details=details,
    )


def _truncation(media: object) -> dict[str, float | str] | None:
    """A decoded FLAC/WAV that is shorter than its header declares (a cut download)."""
    from veracity.media.audio import AudioClip, truncation

    if not isinstance(media, AudioClip) or media.samples is None:
        return None  # streamed long files are not decoded up front
    return truncation(media.path, media.info, media.duration_s)


def _abstain_reason(modality: str) -> str:
    return {
        "audio": "no speech found: silence, noise only, or under 1 s of sound",
        "video": "no usable face or frames found",
        "image": "nothing the image detectors analyse was found",
    }.get(modality, "nothing the detectors analyse was found")
