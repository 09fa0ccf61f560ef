"""Shared figure plumbing for evidence pictures: Agg backend, report size, readable fonts.

Every evidence picture is drawn with matplotlib at the width the HTML report shows it
(:data:`REPORT_WIDTH_PX`), so a font size in points is what the reader sees. On saving,
the figure's artist tree is inspected (:func:`figure_facts`) and the facts are written into
the PNG's text chunks, so tests and the report can check that a picture explains itself
(a legend or a colour bar; no text under :data:`MIN_FONT_PT`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from veracity.media.output import atomic_output

__all__ = [
    "MIN_FONT_PT",
    "REPORT_WIDTH_PX",
    "FigureFacts",
    "figure_facts",
    "new_figure",
    "read_facts",
    "render_png",
    "save_figure",
]

REPORT_WIDTH_PX = 480  # how wide the report shows an evidence picture (CSS max-width)
_DPI = 100
_WIDTH_IN = REPORT_WIDTH_PX / _DPI  # drawn at exactly the shown width: points are as seen
MIN_FONT_PT = 9.0
_KEY = "veracity:"


@dataclass(frozen=True)
class FigureFacts:
    """What an evidence figure contains, from its artist tree.

    Attributes:
        kind: Which picture (e.g. ``spectrum``, ``heatmap``).
        legend: A legend is drawn.
        colorbar: A colour bar is drawn.
        min_font_pt: Smallest visible text, in points at report size.
        width_px: Width of the saved picture.
    """

    kind: str
    legend: bool
    colorbar: bool
    min_font_pt: float
    width_px: int

    def to_text(self) -> dict[str, str]:
        """PNG text-chunk entries."""
        return {
            _KEY + "kind": self.kind,
            _KEY + "legend": str(int(self.legend)),
            _KEY + "colorbar": str(int(self.colorbar)),
            _KEY + "min_font_pt": f"{self.min_font_pt:.1f}",
        }


def new_figure(
    rows: int = 1, cols: int = 1, height_in: float = 3.0, **kwargs: Any
) -> tuple[Any, Any]:
    """A figure at report width (Agg backend, readable default fonts) and its axes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    # matplotlib's defaults (10 pt text, 12 pt titles) are read when each artist is made
    fig, axes = plt.subplots(rows, cols, figsize=(_WIDTH_IN, height_in), dpi=_DPI, **kwargs)
    return fig, axes


def _visible_texts(fig: Any) -> list[Any]:
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def figure_facts(fig: Any, kind: str) -> FigureFacts:
    """Inspect a figure: legend, colour bar, smallest visible text at report size."""
    legend = bool(fig.legends) or any(ax.get_legend() is not None for ax in fig.axes)
    colorbar = any(getattr(ax, "_colorbar", None) is not None for ax in fig.axes)
    width_px = round(fig.get_figwidth() * fig.dpi)
    shown = min(1.0, REPORT_WIDTH_PX / max(width_px, 1))  # the report shrinks wider pictures
    sizes = [float(t.get_fontsize()) for t in _visible_texts(fig)]
    smallest = min(sizes) * shown if sizes else 0.0
    return FigureFacts(kind, legend, colorbar, smallest, width_px)


def render_png(fig: Any, kind: str) -> tuple[bytes, FigureFacts]:
    """The figure as PNG bytes (facts in its text chunks); closes the figure."""
    from matplotlib import pyplot as plt

    if fig.get_layout_engine() is None:
        fig.tight_layout()
    facts = figure_facts(fig, kind)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata=facts.to_text())
    plt.close(fig)
    return buf.getvalue(), facts


def save_figure(fig: Any, path: Path, kind: str) -> Path:
    """Write the figure as a PNG (atomically, facts included); closes the figure."""
    data, _ = render_png(fig, kind)
    with atomic_output(path, force=True) as tmp:
        tmp.write_bytes(data)
    return path


def read_facts(png: Path | bytes) -> FigureFacts | None:
    """The facts stored in an evidence PNG, or None for a picture without them."""
    with Image.open(io.BytesIO(png) if isinstance(png, bytes) else png) as im:
        text = dict(getattr(im, "text", {}) or {})
        width = im.width
    if _KEY + "kind" not in text:
        return None
    return FigureFacts(
        text[_KEY + "kind"],
        text.get(_KEY + "legend") == "1",
        text.get(_KEY + "colorbar") == "1",
        float(text.get(_KEY + "min_font_pt", "0")),
        width,
    )
