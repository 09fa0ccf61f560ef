"""The face-blend (image) and face-video detectors, with the shipped ONNX model."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veracity.detect.base import EvidenceSink
from veracity.detect.catalog import detector_registry
from veracity.detect.face_blend import FaceBlendDetector
from veracity.detect.face_video import FaceVideoDetector
from veracity.faces.align import template
from veracity.faces.detect import Face
from veracity.faces.video_analysis import FaceVideoOptions
from veracity.media.image import load_image
from veracity.media.limits import Limits
from veracity.media.video import open_video
from veracity.synth.samples import natural_image
from videogen import write_video


class StubDetector:
    """Stands in for YuNet: returns fixed faces (the tests have no real face photos)."""

    def __init__(self, sizes: tuple[float, ...] = (96.0,), step: float = 0.0) -> None:
        self.sizes, self.step, self.calls = sizes, step, 0

    def detect(self, rgb: np.ndarray, max_side: int | None = None) -> list[Face]:
        faces = []
        for i, size in enumerate(self.sizes):
            x, y = 8 + i * (size + 4) + self.calls * self.step, 10.0
            pts = template(int(size)) + np.array([x, y], dtype=np.float32)
            faces.append(Face((x, y, size, size), pts, 0.95))
        self.calls += 1
        return faces


def _image(tmp_path: Path, h: int = 240, w: int = 320) -> object:
    path = tmp_path / "img.png"
    Image.fromarray(natural_image(h, w, seed=2)).save(path)
    return load_image(path, Limits())


def test_registered_for_image_and_video() -> None:
    registry = detector_registry()
    assert registry.get("face-blend").modality == "image"
    assert registry.get("face-video").modality == "video"


def test_image_without_face_abstains(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        assert FaceBlendDetector().analyze(_image(tmp_path)) is None
    assert "no face found" in caplog.text


def test_tiny_faces_abstain_with_reason(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    det = FaceBlendDetector()
    det._detector = StubDetector(sizes=(20.0,))  # type: ignore[assignment]
    with caplog.at_level(logging.INFO):
        assert det.analyze(_image(tmp_path)) is None
    assert "smaller than 40 px" in caplog.text


@pytest.mark.parametrize("shape", [(240, 320), (97, 333), (301, 129)])
def test_many_faces_scored_with_evidence(tmp_path: Path, shape: tuple[int, int]) -> None:
    det = FaceBlendDetector()
    det._detector = StubDetector(sizes=(48.0, 56.0, 60.0))  # type: ignore[assignment]
    sink = EvidenceSink(tmp_path / "ev", "img.png")
    result = det.analyze(_image(tmp_path, *shape), sink)
    assert result is not None and 0.0 <= result.score <= 1.0 and np.isfinite(result.score)
    assert len(result.details["faces"]) == 3
    assert result.score == pytest.approx(
        max(f["probability"] for f in result.details["faces"]), abs=1e-4
    )
    assert len(result.evidence) == 3 and all(Path(p).is_file() for p in result.evidence)


def test_video_tracks_timeline_and_evidence(tmp_path: Path) -> None:
    frames = [natural_image(160, 256, seed=i % 3) for i in range(20)]
    video = open_video(write_video(tmp_path / "v.mp4", frames, fps=10))
    det = FaceVideoDetector(FaceVideoOptions(cues=False, full_detect_every=1))
    det._detector = StubDetector(sizes=(64.0, 64.0), step=1.0)  # type: ignore[assignment]
    result = det.analyze(video, EvidenceSink(tmp_path / "ev", "v.mp4"))
    assert result is not None and 0.0 <= result.score <= 1.0
    tracks = result.details["tracks"]
    assert len(tracks) == 2 and all(t["samples"] == 20 for t in tracks)
    assert result.score == pytest.approx(max(t["score"] for t in tracks), abs=1e-4)
    assert any(p.endswith("timeline.png") for p in result.evidence)
    assert all(Path(p).is_file() for p in result.evidence)


def test_video_without_face_abstains(tmp_path: Path) -> None:
    frames = [natural_image(96, 128, seed=i) for i in range(8)]
    video = open_video(write_video(tmp_path / "v.mp4", frames, fps=8))
    assert FaceVideoDetector().analyze(video) is None


class CentredStub:
    """Returns one face in the middle of whatever image (frame or search window) it gets."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, int]] = []

    def detect(self, rgb: np.ndarray, max_side: int | None = None) -> list[Face]:
        h, w = rgb.shape[:2]
        self.shapes.append((h, w))
        size = 64.0
        x, y = w / 2 - size / 2, h / 2 - size / 2
        pts = template(int(size)) + np.array([x, y], dtype=np.float32)
        return [Face((x, y, size, size), pts, 0.9)]


def test_video_searches_around_tracks_between_full_detections(tmp_path: Path) -> None:
    frames = [natural_image(240, 320, seed=i % 2) for i in range(20)]
    video = open_video(write_video(tmp_path / "v.mp4", frames, fps=10))
    det = FaceVideoDetector(FaceVideoOptions(cues=False, full_detect_every=5))
    stub = CentredStub()
    det._detector = stub  # type: ignore[assignment]
    result = det.analyze(video)
    assert result is not None
    assert [t["samples"] for t in result.details["tracks"]] == [20]
    assert stub.shapes.count((240, 320)) == 4  # samples 0, 5, 10, 15
    assert all(shape == (128, 128) for shape in stub.shapes if shape != (240, 320))


def test_portrait_phone_video_is_analysed_upright(tmp_path: Path) -> None:
    frames = [natural_image(180, 320, seed=i % 2) for i in range(10)]
    video = open_video(write_video(tmp_path / "p.mp4", frames, fps=10, rotation=90))
    det = FaceVideoDetector(FaceVideoOptions(cues=False, full_detect_every=1))
    stub = CentredStub()
    det._detector = stub  # type: ignore[assignment]
    result = det.analyze(video)
    assert result is not None and result.details["rotation"] == 90
    assert set(stub.shapes) == {(320, 180)}
