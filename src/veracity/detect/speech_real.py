"""Segment features and linear head of the neural-TTS / voice-conversion speech detector.

Each 2 s segment is described by level-invariant spectral statistics that neural
vocoders, codecs and voice conversion leave behind: LFCC mean/std and phase cues of
:func:`veracity.detect.speech_features.segment_features`, plus, per 125 Hz band of the
log power spectrogram (relative to the segment's mean power), the mean over time, the
standard deviation over time, the mean absolute frame-to-frame change and the mean
absolute bin-to-bin change (fine spectral structure). A standardised logistic
regression (``models/speech_real_lr/model.npz``, trained by
``training/train_speech_real.py`` on real neural TTS / VC demo audio) maps them to the
logit of "synthetic". Pure numpy at run time.
"""

from __future__ import annotations

import numpy as np

from veracity.detect.speech_cnn import HOP, N_FFT, log_spectrogram
from veracity.detect.speech_features import FEATURE_DIM, segment_features

__all__ = [
    "BANDS",
    "MODEL_NAME",
    "REAL_FEATURE_DIM",
    "band_features",
    "real_features",
    "real_logits",
]

MODEL_NAME = "speech_real_lr"
BANDS = 64
_FLOOR = 1e-6
REAL_FEATURE_DIM = FEATURE_DIM + 4 * BANDS


def band_features(power: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """Per-band spectrogram statistics of each segment: (segments, 4 * BANDS) float32.

    ``power`` is :func:`veracity.detect.speech_cnn.log_spectrogram` of the whole signal
    (frames, 256 bins); each segment's frames are normalised to their mean power.
    """
    out = np.zeros((len(segments), 4 * BANDS), dtype=np.float32)
    width = power.shape[1] // BANDS
    for i, (s, e) in enumerate(segments):
        a = min(s // HOP, max(0, len(power) - 1))
        b = max(a + 1, min(len(power), (e - N_FFT) // HOP + 1))
        part = power[a:b]
        logp = np.log(part / (float(np.mean(part)) + 1e-20) + _FLOOR)
        bands = logp[:, : BANDS * width].reshape(len(logp), BANDS, width)
        mean_t = bands.mean(axis=2)
        dt = np.abs(np.diff(mean_t, axis=0)).mean(axis=0) if len(mean_t) > 1 else np.zeros(BANDS)
        df = np.abs(np.diff(logp, axis=1))[:, : BANDS * width - 1]
        df = np.pad(df, ((0, 0), (0, 1)), mode="edge").reshape(len(logp), BANDS, width)
        out[i] = np.concatenate([mean_t.mean(axis=0), mean_t.std(axis=0), dt, df.mean(axis=(0, 2))])
    return out


def real_features(x: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """All features of each segment of ``x`` (16 kHz mono): (segments, REAL_FEATURE_DIM)."""
    if not segments:
        return np.zeros((0, REAL_FEATURE_DIM), dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    base = segment_features(x, segments)
    bands = band_features(log_spectrogram(x), segments)
    return np.concatenate([base, bands], axis=1).astype(np.float32)


def real_logits(feats: np.ndarray, model: dict[str, np.ndarray]) -> np.ndarray:
    """Logit of "synthetic" per row of ``feats`` under a shipped linear head."""
    z = (np.asarray(feats, np.float64) - model["mean"]) / model["scale"]
    z = np.nan_to_num(np.clip(z, -20.0, 20.0))
    return np.asarray(z @ model["coef"] + float(model["intercept"][0]), dtype=np.float64)
