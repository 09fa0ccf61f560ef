"""Spectrogram CNN of the synthetic-speech detector (ONNX, run by onnxruntime).

The front end is a log linear-frequency power spectrogram (512-point FFT, 31 Hz bins up
to 8 kHz, 10 ms hop) relative to each segment's mean power, so the input level does not
matter. A small CNN (four conv/pool blocks, time-averaged, one logit) reads the fine
frequency structure and its frame-to-frame changes, where vocoders and TTS engines
leave traces; the shipped ONNX graph averages the logits of four such networks (training
seeds). Training: ``training/train_speech_cnn.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from veracity.detect.speech_features import frame_signal
from veracity.models import registry

__all__ = ["BINS", "FRAMES", "HOP", "N_FFT", "cnn_logits", "log_spectrogram", "segment_inputs"]

N_FFT, HOP = 512, 160
BINS = N_FFT // 2  # bins 1..256 (DC dropped)
FRAMES = 192  # frames per 2 s segment fed to the network
_FLOOR = 1e-6  # -60 dB below the segment's mean power

MODEL_NAME = "speech_spec_cnn"  # in veracity.models.registry


def log_spectrogram(x: np.ndarray) -> np.ndarray:
    """Power spectrogram, (frames, BINS) float32; frame ``i`` starts at sample ``i * HOP``."""
    frames = frame_signal(x, N_FFT, HOP) * np.hanning(N_FFT).astype(np.float32)
    spec = np.fft.rfft(frames, axis=1)[:, 1:]
    return (spec.real**2 + spec.imag**2).astype(np.float32)


def _normalise(power: np.ndarray) -> np.ndarray:
    """Log power relative to the block's mean, exactly level-invariant."""
    ref = float(np.mean(power)) + 1e-20
    return np.log(power / ref + _FLOOR).astype(np.float32)


def segment_inputs(power: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """Network inputs for sample ranges of the signal behind ``power``: (n, 1, BINS, FRAMES).

    Short segments are tiled (repeated) up to :data:`FRAMES` frames.
    """
    out = np.zeros((len(segments), 1, BINS, FRAMES), dtype=np.float32)
    for i, (s, e) in enumerate(segments):
        a = s // HOP
        b = max(a + 1, min(len(power), (e - N_FFT) // HOP + 1, a + FRAMES))
        part = power[a:b] if a < len(power) else power[-1:]
        if len(part) < FRAMES:
            part = np.tile(part, (FRAMES // len(part) + 1, 1))
        out[i, 0] = _normalise(part[:FRAMES]).T
    return out


def _session() -> Any:
    """The shipped CNN's onnxruntime session (checked and built once per process)."""
    return registry.load(MODEL_NAME)


def cnn_logits(x: np.ndarray, segments: list[tuple[int, int]], batch: int = 16) -> np.ndarray:
    """CNN logit of "synthetic" for each segment of ``x`` (16 kHz mono)."""
    power = log_spectrogram(x)
    session = _session()
    name = session.get_inputs()[0].name
    out = []
    for i in range(0, len(segments), batch):
        inputs = segment_inputs(power, segments[i : i + batch])
        out.append(session.run(None, {name: inputs})[0].reshape(-1))
    return np.concatenate(out).astype(np.float64) if out else np.zeros(0)
