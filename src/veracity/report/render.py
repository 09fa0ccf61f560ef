"""Render check results into one self-contained HTML file (inline CSS, data: images)."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import jinja2

from veracity import __version__
from veracity.media.output import atomic_output
from veracity.report.view import ReportItem

__all__ = ["render_report", "write_report"]

VERDICT_STYLE: dict[str, str] = {
    "tampered": "bad",
    "signed-then-altered": "bad",
    "likely-manipulated": "bad",
    "ai-generated-declared": "warn",
    "uncertain": "warn",
    "authentic-signed": "good",
    "watermarked": "info",
    "no-evidence": "neutral",
}


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # autoescape everywhere: file names and manifest strings are attacker-controlled.
    return jinja2.Environment(
        loader=jinja2.PackageLoader("veracity.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(items: Sequence[ReportItem], *, title: str = "Veracity report") -> str:
    """Return the report's HTML text.

    Args:
        items: One section per file, in order.
        title: Page title.
    """
    counts = Counter(i.result.verdict if i.result else "error" for i in items)
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title,
        items=items,
        counts=sorted(counts.items()),
        styles=VERDICT_STYLE,
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_report(
    path: str | os.PathLike[str],
    items: Sequence[ReportItem],
    *,
    title: str = "Veracity report",
    force: bool = True,
) -> Path:
    """Write the report atomically to ``path`` and return it."""
    html = render_report(items, title=title)
    with atomic_output(path, force=force) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)
