"""The detector's optional C loops against their numpy paths, and the batched lattice
refinement and sync statistic against their definitions."""

from __future__ import annotations

import os

import numpy as np
import pytest

from veracity.watermark.image import lattice, native, sync
from veracity.watermark.image.lattice import Lattice, basis
from veracity.watermark.image.pattern import CANON, CHIP, GRID, key_pattern

compiled = pytest.mark.skipif(not native.COMPILED, reason="C kernels not built (no compiler)")


def test_ci_builds_the_c_kernels() -> None:
    # CI installs with a compiler: a silent fallback there would hide a broken build.
    if os.environ.get("CI") != "true":
        pytest.skip("only checked in CI")
    assert native.COMPILED


@compiled
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_fold_bins_equal_numpy_bins(dtype: type) -> None:
    rng = np.random.default_rng(3)
    for trial in range(40):
        h, w = (int(v) for v in rng.integers(40, 420, 2))
        residual = rng.standard_normal((h, w)).astype(dtype)
        angle = 0.0 if trial % 4 == 0 else float(rng.uniform(-0.25, 0.25))
        lat = Lattice(*basis(np.array(rng.uniform(17.0, 250.0)), np.array(angle)), 0.0)
        n = int(np.clip(np.floor(min(lat.period, CANON)), 16, CANON))
        inv = np.linalg.inv(np.stack([lat.v1, lat.v2], axis=1))
        c_sums, c_counts = sync._bins_compiled(residual, inv, n)
        np_sums, np_counts = sync._bins_numpy(residual, inv, n)
        assert np.array_equal(c_sums, np_sums)  # same bins, same order: the same bits
        assert np.array_equal(c_counts, np_counts)
        assert c_counts.sum() == h * w


@compiled
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_axis_aligned_fold_equals_numpy(dtype: type, monkeypatch) -> None:
    rng = np.random.default_rng(11)
    for _ in range(30):
        h, w = (int(v) for v in rng.integers(40, 420, 2))
        residual = rng.standard_normal((h, w)).astype(dtype)
        lat = Lattice(*basis(np.array(rng.uniform(17.0, 250.0)), np.array(0.0)), 0.0)
        n = int(np.clip(np.floor(min(lat.period, CANON)), 16, CANON))
        inv = np.linalg.inv(np.stack([lat.v1, lat.v2], axis=1))
        c_sums, c_counts = sync._bins_separable(residual, inv, n)
        with monkeypatch.context() as m:
            m.setattr(sync, "kernels", None)
            np_sums, np_counts = sync._bins_separable(residual, inv, n)
        assert np.array_equal(c_sums, np_sums) and np.array_equal(c_counts, np_counts)
        # The same bins as the per-pixel path, summed in another order.
        pixel_sums, pixel_counts = sync._bins_numpy(residual, inv, n)
        np.testing.assert_allclose(c_sums, pixel_sums, rtol=0, atol=1e-9)
        assert np.array_equal(c_counts, pixel_counts)


@compiled
def test_c_subpixel_peaks_equal_numpy() -> None:
    rng = np.random.default_rng(4)
    for trial in range(40):
        side = 2 * int(rng.integers(20, 200)) + 1
        acf = rng.standard_normal((side, side)).astype(np.float32)
        if trial % 2:
            acf = np.round(acf, 1)  # ties: the first maximum wins on both paths
        reach = (side - 1) // 2 - 3
        pred = rng.uniform(-reach, reach, (int(rng.integers(1, 300)), 2))
        c_xy, c_w = lattice._subpixel_peaks(acf, pred)
        np_xy, np_w = lattice._subpixel_peaks_numpy(acf, pred)
        assert np.array_equal(c_xy, np_xy)
        assert np.array_equal(c_w, np_w.astype(np.float64))


@compiled
def test_c_subpixel_peaks_refuse_points_off_the_acf() -> None:
    acf = np.zeros((41, 41), np.float32)
    with pytest.raises(IndexError):
        lattice._subpixel_peaks(acf, np.array([[19.0, 0.0]]))


def test_subpixel_peak_of_a_shifted_parabola() -> None:
    """A separable parabola peaking at (3.3, -2.2) from the centre: found to the sub-pixel."""
    side = 41
    c = (side - 1) // 2
    y, x = np.mgrid[:side, :side] - c
    acf = (10.0 - (x - 3.3) ** 2 - (y + 2.2) ** 2).astype(np.float32)
    xy, height = lattice._subpixel_peaks_numpy(acf, np.array([[3.0, -2.0]]))
    np.testing.assert_allclose(xy[0], [3.3, -2.2], atol=1e-5)
    assert height[0] > 0


def test_batched_refinement_equals_one_start_at_a_time() -> None:
    rng = np.random.default_rng(5)
    v1, v2 = basis(np.array(47.0), np.array(0.06))
    acf = _lattice_acf(v1, v2, rng)
    starts = [(47.5, 0.05, 1.0), (46.2, 0.08, 2.0), (80.0, -0.1, 3.0), (47.1, 0.061, 4.0)]
    batched = lattice._refine_many(acf, starts)
    for start, got in zip(starts, batched, strict=True):
        alone = lattice._refine_many(acf, [start])[0]
        np.testing.assert_allclose(got.v1, alone.v1, rtol=0, atol=1e-9)
        np.testing.assert_allclose(got.v2, alone.v2, rtol=0, atol=1e-9)
        assert got.score == start[2]
    # The starts near the true lattice converge onto it.
    for got in (batched[0], batched[1], batched[3]):
        assert abs(got.period / 47.0 - 1) < 0.003
        assert abs(got.angle_deg - np.rad2deg(0.06)) < 0.1


def test_find_lattice_finds_a_planted_lattice() -> None:
    v1, v2 = basis(np.array(61.0), np.array(np.deg2rad(4.0)))
    acf = _lattice_acf(v1, v2, np.random.default_rng(6))
    found = lattice.find_lattice(acf, 200.0, top=3)
    assert abs(found[0].period / 61.0 - 1) < 0.005
    assert abs(found[0].angle_deg - 4.0) < 0.2
    assert len(found) == 3


def _lattice_acf(v1: np.ndarray, v2: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A synthetic ACF (301 x 301): Gaussian peaks on the lattice, plus noise."""
    side, c = 301, 150
    y, x = np.mgrid[:side, :side] - c
    acf = 0.02 * rng.standard_normal((side, side))
    for k in range(-6, 7):
        for m in range(-6, 7):
            if k == 0 and m == 0:
                continue
            px, py = k * v1 + m * v2
            acf += np.exp(-((x - px) ** 2 + (y - py) ** 2) / 2.0)
    return acf.astype(np.float32)


def test_row_median_matches_numpy() -> None:
    x = np.random.default_rng(7).standard_normal((30, 97))
    np.testing.assert_array_equal(lattice.row_median(x), np.median(x, axis=1, keepdims=True))
    even = x[:, :96]
    np.testing.assert_array_equal(lattice.row_median(even), np.median(even, axis=1, keepdims=True))


def test_sync_z_is_the_best_normalised_correlation_near_the_correlation_peak() -> None:
    """z = sum_i s_i g_i / sqrt(sum_i g_i^2) over the sync chips, recomputed directly from
    the filtered tile, maximised over the offsets within 2 px of the largest correlation."""
    pattern = key_pattern("z-definition")
    tile = np.random.default_rng(8).standard_normal((CANON, CANON))
    kernel = sync.chip_kernel_fft(1.9)
    rows0, cols0 = pattern.sync_pos[:, 0] * CHIP, pattern.sync_pos[:, 1] * CHIP

    def at(g: np.ndarray, dy: int, dx: int) -> np.ndarray:
        return g[(rows0 + dy) % CANON, (cols0 + dx) % CANON]

    for variant in range(8):
        [(z, (oy, ox), g)] = sync._variant_syncs(tile[None], pattern, kernel, [variant])
        corr = {
            (dy, dx): at(g, dy, dx) @ pattern.sync_sign
            for dy in range(CANON)
            for dx in range(CANON)
        }
        py, px = max(corr, key=corr.__getitem__)
        near = [
            ((py + dy) % CANON, (px + dx) % CANON) for dy in range(-2, 3) for dx in range(-2, 3)
        ]
        zs = {o: at(g, *o) @ pattern.sync_sign / np.sqrt(at(g, *o) @ at(g, *o)) for o in near}
        assert (oy, ox) == max(zs, key=zs.__getitem__)
        assert z == pytest.approx(zs[(oy, ox)], rel=1e-12)


def test_variant_is_found_on_the_low_band() -> None:
    """A tile holding the sync chips turned by each flip/quarter turn is read back as it."""
    pattern = key_pattern("variants")
    signs = np.zeros((GRID, GRID))
    signs[pattern.sync_pos[:, 0], pattern.sync_pos[:, 1]] = pattern.sync_sign
    chips = np.kron(signs, np.ones((CHIP, CHIP)))
    noise = 0.5 * np.random.default_rng(9).standard_normal((CANON, CANON))
    kernel = sync.chip_kernel_fft(1.9)
    for variant in range(8):
        clean = np.roll(sync.dihedral(chips, variant), (5, 9), axis=(0, 1))
        got = sync.search_offset(clean + noise, pattern, kernel)
        assert got.z > 8.0
        # The variant read undoes the turn: the clean tile turned back is the chips, shifted.
        back = sync.dihedral(clean, got.variant)
        corr = np.fft.irfft2(np.fft.rfft2(back) * np.conj(np.fft.rfft2(chips)), s=back.shape)
        assert corr.max() == pytest.approx(float(np.sum(chips * chips)), rel=1e-9)


@compiled
def test_detection_reads_the_same_without_the_c_kernels(monkeypatch) -> None:
    """The whole detector on the numpy paths: the same readings, bit for bit."""
    from veracity.watermark.image import codec, detect_pixels, embed_pixels

    rng = np.random.default_rng(10)
    host = (rng.random((300, 340, 3)) * 180 + 40).astype(np.uint8)
    marked = embed_pixels(host, bytes(range(8)), "k")
    turned = np.ascontiguousarray(np.rot90(marked)[10:280, 5:300])
    images = [marked, turned, host]
    with_c = [detect_pixels(im, "k") for im in images]
    monkeypatch.setattr(sync, "kernels", None)
    monkeypatch.setattr(lattice, "kernels", None)
    monkeypatch.setattr(codec, "COMPILED", False)
    without = [detect_pixels(im, "k") for im in images]
    assert with_c == without
    assert with_c[0].detected and with_c[1].detected and not with_c[2].detected


def test_a_stage_without_candidates_keeps_the_best_reading_so_far() -> None:
    """A view or comb stage that finds no new lattice leaves the earlier reading as it is."""
    from veracity.watermark.image import codec
    from veracity.watermark.image.pattern import key_pattern

    pattern = key_pattern("k")
    residual = np.random.default_rng(12).standard_normal((260, 260)).astype(np.float32)
    lattice = Lattice(*basis(np.array(96.0), np.array(0.0)), 0.0)
    best = codec._try_lattices(residual, pattern, [lattice], None, "luma")
    assert codec._try_lattices(residual, pattern, [], best, "colour") is best
    with pytest.raises(ValueError):
        codec._try_lattices(residual, pattern, [], None, "luma")
