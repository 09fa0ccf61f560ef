"""``face-video``: face swap detection for videos, aggregated over face tracks.

Per sampled frame, faces are detected, tracked and scored by the same model as
``face-blend``; a track's score is the mean of its per-frame log-odds and the video's
score is its most suspicious track. Blinks, a remote pulse estimate and score flicker
are reported as evidence only (they did not improve held-out AUC; see README).
"""

from __future__ import annotations

import logging
from typing import Any

from veracity.detect.base import EvidenceSink
from veracity.faces.detect import FaceDetector
from veracity.faces.model import load_face_model
from veracity.faces.video_analysis import FaceVideoOptions, TrackResult, VideoFaces, analyze_video
from veracity.report.evidence.faces import (
    save_blink_plot,
    save_face_heatmap,
    save_pulse_plot,
    save_timeline,
)
from veracity.results import DetectorScore, Modality

__all__ = ["FaceVideoDetector"]

_log = logging.getLogger(__name__)


def _track_details(t: TrackResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "track": t.track_id,
        "score": round(t.score, 4),
        "samples": len(t.times),
        "start_s": round(float(t.times[0]), 3),
        "end_s": round(float(t.times[-1]), 3),
        "temporal_inconsistency": round(t.flicker, 4),
        "timeline": [
            [round(float(a), 3), round(float(b), 4)]
            for a, b in zip(t.times, t.probabilities, strict=True)
        ],
    }
    if t.blink is not None:
        out["blinks"] = {"count": t.blink.blinks, "per_minute": round(t.blink.per_minute, 1)}
    if t.pulse is not None:
        out["pulse"] = {"bpm": round(t.pulse.bpm, 1), "snr_db": round(t.pulse.snr_db, 2)}
    return out


def _write_evidence(name: str, found: VideoFaces, sink: EvidenceSink) -> list[str]:
    series = [(f"face {t.track_id}", t.times, t.probabilities) for t in found.tracks]
    paths = [save_timeline(sink.path(name, "timeline"), series)]
    for t in found.tracks[:4]:
        tag = f"track{t.track_id}"
        paths.append(save_face_heatmap(sink.path(name, f"{tag}.worst"), t.best_crop, t.best_xray))
        if t.blink is not None:
            paths.append(
                save_blink_plot(
                    sink.path(name, f"{tag}.blinks"),
                    t.ear_times,
                    t.ear,
                    t.blink.threshold,
                    t.blink.blink_times,
                )
            )
        if t.pulse is not None:
            paths.append(save_pulse_plot(sink.path(name, f"{tag}.pulse"), t.pulse))
    return paths


class FaceVideoDetector:
    """Video detector over face tracks; abstains when no face is large enough."""

    name = "face-video"
    modality: Modality = "video"

    def __init__(self, options: FaceVideoOptions | None = None) -> None:
        self.options = options or FaceVideoOptions()
        self._detector = FaceDetector()

    def analyze(self, media: Any, evidence: EvidenceSink | None = None) -> DetectorScore | None:
        """Score a :class:`~veracity.media.video.Video`; None when no usable face appears."""
        found = analyze_video(media, load_face_model(), self._detector, self.options)
        if found.score is None:
            why = (
                f"{found.too_small} face detection(s), all smaller than {self.options.min_face} px"
                if found.too_small
                else "no face found"
            )
            _log.info(
                "%s: %s in %d sampled frames; the face detector abstains",
                self.name,
                why,
                found.samples,
            )
            return None
        details = {
            "sampled_frames": found.samples,
            "sample_fps": round(found.sample_fps, 3),
            "faces_scored": found.faces_seen,
            "faces_too_small": found.too_small,
            "rotation": media.info.rotation,
            "decode_errors": media.decode_errors,
            "tracks": [_track_details(t) for t in found.tracks],
        }
        paths = _write_evidence(self.name, found, evidence) if evidence is not None else []
        return DetectorScore(self.name, float(found.score), details, tuple(paths))
