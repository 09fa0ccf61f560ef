"""Every evidence picture explains itself: a legend or a colour bar, text readable at report size."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from veracity.detect.spectral_features import Spectrum
from veracity.report import evidence
from veracity.report.evidence import MIN_FONT_PT, REPORT_WIDTH_PX, read_facts

_RNG = np.random.default_rng(0)
_RGB = _RNG.integers(0, 255, (120, 160, 3), dtype=np.uint8)


def _change_map(tmp: Path) -> bytes:
    picture = tmp / "copy.png"
    Image.fromarray(_RGB).save(picture)
    grid = np.zeros((15, 20), int)
    grid[3:6, 4:9] = 1
    uri = evidence.change_map_data_uri(
        picture, {"changed_map": grid.tolist(), "changed_fraction": 0.05}
    )
    assert uri is not None
    return base64.b64decode(uri.split(",", 1)[1])


def _file(draw: Callable[[Path], object]) -> Callable[[Path], bytes]:
    def run(tmp: Path) -> bytes:
        out = tmp / "picture.png"
        draw(out)
        return out.read_bytes()

    return run


_PULSE = SimpleNamespace(
    signal=np.sin(np.linspace(0, 40, 300)), fps=25.0, freqs=np.linspace(0, 5, 200),
    power=np.abs(np.sin(np.linspace(0, 9, 200))), bpm=72.0, snr_db=4.2,
)  # fmt: skip
_T = np.linspace(0, 8, 40)

CASES: dict[Callable[..., object], Callable[[Path], bytes]] = {
    evidence.change_map_data_uri: _change_map,
    evidence.save_spectrum_plot: _file(
        lambda p: evidence.save_spectrum_plot(
            p, Spectrum(_RNG.random((64, 64)) + 0.1, _RNG.random((64, 64)), np.linspace(1, -1, 32)),
            np.linspace(1, -1.2, 32), np.linspace(1, -0.6, 32), 0.83,
        )
    ),
    evidence.save_heatmap: _file(lambda p: evidence.save_heatmap(p, _RGB, _RNG.normal(0, 2, (30, 40)))),
    evidence.save_face_heatmap: _file(
        lambda p: evidence.save_face_heatmap(p, _RGB[:, :120], _RNG.random((64, 64)))
    ),
    evidence.save_timeline: _file(
        lambda p: evidence.save_timeline(p, [("face 1", _T, _RNG.random(40)), ("face 2", _T, _RNG.random(40))])
    ),
    evidence.save_blink_plot: _file(
        lambda p: evidence.save_blink_plot(p, _T, 0.3 + 0.05 * _RNG.random(40), 0.2, [1.5, 4.0])
    ),
    evidence.save_pulse_plot: _file(lambda p: evidence.save_pulse_plot(p, _PULSE)),
}  # fmt: skip


def test_every_evidence_plotter_is_covered() -> None:
    assert set(CASES) == set(evidence.PLOTTERS)


@pytest.mark.parametrize("plotter", list(CASES), ids=lambda f: f.__name__)
def test_evidence_picture_has_a_legend_or_colour_bar_and_readable_text(
    plotter: Callable[..., object], tmp_path: Path
) -> None:
    png = CASES[plotter](tmp_path)
    facts = read_facts(png)
    assert facts is not None, "the picture carries no figure facts"
    assert facts.legend or facts.colorbar
    assert facts.min_font_pt >= MIN_FONT_PT
    assert facts.width_px <= REPORT_WIDTH_PX  # shown at its own size, so points are as seen


def test_figure_facts_see_a_missing_legend() -> None:
    fig, ax = evidence.figure.new_figure()
    ax.plot([0, 1], [0, 1])
    ax.set_title("tiny", fontsize=6)
    facts = evidence.figure_facts(fig, "bare")
    assert not facts.legend and not facts.colorbar and facts.min_font_pt == pytest.approx(6.0)
