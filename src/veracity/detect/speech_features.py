"""LFCC features and voice-activity segmentation for the synthetic-speech detector.

Linear-frequency cepstral coefficients (LFCC) keep the high-frequency detail where
vocoders and TTS engines leave traces (ASVspoof's standard front end). A segment is
described by the mean and standard deviation of LFCC, delta and delta-delta.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.fft import dct

__all__ = [
    "FEATURE_DIM",
    "RATE",
    "SEGMENT_HOP_S",
    "SEGMENT_S",
    "active_segments",
    "frame_signal",
    "lfcc",
    "segment_features",
]

RATE = 16000
_N, _HOP, _WIN = 512, 160, 400
_FILTERS, _CEPS = 20, 20
SEGMENT_S = 2.0
SEGMENT_HOP_S = 1.0
_PHASE_BANDS = 8
FEATURE_DIM = 6 * _CEPS + 4 * _PHASE_BANDS


@functools.lru_cache(maxsize=1)
def _filterbank() -> np.ndarray:
    """Linear triangular filters over 0-8 kHz: (bins, filters)."""
    bins = np.arange(_N // 2 + 1)
    centres = np.linspace(0, _N // 2, _FILTERS + 2)
    bank = np.zeros((len(bins), _FILTERS))
    for i in range(_FILTERS):
        lo, mid, hi = centres[i], centres[i + 1], centres[i + 2]
        up = (bins - lo) / (mid - lo)
        down = (hi - bins) / (hi - mid)
        bank[:, i] = np.clip(np.minimum(up, down), 0, None)
    return bank


def _deltas(feat: np.ndarray) -> np.ndarray:
    pad = np.pad(feat, ((2, 2), (0, 0)), mode="edge")
    return (pad[3:-1] - pad[1:-3] + 2 * (pad[4:] - pad[:-4])) / 10.0


def frame_signal(x: np.ndarray, win: int, hop: int, min_len: int | None = None) -> np.ndarray:
    """Frames ``(n_frames, win)`` of ``x`` every ``hop`` samples, after zero-padding ``x``
    to ``min_len`` samples (default ``win``); frame ``i`` starts at sample ``i * hop``."""
    x = np.asarray(x, dtype=np.float32)
    need = win if min_len is None else min_len
    if len(x) < need:
        x = np.pad(x, (0, need - len(x)))
    n_frames = 1 + (len(x) - win) // hop
    return x[np.arange(win)[None, :] + hop * np.arange(n_frames)[:, None]]


def lfcc(x: np.ndarray) -> np.ndarray:
    """LFCC + delta + delta-delta per 10 ms frame: (frames, 60)."""
    x = np.asarray(x, dtype=np.float32)
    if len(x) < _WIN:
        x = np.pad(x, (0, _WIN - len(x)))
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    frames = frame_signal(x, _WIN, _HOP) * np.hamming(_WIN).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, n=_N, axis=1)) ** 2
    ceps = dct(np.log(power @ _filterbank() + 1e-10), type=2, norm="ortho", axis=1)[:, :_CEPS]
    d1 = _deltas(ceps)
    return np.concatenate([ceps, d1, _deltas(d1)], axis=1)


def active_segments(x: np.ndarray, rate: int = RATE) -> list[tuple[int, int]]:
    """2 s segments (1 s hop) holding speech-like activity, by an energy VAD.

    A segment counts as active when at least 30 % of its 10 ms frames are within
    35 dB of the file's loud frames and above digital silence. A clip shorter than
    one segment yields one segment covering it (if it is active at all).
    """
    seg, hop = int(SEGMENT_S * rate), int(SEGMENT_HOP_S * rate)
    frame = rate // 100
    n = len(x) // frame
    if n == 0:
        return []
    energy = np.mean(np.reshape(x[: n * frame], (n, frame)).astype(np.float64) ** 2, axis=1)
    loud = float(np.percentile(energy, 95))
    active = (energy > loud * 10 ** (-3.5)) & (energy > 1e-9)
    starts = list(range(0, max(1, len(x) - seg + 1), hop))
    out = []
    for s in starts:
        a, b = s // frame, min(n, (s + seg) // frame)
        if b > a and np.mean(active[a:b]) >= 0.3:
            out.append((s, min(len(x), s + seg)))
    return out


def phase_frames(x: np.ndarray) -> np.ndarray:
    """Per 8 ms frame and 1 kHz band: phase-derivative and flatness cues, (frames, 4*8).

    Vocoders and Griffin-Lim rebuild the phase; the instantaneous-frequency deviation
    (phase advance minus the bin's nominal advance) and its frame-to-frame change are
    magnitude-weighted per band, beside the band's spectral flatness.
    """
    n, hop = 512, 128
    frames = frame_signal(x, n, hop, min_len=n + 2 * hop)
    spec = np.fft.rfft(frames * np.hanning(n).astype(np.float32), axis=1)
    mag = np.abs(spec) + 1e-9
    shift = np.exp(-2j * np.pi * np.arange(n // 2 + 1) * hop / n)
    dev = np.angle(spec[1:] * np.conj(spec[:-1]) * shift)
    ddev = np.abs(np.angle(np.exp(1j * (dev[1:] - dev[:-1]))))
    dev = np.abs(dev[1:])
    w = mag[2:]
    power = mag[2:] ** 2
    edges = np.linspace(1, n // 2 + 1, _PHASE_BANDS + 1).astype(int)
    out = np.zeros((len(w), 4 * _PHASE_BANDS), dtype=np.float32)
    for b in range(_PHASE_BANDS):
        sl = slice(edges[b], edges[b + 1])
        wb = w[:, sl]
        total = wb.sum(axis=1) + 1e-9
        out[:, b] = (dev[:, sl] * wb).sum(axis=1) / total
        out[:, _PHASE_BANDS + b] = (ddev[:, sl] * wb).sum(axis=1) / total
        pb = power[:, sl]
        out[:, 2 * _PHASE_BANDS + b] = np.mean(np.log(pb), axis=1) - np.log(np.mean(pb, axis=1))
        out[:, 3 * _PHASE_BANDS + b] = np.log(np.mean(pb, axis=1))
    out[:, 3 * _PHASE_BANDS :] -= out[:, 3 * _PHASE_BANDS :].max(axis=1, keepdims=True)
    return out


def segment_features(x: np.ndarray, segments: list[tuple[int, int]]) -> np.ndarray:
    """LFCC mean/std and phase-cue means per segment: (segments, FEATURE_DIM)."""
    feats = lfcc(x)
    cues = phase_frames(x)
    out = np.zeros((len(segments), FEATURE_DIM), dtype=np.float32)
    for i, (s, e) in enumerate(segments):
        a, b = s // _HOP, max(s // _HOP + 1, (e - _WIN) // _HOP + 1)
        part = feats[a : min(b, len(feats))]
        if len(part) == 0:
            part = feats[-1:]
        c = cues[s // 128 : max(s // 128 + 1, (e - 512) // 128)]
        if len(c) == 0:
            c = cues[-1:]
        out[i] = np.concatenate([part.mean(axis=0), part.std(axis=0), c.mean(axis=0)])
    return out
