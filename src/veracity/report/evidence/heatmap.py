"""Evidence picture of a region-scoring detector: its per-region score over the picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from veracity.report.evidence.figure import new_figure, save_figure

__all__ = ["save_heatmap"]


def save_heatmap(
    path: Path, rgb: np.ndarray, logits: np.ndarray, *, detector: str = "detector"
) -> Path:
    """Write the picture in grey with the per-region score as a colour overlay and bar.

    The per-region score is the sigmoid of the detector's region logit: uncalibrated,
    and 0.5 means undecided; only the image-level score is calibrated. The colour bar
    says so, so a red sky reads as "this region scored high", not as a finding.

    Args:
        path: PNG to write.
        rgb: The region the detector saw.
        logits: Its logit map (any size; stretched over the picture).
        detector: Name shown in the title.
    """
    h, w = rgb.shape[:2]
    prob = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -30, 30)))
    fig, ax = new_figure(height_in=3.6 * h / w + 0.8)
    ax.imshow(rgb.mean(axis=2), cmap="gray", extent=(0, w, h, 0))
    overlay = ax.imshow(
        prob, cmap="coolwarm", vmin=0.0, vmax=1.0, alpha=0.45, extent=(0, w, h, 0),
        interpolation="bilinear",
    )  # fmt: skip
    ax.set_title(f"{detector}: score per region", fontsize=11)
    ax.set_axis_off()
    bar = fig.colorbar(overlay, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label("region score (uncalibrated; 0.5 = undecided)")
    bar.set_ticks([0.0, 0.5, 1.0])
    bar.set_ticklabels(["0 real-like", "0.5", "1 fake-like"])
    return save_figure(fig, path, "heatmap")
