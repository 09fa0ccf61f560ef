"""The numpy PDQ implementation: structure, robustness and separation."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from veracity.fingerprint import hamming, pdq_hash
from veracity.fingerprint.pdq import _box_1d, _dct_matrix


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def test_dct_rows_are_orthonormal_and_skip_dc() -> None:
    d = _dct_matrix()
    assert d.shape == (16, 64)
    np.testing.assert_allclose(d @ d.T, np.eye(16), atol=1e-9)
    np.testing.assert_allclose(d.sum(axis=1), 0, atol=1e-9)


def test_box_filter_matches_reference_window() -> None:
    x = np.arange(10, dtype=float)[None, :]
    out = _box_1d(x, 3, axis=1)  # reference: half=2, left 1, right 1
    np.testing.assert_allclose(out[0, :3], [0.5, 1.0, 2.0])
    np.testing.assert_allclose(out[0, -1], 8.5)


def test_hash_shape_half_bits_and_quality(photo) -> None:
    h = pdq_hash(photo(0))
    assert len(h.digest) == 32 and len(h.hex) == 64
    assert abs(int.from_bytes(h.digest, "big").bit_count() - 128) <= 1
    assert h.quality >= 50
    assert pdq_hash(np.full((64, 64, 3), 128, np.uint8)).quality == 0


@pytest.mark.parametrize("quality", [90, 75])
def test_robust_to_jpeg_and_resize(quality, photo) -> None:
    rgb = photo(1)
    h = pdq_hash(rgb).digest
    assert hamming(h, pdq_hash(_jpeg(rgb, quality)).digest) <= 16
    small = np.asarray(Image.fromarray(rgb).resize((240, 180), Image.BICUBIC))
    assert hamming(h, pdq_hash(small).digest) <= 32


def test_different_images_are_far_apart(photo) -> None:
    hashes = [pdq_hash(photo(seed)).digest for seed in range(6)]
    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > 60


def test_hamming_checks_lengths() -> None:
    assert hamming(b"\x0f", b"\x01") == 3
    with pytest.raises(ValueError):
        hamming(b"\x00", b"\x00\x00")
