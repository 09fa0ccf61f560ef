"""The one convolutional code behind the image and audio marks."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.watermark.audio import framing as audio_framing
from veracity.watermark.ecc import AUDIO_CODE, IMAGE_CODE, ConvolutionalCode, K
from veracity.watermark.image import framing as image_framing


def test_image_and_audio_send_the_same_code_in_swapped_order() -> None:
    info = np.random.default_rng(0).integers(0, 2, 48)
    image, audio = IMAGE_CODE.encode(info), AUDIO_CODE.encode(info)
    assert len(image) == 2 * (len(info) + K - 1)
    assert np.array_equal(image.reshape(-1, 2)[:, ::-1].ravel(), audio)


@pytest.mark.parametrize("code", [IMAGE_CODE, AUDIO_CODE], ids=["image", "audio"])
def test_viterbi_corrects_errors(code: ConvolutionalCode) -> None:
    rng = np.random.default_rng(1)
    info = rng.integers(0, 2, (8, 80))
    soft = np.stack([1.0 - 2.0 * code.encode(row) for row in info])
    soft += rng.normal(0, 0.6, soft.shape)
    assert np.array_equal(code.viterbi(soft), info)


def test_framings_round_trip() -> None:
    assert image_framing.decode(image_framing.encode(b"veracity")) == (b"veracity", True)
    soft = 1.0 - 2.0 * audio_framing.encode_payload(b"mark").astype(float)
    assert audio_framing.decode_payload(soft) == (b"mark", True)
