"""Evidence pictures of the face detectors: blending-boundary maps, timelines, blinks, pulse."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from veracity.report.evidence.figure import new_figure, save_figure

__all__ = ["save_blink_plot", "save_face_heatmap", "save_pulse_plot", "save_timeline"]


def save_face_heatmap(path: Path, crop: np.ndarray, xray: np.ndarray) -> str:
    """The face crop beside its predicted blending boundary (Face X-ray), with a colour bar."""
    fig, (left, right) = new_figure(1, 2, height_in=2.9, layout="constrained")
    left.imshow(crop)
    left.set_title("face crop")
    right.imshow(crop.mean(axis=2), cmap="gray")
    image = right.imshow(
        xray, cmap="inferno", vmin=0.0, vmax=1.0, alpha=0.6,
        extent=(-0.5, crop.shape[1] - 0.5, crop.shape[0] - 0.5, -0.5), interpolation="bicubic",
    )  # fmt: skip
    right.set_title("blending boundary")
    for ax in (left, right):
        ax.set_axis_off()
    fig.colorbar(image, ax=[left, right], fraction=0.046, pad=0.02, label="boundary strength")
    return str(save_figure(fig, path, "face-heatmap"))


def save_timeline(
    path: Path, series: Sequence[tuple[str, np.ndarray, np.ndarray]], threshold: float = 0.5
) -> str:
    """Per-frame probability of each face track against time, with the decision threshold."""
    fig, ax = new_figure(height_in=3.0)
    for label, times, probs in series:
        ax.plot(times, probs, marker=".", label=label)
    ax.axhline(threshold, color="grey", linestyle="--", linewidth=1, label="threshold")
    ax.set(xlabel="time (s)", ylabel="P(blended face)", ylim=(0, 1), title="Per-frame face score")
    ax.legend(loc="upper right")
    return str(save_figure(fig, path, "timeline"))


def save_blink_plot(
    path: Path, times: np.ndarray, ear: np.ndarray, threshold: float, blinks: Sequence[float]
) -> str:
    """Eye-aspect ratio over time with the closed-eye threshold and detected blinks."""
    fig, ax = new_figure(height_in=3.0)
    ax.plot(times, ear, color="tab:blue", label="eye aspect ratio")
    ax.axhline(threshold, color="tab:red", linestyle="--", linewidth=1, label="closed below")
    for i, t in enumerate(blinks):
        ax.axvline(t, color="tab:orange", alpha=0.6, label="blink" if i == 0 else None)
    ax.set(xlabel="time (s)", ylabel="eye aspect ratio", title=f"Blinks: {len(blinks)}")
    ax.legend(loc="upper right")
    return str(save_figure(fig, path, "blinks"))


def save_pulse_plot(path: Path, pulse: Any) -> str:
    """rPPG signal and its spectrum with the estimated pulse."""
    fig, (top, bottom) = new_figure(2, 1, height_in=4.8)
    top.plot(np.arange(len(pulse.signal)) / pulse.fps, pulse.signal, color="tab:red", label="POS")
    top.set(xlabel="time (s)", ylabel="signal", title="Skin-colour pulse signal (rPPG)")
    top.legend(loc="upper right")
    band = (pulse.freqs >= 0.5) & (pulse.freqs <= 4.0)
    bottom.plot(pulse.freqs[band] * 60, pulse.power[band], label="power")
    bottom.axvline(pulse.bpm, color="tab:orange", linestyle="--", label=f"{pulse.bpm:.0f} bpm")
    bottom.set(
        xlabel="beats per minute",
        ylabel="power",
        title=f"Pulse spectrum, SNR {pulse.snr_db:.1f} dB",
    )
    bottom.legend(loc="upper right")
    return str(save_figure(fig, path, "pulse"))
