"""Temporal cues over a face track: blinks, remote pulse (rPPG) and score flicker.

These are reported as evidence. They enter the fused score only if they help on
held-out data (see the README section "Face manipulation detection").
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import signal

__all__ = [
    "BlinkReport",
    "PulseReport",
    "blink_report",
    "pulse_report",
    "score_flicker",
    "skin_mean_rgb",
]

# Mesh landmarks on the forehead and both cheeks (skin patches for rPPG).
SKIN_POINTS = (151, 9, 108, 337, 50, 280, 118, 347)


@dataclasses.dataclass(frozen=True)
class BlinkReport:
    """Blinks found in an eye-aspect-ratio series.

    Attributes:
        blinks: Number of blinks.
        per_minute: Blink rate (people blink roughly 8-30 times a minute).
        threshold: EAR level under which the eyes counted as closed.
        blink_times: Start times of the blinks, seconds.
    """

    blinks: int
    per_minute: float
    threshold: float
    blink_times: tuple[float, ...]


@dataclasses.dataclass(frozen=True)
class PulseReport:
    """Remote photoplethysmography estimate (POS method, Wang et al. 2017).

    Attributes:
        bpm: Pulse estimate in beats per minute.
        snr_db: Power around the peak (and its harmonic) over the rest of the 0.7-3 Hz band.
        fps: Sampling rate of the signal.
        signal: The filtered pulse signal (for plots).
        freqs: Frequencies of the spectrum, Hz.
        power: Power spectrum.
    """

    bpm: float
    snr_db: float
    fps: float
    signal: np.ndarray
    freqs: np.ndarray
    power: np.ndarray


def blink_report(times: np.ndarray, ear: np.ndarray) -> BlinkReport | None:
    """Count blinks as dips of the EAR below 75 % of its median; None if too short."""
    if len(ear) < 10 or times[-1] - times[0] < 2.0:
        return None
    threshold = 0.75 * float(np.median(ear))
    closed = ear < threshold
    starts = np.flatnonzero(closed & ~np.concatenate([[False], closed[:-1]]))
    minutes = (times[-1] - times[0]) / 60.0
    blink_times = tuple(float(times[i]) for i in starts)
    return BlinkReport(len(starts), len(starts) / minutes, threshold, blink_times)


def skin_mean_rgb(rgb: np.ndarray, landmarks: np.ndarray, radius: float) -> np.ndarray:
    """Mean RGB of small patches around forehead and cheek landmarks."""
    h, w = rgb.shape[:2]
    r = max(2, int(radius))
    values = []
    for idx in SKIN_POINTS:
        x, y = int(landmarks[idx][0]), int(landmarks[idx][1])
        patch = rgb[max(0, y - r) : min(h, y + r), max(0, x - r) : min(w, x + r)]
        if patch.size:
            values.append(patch.reshape(-1, 3).mean(axis=0))
    return np.mean(values, axis=0) if values else np.full(3, np.nan)


def _pos(rgb_series: np.ndarray, fps: float) -> np.ndarray:
    window = max(4, int(1.6 * fps))
    n = len(rgb_series)
    out = np.zeros(n)
    proj = np.array([[0.0, 1.0, -1.0], [-2.0, 1.0, 1.0]])
    for start in range(0, n - window + 1):
        block = rgb_series[start : start + window]
        norm = block / np.maximum(block.mean(axis=0), 1e-6)
        s = norm @ proj.T
        h = s[:, 0] + (s[:, 0].std() / max(s[:, 1].std(), 1e-9)) * s[:, 1]
        out[start : start + window] += h - h.mean()
    return out


def pulse_report(times: np.ndarray, rgb_series: np.ndarray) -> PulseReport | None:
    """Estimate the pulse from per-frame skin colour; None if too short or too sparse."""
    if len(times) < 20 or times[-1] - times[0] < 4.0:
        return None
    fps = (len(times) - 1) / (times[-1] - times[0])
    if fps < 6.0 or not np.all(np.isfinite(rgb_series)):
        return None
    grid = np.linspace(times[0], times[-1], len(times))
    even = np.stack([np.interp(grid, times, rgb_series[:, c]) for c in range(3)], axis=1)
    pulse = _pos(even, fps)
    b, a = signal.butter(3, [0.7 / (fps / 2), min(3.0 / (fps / 2), 0.99)], btype="band")
    pulse = signal.filtfilt(b, a, pulse, padlen=min(len(pulse) - 1, 3 * max(len(a), len(b))))
    freqs, power = signal.periodogram(pulse, fs=fps, nfft=max(512, len(pulse)))
    band = (freqs >= 0.7) & (freqs <= 3.0)
    peak = freqs[band][int(np.argmax(power[band]))]
    near = band & ((np.abs(freqs - peak) < 0.1) | (np.abs(freqs - 2 * peak) < 0.1))
    snr = 10 * np.log10(power[near].sum() / max(power[band & ~near].sum(), 1e-12))
    return PulseReport(float(peak * 60), float(snr), float(fps), pulse, freqs, power)


def score_flicker(probabilities: np.ndarray) -> float:
    """Mean absolute change of a track's per-frame log-odds between consecutive samples.

    Swapped faces are generated frame by frame, so their evidence tends to flicker.
    """
    if len(probabilities) < 2:
        return 0.0
    p = np.clip(probabilities.astype(np.float64), 1e-4, 1 - 1e-4)
    z = np.log(p / (1 - p))
    return float(np.mean(np.abs(np.diff(z))))
