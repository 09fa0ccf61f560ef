"""Self-contained HTML reports of check results.

The names below load on first use, so that ``veracity.report.evidence`` (the evidence
pictures detectors draw) can be imported without the report builder and what it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from veracity.report.render import render_report, write_report
    from veracity.report.view import ReportItem, build_item, error_item

__all__ = ["ReportItem", "build_item", "error_item", "render_report", "write_report"]

_HOMES = {
    "render_report": "veracity.report.render",
    "write_report": "veracity.report.render",
    "ReportItem": "veracity.report.view",
    "build_item": "veracity.report.view",
    "error_item": "veracity.report.view",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'veracity.report' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
