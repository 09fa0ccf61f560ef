"""The watermark fold: its axis-aligned shortcut and its float64 input give the general result."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.watermark.image.lattice import Lattice, basis
from veracity.watermark.image.pattern import CANON
from veracity.watermark.image.sync import _fourier_resize, fold


@pytest.mark.parametrize(("shape", "period"), [((300, 410), 37.3), ((256, 256), 64.0)])
def test_axis_aligned_fold_equals_the_general_path(shape: tuple[int, int], period: float) -> None:
    residual = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    aligned = Lattice(*basis(np.array(period), np.array(0.0)), 0.0)
    # Off-diagonal terms far below the index's 2^-22 resolution: the general path runs and
    # must assign every pixel to the same bin, in the same order.
    skew = 1e-200
    general = Lattice(np.array([period, skew]), np.array([-skew, period]), 0.0)
    assert np.array_equal(fold(residual, aligned), fold(residual, general))


def test_float64_input_folds_like_float32() -> None:
    residual = np.random.default_rng(1).standard_normal((280, 300)).astype(np.float32)
    lattice = Lattice(*basis(np.array(51.7), np.array(0.07)), 0.0)
    assert np.array_equal(fold(residual, lattice), fold(residual.astype(np.float64), lattice))


def test_fold_averages_each_tile_bin() -> None:
    """Against a plain per-pixel reference: bin = floor(n * (position mod period) / period)."""
    residual = np.random.default_rng(2).standard_normal((300, 250))
    lattice = Lattice(*basis(np.array(64.0), np.array(0.0)), 0.0)
    n = int(np.floor(lattice.period))  # 63: the period from the determinant is 64 - 3e-14
    y, x = np.mgrid[:300, :250]
    bins = ((y % 64) * n // 64) * n + (x % 64) * n // 64
    sums = np.bincount(bins.ravel(), weights=residual.ravel(), minlength=n * n)
    tile = (sums / np.bincount(bins.ravel(), minlength=n * n)).reshape(n, n)
    expected = _fourier_resize(tile - tile.mean(), CANON)
    np.testing.assert_allclose(fold(residual, lattice), expected, rtol=0, atol=1e-12)
