"""The fine low-pass signature: stored exactly, small, and it sees 1-level fills."""

from __future__ import annotations

import base64
import dataclasses
import zlib

import cv2
import numpy as np
import pytest
from tests.unit.credentials.test_cred_alteration import _c2pa_thumbnail, _flat_photo, _jpeg, _photo

from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.blockhash import BlockHash, block_hash, frame_of, stored_block_hash
from veracity.credentials.lowpass import (
    LOWPASS_ALG,
    STEP,
    LowPass,
    lowpass_change,
    pack,
    unpack,
    window_peak,
)
from veracity.credentials.manifest import BLOCKHASH_LABEL


def _manifest(data: dict[str, object]) -> dict[str, object]:
    return {"assertions": [{"label": BLOCKHASH_LABEL, "data": data}]}


def test_the_signature_round_trips_exactly_and_is_small() -> None:
    original = block_hash(_photo(4))
    assert original.lowpass is not None
    data = original.to_assertion()
    assert data["lowpass"]["alg"] == LOWPASS_ALG
    assert len(data["lowpass"]["data"]) < 14_000  # base64 characters added to the manifest
    again = stored_block_hash(_manifest(data))
    assert again is not None and again.lowpass is not None
    assert np.array_equal(again.lowpass.means, original.lowpass.means)
    # the means are the 8 px block means of the 512 px frame, to a quarter level
    frame = frame_of(_photo(4))
    ycc = cv2.cvtColor(frame, cv2.COLOR_RGB2YCrCb).astype(np.float64)
    assert abs(again.lowpass.means[3, 5, 0] - ycc[24:32, 40:48, 0].mean()) <= STEP / 2 + 1e-9
    assert again.lowpass.grid == (frame.shape[0] // 8, frame.shape[1] // 8)


@pytest.mark.parametrize(
    "data",
    [{"alg": "other", "block": 8}, {"alg": LOWPASS_ALG, "block": 8, "step": 0.25, "grid_rows": 2,
                                    "grid_cols": 2, "data": "!!"}],
    ids=["other-alg", "damaged"],
)  # fmt: skip
def test_a_foreign_or_damaged_signature_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        LowPass.from_assertion(data)
    hashed = block_hash(_photo(4)).to_assertion()
    assert stored_block_hash(_manifest({**hashed, "lowpass": data})) is None


def test_a_block_hash_signed_before_the_signature_still_compares() -> None:
    signed = _flat_photo(0)
    data = block_hash(signed).to_assertion()
    del data["lowpass"], data["grain"]  # as manifests signed before v1.1 carry it
    stored = BlockHash.from_assertion(data)
    assert stored.lowpass is None
    result = compare_to_reference(_jpeg(signed, 75), _c2pa_thumbnail(signed), stored)
    assert result.confirmed and result.lowpass_peak is None
    doc = result.to_json()
    assert doc["lowpass_peak"] is None and "low-pass" not in str(doc["method"])


def _warp_inputs(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    frame = frame_of(rgb)
    return frame, np.ones(frame.shape[:2], bool)


@pytest.mark.parametrize(
    "change",
    [lambda r: r, lambda r: np.round(r.astype(np.float32) * 0.9 + 12).astype(np.uint8)],
    ids=["same", "tone-change"],
)
def test_an_unchanged_or_globally_toned_copy_has_no_local_change(change) -> None:  # type: ignore[no-untyped-def]
    signed = _photo(5)
    stored = block_hash(signed)
    assert stored.lowpass is not None
    energy = np.repeat(np.repeat(stored.energy(), 2, axis=0), 2, axis=1)
    scores = lowpass_change(stored.lowpass, *_warp_inputs(change(signed)), energy)
    assert np.isnan(scores[0]).all() and np.isnan(scores[:, -1]).all()  # the rim is left out
    assert window_peak(scores) < 2.0


def test_a_local_shift_is_a_cluster_where_it_is() -> None:
    signed = _flat_photo(1)
    edited = signed.copy()
    edited[80:140, 100:190] = np.clip(edited[80:140, 100:190].astype(int) + 3, 0, 255)
    stored = block_hash(signed)
    assert stored.lowpass is not None
    energy = np.repeat(np.repeat(stored.energy(), 2, axis=0), 2, axis=1)
    scores = lowpass_change(stored.lowpass, *_warp_inputs(_jpeg(edited, 90)), energy)
    peak = np.unravel_index(np.nanargmax(scores), scores.shape)
    # block rows/cols of the 512 px frame (scale 512 / 540): inside the box
    scale = 512 / 540 / 8
    assert 80 * scale - 1 <= peak[0] <= 140 * scale + 1
    assert 100 * scale - 1 <= peak[1] <= 190 * scale + 1
    assert window_peak(scores) > 20  # the doubt level is 6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_one_level_fill_is_seen_only_with_the_signature(seed: int) -> None:
    # +1 grey level over ~3 % of a flat region: under every test of the thumbnail and the
    # block hash (the copy is confirmed without the signature), but not with it
    signed = _flat_photo(seed)
    stored, thumbnail = block_hash(signed), _c2pa_thumbnail(signed)
    edited = signed.copy()
    edited[80:140, 100:190] = np.clip(edited[80:140, 100:190].astype(int) + 1, 0, 255)
    copy = _jpeg(edited, 90)
    without = compare_to_reference(copy, thumbnail, dataclasses.replace(stored, lowpass=None))
    assert without.confirmed
    result = compare_to_reference(copy, thumbnail, stored)
    assert not result.confirmed and not result.altered
    assert result.lowpass_peak is not None and result.lowpass_peak > 6.0
    # the unedited picture re-encoded within the tolerance stays confirmed
    for benign in (_jpeg(signed, 50), _jpeg(signed[30:-30, 40:-40], 80)):
        again = compare_to_reference(benign, thumbnail, stored)
        assert again.confirmed and again.lowpass_peak is not None and again.lowpass_peak < 6.0


def test_packing_round_trips_and_refuses_damage() -> None:
    raw = bytes(range(256)) * 4
    text = pack(raw)
    assert text.isascii() and unpack(text) == raw
    for damaged in ("!!", "AAAA"):  # not base64; base64 but not a zlib stream
        with pytest.raises(ValueError):
            unpack(damaged)


def test_unpack_refuses_a_zlib_bomb_and_a_truncated_stream() -> None:
    bomb = pack(bytes(64 << 20))  # 64 MiB of zeros packs to about 87 KB of text
    assert len(bomb) < 200_000
    with pytest.raises(ValueError, match="inflates past"):
        unpack(bomb)
    whole = zlib.compress(bytes(range(256)) * 8, 9)
    with pytest.raises(ValueError, match="truncated"):
        unpack(base64.b64encode(whole[: len(whole) // 2]).decode("ascii"))
    assert unpack(pack(b"x" * 1000), limit=1000) == b"x" * 1000
