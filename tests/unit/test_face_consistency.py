"""Inside-versus-outside face features and the face-consistency detector, on generated images."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import load_model
from veracity.detect.catalog import detector_registry
from veracity.detect.face_consistency import FaceConsistencyDetector
from veracity.detect.face_consistency_video import FaceConsistencyVideoDetector
from veracity.faces.align import template
from veracity.faces.consistency import FEATURE_NAMES, consistency_features
from veracity.faces.consistency_model import MODEL_NAME, noise_evidence
from veracity.faces.detect import Face
from veracity.faces.regions import ellipse_distance, face_ellipse, face_regions
from veracity.media.image import LoadedImage
from veracity.media.video import open_video
from veracity.synth.samples import natural_image
from veracity.synth.selfblend import jpeg_roundtrip
from videogen import write_video

SIZE = 240
POINTS = template(96) + np.float32(72)  # a 96-px face centred in a 240-px image


def feature(x: np.ndarray, name: str) -> float:
    return float(x[FEATURE_NAMES.index(name)])


def noisy_image(sigma: float = 4.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = natural_image(SIZE, SIZE, seed=seed).astype(np.float32)
    return np.clip(base + rng.normal(0, sigma, base.shape), 0, 255).astype(np.uint8)


def inner_mask() -> np.ndarray:
    """The face inside 0.9 x its outline: where a swap replaces pixels."""
    centre, axes, angle = face_ellipse(POINTS)
    return np.asarray(ellipse_distance((SIZE, SIZE), centre, axes, angle) < 0.9)


def paste(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    out = target.copy()
    m = inner_mask()
    out[m] = source[m]
    return out


def test_regions_are_disjoint_and_nested() -> None:
    reg = face_regions(noisy_image(), POINTS)
    assert reg is not None and reg.scale == 1.0
    assert reg.origin[0] % 8 == 0 and reg.origin[1] % 8 == 0
    assert not (reg.inner & reg.band).any() and not (reg.band & reg.ring).any()
    assert reg.inner.sum() > 500 and reg.band.sum() > 500 and reg.ring.sum() > 500
    ys, xs = np.nonzero(reg.inner)
    centre = np.array([xs.mean(), ys.mean()]) + reg.origin
    assert np.linalg.norm(centre - POINTS[2]) < 20  # the inner face sits around the nose


def test_consistent_image_gives_small_noise_ratios() -> None:
    x = consistency_features(noisy_image(sigma=5.0), POINTS)
    assert x is not None and x.shape == (len(FEATURE_NAMES),)
    for name in ("noise_floor_in_vs_ring", "noise_median_in_vs_ring", "immerkaer_in_vs_ring"):
        assert abs(feature(x, name)) < 0.5, name


def test_pasted_noisier_face_raises_the_inner_noise() -> None:
    clean = noisy_image(sigma=2.0)
    swapped = paste(clean, noisy_image(sigma=12.0, seed=5))
    x0, x1 = consistency_features(clean, POINTS), consistency_features(swapped, POINTS)
    assert x0 is not None and x1 is not None
    for name in ("noise_floor_in_vs_ring", "immerkaer_in_vs_ring", "noise_floor_in"):
        assert feature(x1, name) > feature(x0, name) + 0.5, name


def test_pasted_blurred_face_lowers_inner_sharpness() -> None:
    img = noisy_image(sigma=6.0)
    swapped = paste(img, cv2.GaussianBlur(img, (0, 0), 1.5))
    x0, x1 = consistency_features(img, POINTS), consistency_features(swapped, POINTS)
    assert x0 is not None and x1 is not None
    assert feature(x1, "sharpness_in_vs_ring") < feature(x0, "sharpness_in_vs_ring") - 0.5
    assert feature(x1, "noise_floor_in_vs_band") < feature(x0, "noise_floor_in_vs_band") - 0.5


def test_off_grid_jpeg_face_has_less_blockiness_inside() -> None:
    img = noisy_image(sigma=3.0)
    aligned = jpeg_roundtrip(img, 40)
    shifted = np.roll(jpeg_roundtrip(np.roll(img, (4, 4), (0, 1)), 40), (-4, -4), (0, 1))
    x0 = consistency_features(aligned, POINTS)
    x1 = consistency_features(paste(aligned, shifted), POINTS)
    assert x0 is not None and x1 is not None
    assert feature(x0, "blockiness_ring") > 0.1  # the 8x8 grid is visible outside
    assert feature(x1, "blockiness_in_vs_ring") < feature(x0, "blockiness_in_vs_ring") - 0.1


def test_pasted_chroma_noise_is_seen() -> None:
    img = noisy_image(sigma=2.0)
    rng = np.random.default_rng(3)
    ycc = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    ycc[:, :, 1:] += rng.normal(0, 6, ycc[:, :, 1:].shape)
    colourful = cv2.cvtColor(np.clip(ycc, 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB)
    x0, x1 = consistency_features(img, POINTS), consistency_features(paste(img, colourful), POINTS)
    assert x0 is not None and x1 is not None
    assert feature(x1, "chroma_noise_in_vs_ring") > feature(x0, "chroma_noise_in_vs_ring") + 0.3


@pytest.mark.parametrize("shape", [(17, 23), (97, 131), (130, 900), (901, 120)])
def test_odd_sizes_and_faces_at_the_edge(shape: tuple[int, int]) -> None:
    rgb = natural_image(*shape, seed=1)
    for offset in (np.float32(-30), np.float32(0), np.float32(shape[0] - 40)):
        x = consistency_features(rgb, template(64) + offset)
        assert x is None or (x.shape == (len(FEATURE_NAMES),) and not np.isinf(x).any())


def test_large_faces_are_downscaled() -> None:
    rgb = natural_image(1400, 1400, seed=2)
    reg = face_regions(rgb, template(900) + np.float32(250), max_side=512)
    assert reg is not None and reg.scale < 1.0 and max(reg.rgb.shape[:2]) <= 512


def test_shipped_model_matches_the_features() -> None:
    model = load_model(MODEL_NAME)
    n = len(FEATURE_NAMES)
    assert model["coef"].shape == (2 * n,) and model["mean"].shape == (n,)
    assert model["centre"].shape == (n,) and model["fusion_weight"].shape == (1,)
    assert model["platt"].shape == (2,) and np.all(model["scale"] > 0)


class StubDetector:
    """Returns fixed faces (the tests have no real face photos)."""

    def __init__(self, sizes: tuple[float, ...]) -> None:
        self.sizes = sizes

    def detect(self, rgb: np.ndarray, max_side: int | None = None) -> list[Face]:
        faces = []
        for i, size in enumerate(self.sizes):
            x = 8.0 + i * (size + 4)
            pts = template(int(size)) + np.array([x, 10.0], dtype=np.float32)
            faces.append(Face((x, 10.0, size, size), pts, 0.95))
        return faces


def _loaded(rgb: np.ndarray) -> LoadedImage:
    return LoadedImage(rgb, None, False, 8, "PNG", "RGB")


def test_registered_for_image_and_video() -> None:
    assert detector_registry().get("face-consistency").modality == "image"
    assert detector_registry().get("face-consistency-video").modality == "video"


def test_video_scores_the_largest_face_per_sampled_frame(tmp_path: Path) -> None:
    frames = [noisy_image(seed=i % 3) for i in range(30)]
    video = open_video(write_video(tmp_path / "v.mp4", frames, fps=10))
    det = FaceConsistencyVideoDetector()
    det._detector = StubDetector((80.0,))  # type: ignore[assignment]
    result = det.analyze(video)
    assert result is not None and 0.0 <= result.score <= 1.0
    assert result.details["sampled_frames"] == 6 and result.details["frames_scored"] == 6
    assert result.details["fusion_weight"] == 0.0  # reported, not fused
    det._detector = StubDetector(())  # type: ignore[assignment]
    assert det.analyze(open_video(tmp_path / "v.mp4")) is None


def test_scores_faces_with_noise_evidence(tmp_path: Path) -> None:
    det = FaceConsistencyDetector()
    det._detector = StubDetector((60.0, 80.0))  # type: ignore[assignment]
    sink = EvidenceSink(tmp_path / "ev", "img.png")
    result = det.analyze(_loaded(noisy_image()), sink)
    assert result is not None and 0.0 <= result.score <= 1.0
    assert len(result.details["faces"]) == 2 and "fusion_weight" in result.details
    assert result.score == pytest.approx(
        max(f["probability"] for f in result.details["faces"]), abs=1e-4
    )
    assert len(result.evidence) == 2 and all(Path(p).stat().st_size > 1000 for p in result.evidence)


def test_abstains_without_a_usable_face(caplog: pytest.LogCaptureFixture) -> None:
    det = FaceConsistencyDetector()
    det._detector = StubDetector((20.0,))  # type: ignore[assignment]
    with caplog.at_level(logging.INFO):
        assert det.analyze(_loaded(noisy_image())) is None
    assert "smaller than 40 px" in caplog.text
    det._detector = StubDetector(())  # type: ignore[assignment]
    assert det.analyze(_loaded(noisy_image())) is None


def test_noise_evidence_picture_shape() -> None:
    reg = face_regions(noisy_image(), POINTS)
    assert reg is not None
    pic = noise_evidence(reg)
    assert pic.dtype == np.uint8 and pic.shape[1] >= 2 * reg.rgb.shape[1] and pic.shape[2] == 3
