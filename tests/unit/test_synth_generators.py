"""The generator-like synthesisers that make labelled fakes."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.errors import UsageError
from veracity.synth.generators import generate, generator_names
from veracity.synth.samples import natural_image


@pytest.mark.parametrize("name", generator_names())
def test_generator_keeps_size_and_changes_pixels(name: str) -> None:
    rgb = natural_image(66, 90, seed=3)
    out = generate(rgb, name, np.random.default_rng(0))
    assert out.shape == rgb.shape and out.dtype == np.uint8
    diff = np.abs(out.astype(int) - rgb.astype(int))
    assert 0.2 < diff.mean() < 40  # a re-synthesis, not a copy and not garbage


@pytest.mark.parametrize("name", generator_names())
def test_generator_is_deterministic_per_seed(name: str) -> None:
    rgb = natural_image(32, 32, seed=4)
    a = generate(rgb, name, np.random.default_rng(7))
    b = generate(rgb, name, np.random.default_rng(7))
    assert np.array_equal(a, b)


def test_odd_sizes_are_cropped_to_even() -> None:
    out = generate(natural_image(33, 47), "nearest_up")
    assert out.shape == (32, 46, 3)


def test_bad_requests_raise_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown generator"):
        generate(natural_image(32, 32), "stylegan9")
    with pytest.raises(UsageError, match="too small"):
        generate(natural_image(32, 32)[:6, :6], "nearest_up")


def test_piper_tts_is_optional_and_says_how_to_install() -> None:
    from veracity.errors import ModelError
    from veracity.synth.neural_tts import piper_available, piper_tts

    if not piper_available():
        with pytest.raises(ModelError, match="pip install piper-tts"):
            piper_tts("hello there")
    else:
        x, rate = piper_tts("Hello there, this is a short test sentence.")
        assert rate >= 16000 and len(x) > rate and 0.01 < float(np.max(np.abs(x))) <= 1.0
    with pytest.raises(ModelError, match="unknown Piper voice"):
        piper_tts("hello", voice="nobody")
