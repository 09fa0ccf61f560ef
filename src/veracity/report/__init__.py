"""Self-contained HTML reports of check results."""

from veracity.report.render import render_report, write_report
from veracity.report.view import ReportItem, build_item, error_item

__all__ = ["ReportItem", "build_item", "error_item", "render_report", "write_report"]
