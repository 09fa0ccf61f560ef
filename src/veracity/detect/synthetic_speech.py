"""Synthetic-speech detector: two segment scorers fused per 2 s segment (no torch).

Each active 2 s segment (energy VAD, 1 s hop) is scored by

- the spectrogram CNN of :mod:`veracity.detect.speech_cnn` (onnxruntime; trained on
  espeak / flite / festival / WORLD / Griffin-Lim speech), and
- the head of :mod:`veracity.detect.speech_real` (numpy and onnxruntime: spectral and
  fine-structure statistics plus a pretrained speech embedding, into a small tanh
  network; trained on real neural TTS, voice conversion, neural vocoder, codec and
  diffusion-TTS audio from demo pages).

The segment logit is the larger of the two (either kind of artefact makes a segment
synthetic); the file score is the mean segment logit mapped back to a probability.
Long files are streamed in blocks. The evidence is a timeline plot of the segment
scores. The detector keeps its public name ``speech_lfcc``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from veracity.detect.base import EvidenceSink
from veracity.detect.calibration import load_model
from veracity.detect.speech_cnn import cnn_logits
from veracity.detect.speech_features import RATE, SEGMENT_HOP_S, SEGMENT_S, active_segments
from veracity.detect.speech_real import MODEL_NAME, real_features, real_logits
from veracity.errors import ModelError
from veracity.media.audio import AudioClip, iter_blocks
from veracity.results import DetectorScore, Modality

__all__ = ["SyntheticSpeechDetector", "fuse_logits"]

_STREAM_BLOCK_S = 60.0
# Under 1 s there is not half a segment of speech: the CNN (trained on 2 s segments)
# would mostly score padding, so the detector abstains instead of guessing.
MIN_AUDIO_S = 1.0


def _chunks(clip: AudioClip) -> Iterator[tuple[float, np.ndarray]]:
    """(start seconds, samples) blocks overlapping by one segment."""
    if clip.samples is not None:
        yield 0.0, clip.samples
        return
    overlap = int((SEGMENT_S - SEGMENT_HOP_S) * RATE)
    prev = np.zeros(0, np.float32)
    start = 0.0
    for block in iter_blocks(clip.path, rate=RATE, block_s=_STREAM_BLOCK_S):
        data = np.concatenate([prev, block])
        yield start, data
        prev = data[-overlap:] if len(data) > overlap else data
        start += (len(data) - len(prev)) / RATE


def _sigmoid(z: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fuse_logits(z_cnn: np.ndarray, z_neural: np.ndarray) -> np.ndarray:
    """Per-segment fusion of the two scorers: the larger logit."""
    return np.maximum(np.asarray(z_cnn, np.float64), np.asarray(z_neural, np.float64))


@dataclasses.dataclass
class SyntheticSpeechDetector:
    """Detector of TTS, voice-converted and vocoded speech (public name ``speech_lfcc``)."""

    name: str = "speech_lfcc"
    modality: Modality = "audio"

    def analyze(
        self, media: AudioClip, evidence: EvidenceSink | None = None
    ) -> DetectorScore | None:
        """Score an :class:`~veracity.media.audio.AudioClip`; abstain without speech.

        Returns None (abstains) for clips under :data:`MIN_AUDIO_S` and for clips
        without an active segment (silence, noise floor only).
        """
        if media.duration_s < MIN_AUDIO_S:
            return None
        head = load_model(MODEL_NAME)
        times: list[float] = []
        cnn: list[np.ndarray] = []
        neural: list[np.ndarray] = []
        for start, samples in _chunks(media):
            # Each chunk repeats the last (segment - hop) of the previous one, so its
            # first segment starts exactly one hop after the previous chunk's last.
            segs = active_segments(samples)
            if not segs:
                continue
            cnn.append(cnn_logits(samples, segs))
            neural.append(real_logits(real_features(samples, segs), head))
            times.extend(start + s / RATE for s, _ in segs)
        if not cnn:
            return None
        z_cnn, z_neural = np.concatenate(cnn), np.concatenate(neural)
        z = fuse_logits(z_cnn, z_neural)
        score = float(_sigmoid(float(np.mean(z))))
        probs = _sigmoid(z)
        p_cnn, p_neural = _sigmoid(z_cnn), _sigmoid(z_neural)
        details = {
            "segments": [
                {
                    "start_s": round(t, 2),
                    "end_s": round(t + SEGMENT_S, 2),
                    "score": round(float(p), 4),
                    "score_cnn": round(float(a), 4),
                    "score_neural": round(float(b), 4),
                }
                for t, p, a, b in zip(times, probs, p_cnn, p_neural, strict=True)
            ],
            "score_cnn": round(float(_sigmoid(float(np.mean(z_cnn)))), 4),
            "score_neural": round(float(_sigmoid(float(np.mean(z_neural)))), 4),
            "segments_scored": len(z),
            "fraction_fake_segments": float(np.mean(probs > 0.5)),
        }
        paths: tuple[str, ...] = ()
        if evidence is not None:
            paths = (str(_plot_timeline(evidence.path(self.name, "timeline"), times, probs)),)
        return DetectorScore(self.name, score, details, paths)


def _plot_timeline(path: Path, times: list[float], probs: np.ndarray) -> Path:
    try:
        import matplotlib
    except ImportError:
        raise ModelError("evidence plots need matplotlib: pip install matplotlib") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 2.4), dpi=100)
    centres = np.asarray(times) + SEGMENT_S / 2
    ax.bar(
        centres, probs, width=SEGMENT_HOP_S * 0.9, color=np.where(probs > 0.5, "#c0392b", "#2e86c1")
    )
    ax.axhline(0.5, color="grey", lw=0.8, ls="--")
    ax.set_ylim(0, 1)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("P(synthetic)")
    ax.set_title("Synthetic-speech score per 2 s segment")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
