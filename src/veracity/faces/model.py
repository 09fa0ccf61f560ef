"""The shipped face-blending detector (ONNX, run with onnxruntime; no torch at run time)."""

from __future__ import annotations

import dataclasses
import functools
import threading
from typing import Any

import numpy as np

from veracity.errors import ModelError
from veracity.models import registry

__all__ = ["FaceBlendModel", "FacePrediction", "load_face_model"]


@dataclasses.dataclass(frozen=True, eq=False)
class FacePrediction:
    """Model output for a batch of aligned 128x128 crops.

    Attributes:
        probability: ``(N,)`` probability that each face was blended in.
        xray: ``(N, 16, 16)`` blending-boundary probability map per face.
    """

    probability: np.ndarray
    xray: np.ndarray


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


class FaceBlendModel:
    """ONNX session around the self-blended-image MobileNetV2 detector.

    Args:
        path: ONNX file.
        threads: onnxruntime intra-op threads.
    """

    def __init__(self, path: str, threads: int = 1) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        try:
            self._session: Any = ort.InferenceSession(
                path, opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"cannot load face model {path}: {exc}") from exc

    def predict(self, crops: np.ndarray, batch: int = 16) -> FacePrediction:
        """Score ``(N, 128, 128, 3)`` uint8 RGB aligned face crops."""
        if len(crops) == 0:
            return FacePrediction(np.zeros(0, np.float32), np.zeros((0, 16, 16), np.float32))
        logits, maps = [], []
        for i in range(0, len(crops), batch):
            x = np.ascontiguousarray(crops[i : i + batch].transpose(0, 3, 1, 2), np.float32)
            logit, xray = self._session.run(None, {"image": x})
            logits.append(logit)
            maps.append(xray)
        return FacePrediction(
            _sigmoid(np.concatenate(logits)).astype(np.float32),
            _sigmoid(np.concatenate(maps)).astype(np.float32),
        )


# onnxruntime sessions may run in several threads at once; only their creation is
# serialised so that concurrent first calls build one session, not several.
_LOAD_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _load_face_model_once() -> FaceBlendModel:
    """Load (once per process) and verify the shipped face model.

    Raises:
        ModelError: The file is missing or its checksum does not match the model card.
    """
    return FaceBlendModel(str(registry.path("face_sbi")))


def load_face_model() -> FaceBlendModel:
    """Load (once per process, thread-safely) and verify the shipped face model.

    Raises:
        ModelError: The file is missing or its checksum does not match the model card.
    """
    with _LOAD_LOCK:
        return _load_face_model_once()
