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
    # must assign every pixel to the same bin (it sums them in another order: rows first).
    skew = 1e-200
    general = Lattice(np.array([period, skew]), np.array([-skew, period]), 0.0)
    np.testing.assert_allclose(fold(residual, aligned), fold(residual, general), atol=1e-6)


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


@pytest.mark.parametrize("n", [17, 64, 97, 100])
def test_resampling_operator_equals_spectral_zero_padding(n: int) -> None:
    """The cached separable operator against the 2-D FFT definition (odd and even n), to
    single precision (its products run in float32, like the sync search that reads them)."""
    tile = np.random.default_rng(n).standard_normal((n, n))
    spectrum = np.zeros((CANON, CANON), dtype=complex)
    slots = np.round(np.fft.fftfreq(n) * n).astype(np.intp) % CANON
    spectrum[slots[:, None], slots[None, :]] = np.fft.fft2(tile)
    expected = np.real(np.fft.ifft2(spectrum)) * (CANON / n) ** 2
    np.testing.assert_allclose(_fourier_resize(tile, CANON), expected, rtol=0, atol=2e-5)


def test_comb_score_equals_the_direct_sum_over_harmonics() -> None:
    """The FFT correlation against summing every harmonic's shifted log-polar slice."""
    from veracity.watermark.image import comb

    power = np.random.default_rng(5).exponential(1.0, (300, 151)).astype(np.float32)
    max_period = 146.0
    got, _, n_ang = comb._score(power, max_period)
    r_lo = 2.0 / max_period * 0.98
    r_hi = min(0.5, comb._K_MAX / comb.MIN_PERIOD * 1.02)
    n_rho = int(np.log(r_hi / r_lo) / comb._D_RHO) + 1
    polar = comb._log_polar(power, r_lo, n_rho)[:, ::-1].astype(np.float64)
    n_phi = polar.shape[0]
    n_p = got.shape[0]
    raw = np.zeros((2 * n_ang + 1, n_p))
    norm = np.zeros(n_p)
    for log_r, ang, wt in zip(*comb._template(), strict=True):
        start = n_rho - 1 - round((log_r - np.log(comb.MIN_PERIOD) - np.log(r_lo)) / comb._D_RHO)
        row = round((ang + np.pi / 2) / comb._D_PHI)
        for i in range(max(0, -start), min(n_p, n_rho - start)):
            raw[:, i] += wt * polar[(row + np.arange(-n_ang, n_ang + 1)) % n_phi, start + i]
            norm[i] += max(wt, 0.0)
    rows = raw.T / np.maximum(norm, 1e-9)[:, None]
    centre = np.median(rows, axis=1, keepdims=True)
    spread = 1.4826 * np.median(np.abs(rows - centre), axis=1, keepdims=True)
    np.testing.assert_allclose(got, (rows - centre) / (spread + 1e-12), rtol=0, atol=1e-6)


def test_refine_reuses_repeated_trials_and_matches_the_plain_descent(monkeypatch) -> None:
    # Coordinate descent repeats a pass from the same lattice when the previous pass
    # moved nothing; those trials are kept, not folded again, and the result must be
    # the plain descent's exactly.
    from veracity.watermark.image import refine as refine_mod
    from veracity.watermark.image.pattern import key_pattern

    rng = np.random.default_rng(4)
    residual = rng.normal(size=(300, 280))
    pattern = key_pattern("k")
    v1, v2 = basis(np.array(41.0), np.array(3.0))
    start = Lattice(np.asarray(v1, float), np.asarray(v2, float), 1.0)
    sync = refine_mod.sync_for(residual, pattern, start, 1.5)

    def plain() -> tuple[Lattice, object]:
        best, best_sync = start, sync
        for scale_step, turn_step in refine_mod._STAGES:
            for _ in range(refine_mod._PASSES):
                for scale, turn in (
                    (scale_step, 0.0),
                    (-scale_step, 0.0),
                    (0.0, turn_step),
                    (0.0, -turn_step),
                ):
                    trial = refine_mod._moved(best, scale, turn)
                    got = refine_mod.sync_for(residual, pattern, trial, 1.5, (sync.variant,))
                    if got.z > best_sync.z:
                        best, best_sync = trial, got
        return best, best_sync

    want_lattice, want_sync = plain()
    folds = []
    real_fold = refine_mod.fold
    monkeypatch.setattr(refine_mod, "fold", lambda r, lat: folds.append(1) or real_fold(r, lat))
    got_lattice, got_sync = refine_mod.refine(residual, pattern, start, sync, 1.5)
    assert np.array_equal(got_lattice.v1, want_lattice.v1)
    assert np.array_equal(got_lattice.v2, want_lattice.v2)
    assert got_sync.z == want_sync.z and got_sync.offset == want_sync.offset
    trials = len(refine_mod._STAGES) * refine_mod._PASSES * 4
    assert len(folds) < trials  # at least one pass was a repeat
