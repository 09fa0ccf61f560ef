"""One-core speed of the audio pipeline, in multiples of real time (CPU time).

Measures on a generated 60 s speech-like signal: the synthetic-speech detector
(spectrogram + CNN over every active segment), watermark embedding (16 kHz signal) and
blind watermark detection over the whole clip (overlapping windows), plus decoding
a 60 s MP3 to 16 kHz mono. Usage: OMP_NUM_THREADS=1 python benchmarks/audio_speed.py
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from veracity.bench.timing import best_cpu_s
from veracity.detect.synthetic_speech import SyntheticSpeechDetector
from veracity.media.audio import AudioClip, AudioInfo, decode_audio
from veracity.media.audio_out import save_audio
from veracity.synth.speech import speech_like
from veracity.watermark.audio import detect_blocks
from veracity.watermark.audio.embed import watermark_signal

SECONDS = 60.0


def main() -> None:
    x = speech_like(SECONDS, 16000, seed=11)
    clip = AudioClip(
        Path("bench.wav"),
        AudioInfo(16000, 1, SECONDS, "pcm", "wav"),
        16000,
        x.astype(np.float32),
        SECONDS,
    )
    detector = SyntheticSpeechDetector()
    detector.analyze(clip)
    y = x + watermark_signal(x, b"\x01\x02\x03\x04", "k")
    rows = [
        (
            "speech detector (spectrogram CNN, onnxruntime)",
            best_cpu_s(lambda: detector.analyze(clip)),
        ),
        (
            "watermark embed (16 kHz)",
            best_cpu_s(lambda: watermark_signal(x, b"\x01\x02\x03\x04", "k")),
        ),
        (
            "watermark detect (blind, windows)",
            best_cpu_s(lambda: detect_blocks(iter([y.astype(np.float32)]), "k")),
        ),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.mp3"
        save_audio(path, x, 16000)
        rows.append(("decode MP3 -> 16 kHz mono", best_cpu_s(lambda: decode_audio(path))))
    print(f"| step ({SECONDS:.0f} s of audio, one core) | CPU s | x real time |")
    print("|---|---|---|")
    for name, cpu in rows:
        print(f"| {name} | {cpu:.2f} | {SECONDS / cpu:.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    main()
