"""Pretrained speech-embedding features for the synthetic-speech detector (onnxruntime).

The encoder is Google's ``speech_embedding`` network (trained for keyword spotting on a
large speech corpus) as re-exported to ONNX by the openWakeWord project and shipped in
its PyPI wheel ``openwakeword==0.4.0`` (Apache-2.0): a 32-band mel front end
(``melspectrogram.onnx``, 10 ms frames) and a convolutional encoder
(``embedding_model.onnx``) that maps 76 mel frames (0.76 s) to a 96-d embedding. The
two files are copied unchanged into ``models/speech_oww_embedding`` (sha256 checked
when loaded); no download at run time.

Per 2 s segment the features are the mean and the standard deviation of the embeddings
of the windows starting every :data:`STEP_FRAMES` frames inside the segment.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import ModelError

__all__ = ["EMBED_DIM", "EMBED_FEATURE_DIM", "STEP_FRAMES", "embed_features", "embeddings"]

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "speech_oww_embedding"
_FILES = {
    "melspectrogram.onnx": "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f",
    "embedding_model.onnx": "ba754db3cd768a524c655ea90655ee5e6055a43b8dfd29366a11e93716ae9e51",
}
EMBED_DIM = 96
EMBED_FEATURE_DIM = 2 * EMBED_DIM
WINDOW_FRAMES = 76  # mel frames per embedding (the encoder's fixed input)
STEP_FRAMES = 32  # 0.32 s between windows
_MEL_HOP = 160  # samples per mel frame at 16 kHz
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _sessions_once() -> tuple[Any, Any]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    out = []
    for name, sha in _FILES.items():
        path = MODEL_DIR / name
        if not path.is_file():
            raise ModelError(f"speech embedding model missing: {path}")
        blob = path.read_bytes()
        if hashlib.sha256(blob).hexdigest() != sha:
            raise ModelError(f"{path}: sha256 does not match the model card")
        out.append(ort.InferenceSession(blob, opts, providers=["CPUExecutionProvider"]))
    return out[0], out[1]


def _sessions() -> tuple[Any, Any]:
    with _LOCK:
        return _sessions_once()


def _level(x: np.ndarray) -> np.ndarray:
    n = len(x) // 160
    if n == 0:
        return x
    e = np.mean(x[: n * 160].reshape(n, 160).astype(np.float64) ** 2, axis=1)
    loud = e[e >= np.median(e)]
    rms = float(np.sqrt(np.mean(loud)))
    if rms < 1e-7:
        return x
    return (x * (10 ** (-26 / 20) / rms)).astype(np.float32)


def embeddings(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(window start samples, embeddings (windows, 96)) of 16 kHz mono ``x`` in [-1, 1].

    The signal is first scaled so that its louder half of 10 ms frames has an RMS of
    -26 dBFS (the embedding is not level-invariant by itself). The mel front end expects
    16-bit sample values, as in openWakeWord; its output is rescaled the same way
    (``mel / 10 + 2``) before the encoder.
    """
    mel_s, emb_s = _sessions()
    x = _level(np.asarray(x, np.float32))
    if len(x) < WINDOW_FRAMES * _MEL_HOP + 400:
        x = np.pad(x, (0, WINDOW_FRAMES * _MEL_HOP + 400 - len(x)))
    mel = mel_s.run(None, {mel_s.get_inputs()[0].name: (x * 32767.0)[None, :]})[0]
    mel = np.squeeze(mel).reshape(-1, 32) / 10.0 + 2.0
    starts = np.arange(0, len(mel) - WINDOW_FRAMES + 1, STEP_FRAMES)
    wins = np.stack([mel[s : s + WINDOW_FRAMES] for s in starts])[:, :, :, None]
    emb = emb_s.run(None, {emb_s.get_inputs()[0].name: wins.astype(np.float32)})[0]
    return starts * _MEL_HOP, emb.reshape(len(starts), EMBED_DIM).astype(np.float32)


def embed_features(x: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """Mean and std of the embeddings inside each segment: (segments, EMBED_FEATURE_DIM)."""
    out = np.zeros((len(segments), EMBED_FEATURE_DIM), dtype=np.float32)
    if not segments:
        return out
    starts, emb = embeddings(x)
    win = WINDOW_FRAMES * _MEL_HOP
    for i, (s, e) in enumerate(segments):
        inside = (starts >= s) & (starts + win <= max(e, s + win))
        if not inside.any():
            inside = np.abs(starts - s) == np.abs(starts - s).min()
        part = emb[inside]
        out[i] = np.concatenate([part.mean(axis=0), part.std(axis=0)])
    return out
