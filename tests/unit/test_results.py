import json
from pathlib import Path

import numpy as np
import pytest

from veracity.detect.fusion import Decision, fuse_scores, label_for
from veracity.registry import Registry
from veracity.results import Detection, DetectorScore, WatermarkReading, to_dict, to_json


def test_detection_serialises_with_contract_fields() -> None:
    d = Detection(
        path="a.png",
        modality="image",
        score=np.float32(0.8),
        label="fake",
        detectors=(DetectorScore("spectral", 0.8, {"bins": np.arange(3)}),),
    )
    data = json.loads(to_json(d))
    assert data["path"] == "a.png"
    assert data["modality"] == "image"
    assert data["score"] == pytest.approx(0.8)
    assert data["detectors"] == [
        {"name": "spectral", "score": 0.8, "details": {"bins": [0, 1, 2]}, "evidence": []}
    ]


def test_non_finite_floats_become_null_and_bytes_hex() -> None:
    r = WatermarkReading(detected=False, payload=None, p_value=float("nan"))
    assert to_dict(r)["p_value"] is None
    assert to_dict({"b": b"\x01\xff", "p": Path("x/y")}) == {"b": "01ff", "p": "x/y"}


def test_registry_refuses_duplicates_and_checks_interface() -> None:
    reg: Registry[int] = Registry("number", int)
    reg.register("one", lambda: 1)
    with pytest.raises(ValueError, match="already registered"):
        reg.register("one", lambda: 1)
    reg.register("bad", lambda: "x")  # type: ignore[arg-type, return-value]
    assert reg.get("one") == 1
    with pytest.raises(TypeError, match="does not implement"):
        reg.get("bad")
    with pytest.raises(KeyError, match="unknown number"):
        reg.get("zero")


class _NoAnalyze:
    name = "broken"
    modality = "image"


class _NoModality:
    name = "broken"

    def analyze(self, media: object, evidence: object = None) -> None:
        return None


@pytest.mark.parametrize(
    ("cls", "missing"), [(_NoAnalyze, "analyze"), (_NoModality, "modality")], ids=str
)
def test_registry_checks_classes_at_registration(cls: type, missing: str) -> None:
    from veracity.detect.base import Detector

    reg: Registry[Detector] = Registry("detector", Detector)
    with pytest.raises(TypeError, match=f"missing: {missing}"):
        reg.register("broken", cls)
    assert "broken" not in reg


def test_registry_checks_subclass_for_plain_interfaces() -> None:
    reg: Registry[int] = Registry("number", int)
    with pytest.raises(TypeError, match="does not implement int"):
        reg.register("s", str)  # type: ignore[arg-type]


def test_fusion_averages_log_odds_and_labels() -> None:
    s = [DetectorScore("a", 0.9), DetectorScore("b", 0.9)]
    assert fuse_scores(s) == pytest.approx(0.9)
    assert fuse_scores([]) == 0.5
    assert fuse_scores([DetectorScore("a", 0.99), DetectorScore("b", 0.01)]) == pytest.approx(0.5)
    dec = Decision()
    assert label_for(0.9, dec) == "fake"
    assert label_for(0.1, dec) == "real"
    assert label_for(0.5, dec) == "uncertain"


def test_registry_aliases_resolve_to_the_new_name() -> None:
    reg: Registry[int] = Registry("number", int)
    reg.register("two", lambda: 2)
    reg.alias("deux", "two")
    assert reg.get("deux") == 2 and "deux" in reg and reg.names() == ["two"]
    assert reg.resolve("deux") == "two" and reg.resolve("two") == "two"
    with pytest.raises(ValueError, match="already registered"):
        reg.alias("two", "two")
    with pytest.raises(ValueError, match="already registered"):
        reg.register("deux", lambda: 2)
    with pytest.raises(KeyError, match="unknown number"):
        reg.alias("drei", "three")


def test_detector_alias_selects_the_renamed_detector(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from PIL import Image

    from veracity.detect import catalog
    from veracity.detect.api import detect_file
    from veracity.synth.samples import natural_image

    monkeypatch.setattr(catalog, "ALIASES", {"old_spectral": "aigen_spectral"})
    monkeypatch.setattr(catalog, "_REGISTRY", None)  # rebuilt with the alias, then restored
    png = tmp_path / "a.png"
    Image.fromarray(natural_image(96, 96)).save(png)
    found = detect_file(png, only=["old_spectral"])
    assert [d.name for d in found.detectors] == ["aigen_spectral"]
