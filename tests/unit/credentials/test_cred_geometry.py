"""Geometric verification separates copies of one image from different images."""

from __future__ import annotations

import numpy as np
from PIL import Image

from veracity.credentials.geometry import MIN_INLIERS, matched_inliers


def test_crop_resize_copy_matches_and_other_image_does_not(photo) -> None:
    original = photo(3, 320, 400)
    img = Image.fromarray(original).crop((20, 12, 380, 300)).resize((270, 216), Image.BICUBIC)
    assert matched_inliers(np.asarray(img), original) >= MIN_INLIERS
    assert matched_inliers(photo(8, 320, 400), original) < MIN_INLIERS


def test_flat_images_have_no_keypoints() -> None:
    flat = np.full((100, 100, 3), 90, np.uint8)
    assert matched_inliers(flat, flat) == 0
