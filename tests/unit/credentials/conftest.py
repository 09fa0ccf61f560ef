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
