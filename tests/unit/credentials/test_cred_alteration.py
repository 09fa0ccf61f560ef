"""A recovered copy is compared with the signed image: re-encodes pass, local edits are mapped."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from veracity.check.rules import decide
from veracity.credentials.alteration import compare_to_reference
from veracity.credentials.blockhash import BlockHash, block_hash, stored_block_hash
from veracity.credentials.manifest import BLOCKHASH_LABEL
from veracity.results import CredentialReport


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


def _c2pa_thumbnail(rgb: np.ndarray) -> np.ndarray:
    """A thumbnail made as c2pa makes one: long side resampled to 1024 px, JPEG quality 75."""
    h, w = rgb.shape[:2]
    scale = 1024 / max(h, w)
    size = (round(w * scale), round(h * scale))
    return _jpeg(cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC), 75)


def _flat_photo(seed: int, h: int = 360, w: int = 540) -> np.ndarray:
    """:func:`_photo` with a flat, faintly graded and grainy region (a wall or sky)."""
    rng = np.random.default_rng(seed)
    out = _photo(seed, h, w).astype(np.float32)
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    region = (slice(20, 200), slice(30, 300))
    flat = np.array([170.0, 175.0, 185.0]) + (yy[region] / h * 20)[..., None]
    grain = rng.normal(0, 2.0, flat.shape[:2]).astype(np.float32)
    out[region] = flat + cv2.GaussianBlur(grain, (0, 0), 0.7)[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _verdict(result_json: dict[str, object]) -> str:
    report = CredentialReport(
        state="trusted", recovered_via="watermark", details={"content_check": result_json}
    )
    return decide(report, None, None)[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_faint_local_change_in_a_flat_region_is_not_authentic_signed(seed: int) -> None:
    # a +3-level bump over ~1 % of the picture, in a flat region: under every absolute
    # threshold (residual, texture), but an outlier against the copy's own residual level
    signed = _flat_photo(seed)
    stored, thumbnail = block_hash(signed), _c2pa_thumbnail(signed)
    bump = np.zeros(signed.shape[:2], np.float32)
    bump[90:125, 120:170] = 3.0
    bump = cv2.GaussianBlur(bump, (0, 0), 3)
    edited = np.clip(signed + bump[..., None], 0, 255).astype(np.uint8)
    result = compare_to_reference(_jpeg(edited, 90), thumbnail, stored)
    assert result.outlier_peak is not None and result.outlier_peak > 3.0
    assert not result.confirmed
    assert _verdict(result.to_json()) != "authentic-signed"
    # the same picture re-encoded at JPEG 50 is within the tolerance
    again = compare_to_reference(_jpeg(signed, 50), thumbnail, stored)
    assert again.confirmed and not again.altered
    assert again.outlier_peak is not None and again.outlier_peak < 3.0
    assert _verdict(again.to_json()) == "authentic-signed"


def test_without_a_block_hash_there_is_no_flat_outlier_test() -> None:
    signed = _flat_photo(0)
    result = compare_to_reference(_jpeg(signed, 50), _c2pa_thumbnail(signed))
    assert result.outlier_peak is None and result.to_json()["outlier_peak"] is None
