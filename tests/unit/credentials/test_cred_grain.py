"""The grain reference: stored exactly, small, and it sees a smooth fill over grainy flat areas."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from tests.unit.credentials.test_cred_alteration import _c2pa_thumbnail, _flat_photo, _jpeg

from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.blockhash import BlockHash, block_hash, frame_of, stored_block_hash
from veracity.credentials.grain import (
    CODE,
    FLOOR,
    GRAIN_ALG,
    Grain,
    grain_drop,
    grain_energy,
    relative_drop,
)
from veracity.credentials.manifest import BLOCKHASH_LABEL

_BOX = (slice(90, 130), slice(120, 175))  # ~1.1 % of the picture, inside the flat region


def _grainy_photo(seed: int) -> np.ndarray:
    """:func:`_flat_photo` with sensor-like grain (sigma 2 levels) over the whole picture."""
    rng = np.random.default_rng(100 + seed)
    base = _flat_photo(seed).astype(np.float32)
    noise = rng.normal(0, 2.0, base.shape[:2]).astype(np.float32)[..., None]
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def _smoothed(rgb: np.ndarray) -> np.ndarray:
    """The box replaced by a smooth fill with the same local means (its grain blurred away)."""
    out = rgb.copy()
    out[_BOX] = cv2.GaussianBlur(rgb, (0, 0), 2.0)[_BOX]
    return out


def _manifest(data: dict[str, object]) -> dict[str, object]:
    return {"assertions": [{"label": BLOCKHASH_LABEL, "data": data}]}


def test_the_reference_round_trips_exactly_and_is_small() -> None:
    signed = _grainy_photo(0)
    original = block_hash(signed)
    assert original.grain is not None
    data = original.to_assertion()
    assert data["grain"]["alg"] == GRAIN_ALG
    assert len(data["grain"]["data"]) < 4_000  # base64 characters added to the manifest
    again = stored_block_hash(_manifest(data))
    assert again is not None and again.grain is not None
    assert np.array_equal(again.grain.codes, original.grain.codes)
    # the codes are log2 of the 8 px blocks' high-pass energy, to an eighth of an octave
    frame = frame_of(signed)
    gh, gw = frame.shape[0] // 8, frame.shape[1] // 8
    energy = grain_energy(frame, gh, gw)
    assert again.grain.grid == (gh, gw)
    assert np.abs(again.grain.log_energy() - np.log2(energy + FLOOR)).max() <= 0.5 / CODE + 1e-9


@pytest.mark.parametrize(
    "data",
    [{"alg": "other", "block": 8}, {"alg": GRAIN_ALG, "block": 8, "grid_rows": 2, "grid_cols": 2,
                                    "data": "!!"}],
    ids=["other-alg", "damaged"],
)  # fmt: skip
def test_a_foreign_or_damaged_reference_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Grain.from_assertion(data)
    hashed = block_hash(_grainy_photo(0)).to_assertion()
    assert stored_block_hash(_manifest({**hashed, "grain": data})) is None


def test_a_block_hash_signed_before_the_reference_still_compares() -> None:
    signed = _grainy_photo(1)
    data = block_hash(signed).to_assertion()
    del data["grain"]  # as manifests signed before v1.2 carry it
    stored = BlockHash.from_assertion(data)
    assert stored.grain is None and stored.lowpass is not None
    result = compare_to_reference(_jpeg(signed, 75), _c2pa_thumbnail(signed), stored)
    assert result.confirmed and result.grain_peak is None
    doc = result.to_json()
    assert doc["grain_peak"] is None and "grain" not in str(doc["method"])


def test_a_uniform_loss_of_grain_is_not_a_local_drop() -> None:
    # JPEG-like smoothing everywhere lowers every block's grain: relative to its peers
    # no block falls far, while the same loss over a patch stands out there
    rng = np.random.default_rng(3)
    then_energy = rng.uniform(0.5, 8.0, (40, 60))
    then = np.round(np.log2(then_energy + FLOOR) * CODE) / CODE
    full = np.ones(then.shape, bool)
    uniform = relative_drop(then, then_energy * 0.5 * rng.uniform(0.9, 1.1, then.shape), full, full)
    assert np.nanmax(uniform) < 6.0
    patched = then_energy * rng.uniform(0.9, 1.1, then.shape)
    patched[10:16, 20:26] *= 0.4
    drop = relative_drop(then, patched, full, full)
    outside = np.ones(then.shape, bool)
    outside[10:16, 20:26] = False
    assert drop[10:16, 20:26].min() > 4.5 and np.abs(drop[outside]).mean() < 1.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_smooth_fill_over_grain_is_seen_only_with_the_reference(seed: int) -> None:
    # a smooth fill over 1 % of a flat, grainy region keeps its block means: the other
    # tests confirm the copy, the grain reference does not
    signed = _grainy_photo(seed)
    stored, thumbnail = block_hash(signed), _c2pa_thumbnail(signed)
    copy = _jpeg(_smoothed(signed), 90)
    without = compare_to_reference(copy, thumbnail, dataclasses.replace(stored, grain=None))
    assert without.confirmed
    result = compare_to_reference(copy, thumbnail, stored)
    assert not result.confirmed and not result.altered
    assert result.grain_peak is not None and result.grain_peak > 6.0  # the doubt level is 4.5
    # where: the largest drop lies in the filled box (8 px blocks of the 512 px frame)
    assert stored.grain is not None
    frame = frame_of(copy)
    drop = grain_drop(stored.grain, frame, np.ones(frame.shape[:2], bool))
    y, x = np.unravel_index(np.nanargmax(drop), drop.shape)
    scale = 512 / 540 / 8
    assert 90 * scale - 1 <= y <= 130 * scale + 1 and 120 * scale - 1 <= x <= 175 * scale + 1
    # the unedited picture re-encoded within the tolerance stays confirmed
    for benign in (_jpeg(signed, 95), _jpeg(signed, 50), _jpeg(signed[30:-30, 40:-40], 80)):
        again = compare_to_reference(benign, thumbnail, stored)
        assert again.confirmed and again.grain_peak is not None and again.grain_peak < 4.5


def test_a_large_smooth_fill_is_mapped_where_it_is() -> None:
    # a smooth fill over ~9 % of the picture: grain windows far over 10 map its blocks
    signed = _grainy_photo(0)
    stored, thumbnail = block_hash(signed), _c2pa_thumbnail(signed)
    edited = signed.copy()
    box = (slice(40, 180), slice(60, 240))
    edited[box] = cv2.GaussianBlur(signed, (0, 0), 2.0)[box]
    result = compare_to_reference(_jpeg(edited, 90), thumbnail, stored)
    assert not result.confirmed
    assert result.grain_peak is not None and result.grain_peak > 10.0
    rows, cols = np.nonzero(result.changed)
    assert rows.size >= 3
    # comparison grid: 8 px blocks at 256 px (scale 256 / 540)
    scale = 256 / 540 / 8
    assert rows.min() >= 40 * scale - 2 and rows.max() <= 180 * scale + 2
    assert cols.min() >= 60 * scale - 2 and cols.max() <= 240 * scale + 2
