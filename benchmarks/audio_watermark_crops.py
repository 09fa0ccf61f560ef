"""Random 5 s crops of marked speech: a larger sample than the main benchmark's one crop.

Marks each 10 s clip of ``audio_watermark.py`` with its own key and a random payload,
then reads three random 5 s crops of it blindly. Prints how many were read correctly.
Usage: python benchmarks/audio_watermark_crops.py DATA_DIR [--clips N] [--crops C] [--first K]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from audio_watermark import RATE, _clips  # type: ignore[import-not-found]

from veracity.watermark.audio import detect_blocks
from veracity.watermark.audio.embed import watermark_signal


def main(data: Path, n_clips: int, crops: int, first: int = 0) -> None:
    rng = np.random.default_rng(5)
    ok = wrong = total = 0
    for i, x in enumerate(_clips(data, n_clips, first)):
        payload, key = bytes(rng.integers(0, 256, 4).tolist()), f"crop-key-{i}"
        y = x + watermark_signal(x, payload, key)
        for _ in range(crops):
            start = int(rng.integers(0, len(y) - 5 * RATE))
            reading = detect_blocks(iter([y[start : start + 5 * RATE].astype(np.float32)]), key)
            ok += int(reading is not None and reading.payload == payload.hex())
            wrong += int(
                reading is not None and reading.detected and reading.payload != payload.hex()
            )
            total += 1
    if not total:
        raise SystemExit(f"no clips found under {data}")
    print(f"random 5 s crops read: {ok}/{total} = {ok / total:.3f}; wrong payload: {wrong}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="../shared/data/speech/real")
    parser.add_argument("--clips", type=int, default=30)
    parser.add_argument("--crops", type=int, default=3, help="random 5 s crops per clip")
    parser.add_argument("--first", type=int, default=0, help="clips (speakers) to skip first")
    args = parser.parse_args()
    main(args.data, args.clips, args.crops, args.first)
