"""Lattice candidates of one whitened view, and their bookkeeping (fallback, duplicates)."""

from __future__ import annotations

import numpy as np

from veracity.watermark.image.lattice import Lattice, basis, find_lattice, polish_many
from veracity.watermark.image.pattern import TEMPLATE_SHARE
from veracity.watermark.image.template import template_lattices

__all__ = ["dedupe", "fallback", "view_candidates"]


def fallback(priors: list[float]) -> list[Lattice]:
    """The prior period, unturned: tried when the autocorrelation offers nothing."""
    return [Lattice(*basis(np.array(priors[0]), np.array(0.0)), 0.0)]


def _same(a: Lattice, b: Lattice) -> bool:
    """Whether two lattices fold alike (the fold needs the period to 0.3 %: only
    near-identical lattices are duplicates)."""
    return abs(a.period / b.period - 1) < 0.001 and abs(a.angle_deg - b.angle_deg) < 0.05


def dedupe(lattices: list[Lattice], exclude: list[Lattice]) -> list[Lattice]:
    """``lattices`` in order, without duplicates of earlier ones or of ``exclude``."""
    unique: list[Lattice] = []
    for lat in lattices:
        if not any(_same(lat, u) for u in unique + exclude):
            unique.append(lat)
    return unique


def view_candidates(
    acf: np.ndarray,
    power: np.ndarray,
    shape: tuple[int, int],
    max_period: float,
    priors: list[float],
    exact_periods: list[float],
    top: int,
) -> list[Lattice]:
    """Lattice candidates: ``exact_periods`` unturned, template peaks, then the ``top``
    best of the ACF lattice search; deduplicated."""
    # Most copies are neither resized nor turned: the embedder's own periods, exactly.
    exact = [
        Lattice(*basis(np.array(p), np.array(0.0)), 0.0) for p in exact_periods if p <= max_period
    ]
    found: list[Lattice] = []
    if TEMPLATE_SHARE > 0:
        found += polish_many(acf, template_lattices(power, shape, max_period))
    found += find_lattice(acf, max_period, top=top, priors=priors)
    return exact + dedupe(found, exact)[:top]
