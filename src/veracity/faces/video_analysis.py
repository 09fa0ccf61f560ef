"""Face-track analysis of a video: per-frame scores, tracks, aggregation and temporal cues.

Sampling strategy: frames are taken evenly in presentation time at ``sample_fps``
(10 per second by default, enough for blinks and a pulse estimate); for videos longer
than ``max_samples / sample_fps`` seconds the rate drops so that at most ``max_samples``
frames are analysed, and blink/pulse cues are skipped below 8 samples per second.
Memory stays bounded: frames are streamed, and each track keeps only per-sample numbers
plus its single most suspicious crop.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from veracity.faces.align import aligned_crop
from veracity.faces.analyze import MIN_FACE_PX
from veracity.faces.detect import Face, FaceDetector, shifted
from veracity.faces.landmarks import MeshLandmarker, eye_aspect_ratio, mesh_available
from veracity.faces.model import FaceBlendModel
from veracity.faces.temporal import (
    BlinkReport,
    PulseReport,
    blink_report,
    pulse_report,
    score_flicker,
    skin_mean_rgb,
)
from veracity.faces.track import FaceTracker, iou
from veracity.media.video import Video, VideoOptions

__all__ = ["FaceVideoOptions", "TrackResult", "VideoFaces", "analyze_video", "track_score"]

_CUE_MIN_FPS = 8.0
_ROI_SIDE = 256


@dataclasses.dataclass(frozen=True)
class FaceVideoOptions:
    """Settings of the video face analysis (defaults meet the 10 s-per-10 s budget)."""

    sample_fps: float = 10.0
    max_samples: int = 600
    max_side: int = 960
    min_face: int = MIN_FACE_PX
    max_faces: int = 4
    min_track: int = 3
    cues: bool = True
    # Whole-frame detection every N samples (finds new faces); in between, faces are
    # searched only around live tracks, which is several times cheaper.
    full_detect_every: int = 5


@dataclasses.dataclass(frozen=True, eq=False)
class TrackResult:
    """The analysis of one face track.

    Attributes:
        track_id: Track number (0-based, in order of appearance).
        times: Sample times, seconds.
        probabilities: Per-sample probability that the face was blended in.
        score: Track-level probability (mean of per-frame log-odds).
        flicker: Mean absolute change of per-frame log-odds (temporal inconsistency).
        blink: Blink analysis, when landmarks and a high enough sample rate were available.
        pulse: rPPG pulse estimate, under the same conditions.
        ear: Eye-aspect-ratio series aligned with ``ear_times`` (empty without landmarks).
        ear_times: Times of the EAR samples.
        best_crop: The crop with the highest score; ``best_xray`` its boundary map.
        best_time: Time of that crop.
    """

    track_id: int
    times: np.ndarray
    probabilities: np.ndarray
    score: float
    flicker: float
    blink: BlinkReport | None
    pulse: PulseReport | None
    ear: np.ndarray
    ear_times: np.ndarray
    best_crop: np.ndarray
    best_xray: np.ndarray
    best_time: float


@dataclasses.dataclass(frozen=True, eq=False)
class VideoFaces:
    """The face analysis of a whole video.

    Attributes:
        tracks: Tracks long enough to judge, most suspicious first.
        samples: Frames analysed.
        sample_fps: Sampling rate used.
        faces_seen: Face detections large enough to score.
        too_small: Detections skipped as too small.
        score: Video-level probability (the most suspicious track), None without faces.
    """

    tracks: tuple[TrackResult, ...]
    samples: int
    sample_fps: float
    faces_seen: int
    too_small: int
    score: float | None


def track_score(probabilities: np.ndarray) -> float:
    """Aggregate per-frame probabilities of one track: mean log-odds, back to a probability."""
    p = np.clip(probabilities.astype(np.float64), 1e-4, 1 - 1e-4)
    z = float(np.mean(np.log(p / (1 - p))))
    return 1.0 / (1.0 + np.exp(-z))


@dataclasses.dataclass
class _Acc:
    times: list[float] = dataclasses.field(default_factory=list)
    probs: list[float] = dataclasses.field(default_factory=list)
    cue_times: list[float] = dataclasses.field(default_factory=list)
    ears: list[float] = dataclasses.field(default_factory=list)
    skin: list[np.ndarray] = dataclasses.field(default_factory=list)
    best: tuple[float, float, np.ndarray, np.ndarray] | None = None


class _Run:
    """Mutable state of one analysis pass (kept out of the public result types)."""

    def __init__(
        self, model: FaceBlendModel, detector: FaceDetector, opts: FaceVideoOptions
    ) -> None:
        self.model, self.detector = model, detector
        self.full_every = max(1, opts.full_detect_every)
        self.mesh = MeshLandmarker() if opts.cues and mesh_available() else None
        self.tracker = FaceTracker()
        self.accs: dict[int, _Acc] = {}
        self.faces_seen = self.too_small = 0

    def detect(self, sample: int, rgb: np.ndarray) -> list[Face]:
        """Full-frame detection every few samples; cheap search around live tracks otherwise."""
        live = [t for t in self.tracker.tracks if sample - t.last_sample <= 1]
        if sample % self.full_every == 0 or not live:
            return self.detector.detect(rgb)
        h, w = rgb.shape[:2]
        found: list[Face] = []
        for track in live:
            x, y, bw, bh = track.last_box
            half = max(bw, bh)
            x0, y0 = max(0, int(x + bw / 2 - half)), max(0, int(y + bh / 2 - half))
            x1, y1 = min(w, int(x + bw / 2 + half)), min(h, int(y + bh / 2 + half))
            if x1 - x0 < 8 or y1 - y0 < 8:
                continue
            for face in self.detector.detect(rgb[y0:y1, x0:x1], max_side=_ROI_SIDE)[:1]:
                face = shifted(face, x0, y0)
                if all(iou(face.box, other.box) < 0.5 for other in found):
                    found.append(face)
        return found

    def add_frame(self, sample: int, t: float, rgb: np.ndarray, keep: list[Face]) -> None:
        ids = self.tracker.update(sample, t, keep)
        if not keep:
            return
        crops = np.stack([aligned_crop(rgb, f.points) for f in keep])
        pred = self.model.predict(crops)
        for tid, face, p, crop, xray in zip(
            ids, keep, pred.probability, crops, pred.xray, strict=True
        ):
            acc = self.accs.setdefault(tid, _Acc())
            acc.times.append(t)
            acc.probs.append(float(p))
            if acc.best is None or p > acc.best[0]:
                acc.best = (float(p), t, crop, xray)
            if self.mesh is not None:
                self._cues(acc, rgb, face, t)

    def _cues(self, acc: _Acc, rgb: np.ndarray, face: Face, t: float) -> None:
        assert self.mesh is not None
        lms = self.mesh.landmarks(rgb, face.points)
        if lms is None:
            return
        acc.cue_times.append(t)
        acc.ears.append(eye_aspect_ratio(lms))
        acc.skin.append(skin_mean_rgb(rgb, lms, radius=face.size * 0.06))


def _finish_track(tid: int, acc: _Acc, fps: float) -> TrackResult:
    times, probs = np.array(acc.times), np.array(acc.probs, dtype=np.float32)
    ct, ears = np.array(acc.cue_times), np.array(acc.ears)
    blink = pulse = None
    if fps >= _CUE_MIN_FPS and len(ct):
        blink = blink_report(ct, ears)
        pulse = pulse_report(ct, np.array(acc.skin))
    assert acc.best is not None
    return TrackResult(
        track_id=tid,
        times=times,
        probabilities=probs,
        score=track_score(probs),
        flicker=score_flicker(probs),
        blink=blink,
        pulse=pulse,
        ear=ears,
        ear_times=ct,
        best_crop=acc.best[2],
        best_xray=acc.best[3],
        best_time=acc.best[1],
    )


def analyze_video(
    video: Video,
    model: FaceBlendModel,
    detector: FaceDetector,
    options: FaceVideoOptions | None = None,
) -> VideoFaces:
    """Analyse every sampled frame's faces and aggregate them per track.

    The video-level score is the score of the most suspicious track, because one
    swapped face makes the whole video manipulated.
    """
    opts = options or FaceVideoOptions()
    fps = opts.sample_fps
    if video.info.duration_s * fps > opts.max_samples:
        fps = max(opts.max_samples / max(video.info.duration_s, 1e-6), 0.2)
    run = _Run(model, detector, opts)
    sampling = VideoOptions(sample_fps=fps, max_side=opts.max_side)
    samples = 0
    for samples, frame in enumerate(video.frames(sampling), start=1):
        faces = run.detect(samples - 1, frame.rgb)
        keep = [f for f in faces if f.size / frame.scale >= opts.min_face][: opts.max_faces]
        run.faces_seen += len(keep)
        run.too_small += len(faces) - len(keep)
        run.add_frame(samples - 1, frame.time_s, frame.rgb, keep)
    if run.mesh is not None:
        run.mesh.close()
    tracks = [_finish_track(t, a, fps) for t, a in run.accs.items()]
    long_enough = [t for t in tracks if len(t.times) >= opts.min_track] or tracks
    long_enough.sort(key=lambda t: -t.score)
    score = long_enough[0].score if long_enough else None
    return VideoFaces(tuple(long_enough), samples, fps, run.faces_seen, run.too_small, score)
