"""Contract test over every registered image detector, plus evidence output."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from veracity.detect.base import EvidenceSink
from veracity.detect.catalog import detector_registry, detectors_for
from veracity.media.image import LoadedImage
from veracity.results import DetectorScore
from veracity.synth.generators import generate
from veracity.synth.samples import natural_image

IMAGE_DETECTORS = [d.name for d in detectors_for("image")]
SIZES = [(16, 16), (17, 23), (16, 900), (301, 17), (97, 131), (480, 640)]


def _loaded(rgb: np.ndarray, grey: bool = False) -> LoadedImage:
    return LoadedImage(rgb, None, grey, 8, "PNG", "L" if grey else "RGB")


def test_at_least_two_image_detectors_are_registered() -> None:
    assert {"aigen_spectral", "aigen_npr"} <= set(IMAGE_DETECTORS)


@pytest.mark.parametrize("name", IMAGE_DETECTORS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detector_handles_odd_sizes(name: str, size: tuple[int, int]) -> None:
    """Faceless pictures of odd sizes: a valid score, or an abstention by a face detector.

    (Every detector's scoring contract, on inputs it scores, is in test_detector_contract.)
    """
    det = detector_registry().get(name)
    result = det.analyze(_loaded(natural_image(*size, seed=size[0])), None)
    if name.startswith("face-"):
        assert result is None  # no face in these pictures: the face detectors must abstain
    else:
        assert isinstance(result, DetectorScore)
        assert result.name == name
        assert 0.0 <= result.score <= 1.0 and not math.isnan(result.score)


@pytest.mark.parametrize("name", IMAGE_DETECTORS)
def test_detector_handles_flat_and_grey_images(name: str) -> None:
    det = detector_registry().get(name)
    flat = np.full((64, 64, 3), 128, np.uint8)
    grey = np.repeat(natural_image(70, 90)[:, :, :1], 3, axis=2)
    for media in (_loaded(flat), _loaded(grey, grey=True)):
        result = det.analyze(media, None)
        assert result is None or 0.0 <= result.score <= 1.0


@pytest.mark.parametrize("name", ["aigen_spectral", "aigen_npr"])
def test_evidence_pictures_are_written(name: str, tmp_path: Path) -> None:
    sink = EvidenceSink(tmp_path / "ev", "photo.png")
    result = detector_registry().get(name).analyze(_loaded(natural_image(200, 300)), sink)
    assert result is not None and len(result.evidence) == 1
    written = Path(result.evidence[0])
    assert written.is_file() and written.stat().st_size > 1000
    assert written.name.startswith("photo.png." + name)


@pytest.mark.parametrize("name", ["aigen_spectral", "aigen_npr"])
@pytest.mark.parametrize("generator", ["nearest_up", "deconv_random", "ae_deconv"])
def test_shipped_weights_rank_fakes_above_their_source(name: str, generator: str) -> None:
    # Regression check of the shipped weights on synthetic content they never saw.
    det = detector_registry().get(name)
    for seed in (0, 1):
        real = natural_image(256, 256, seed=seed)
        fake = generate(real, generator, np.random.default_rng(seed))
        s_real = det.analyze(_loaded(real), None)
        s_fake = det.analyze(_loaded(fake), None)
        assert s_real is not None and s_fake is not None
        assert s_fake.score > s_real.score + 0.1
