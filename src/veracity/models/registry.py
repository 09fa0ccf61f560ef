"""Every shipped model file, its sha256 and how it runs: one table, one loader.

Each :class:`ModelSpec` names a file under ``veracity/models``; :func:`path` returns it
after checking its sha256 against the table (once per process), :func:`load` returns
it ready to use for its runtime. A model's ``MODEL_CARD.md`` quotes the same sha256
(``tests/unit/test_model_registry.py`` holds the two in agreement): retraining a model
means updating its card and its row here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import threading
from pathlib import Path
from typing import Any, Literal

import numpy as np

from veracity.errors import ModelError

__all__ = ["MODELS", "MODELS_DIR", "ModelSpec", "load", "onnx_session", "path", "spec"]

MODELS_DIR = Path(__file__).resolve().parent

Runtime = Literal["numpy", "onnxruntime", "opencv"]


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One shipped model file.

    Attributes:
        name: Registry name (the model folder; ``folder.stem`` for a folder of several).
        file: Path relative to ``veracity/models``.
        sha256: Hex digest of the file, as its model card states it.
        runtime: ``numpy`` (``.npz`` weights), ``onnxruntime`` (an ONNX graph we run) or
            ``opencv`` (an ONNX file OpenCV opens by path).
    """

    name: str
    file: str
    sha256: str
    runtime: Runtime

    @property
    def card(self) -> Path:
        """The model card beside the file."""
        return MODELS_DIR / Path(self.file).parent / "MODEL_CARD.md"


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "aigen_clip",
        "aigen_clip/model.npz",
        "a21075f58ad153b2b59f7886fa3c242ff4163d0b50a4dbd041c7b7fd91bd9f40",
        "numpy",
    ),
    ModelSpec(
        "aigen_npr",
        "aigen_npr/model.npz",
        "064dd51e1334a24698091a74569c51365353d249ca23982d670e688f3c66d317",
        "numpy",
    ),
    ModelSpec(
        "aigen_spectral",
        "aigen_spectral/model.npz",
        "7cfae891827a41a2831c305a944f62773f31154b5b46caaab8abbef8840f0047",
        "numpy",
    ),
    ModelSpec(
        "face_consistency",
        "face_consistency/model.npz",
        "d2ede375bf0b9726330dcac2ce51473acb651844edfdaed44dd06f6db83cac85",
        "numpy",
    ),
    ModelSpec(
        "face_deepfake",
        "face_deepfake/model.npz",
        "7b4095ce2ffbbca237cad61acbef22709ee82bfbd363ed515b3ed1ace274b3f0",
        "numpy",
    ),
    ModelSpec(
        "face_sbi",
        "face_sbi/face_sbi.onnx",
        "959d643213bb54acf4c1db59dc1e6f7e706d9fd45d558cce5cf628f33863e1b7",
        "onnxruntime",
    ),
    ModelSpec(
        "speech_real_head",
        "speech_real_head/model.npz",
        "15e21339ad5b7c31568c7882ca2b0ad4d169f4b5bd04c51e8b3ef8909718f536",
        "numpy",
    ),
    ModelSpec(
        "speech_oww_embedding.embedding_model",
        "speech_oww_embedding/embedding_model.onnx",
        "ba754db3cd768a524c655ea90655ee5e6055a43b8dfd29366a11e93716ae9e51",
        "onnxruntime",
    ),
    ModelSpec(
        "speech_oww_embedding.melspectrogram",
        "speech_oww_embedding/melspectrogram.onnx",
        "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f",
        "onnxruntime",
    ),
    ModelSpec(
        "speech_spec_cnn",
        "speech_spec_cnn/model.onnx",
        "953c554d947464e621c274537f9b7c21f02c60bbbb78cd3f8a43eee5f26fb4bb",
        "onnxruntime",
    ),
    ModelSpec(
        "synth_decoders.ae_deconv",
        "synth_decoders/ae_deconv.npz",
        "434607deb730fe41b01f7d3881a8b40ec3ff6fdfa5fb72476432cb5d42c6ed7c",
        "numpy",
    ),
    ModelSpec(
        "synth_decoders.ae_upconv",
        "synth_decoders/ae_upconv.npz",
        "2e9fe11cf9089e7cad6b77a0580483363184178061d5a0721c1f6245694a0257",
        "numpy",
    ),
    ModelSpec(
        "synth_decoders.denoiser",
        "synth_decoders/denoiser.npz",
        "d5ee8be4c27039bd953c1ba1002a0c5956bff2e5789d629dce9eeec084df8c7a",
        "numpy",
    ),
    ModelSpec(
        "yunet",
        "yunet/face_detection_yunet_2023mar_int8bq.onnx",
        "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
        "opencv",
    ),
)

_BY_NAME = {m.name: m for m in MODELS}
# Sessions may run in several threads at once; only loading is serialised, so that
# concurrent first calls build one object, not several.
_LOCK = threading.RLock()
_LOADED: dict[str, Any] = {}
_VERIFIED: set[str] = set()


def spec(name: str) -> ModelSpec:
    """The table row of ``name``.

    Raises:
        ModelError: No shipped model has this name.
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise ModelError(f"unknown model {name!r} (shipped: {known})") from None


def _verified_bytes(model: ModelSpec) -> bytes:
    file = MODELS_DIR / model.file
    try:
        blob = file.read_bytes()
    except OSError:
        raise ModelError(f"model {model.name!r} is not installed (expected {file})") from None
    digest = hashlib.sha256(blob).hexdigest()
    if digest != model.sha256:
        raise ModelError(
            f"model {model.name!r}: {file.name} has sha256 {digest[:12]}..., "
            f"not the {model.sha256[:12]}... its model card and the model table state"
        )
    return blob


def path(name: str) -> Path:
    """The file of model ``name``, its sha256 checked (once per process).

    Raises:
        ModelError: Unknown name, missing file, or a checksum that differs.
    """
    model = spec(name)
    with _LOCK:
        if name not in _VERIFIED:
            _verified_bytes(model)
            _VERIFIED.add(name)
    return MODELS_DIR / model.file


def load(name: str) -> Any:
    """Model ``name`` ready for its runtime, loaded and checked once per process.

    Returns:
        ``numpy``: a ``dict`` of float32 arrays; ``onnxruntime``: a single-threaded CPU
        ``InferenceSession`` built from the checked bytes; ``opencv``: the checked path
        as ``str`` (OpenCV opens the file itself).

    Raises:
        ModelError: Unknown name, missing or corrupt file, or a checksum that differs.
    """
    model = spec(name)
    with _LOCK:
        if name not in _LOADED:
            if model.runtime == "opencv":
                _LOADED[name] = str(path(name))
            else:
                blob = _verified_bytes(model)
                _VERIFIED.add(name)
                _LOADED[name] = _build(model, blob)
        return _LOADED[name]


def _build(model: ModelSpec, blob: bytes) -> Any:
    if model.runtime == "numpy":
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as data:
                return {k: np.asarray(data[k], dtype=np.float32) for k in data.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load model weights {model.file}: {exc}") from None
    return onnx_session(blob, model.file)


def onnx_session(model: bytes | str, name: str = "ONNX model") -> Any:
    """A single-threaded CPU onnxruntime session (training scripts pass candidate files).

    Raises:
        ModelError: onnxruntime cannot load the graph.
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load {name}: {exc}") from exc
