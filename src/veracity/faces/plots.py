"""Evidence pictures: face crops with boundary heatmaps, score timelines, blink and pulse plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from veracity.media.output import atomic_output

__all__ = ["save_blink_plot", "save_heatmap", "save_pulse_plot", "save_timeline", "xray_overlay"]


def xray_overlay(crop: np.ndarray, xray: np.ndarray) -> np.ndarray:
    """Side-by-side crop and crop with the boundary map drawn as a heatmap, 2x enlarged."""
    h, w = crop.shape[:2]
    heat = cv2.resize(xray.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    colour = cv2.applyColorMap(np.clip(heat * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)
    blend = (0.55 * crop + 0.45 * colour[:, :, ::-1]).astype(np.uint8)
    both = np.concatenate([crop, blend], axis=1)
    return cv2.resize(both, (both.shape[1] * 2, both.shape[0] * 2), interpolation=cv2.INTER_NEAREST)


def save_heatmap(path: Path, crop: np.ndarray, xray: np.ndarray) -> str:
    """Write the crop/heatmap picture; returns the path written."""
    with atomic_output(path, force=True) as tmp:
        cv2.imwrite(str(tmp), xray_overlay(crop, xray)[:, :, ::-1])
    return str(path)


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt, plt.subplots(figsize=(8, 3), dpi=100)


def _save(plt: Any, fig: Any, path: Path) -> str:
    fig.tight_layout()
    with atomic_output(path, force=True) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return str(path)


def save_timeline(
    path: Path, series: Sequence[tuple[str, np.ndarray, np.ndarray]], threshold: float = 0.5
) -> str:
    """Per-frame probability of each face track against time."""
    plt, (fig, ax) = _figure()
    for label, times, probs in series:
        ax.plot(times, probs, marker=".", label=label)
    ax.axhline(threshold, color="grey", linestyle="--", linewidth=1)
    ax.set(xlabel="time (s)", ylabel="P(blended face)", ylim=(0, 1), title="Per-frame face score")
    ax.legend(loc="upper right", fontsize=8)
    return _save(plt, fig, path)


def save_blink_plot(
    path: Path, times: np.ndarray, ear: np.ndarray, threshold: float, blinks: Sequence[float]
) -> str:
    """Eye-aspect ratio over time with the closed-eye threshold and detected blinks."""
    plt, (fig, ax) = _figure()
    ax.plot(times, ear, color="tab:blue")
    ax.axhline(threshold, color="tab:red", linestyle="--", linewidth=1, label="closed")
    for t in blinks:
        ax.axvline(t, color="tab:orange", alpha=0.6)
    ax.set(xlabel="time (s)", ylabel="eye aspect ratio", title=f"Blinks: {len(blinks)}")
    ax.legend(loc="upper right", fontsize=8)
    return _save(plt, fig, path)


def save_pulse_plot(path: Path, pulse: Any) -> str:
    """rPPG signal and its spectrum with the estimated pulse."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3), dpi=100)
    a1.plot(np.arange(len(pulse.signal)) / pulse.fps, pulse.signal, color="tab:red")
    a1.set(xlabel="time (s)", title="rPPG signal (POS)")
    band = (pulse.freqs >= 0.5) & (pulse.freqs <= 4.0)
    a2.plot(pulse.freqs[band] * 60, pulse.power[band])
    a2.axvline(pulse.bpm, color="tab:orange", linestyle="--")
    a2.set(xlabel="beats per minute", title=f"{pulse.bpm:.0f} bpm, SNR {pulse.snr_db:.1f} dB")
    return _save(plt, fig, path)
