"""The grain-phase reference: stored exactly, small, aligned on the grain itself, and it sees
a region copied from a few pixels away that keeps its grain energy and colour."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from tests.unit.credentials.test_cred_alteration import _c2pa_thumbnail, _flat_photo, _jpeg
from tests.unit.credentials.test_cred_grain import _grainy_photo, _manifest

from veracity.credentials import alteration
from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.blockhash import BlockHash, block_hash, frame_of, stored_block_hash
from veracity.credentials.grainphase import (
    BITS,
    PHASE_ALG,
    GrainPhase,
    agreement,
    phase_frame,
    phase_of,
    phase_scores,
)

_BOX = (slice(60, 110), slice(100, 170))  # ~1.8 % of the 360 x 540 picture, in the flat region


def _sky_photo(seed: int) -> np.ndarray:
    """:func:`_flat_photo` whose flat region carries film-like grain (white noise of 8 levels
    blurred at sigma 1 px: ~2 levels, as in BSDS skies), which JPEG 90 keeps in part."""
    rng = np.random.default_rng(200 + seed)
    out = _flat_photo(seed).astype(np.float32)
    grain = cv2.GaussianBlur(rng.normal(0, 8.0, out.shape[:2]).astype(np.float32), (0, 0), 1.0)
    region = (slice(20, 200), slice(30, 300))
    out[region] += grain[region][..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _copy_moved(rgb: np.ndarray, dy: int = 4, dx: int = 3) -> np.ndarray:
    """The box replaced by the flat region a few pixels away: same grain level, same colour
    to a fraction of a level, different grain."""
    out = rgb.copy()
    ys, xs = _BOX
    out[_BOX] = rgb[ys.start + dy : ys.stop + dy, xs.start + dx : xs.stop + dx]
    return out


def test_the_reference_round_trips_exactly_and_is_small() -> None:
    signed = _grainy_photo(0)
    original = block_hash(signed)
    assert original.phase is not None
    data = original.to_assertion()
    assert data["phase"]["alg"] == PHASE_ALG
    # one byte per 8 px block of the 512 x 341 frame, base64: ~3.6 KB added to the manifest
    assert len(data["phase"]["data"]) < 5_000
    again = stored_block_hash(_manifest(data))
    assert again is not None and again.phase is not None
    assert np.array_equal(again.phase.signs, original.phase.signs)
    frame = frame_of(signed)
    assert again.phase.grid == (frame.shape[0] // 8, frame.shape[1] // 8)
    assert again.phase.signs.shape[2] == BITS
    # the signs are those of the frame's grain: the frame agrees with itself everywhere
    assert agreement(again.phase, frame, *again.phase.grid).min() == 1.0


@pytest.mark.parametrize(
    "data",
    [
        {"alg": "other", "block": 8},
        {"alg": PHASE_ALG, "block": 8, "bits": 8, "seed": 20261208, "grid_rows": 2,
         "grid_cols": 2, "data": "!!"},
        {"alg": PHASE_ALG, "block": 8, "bits": 8, "seed": 1, "grid_rows": 2, "grid_cols": 2},
    ],
    ids=["other-alg", "damaged", "other-patterns"],
)  # fmt: skip
def test_a_foreign_or_damaged_reference_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        GrainPhase.from_assertion(data)
    hashed = block_hash(_grainy_photo(0)).to_assertion()
    assert stored_block_hash(_manifest({**hashed, "phase": data})) is None


def test_a_reference_of_the_wrong_size_is_refused() -> None:
    data = phase_of(frame_of(_grainy_photo(0))).to_assertion()
    with pytest.raises(ValueError, match="damaged"):
        GrainPhase.from_assertion({**data, "grid_rows": int(data["grid_rows"]) + 1})


def test_a_block_hash_signed_before_the_reference_still_compares() -> None:
    signed = _grainy_photo(1)
    data = block_hash(signed).to_assertion()
    del data["phase"]  # as manifests signed before v1.3 carry it
    stored = BlockHash.from_assertion(data)
    assert stored.phase is None and stored.grain is not None
    result = compare_to_reference(_jpeg(signed, 75), _c2pa_thumbnail(signed), stored)
    assert result.confirmed and result.phase_peak is None
    doc = result.to_json()
    assert doc["phase_peak"] is None and "phase" not in str(doc["method"])


@pytest.mark.parametrize("shift", [(0.5, -0.25), (-0.375, 0.625)])
def test_the_frame_is_aligned_on_the_grain(shift: tuple[float, float]) -> None:
    # a transform off by a fraction of a pixel leaves the grain decorrelated; the search on
    # the stored signs finds the offset back to an eighth of a pixel
    signed = _grainy_photo(2)
    frame = frame_of(signed)
    stored = phase_of(frame)
    size = frame.shape[:2]
    off = np.array([[1.0, 0.0, shift[1]], [0.0, 1.0, shift[0]]])
    moved = cv2.warpAffine(frame, off, (size[1], size[0]), flags=cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REFLECT)  # fmt: skip
    grid = stored.grid
    before = agreement(stored, moved, *grid).mean()
    back, covered = phase_frame(stored, moved, np.eye(2, 3), size)
    assert covered.mean() > 0.99  # all but the row or column the offset moved out
    # the exact inverse warp is as good as it gets (a half-pixel shift blurs the grain)
    undo = np.array([[1.0, 0.0, -shift[1]], [0.0, 1.0, -shift[0]]])
    exact = cv2.warpAffine(moved, undo, (size[1], size[0]), flags=cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REFLECT)  # fmt: skip
    after, best = agreement(stored, back, *grid).mean(), agreement(stored, exact, *grid).mean()
    assert before < 0.75 and after > before + 0.08 and after >= best - 0.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_copy_move_within_flat_grain_is_seen_only_with_the_reference(seed: int) -> None:
    # a region of grainy sky copied from 4 px away keeps its grain energy and its block
    # means: every other test confirms the copy, the grain phase does not
    signed = _sky_photo(seed)
    stored, thumbnail = block_hash(signed), _c2pa_thumbnail(signed)
    copy = _jpeg(_copy_moved(signed), 90)
    without = compare_to_reference(copy, thumbnail, dataclasses.replace(stored, phase=None))
    assert without.confirmed
    result = compare_to_reference(copy, thumbnail, stored)
    assert not result.confirmed and not result.altered
    doubt = alteration._PHASE_DOUBT
    assert result.phase_peak is not None and result.phase_peak > doubt
    # where: the largest window score lies on the moved box (8 px blocks of the 512 px frame)
    assert stored.phase is not None and stored.grain is not None
    frame = frame_of(copy)
    scores = phase_scores(
        stored.phase, stored.grain.log_energy(), frame, np.ones(frame.shape[:2], bool)
    )
    y, x = np.unravel_index(np.nanargmax(scores), scores.shape)
    scale = 512 / 540 / 8
    assert 60 * scale - 3 <= y <= 110 * scale + 3 and 100 * scale - 3 <= x <= 170 * scale + 3
    # the unedited picture re-encoded within the tolerance stays confirmed
    for benign in (_jpeg(signed, 95), _jpeg(signed, 50), _jpeg(signed[30:-30, 40:-40], 80)):
        again = compare_to_reference(benign, thumbnail, stored)
        assert again.confirmed, again.to_json()
        assert again.phase_peak is not None and again.phase_peak < doubt
