"""Evidence picture of the spectral detector: the power spectrum and its radial profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from veracity.detect.spectral_features import Spectrum
from veracity.report.evidence.figure import new_figure, save_figure

__all__ = ["save_spectrum_plot"]


def save_spectrum_plot(
    path: Path, spec: Spectrum, ref_real: np.ndarray, ref_fake: np.ndarray, score: float
) -> Path:
    """Write the log power spectrum (with a colour bar) beside the radial profile (legend).

    Args:
        path: PNG to write.
        spec: The image's spectra.
        ref_real: Mean radial profile of the real training images.
        ref_fake: Mean radial profile of the generated training images.
        score: The detector's calibrated P(fake).
    """
    fig, (left, right) = new_figure(2, 1, height_in=6.6, gridspec_kw={"height_ratios": [1.1, 1]})
    logp = np.log10(spec.power + 1e-3)
    lo, hi = np.percentile(logp, [1, 99.9])
    image = left.imshow(logp, cmap="magma", vmin=lo, vmax=hi, extent=(-0.5, 0.5, 0.5, -0.5))
    left.set(
        title="Power spectrum of the luminance",
        xlabel="horizontal frequency (cycles/px)",
        ylabel="vertical (cycles/px)",
    )
    fig.colorbar(image, ax=left, label="log10 power")
    freqs = np.linspace(0.0, 0.5, len(spec.radial))
    right.plot(freqs, ref_real, color="tab:green", label="real images (mean)")
    right.plot(freqs, ref_fake, color="tab:red", label="generated images (mean)")
    right.plot(freqs, spec.radial, color="tab:blue", linewidth=2, label="this image")
    right.set(
        title=f"Radial profile; P(fake) = {score:.2f}",
        xlabel="spatial frequency (cycles/px)",
        ylabel="log power (mean 0)",
    )
    right.legend(loc="best")
    right.grid(alpha=0.3)
    return save_figure(fig, path, "spectrum")
