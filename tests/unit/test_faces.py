"""Face geometry, tracking, temporal cues and the pseudo-fake generators."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.faces.align import CROP_SIZE, aligned_crop, alignment_matrix, template
from veracity.faces.detect import Face, FaceDetector, _visible_fraction
from veracity.faces.masks import ellipse_mask_from_points5, hull_mask
from veracity.faces.temporal import blink_report, pulse_report, score_flicker
from veracity.faces.track import FaceTracker, iou
from veracity.synth.augment import shared_augment
from veracity.synth.classic_swap import classic_swap
from veracity.synth.samples import natural_image
from veracity.synth.selfblend import boundary_map, self_blend


def _face(x: float, y: float, w: float = 60) -> Face:
    pts = template(int(w)) + np.array([x, y], dtype=np.float32)
    return Face((x, y, w, w), pts, 0.9)


def test_alignment_maps_points_onto_template() -> None:
    rng = np.random.default_rng(0)
    pts = template(CROP_SIZE) * 1.7 + np.array([40.0, 25.0]) + rng.normal(0, 0.01, (5, 2))
    m = alignment_matrix(pts)
    mapped = pts @ m[:, :2].T + m[:, 2]
    assert np.allclose(mapped, template(CROP_SIZE), atol=0.1)
    crop = aligned_crop(natural_image(300, 300), pts)
    assert crop.shape == (CROP_SIZE, CROP_SIZE, 3) and crop.dtype == np.uint8


def test_detector_finds_no_face_in_texture() -> None:
    assert FaceDetector().detect(natural_image(240, 320, seed=3)) == []


@pytest.mark.parametrize(
    "shape", [(16, 900), (900, 16), (301, 17), (17, 301), (5, 7), (1, 1), (63, 400)]
)
def test_thin_frames_give_no_garbage_boxes(shape: tuple[int, int]) -> None:
    """A fresh YuNet net read 1e30 px boxes, or boxes mostly outside, from a 16 px tall frame."""
    faces = FaceDetector().detect(natural_image(*shape, seed=shape[0]))
    h, w = shape
    for face in faces:
        assert np.isfinite(face.box).all() and face.box[2] > 0 and face.box[3] > 0
        assert _visible_fraction(face.box, w, h) >= 0.5
    assert faces == []  # and no face at all in these texture images


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((10.0, 10.0, 20.0, 20.0), 1.0),
        ((-10.0, 0.0, 20.0, 20.0), 0.5),
        ((90.0, 90.0, 20.0, 20.0), 0.25),
        ((0.0, -16.0, 41.0, 50.0), 34 / 50),
        ((200.0, 0.0, 20.0, 20.0), 0.0),
        ((0.0, 0.0, 0.0, 20.0), 0.0),
    ],
)
def test_visible_fraction_of_a_box(box: tuple[float, float, float, float], expected: float) -> None:
    assert _visible_fraction(box, 100, 100) == pytest.approx(expected)


def test_tracker_keeps_identity_of_moving_faces() -> None:
    tracker = FaceTracker()
    for i in range(5):
        ids = tracker.update(i, i / 10, [_face(10 + 2 * i, 10), _face(200 - 2 * i, 50)])
        assert ids == [0, 1]
    assert tracker.update(5, 0.5, [_face(400, 400)]) == [2]
    assert list(tracker.sizes()) == [5, 5, 1]
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(1 / 3)


def test_masks_cover_the_face_region() -> None:
    pts = template(128)
    ellipse = ellipse_mask_from_points5(pts, (128, 128))
    assert ellipse[int(pts[2][1]), int(pts[2][0])] == 1.0 and ellipse[0, 0] == 0.0
    hull = hull_mask(np.array([[10, 10], [50, 10], [30, 60]]), (64, 64))
    assert hull[30, 30] == 1.0 and hull[62, 2] == 0.0


def test_blink_report_counts_dips() -> None:
    times = np.arange(0, 12, 0.1)
    ear = np.full(times.shape, 0.3)
    for start in (2.0, 5.5, 9.1):
        ear[(times >= start) & (times < start + 0.2)] = 0.1
    report = blink_report(times, ear)
    assert report is not None and report.blinks == 3
    assert report.per_minute == pytest.approx(3 / (times[-1] / 60), rel=1e-6)
    assert blink_report(times[:5], ear[:5]) is None


def test_pulse_report_recovers_a_synthetic_heart_rate() -> None:
    rng = np.random.default_rng(1)
    times = np.arange(0, 12, 0.1)
    beat = 0.6 * np.sin(2 * np.pi * 1.25 * times)  # 75 bpm
    rgb = np.stack([150 + beat * 0.3, 110 + beat, 90 + beat * 0.2], axis=1)
    rgb += rng.normal(0, 0.05, rgb.shape)
    report = pulse_report(times, rgb)
    assert report is not None and abs(report.bpm - 75) < 4 and report.snr_db > 0
    assert pulse_report(times[:10], rgb[:10]) is None


def test_flicker_is_zero_for_constant_scores() -> None:
    assert score_flicker(np.full(10, 0.3)) == pytest.approx(0.0)
    assert score_flicker(np.array([0.1, 0.9, 0.1, 0.9])) > 2.0


def _crop_and_landmarks() -> tuple[np.ndarray, np.ndarray]:
    img = natural_image(128, 128, seed=5)
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    lms = np.stack([64 + 30 * np.cos(angles), 66 + 38 * np.sin(angles)], axis=1)
    return img, lms.astype(np.float32)


def test_self_blend_changes_only_the_face_region() -> None:
    img, lms = _crop_and_landmarks()
    out = self_blend(img, lms, np.random.default_rng(0))
    assert out.image.shape == img.shape and out.image.dtype == np.uint8
    assert out.boundary.min() >= 0.0 and out.boundary.max() <= 1.0 + 1e-6
    diff = np.abs(out.image.astype(int) - img.astype(int)).sum(axis=2)
    assert diff[:6, :6].max() == 0  # far corner untouched
    assert diff[50:80, 50:80].mean() > 0
    assert boundary_map(np.array([0.0, 0.5, 1.0])).tolist() == [0.0, 1.0, 0.0]


def test_shared_augment_keeps_shapes() -> None:
    img, _ = _crop_and_landmarks()
    for seed in range(5):
        a, b = shared_augment(img, np.zeros((128, 128), np.float32), np.random.default_rng(seed))
        assert a.shape == img.shape and b.shape == (128, 128)


def test_classic_swap_pastes_inside_the_target_hull() -> None:
    target, lms = _crop_and_landmarks()
    source = natural_image(128, 128, seed=9)
    out = classic_swap(target, lms, source, lms)
    assert out.shape == target.shape
    diff = np.abs(out.astype(int) - target.astype(int)).sum(axis=2)
    assert diff[:10, :10].max() == 0 and diff[55:75, 55:75].mean() > 5
