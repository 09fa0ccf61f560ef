"""The change map of a recovered credential: where a copy differs from the signed image."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from veracity.errors import InputError
from veracity.report.evidence.figure import new_figure, render_png

__all__ = ["change_map_data_uri"]


def _picture(path: Path) -> np.ndarray | None:
    from veracity.media.image import load_image

    try:
        return load_image(path).rgb
    except InputError:
        return None


def change_map_data_uri(path: Path, content_check: Mapping[str, Any]) -> str | None:
    """A PNG (data URI) of the file with the changed blocks outlined, legend and caption.

    None when the check found no changed block or the file is not a picture.
    """
    grid = np.asarray(content_check.get("changed_map") or [], dtype=bool)
    if grid.ndim != 2 or not grid.any():
        return None
    rgb = _picture(path)
    if rgb is None:
        return None
    from matplotlib.patches import Patch, Rectangle

    gh, gw = grid.shape
    h, w = rgb.shape[:2]
    fig, ax = new_figure(height_in=4.8 * h / w + 0.9)
    ax.imshow(rgb, extent=(0, gw, gh, 0), interpolation="lanczos")
    for row, col in zip(*np.nonzero(grid), strict=True):
        ax.add_patch(
            Rectangle((col, row), 1, 1, facecolor=(1, 0, 0, 0.35), edgecolor="red", lw=0.8)
        )
    share = 100 * float(content_check.get("changed_fraction", 0.0))
    ax.set_title(f"Changed since signing: {share:.1f} % of the picture", fontsize=12)
    ax.legend(
        handles=[Patch(facecolor=(1, 0, 0, 0.35), edgecolor="red", label="differs from the signed image")],
        loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=10, frameon=False,
    )  # fmt: skip
    ax.set_axis_off()
    data, _ = render_png(fig, "change-map")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
