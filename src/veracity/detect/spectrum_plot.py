"""Evidence picture for the spectral detector, drawn with Pillow (no plotting library)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from veracity.detect.spectral_features import Spectrum
from veracity.media.output import atomic_output

__all__ = ["save_spectrum_plot"]

_SIDE = 256
_PLOT_W = 360


def _spectrum_panel(power: np.ndarray) -> Image.Image:
    logp = np.log(power + 1e-3)
    lo, hi = np.percentile(logp, [1, 99.9])
    grey = np.clip((logp - lo) / max(hi - lo, 1e-6) * 255, 0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L").resize((_SIDE, _SIDE), Image.Resampling.NEAREST)


def _curve_points(values: np.ndarray, lo: float, hi: float) -> list[tuple[float, float]]:
    n = len(values)
    x0, x1, y0, y1 = 40, _PLOT_W - 10, _SIDE - 30, 20
    return [
        (x0 + (x1 - x0) * i / (n - 1), y0 + (y1 - y0) * (float(v) - lo) / (hi - lo))
        for i, v in enumerate(values)
    ]


def _profile_panel(
    radial: np.ndarray, ref_real: np.ndarray, ref_fake: np.ndarray, score: float
) -> Image.Image:
    img = Image.new("RGB", (_PLOT_W, _SIDE), "white")
    draw = ImageDraw.Draw(img)
    stack = np.concatenate([radial, ref_real, ref_fake])
    lo, hi = float(stack.min()) - 0.5, float(stack.max()) + 0.5
    draw.rectangle((40, 20, _PLOT_W - 10, _SIDE - 30), outline="black")
    for values, colour in ((ref_real, "green"), (ref_fake, "red"), (radial, "blue")):
        draw.line(_curve_points(values, lo, hi), fill=colour, width=2)
    draw.text((44, 4), f"azimuthal log power   P(fake)={score:.2f}", fill="black")
    draw.text((44, _SIDE - 26), "0   spatial frequency (cycles/px)   0.5", fill="black")
    draw.text((_PLOT_W - 150, 24), "blue: this image", fill="blue")
    draw.text((_PLOT_W - 150, 36), "green: real mean", fill="green")
    draw.text((_PLOT_W - 150, 48), "red: fake mean", fill="red")
    return img


def save_spectrum_plot(
    path: Path, spec: Spectrum, ref_real: np.ndarray, ref_fake: np.ndarray, score: float
) -> Path:
    """Write the log power spectrum beside the radial profile plot as a PNG."""
    canvas = Image.new("RGB", (_SIDE + _PLOT_W, _SIDE), "white")
    canvas.paste(_spectrum_panel(spec.power).convert("RGB"), (0, 0))
    canvas.paste(_profile_panel(spec.radial, ref_real, ref_fake, score), (_SIDE, 0))
    with atomic_output(path, force=True) as tmp:
        canvas.save(tmp, format="PNG")
    return path
