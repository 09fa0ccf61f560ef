"""A recovered copy is compared with the signed image: re-encodes pass, local edits are mapped."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.blockhash import BlockHash, block_hash, stored_block_hash
from veracity.credentials.manifest import BLOCKHASH_LABEL


def _photo(seed: int = 0, h: int = 360, w: int = 540) -> np.ndarray:
    """A photo-like picture: smooth gradients, blobs and fine texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([xx / w * 180 + 40, yy / h * 150 + 50, (xx + yy) / (w + h) * 120 + 60], axis=2)
    for _ in range(25):
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(10, 60)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))[..., None]
        base += blob * rng.uniform(-90, 90, 3)
    for _ in range(40):  # sharp-edged shapes give the keypoints an alignment needs
        y, x = int(rng.uniform(0, h - 20)), int(rng.uniform(0, w - 20))
        base[y : y + int(rng.uniform(8, 40)), x : x + int(rng.uniform(8, 40))] += rng.uniform(
            -70, 70, 3
        )
    texture = cv2.GaussianBlur(rng.normal(0, 25, (h, w, 3)).astype(np.float32), (0, 0), 1.5)
    return np.clip(base + texture, 0, 255).astype(np.uint8)


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _thumbnail(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    return _jpeg(cv2.resize(rgb, (w * 2, h * 2), interpolation=cv2.INTER_CUBIC), 85)


@pytest.mark.parametrize(
    "make",
    [
        lambda r: _jpeg(r, 95),
        lambda r: _jpeg(r, 50),
        lambda r: _jpeg(
            cv2.resize(r, (r.shape[1] // 2, r.shape[0] // 2), interpolation=cv2.INTER_AREA), 85
        ),
        lambda r: _jpeg(r[30:-30, 40:-40], 80),
        lambda r: np.round(r.astype(np.float32) * 0.9 + 15).astype(np.uint8),
    ],
    ids=["jpeg95", "jpeg50", "half-size", "crop", "brighter-unclipped"],
)
@pytest.mark.parametrize("with_hash", [False, True], ids=["thumbnail", "thumbnail+blockhash"])
def test_benign_copies_are_confirmed(make, with_hash: bool) -> None:  # type: ignore[no-untyped-def]
    signed = _photo()
    stored = block_hash(signed) if with_hash else None
    result = compare_to_reference(make(signed), _thumbnail(signed), stored)
    assert result.confirmed and not result.altered
    assert result.changed.sum() == 0
    assert (result.texture_peak is not None) is with_hash


def test_clipped_highlights_are_unconfirmed_but_not_altered() -> None:
    # a levels edit that clips is outside the re-encoding tolerance: not vouched for,
    # but no region is reported changed either
    signed = _photo()
    brighter = np.clip(signed.astype(np.int16) + 12, 0, 255).astype(np.uint8)
    result = compare_to_reference(brighter, _thumbnail(signed), block_hash(signed))
    assert not result.altered and result.changed.sum() == 0


def test_block_hash_round_trips_through_its_assertion() -> None:
    original = block_hash(_photo(2))
    data = original.to_assertion()
    assert len(data["data"]) < 8000  # small enough for every manifest
    again = stored_block_hash({"assertions": [{"label": BLOCKHASH_LABEL, "data": data}]})
    assert again is not None and again.frame == original.frame
    assert np.array_equal(again.luma, original.luma)
    assert np.array_equal(again.fine, original.fine)
    assert np.array_equal(again.mid, original.mid)


@pytest.mark.parametrize(
    "data",
    [{"alg": "other"}, {"alg": "io.github.veracity.blockhash.v1", "block": 16, "grid_rows": 2,
                        "grid_cols": 2, "frame_height": 32, "frame_width": 32, "data": "!!"}],
    ids=["other-alg", "damaged"],
)  # fmt: skip
def test_a_foreign_or_damaged_block_hash_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BlockHash.from_assertion(data)
    assert stored_block_hash({"assertions": [{"label": BLOCKHASH_LABEL, "data": data}]}) is None


def test_a_smooth_fill_over_texture_is_never_confirmed() -> None:
    signed = _photo(3)
    mask = np.zeros(signed.shape[:2], np.uint8)
    mask[150:190, 250:300] = 255  # ~1 % of the area, filled from its surroundings
    edited = cv2.inpaint(signed, mask, 5, cv2.INPAINT_TELEA)
    result = compare_to_reference(_jpeg(edited, 90), _thumbnail(signed), block_hash(signed))
    assert not result.confirmed


def test_a_pasted_box_is_found_where_it_is() -> None:
    signed = _photo(1)
    edited = signed.copy()
    edited[100:180, 200:320] = (220, 0, 0)  # ~5 % of the area
    result = compare_to_reference(_jpeg(edited, 90), _thumbnail(signed))
    assert result.altered and not result.confirmed
    assert 0.02 < result.changed_fraction < 0.12
    gh, gw = result.changed.shape
    rows, cols = np.nonzero(result.changed)
    # every changed block lies on the box (block grid is the 256 px frame of the picture)
    assert (rows / gh * 360).min() >= 100 - 20 and (rows / gh * 360).max() <= 180 + 10
    assert (cols / gw * 540).min() >= 200 - 20 and (cols / gw * 540).max() <= 320 + 10
    doc = result.to_json()
    assert doc["altered"] is True and len(doc["changed_map"]) == gh


def test_a_different_picture_cannot_be_aligned_or_is_altered() -> None:
    try:
        result = compare_to_reference(_photo(7), _thumbnail(_photo(8)))
    except ValueError:
        return
    assert not result.confirmed
