"""Greedy IoU tracking of face boxes across sampled frames."""

from __future__ import annotations

import dataclasses

import numpy as np

from veracity.faces.detect import Face

__all__ = ["FaceTracker", "Track", "iou"]


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two ``(x, y, w, h)`` boxes."""
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0.0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


@dataclasses.dataclass
class Track:
    """One face followed over time: the sample indices and faces it was seen in."""

    track_id: int
    samples: list[int] = dataclasses.field(default_factory=list)
    times: list[float] = dataclasses.field(default_factory=list)
    faces: list[Face] = dataclasses.field(default_factory=list)
    last_sample: int = -1

    @property
    def last_box(self) -> tuple[float, float, float, float]:
        return self.faces[-1].box


class FaceTracker:
    """Associates each frame's faces with existing tracks by box overlap.

    Args:
        min_iou: Minimum overlap to continue a track.
        max_gap: A track unseen for more than this many samples is closed.
    """

    def __init__(self, min_iou: float = 0.3, max_gap: int = 5) -> None:
        self.min_iou = min_iou
        self.max_gap = max_gap
        self.tracks: list[Track] = []

    def update(self, sample: int, time_s: float, faces: list[Face]) -> list[int]:
        """Add one sample's faces; returns the track id given to each face."""
        live = [t for t in self.tracks if sample - t.last_sample <= self.max_gap]
        pairs = sorted(
            (
                (iou(t.last_box, f.box), ti, fi)
                for ti, t in enumerate(live)
                for fi, f in enumerate(faces)
            ),
            reverse=True,
        )
        assigned: dict[int, int] = {}
        used_tracks: set[int] = set()
        for overlap, ti, fi in pairs:
            if overlap < self.min_iou or fi in assigned or ti in used_tracks:
                continue
            assigned[fi] = live[ti].track_id
            used_tracks.add(ti)
        ids = []
        for fi, face in enumerate(faces):
            if fi not in assigned:
                self.tracks.append(Track(track_id=len(self.tracks)))
                assigned[fi] = self.tracks[-1].track_id
            track = self.tracks[assigned[fi]]
            track.samples.append(sample)
            track.times.append(time_s)
            track.faces.append(face)
            track.last_sample = sample
            ids.append(track.track_id)
        return ids

    def sizes(self) -> np.ndarray:
        """Number of samples per track."""
        return np.array([len(t.samples) for t in self.tracks], dtype=int)
