"""The synth kinds: choosing kinds and generators, payloads, audio re-synthesis."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from veracity.errors import UnsupportedFormatError, UsageError
from veracity.synth.finish import payload_for
from veracity.synth.makers import (
    KINDS,
    available_generators,
    kind_for,
    make_aigen,
    make_audio,
    pick_generator,
)
from veracity.synth.samples import natural_image, speech_like
from veracity.synth.speech import speech_like as speech_like_long


def test_auto_picks_by_modality_and_refuses_video() -> None:
    assert kind_for("auto", "image").name == "aigen"
    assert kind_for("auto", "audio").name == "vocoder"
    with pytest.raises(UnsupportedFormatError, match="video"):
        kind_for("auto", "video")
    with pytest.raises(UnsupportedFormatError, match="needs audio"):
        kind_for("tts", "image")
    with pytest.raises(UsageError, match="unknown kind"):
        kind_for("morph", "image")


def test_every_generator_declares_an_ai_source_type() -> None:
    from veracity.credentials.manifest import AI_SOURCE_TYPES, IPTC

    for kind in KINDS.values():
        for source_type in kind.source_types.values():
            assert IPTC + source_type in AI_SOURCE_TYPES


def test_pick_generator_checks_the_name_and_draws_available_ones() -> None:
    kind = KINDS["aigen"]
    assert pick_generator(kind, "ae_deconv", np.random.default_rng(0)) == "ae_deconv"
    with pytest.raises(UsageError, match="no generator 'espeak'"):
        pick_generator(kind, "espeak", np.random.default_rng(0))
    drawn = {pick_generator(kind, None, np.random.default_rng(s)) for s in range(40)}
    assert drawn == set(available_generators(kind))
    assert "griffinlim" in available_generators(KINDS["vocoder"])


@pytest.mark.parametrize(("modality", "digits"), [("image", 16), ("audio", 8)])
def test_payload_fits_the_codec(modality: str, digits: int) -> None:
    payloads = {payload_for(modality, np.random.default_rng(s)) for s in range(20)}
    assert len(payloads) == 20 and all(len(p) == digits for p in payloads)
    assert payload_for(modality, np.random.default_rng(3)) == payload_for(
        modality, np.random.default_rng(3)
    )


def test_make_aigen_changes_pixels_and_keeps_even_size() -> None:
    rgb = natural_image(65, 80, seed=2)
    made = make_aigen(rgb, "nearest_up", np.random.default_rng(0))
    assert made.rgb is not None and made.rgb.shape == (64, 80, 3)
    assert made.generator == "nearest_up" and made.params == {"size": [80, 65]}


def test_vocoder_keeps_length_rate_and_level() -> None:
    x = speech_like(1.0, 16000, seed=1).astype(np.float64)
    made = make_audio(x, 16000, KINDS["vocoder"], "griffinlim", np.random.default_rng(0))
    assert made.audio is not None and len(made.audio) == len(x) and made.rate == 16000
    assert np.max(np.abs(made.audio)) == pytest.approx(min(np.max(np.abs(x)), 0.98), rel=1e-3)
    assert not np.allclose(made.audio, x, atol=1e-3)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_tts_speaks_a_long_enough_text_at_the_source_rate() -> None:
    x = speech_like_long(1.0, 22050, seed=0)
    made = make_audio(x, 22050, KINDS["tts"], "espeak", np.random.default_rng(0))
    assert made.rate == 22050 and made.audio is not None
    assert len(made.audio) / 22050 > 5.0  # the audio watermark needs 5 s
    assert made.params["text"] and made.params["voice"]


def test_piper_is_offered_only_when_installed() -> None:
    from veracity.errors import ModelError
    from veracity.synth.neural_tts import piper_available

    installed = piper_available()
    assert ("piper" in available_generators(KINDS["tts"])) == installed
    x = speech_like_long(1.0, 16000, seed=0)
    if installed:
        made = make_audio(x, 16000, KINDS["tts"], "piper", np.random.default_rng(0))
        assert made.rate == 16000 and made.audio is not None and len(made.audio) > 5 * 16000
        assert made.params["voice"] == "joe"
    else:
        with pytest.raises(ModelError, match="pip install piper-tts"):
            make_audio(x, 16000, KINDS["tts"], "piper", np.random.default_rng(0))
