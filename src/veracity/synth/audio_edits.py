"""Everyday audio edits for robustness tests: codecs, resampling, filters, gain, noise, speed.

Every edit maps ``(samples, rate) -> (samples, rate)`` for mono float arrays. The
codec edits really encode and decode through FFmpeg (PyAV).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import butter, resample_poly, sosfilt

from veracity.media.audio import decode_audio
from veracity.media.audio_out import save_audio

__all__ = ["EDITS", "Edit", "codec_roundtrip", "resample", "speed"]

Edit = Callable[[np.ndarray, int], tuple[np.ndarray, int]]


def resample(x: np.ndarray, rate: int, new_rate: int) -> tuple[np.ndarray, int]:
    """Polyphase resampling to ``new_rate``."""
    if rate == new_rate:
        return x, rate
    ratio = Fraction(new_rate, rate)
    return resample_poly(x, ratio.numerator, ratio.denominator), new_rate


def speed(x: np.ndarray, rate: int, factor: float) -> tuple[np.ndarray, int]:
    """Play ``factor`` times faster (pitch follows, as tape or ``sox speed``)."""
    ratio = Fraction(1 / factor).limit_denominator(1000)
    return resample_poly(x, ratio.numerator, ratio.denominator), rate


def codec_roundtrip(x: np.ndarray, rate: int, ext: str, bitrate: int) -> tuple[np.ndarray, int]:
    """Encode with the lossy codec for ``ext`` at ``bitrate`` and decode again."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"edit{ext}"
        save_audio(path, x, rate, bitrate=bitrate)
        y, out_rate = decode_audio(path, rate=None)
    return y.astype(np.float64), out_rate


def _filter(x: np.ndarray, rate: int, kind: str, cutoff: float) -> tuple[np.ndarray, int]:
    sos = butter(4, cutoff, btype=kind, fs=rate, output="sos")
    return sosfilt(sos, x), rate


def _noise(x: np.ndarray, rate: int, snr_db: float) -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(len(x))
    power = float(np.mean(x**2)) / 10 ** (snr_db / 10)
    return x + rng.normal(0.0, np.sqrt(power), len(x)), rate


def _gain(x: np.ndarray, rate: int, db: float) -> tuple[np.ndarray, int]:
    return x * 10 ** (db / 20), rate


EDITS: dict[str, Edit] = {
    "none": lambda x, r: (x, r),
    "mp3_128k": lambda x, r: codec_roundtrip(x, r, ".mp3", 128_000),
    "mp3_64k": lambda x, r: codec_roundtrip(x, r, ".mp3", 64_000),
    "aac_64k": lambda x, r: codec_roundtrip(x, r, ".m4a", 64_000),
    "opus_32k": lambda x, r: codec_roundtrip(x, r, ".ogg", 32_000),
    "resample_16k": lambda x, r: resample(x, r, 16000),
    "resample_22k": lambda x, r: resample(x, r, 22050),
    "resample_44k": lambda x, r: resample(x, r, 44100),
    "resample_48k": lambda x, r: resample(x, r, 48000),
    "lowpass_4k": lambda x, r: _filter(x, r, "lowpass", 4000.0),
    "highpass_500": lambda x, r: _filter(x, r, "highpass", 500.0),
    "gain_+10dB": lambda x, r: _gain(x, r, 10.0),
    "gain_-10dB": lambda x, r: _gain(x, r, -10.0),
    "noise_20dB": lambda x, r: _noise(x, r, 20.0),
    "speed_0.98": lambda x, r: speed(x, r, 0.98),
    "speed_1.02": lambda x, r: speed(x, r, 1.02),
}
