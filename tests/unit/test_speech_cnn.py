"""The spectrogram CNN front end and its shipped ONNX model."""

from __future__ import annotations

import hashlib

import numpy as np

from veracity.detect import speech_cnn
from veracity.detect.speech_features import active_segments
from veracity.models import registry
from veracity.synth.speech import speech_like


def test_inputs_are_level_invariant_and_shaped() -> None:
    x = speech_like(5.0, seed=12).astype(np.float32)
    segs = active_segments(x)
    a = speech_cnn.segment_inputs(speech_cnn.log_spectrogram(x), segs)
    b = speech_cnn.segment_inputs(speech_cnn.log_spectrogram(0.05 * x), segs)
    assert a.shape == (len(segs), 1, speech_cnn.BINS, speech_cnn.FRAMES)
    assert np.isfinite(a).all()
    assert np.allclose(a, b, atol=1e-3)


def test_short_segment_is_tiled() -> None:
    x = speech_like(0.7, seed=13).astype(np.float32)
    inputs = speech_cnn.segment_inputs(speech_cnn.log_spectrogram(x), [(0, len(x))])
    assert inputs.shape[3] == speech_cnn.FRAMES and np.isfinite(inputs).all()
    period = 1 + (len(x) - speech_cnn.N_FFT) // speech_cnn.HOP  # frames of the clip
    assert np.array_equal(inputs[0, 0, :, :period], inputs[0, 0, :, period : 2 * period])


def test_shipped_model_matches_digest_and_scores() -> None:
    file = registry.path(speech_cnn.MODEL_NAME)
    assert hashlib.sha256(file.read_bytes()).hexdigest() == registry.spec("speech_spec_cnn").sha256
    assert file.stat().st_size < 1_000_000
    x = speech_like(4.0, seed=14).astype(np.float32)
    segs = active_segments(x)
    z = speech_cnn.cnn_logits(x, segs, batch=2)
    assert z.shape == (len(segs),) and np.isfinite(z).all()
