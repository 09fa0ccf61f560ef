"""Fixtures for the Content Credentials tests: a temporary identity and small media."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from veracity.credentials import init_identity
from veracity.credentials.identity import IdentityInfo


def _load_root_conftest() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "veracity_tests_root_conftest", Path(__file__).resolve().parents[2] / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ROOT = _load_root_conftest()


def _natural(height: int, width: int, seed: int) -> np.ndarray:
    return _ROOT.natural_image(height, width, seed=seed)


@pytest.fixture
def cred_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IdentityInfo:
    """A fresh VERACITY_HOME with an ES256 identity."""
    home = tmp_path / "home"
    monkeypatch.setenv("VERACITY_HOME", str(home))
    return init_identity(home)


@pytest.fixture
def make_media(tmp_path: Path) -> Callable[..., Path]:
    """Write a small sample file of the given kind (jpeg, png, webp, mp4, wav)."""

    def make(kind: str, name: str | None = None, seed: int = 0) -> Path:
        path = tmp_path / (name or f"sample{seed}.{'jpg' if kind == 'jpeg' else kind}")
        if kind in ("jpeg", "png", "webp"):
            fmt = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[kind]
            Image.fromarray(_natural(160, 200, seed)).save(path, fmt, quality=92)
        elif kind == "mp4":
            _write_mp4(path, seed)
        elif kind == "wav":
            import soundfile as sf

            t = np.arange(16000) / 16000
            sf.write(path, 0.3 * np.sin(2 * np.pi * (220 + 40 * seed) * t), 16000)
        else:
            raise ValueError(kind)
        return path

    return make


def _write_mp4(path: Path, seed: int, frames: int = 8) -> None:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(_natural(64, 96, seed + i), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def jpeg_bytes(rgb: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


class _ToyReading:
    def __init__(self, detected: bool, payload: str | None) -> None:
        self.detected, self.payload, self.p_value = detected, payload, 1e-12 if detected else 0.5


def _toy_embed(rgb: np.ndarray, payload: bytes, key: str, *, grey: bool = False) -> np.ndarray:
    """A visible toy mark (64 black/white 4x4 cells in the top rows): plumbing tests only."""
    out = rgb.copy()
    bits = np.unpackbits(np.frombuffer(payload, dtype=np.uint8))
    for i, bit in enumerate(bits):
        out[0:4, 4 * i : 4 * i + 4] = 255 if bit else 0
    return out


def _toy_detect(rgb: np.ndarray, key: str) -> _ToyReading:
    if rgb.shape[1] < 256:
        return _ToyReading(False, None)
    cells = rgb[0:4, :256].astype(float).mean(axis=(0, 2)).reshape(64, 4).mean(axis=1)
    if not np.all((cells < 40) | (cells > 215)):
        return _ToyReading(False, None)
    return _ToyReading(True, np.packbits(cells > 128).tobytes().hex())


@pytest.fixture
def toy_watermark(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Install a toy ``veracity.watermark.image`` so durable plumbing is testable alone."""
    import importlib.machinery
    import sys

    module = ModuleType("veracity.watermark.image")
    module.__spec__ = importlib.machinery.ModuleSpec("veracity.watermark.image", None)
    module.embed_pixels = _toy_embed  # type: ignore[attr-defined]
    module.detect_pixels = _toy_detect  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "veracity.watermark.image", module)
    return module


@pytest.fixture
def wide_photo(tmp_path: Path) -> Callable[..., Path]:
    """A 320x400 photo-like JPEG (wide enough for the toy mark)."""

    def make(name: str = "photo.jpg", seed: int = 0) -> Path:
        from PIL import ImageDraw

        path = tmp_path / name
        img = Image.fromarray(_natural(320, 400, seed))
        draw = ImageDraw.Draw(img)  # corners and edges, as real photos have, for ORB
        rng = np.random.default_rng(seed + 100)
        for _ in range(80):
            x, y = rng.integers(0, 400), rng.integers(8, 320)
            w, h = rng.integers(4, 40, size=2)
            draw.rectangle(
                (x, y, x + w, y + h), fill=tuple(int(c) for c in rng.integers(0, 256, 3))
            )
        img.save(path, "JPEG", quality=92)
        return path

    return make


@pytest.fixture
def photo() -> Callable[..., np.ndarray]:
    """``photo(seed, h=240, w=320)``: a photo-like uint8 RGB array."""

    def make(seed: int, h: int = 240, w: int = 320) -> np.ndarray:
        return _natural(h, w, seed)

    return make
