"""Development-set sweep of the audio embedder's settings, on clips no benchmark reads.

The dev clips are 10 s of the LibriSpeech train-clean-100 files that
``audio_watermark.py`` skips (it reads every fifth), grouped by speaker, plus LJ Speech
in groups of five files; peak -12 dBFS like the benchmark's. Each setting (a JSON object
of ``audio_embed`` / ``audio_layout`` constants, e.g. ``'{"ALLOC": 0.7}'``; omitted ones
keep their shipped values) embeds one random payload per clip, applies the given edits and
prints the exact-payload rate with the median and 90th percentile of log10 p (the weak
tail). Settings are chosen here and only then measured with ``audio_watermark.py``.

Usage: python benchmarks/audio_watermark_dev.py DATA_DIR [SETTING ...] [--seed S]
    [--edits opus_32k,noise_20dB]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from audio_watermark import benchmark_files, by_speaker, clips_from_groups  # same folder

from veracity.synth.audio_edits import EDITS, resample
from veracity.watermark.audio import detect_blocks
from veracity.watermark.audio import embed as audio_embed
from veracity.watermark.audio import layout as audio_layout

RATE = 16000
TUNABLE = {
    "ALLOC": audio_embed,
    "_MAX_LOG_GAIN": audio_embed,
    "DC_ALPHA": audio_embed,
    "MIN_SNR_DB": audio_embed,
    "STEP_LO": audio_layout,
    "STEP_HI": audio_layout,
}
SHIPPED = {name: getattr(module, name) for name, module in TUNABLE.items()}


def dev_clips(data: Path) -> list[np.ndarray]:
    """10 s clips of the train-clean-100 files the benchmark skips, per speaker, and LJ Speech."""
    skipped = set(benchmark_files(data))
    files = sorted((data / "librispeech" / "train-clean-100").glob("*.flac"))
    lj = sorted((data / "ljspeech").glob("*.flac"))
    groups = by_speaker([p for p in files if p not in skipped])
    groups += [lj[i : i + 5] for i in range(0, len(lj), 5)]
    return clips_from_groups(groups, len(groups))


def apply(setting: dict[str, float]) -> None:
    for name, value in {**SHIPPED, **setting}.items():
        if name not in TUNABLE:
            raise SystemExit(f"unknown setting {name!r}; tunable: {', '.join(TUNABLE)}")
        setattr(TUNABLE[name], name, value)
    audio_layout.layout_for_key.cache_clear()  # the lattice steps live in the layout


def sweep(clips: list[np.ndarray], setting: dict[str, float], edits: list[str], seed: int) -> str:
    apply(setting)
    rng = np.random.default_rng(seed)
    readings: dict[str, list[tuple[bool, float]]] = {name: [] for name in edits}
    snr = []
    for x in clips:
        payload = rng.bytes(4)
        w = audio_embed.watermark_signal(x, payload, "dev-key")
        snr.append(10 * np.log10(np.sum(x**2) / np.sum(w**2)))
        for name in edits:
            z, rate = EDITS[name](x + w, RATE)
            z, _ = resample(z, rate, RATE)
            r = detect_blocks(iter([z.astype(np.float32)]), "dev-key")
            assert r is not None
            ok = r.detected and r.payload == payload.hex()
            readings[name].append((ok, float(np.log10(max(r.p_value, 1e-300)))))
    cols = []
    for name, rows in readings.items():
        logp = [p for _, p in rows]
        cols.append(
            f"{name}: {np.mean([ok for ok, _ in rows]):.3f} "
            f"(median log10 p {np.median(logp):.1f}, p90 {np.percentile(logp, 90):.1f})"
        )
    return f"SNR {np.mean(snr):.2f} dB (min {np.min(snr):.2f}) | " + " | ".join(cols)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="../shared/data/speech/real")
    parser.add_argument("settings", nargs="*", help="JSON objects; none: the shipped values")
    parser.add_argument("--seed", type=int, default=1, help="payload seed")
    parser.add_argument("--edits", default="opus_32k,noise_20dB")
    args = parser.parse_args()
    clips = dev_clips(args.data)
    print(f"{len(clips)} dev clips of 10 s", flush=True)
    for text in args.settings or ["{}"]:
        t = time.time()
        line = sweep(clips, json.loads(text), args.edits.split(","), args.seed)
        print(f"{text} | {line} | {time.time() - t:.0f} s", flush=True)


if __name__ == "__main__":
    main()
