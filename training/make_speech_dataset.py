"""Build the clips of real and synthetic speech for the detector (speaker-disjoint split).

Real speech: LibriSpeech and LJ Speech from DATA_DIR (see /work/shared/data/DATA.md),
first 10 s of each file. Spoofs, all made here offline: espeak-ng, flite and festival
TTS, and WORLD and Griffin-Lim (16-48 iterations) re-synthesis of every real clip.
Every clip, real or fake, goes through the same random codec chain (none / MP3 / AAC /
Opus / 8 kHz band limit / noise / gain), so codecs and bandwidth are no shortcut.
Needs the apt packages espeak-ng, flite, festival and the pip package pyworld
(about 9 min on one core).

Speakers are split by a hash (20 % test); vocoded clips follow their source speaker;
TTS voices and texts are split too. Output: an .npz of clips with labels,
method, speaker and split (never commit it: it holds derived speech).

Usage: python training/make_speech_dataset.py DATA_DIR OUT.npz
"""

from __future__ import annotations

import csv
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

from veracity.detect.speech_features import RATE, active_segments
from veracity.errors import VeracityError
from veracity.media.audio import decode_audio
from veracity.synth.audio_edits import EDITS, resample
from veracity.synth.speech import (
    ESPEAK_VOICES,
    FLITE_VOICES,
    griffin_lim_resynth,
    tts,
    world_resynth,
)

CHAIN = ("none", "none", "mp3_64k", "mp3_128k", "aac_64k", "opus_32k", "band8k", "noise30")
TEST_VOICES = {"en+m5", "en-gb-scotland", "awb"}
CLIP_S = 10.0


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _chain(x: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
    x, rate = resample(x, rate, RATE)
    x = x / (np.max(np.abs(x)) + 1e-9) * rng.uniform(0.1, 0.9)
    name = CHAIN[rng.integers(len(CHAIN))]
    if name == "band8k":
        y, r = resample(x, RATE, 8000)
        x, rate = resample(y, r, RATE)
    elif name == "noise30":
        x = x + rng.normal(0, np.sqrt(np.mean(x**2)) * 10 ** (-30 / 20), len(x))
    elif name != "none":
        y, r = EDITS[name](x, RATE)
        x, rate = resample(y, r, RATE)
    return x.astype(np.float32)


def _texts(data: Path) -> list[str]:
    lines = []
    with (data / "ljspeech" / "metadata.csv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="|", quoting=csv.QUOTE_NONE):
            lines.append(row[-1])
    extra = [
        "Please confirm the wire transfer before the end of the business day.",
        "Hi, it is me, I lost my phone and need you to send the code right away.",
        "The weather tomorrow will be cloudy with a chance of rain in the afternoon.",
        "Your account has been locked, press one to speak to an agent.",
        "We will meet at the station at half past seven and take the early train.",
        "She sells sea shells by the sea shore, and the shells she sells are surely seashells.",
        "Numbers like four hundred and twenty seven are read aloud very clearly.",
        "The committee approved the new budget after a long and heated debate.",
    ]
    return lines + extra


def _real_items(data: Path) -> list[tuple[Path, str]]:
    items = []
    with (data / "index.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            items.append((data / row["path"], f"{row['corpus']}:{row['speaker']}"))
    return items


def main(data: Path, out: Path) -> None:
    rng = np.random.default_rng(0)
    feats, labels, methods, speakers, splits = [], [], [], [], []

    def add(x: np.ndarray, rate: int, label: int, method: str, speaker: str, split: str) -> None:
        y = _chain(x[: int(CLIP_S * rate)], rate, rng)
        if not active_segments(y):
            return
        feats.append(y.astype(np.float16))
        labels.append(label)
        methods.append(method)
        speakers.append(speaker)
        splits.append(split)

    t0 = time.time()
    for i, (path, speaker) in enumerate(_real_items(data)):
        split = "test" if _hash(speaker) % 5 == 0 else "train"
        x, rate = decode_audio(path, rate=None)
        x = x[: int(CLIP_S * rate)].astype(np.float64)
        add(x, rate, 0, "real", speaker, split)
        x16, _ = resample(x, rate, RATE)
        add(world_resynth(x16, RATE)[0], RATE, 1, "world", speaker, split)
        iterations = int(rng.integers(16, 49))
        gl = griffin_lim_resynth(x16, RATE, iterations=iterations, seed=i)[0]
        add(gl, RATE, 1, "griffinlim", speaker, split)
        if i % 50 == 0:
            print(f"real {i} {time.time() - t0:.0f}s", flush=True)
    texts = _texts(data)
    voices = [("espeak", v) for v in ESPEAK_VOICES] + [("flite", v) for v in FLITE_VOICES]
    voices.append(("festival", ""))
    for _j, text in enumerate(texts):
        text_test = _hash(text) % 5 == 0
        for engine, voice in voices:
            split = (
                "test"
                if (voice in TEST_VOICES or (engine == "festival" and text_test))
                else "train"
            )
            try:
                x, rate = tts(text, engine, voice)
            except VeracityError as exc:
                print(f"skip {engine}/{voice}: {exc}", flush=True)
                continue
            add(x, rate, 1, engine, f"{engine}:{voice}", split)
    print(f"done {time.time() - t0:.0f}s", flush=True)
    lengths = np.array([len(f) for f in feats])
    np.savez(
        out,
        audio=np.concatenate(feats),
        lengths=lengths,
        y=np.array(labels, np.int8),
        method=np.array(methods),
        speaker=np.array(speakers),
        split=np.array(splits),
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
