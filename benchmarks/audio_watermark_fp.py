"""False positives of the audio watermark on unmarked speech.

Cuts every real speech file under DATA_DIR into 5 s segments (2 s hop) and reads
each under several keys; prints how many were (wrongly) reported as marked and the
smallest p-value seen. With ``--seconds S`` (S > 5) the segments are S s long and read
as files are (``detect_blocks``: overlapping windows, sub-spans, the file-level rule).
Usage: python benchmarks/audio_watermark_fp.py DATA_DIR [--keys K] [--shard I --shards N] [--first-key F]
    [--seconds S]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from veracity.media.audio import decode_audio
from veracity.watermark.audio import P_DETECT, detect_blocks
from veracity.watermark.audio.detect import TileEnergies, read_window
from veracity.watermark.audio.layout import fine_power, layout_for_key


@dataclass(frozen=True)
class FalsePositives:
    """Unmarked readings: segments, readings (segments x keys), positives, smallest p."""

    segments: int
    readings: int
    positives: int
    min_p: float
    cpu_s: float


def false_positives(
    data: Path,
    n_keys: int,
    shard: int = 0,
    n_shards: int = 1,
    first_key: int = 0,
    seconds: float = 5.0,
) -> FalsePositives:
    """Read every unmarked segment of the speech under DATA with ``n_keys`` keys."""
    files = sorted(data.rglob("*.flac"))[shard::n_shards]
    keys = [f"fp-key-{k}" for k in range(first_key, first_key + n_keys)]
    tested = positives = segments = 0
    min_p = 1.0
    length = round(seconds * 16000)
    t0 = time.process_time()
    for i, path in enumerate(files):
        x, _ = decode_audio(path)
        for start in range(0, max(1, len(x) - length + 1), 2 * 16000):
            seg = x[start : start + length]
            if len(seg) < length:
                continue
            segments += 1
            if seconds > 5.0:
                for key in keys:
                    reading = detect_blocks(iter([seg.astype(np.float32)]), key)
                    assert reading is not None
                    tested += 1
                    positives += int(reading.detected)
                    min_p = min(min_p, reading.p_value)
                continue
            power = fine_power(seg.astype(np.float32))
            energies = TileEnergies(power)
            for key in keys:
                # One 5 s segment is one window: the file-level rule (CRC valid and
                # p below P_DETECT) applied to it, as detect_file does.
                window = read_window(power, layout_for_key(key), energies, p_needed=P_DETECT)
                tested += 1
                positives += int(window.payload is not None and window.p_value < P_DETECT)
                min_p = min(min_p, window.p_value)
        if i % 25 == 0:
            print(f"{i}/{len(files)} files, {tested} segments, {positives} positives", flush=True)
    cpu = time.process_time() - t0
    print(f"unmarked {seconds:g} s segments read: {tested} ({n_keys} keys)")
    print(f"false positives: {positives}")
    print(f"smallest p-value: {min_p:.3g}")
    print(f"cpu per segment: {cpu / max(1, tested) * 1000:.1f} ms")
    return FalsePositives(segments, tested, positives, min_p, cpu)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="../shared/data/speech/real")
    parser.add_argument("--keys", type=int, default=8, help="keys tried per segment")
    parser.add_argument("--shard", type=int, default=0)
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--first-key", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=5.0, help="segment length")
    args = parser.parse_args()
    false_positives(args.data, args.keys, args.shard, args.shards, args.first_key, args.seconds)
