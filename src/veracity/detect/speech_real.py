"""Segment features and linear head of the neural-TTS / voice-conversion speech detector.

Each 2 s segment is described by level-invariant spectral statistics that neural
vocoders, codecs and voice conversion leave behind: LFCC mean/std and phase cues of
:func:`veracity.detect.speech_features.segment_features`, plus, per 125 Hz band of the
log power spectrogram (relative to the segment's mean power), the mean over time, the
standard deviation over time, the mean absolute frame-to-frame change and the mean
absolute bin-to-bin change (fine spectral structure), and the fine-structure cues of
:func:`fine_features` (long-term spectrum ripple per 31 Hz bin, cepstral periodicity,
spectral flatness, high-band energy and envelope modulation), and the pretrained
speech-embedding statistics of :mod:`veracity.detect.speech_embed`. A standardised head
(``models/speech_real_head/model.npz``: logistic regression, or a one-hidden-layer
network when the file holds ``w1``; trained by ``training/train_speech_real.py`` on real
neural TTS / VC demo audio) maps them to the logit of "synthetic". Pure numpy at run
time.
"""

from __future__ import annotations

import itertools

import numpy as np

from veracity.detect.speech_cnn import BINS, HOP, N_FFT, log_spectrogram
from veracity.detect.speech_embed import EMBED_FEATURE_DIM, embed_features
from veracity.detect.speech_features import FEATURE_DIM, segment_features

__all__ = [
    "BANDS",
    "FINE_DIM",
    "MODEL_NAME",
    "REAL_FEATURE_DIM",
    "V1_DIM",
    "V2_DIM",
    "band_features",
    "fine_features",
    "real_features",
    "real_logits",
    "spectral_features",
]

MODEL_NAME = "speech_real_head"
BANDS = 64
_FLOOR = 1e-6
V1_DIM = FEATURE_DIM + 4 * BANDS  # the first head's features (a prefix of the current)
_RIPPLE_W = 9  # bins of the moving average that the long-term spectrum is compared with
_CEP_RANGES = 16
_FLAT_BANDS = 8
_MOD_BANDS, _MOD_EDGES_HZ = 16, (1.0, 4.0, 8.0, 16.0, 32.0, 50.0)
FINE_DIM = BINS + 2 + _CEP_RANGES + 2 * _FLAT_BANDS + 6 + _MOD_BANDS * (len(_MOD_EDGES_HZ) - 1)
V2_DIM = V1_DIM + FINE_DIM  # spectral features (a prefix of the current)
REAL_FEATURE_DIM = V2_DIM + EMBED_FEATURE_DIM


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


def _segment_frames(power: np.ndarray, s: int, e: int) -> np.ndarray:
    a = min(s // HOP, max(0, len(power) - 1))
    b = max(a + 1, min(len(power), (e - N_FFT) // HOP + 1))
    return power[a:b]


def fine_features(power: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """Fine-structure cues of each segment: (segments, FINE_DIM) float32, level-invariant.

    Per segment (log power relative to its mean): the long-term average spectrum per
    31 Hz bin minus its 9-bin moving average (tonal ripple that upsampling vocoders and
    codecs leave); the mean and standard deviation of the per-frame cepstral peak in the
    2.5-12.5 ms pitch range and the mean absolute cepstrum in 16 quefrency ranges; the
    mean and standard deviation of the spectral flatness in 8 bands; the mean and
    standard deviation of the share of energy above 4, 6 and 7 kHz; and, in 16 bands, the
    share of the log-envelope's modulation energy in 1-4, 4-8, 8-16, 16-32 and 32-50 Hz.
    """
    out = np.zeros((len(segments), FINE_DIM), dtype=np.float32)
    kernel = np.ones(_RIPPLE_W) / _RIPPLE_W
    freqs = (np.arange(BINS) + 1) * (8000.0 / BINS)
    mod_hz = np.fft.rfftfreq(256, d=HOP / 16000.0)
    for i, (s, e) in enumerate(segments):
        part = _segment_frames(power, s, e).astype(np.float64)
        rel = part / (float(np.mean(part)) + 1e-20) + _FLOOR
        logp = np.log(rel)
        ltas = logp.mean(axis=0)
        pad = np.pad(ltas, _RIPPLE_W // 2, mode="edge")
        ripple = ltas - np.convolve(pad, kernel, mode="valid")
        cep = np.fft.irfft(logp, n=2 * BINS, axis=1)[:, : BINS + 1]
        peak = np.abs(cep[:, 40:201]).max(axis=1)
        ranges = np.array_split(np.abs(cep[:, 1 : BINS + 1]), _CEP_RANGES, axis=1)
        cep_r = np.array([r.mean() for r in ranges])
        flat = []
        for band in np.array_split(rel, _FLAT_BANDS, axis=1):
            f = np.exp(np.log(band).mean(axis=1)) / band.mean(axis=1)
            flat += [f.mean(), f.std()]
        total = rel.sum(axis=1)
        hi = []
        for hz in (4000.0, 6000.0, 7000.0):
            share = rel[:, freqs >= hz].sum(axis=1) / total
            hi += [share.mean(), share.std()]
        env = np.log(np.stack([b.sum(axis=1) for b in np.array_split(rel, _MOD_BANDS, axis=1)]))
        env = env - env.mean(axis=1, keepdims=True)
        spec = np.abs(np.fft.rfft(env, n=256, axis=1)) ** 2
        tot = spec[:, 1:].sum(axis=1) + 1e-12
        mod = [
            spec[:, (mod_hz >= lo) & (mod_hz < up)].sum(axis=1) / tot
            for lo, up in itertools.pairwise(_MOD_EDGES_HZ)
        ]
        out[i] = np.concatenate(
            [
                ripple,
                [peak.mean(), peak.std()],
                cep_r,
                flat,
                hi,
                np.stack(mod, axis=1).ravel(),
            ]
        )
    return out


def spectral_features(
    x: np.ndarray, segments: list[tuple[int, int]], power: np.ndarray | None = None
) -> np.ndarray:
    """The spectral features of each segment of ``x``: (segments, V2_DIM) float32.

    ``power`` is ``log_spectrogram(x)`` when the caller has it already.
    """
    if not segments:
        return np.zeros((0, V2_DIM), dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    base = segment_features(x, segments)
    power = log_spectrogram(x) if power is None else power
    bands = band_features(power, segments)
    fine = fine_features(power, segments)
    return np.concatenate([base, bands, fine], axis=1).astype(np.float32)


def real_features(x: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """All features of each segment of ``x`` (16 kHz mono): (segments, REAL_FEATURE_DIM)."""
    if not segments:
        return np.zeros((0, REAL_FEATURE_DIM), dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    spec = spectral_features(x, segments)
    emb = embed_features(x, segments)
    return np.concatenate([spec, emb], axis=1).astype(np.float32)


def real_logits(feats: np.ndarray, model: dict[str, np.ndarray]) -> np.ndarray:
    """Logit of "synthetic" per row of ``feats`` under a shipped head.

    The head is linear (``coef``, ``intercept``) or, when it holds ``w1``, one hidden
    layer of tanh units (``w1``, ``b1``, ``w2``, ``b2``); several stacked networks
    (``w1`` of shape (members, dim, hidden)) average their logits. Only the first
    ``len(model["mean"])`` features are read, so a head fitted on a prefix still works.
    """
    f = np.asarray(feats, np.float64)[:, : len(model["mean"])]
    z = (f - model["mean"]) / model["scale"]
    z = np.nan_to_num(np.clip(z, -20.0, 20.0))
    if "w1" not in model:
        return np.asarray(z @ model["coef"] + float(model["intercept"][0]), dtype=np.float64)
    w1 = np.asarray(model["w1"], np.float64)
    w1 = w1[None] if w1.ndim == 2 else w1
    b1 = np.asarray(model["b1"], np.float64).reshape(len(w1), -1)
    w2 = np.asarray(model["w2"], np.float64).reshape(len(w1), -1)
    b2 = np.asarray(model["b2"], np.float64).reshape(len(w1))
    h = np.tanh(np.einsum("nd,mdh->mnh", z, w1) + b1[:, None, :])
    return np.asarray((np.einsum("mnh,mh->mn", h, w2) + b2[:, None]).mean(axis=0))
