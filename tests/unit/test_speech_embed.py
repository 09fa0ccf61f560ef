"""The pretrained speech-embedding features (openWakeWord's bundled ONNX encoder)."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.detect import speech_embed
from veracity.detect.speech_features import active_segments
from veracity.synth.speech import speech_like


@pytest.mark.parametrize("seconds", [0.5, 2.0, 6.0])
def test_embeddings_shape_and_finite(seconds: float) -> None:
    x = speech_like(seconds, seed=31).astype(np.float32)
    starts, emb = speech_embed.embeddings(x)
    assert emb.shape == (len(starts), speech_embed.EMBED_DIM) and len(starts) >= 1
    assert np.isfinite(emb).all() and np.all(np.diff(starts) > 0)


def test_segment_features_are_level_normalised() -> None:
    x = speech_like(5.0, seed=32).astype(np.float32)
    segs = active_segments(x)
    f = speech_embed.embed_features(x, segs)
    g = speech_embed.embed_features(0.05 * x, segs)
    assert f.shape == (len(segs), speech_embed.EMBED_FEATURE_DIM)
    assert np.allclose(f, g, atol=2e-2)


def test_speech_and_noise_embed_differently() -> None:
    x = speech_like(3.0, seed=33).astype(np.float32)
    n = np.random.default_rng(0).normal(0, 0.05, len(x)).astype(np.float32)
    seg = [(0, len(x))]
    a, b = speech_embed.embed_features(x, seg), speech_embed.embed_features(n, seg)
    assert np.linalg.norm(a - b) > 1.0


def test_no_segments_and_silence() -> None:
    assert speech_embed.embed_features(np.zeros(100, np.float32), []).shape == (0, 192)
    f = speech_embed.embed_features(np.zeros(32000, np.float32), [(0, 32000)])
    assert np.isfinite(f).all()
