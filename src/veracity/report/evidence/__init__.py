"""Evidence pictures: every plot a detector or the report draws, in one place (matplotlib, Agg).

Each picture is drawn at report width with a legend or a colour bar and no text under
9 pt as shown; :func:`read_facts` reads back what a saved picture contains.
"""

from __future__ import annotations

from veracity.report.evidence.change_map import change_map_data_uri
from veracity.report.evidence.faces import (
    save_blink_plot,
    save_face_heatmap,
    save_pulse_plot,
    save_timeline,
)
from veracity.report.evidence.figure import (
    MIN_FONT_PT,
    REPORT_WIDTH_PX,
    FigureFacts,
    figure_facts,
    read_facts,
)
from veracity.report.evidence.heatmap import save_heatmap
from veracity.report.evidence.spectrum import save_spectrum_plot

__all__ = [
    "MIN_FONT_PT",
    "PLOTTERS",
    "REPORT_WIDTH_PX",
    "FigureFacts",
    "change_map_data_uri",
    "figure_facts",
    "read_facts",
    "save_blink_plot",
    "save_face_heatmap",
    "save_heatmap",
    "save_pulse_plot",
    "save_spectrum_plot",
    "save_timeline",
]

#: Every function that draws an evidence picture (tests check each one's legend/colour bar).
PLOTTERS = (
    change_map_data_uri,
    save_blink_plot,
    save_face_heatmap,
    save_heatmap,
    save_pulse_plot,
    save_spectrum_plot,
    save_timeline,
)
