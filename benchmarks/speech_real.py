"""Synthetic-speech detector on real neural TTS / VC: leave-one-family-out EER and speed.

Two parts, one JSON (``benchmarks/results/speech_real.json``):

1. Speed, one core, CPU time (``time.process_time``; best of ``--repeats``) on a
   generated 60 s speech-like signal: the previous detector (spectrogram CNN only) and
   the shipped fused detector (CNN + real-spoof linear head), as multiples of real time
   and their ratio, in the same run.
2. Leave-one-engine-family-out evaluation (``training/train_speech_real.py``'s ``logo``)
   on the real-spoof set of ``training/build_real_spoof_dataset.py``: per held-out family,
   clip and 2 s segment EER, clean and after MP3 64k / Opus 32k, for the new head alone,
   the previous CNN alone and the fused per-segment maximum. Skipped with a note when the
   data folder is missing (``--data``).

Usage: OMP_NUM_THREADS=1 python benchmarks/speech_real.py [--data DIR] [--repeats 3]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from veracity.detect.speech_cnn import cnn_logits
from veracity.detect.speech_features import RATE, active_segments
from veracity.detect.synthetic_speech import SyntheticSpeechDetector
from veracity.media.audio import AudioClip, AudioInfo
from veracity.synth.speech import speech_like

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 60.0


def _cpu(fn: Any, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def speed(repeats: int) -> dict[str, float]:
    x = speech_like(SECONDS, RATE, seed=11).astype(np.float32)
    clip = AudioClip(Path("bench.wav"), AudioInfo(RATE, 1, SECONDS, "pcm", "wav"), RATE, x, SECONDS)
    detector = SyntheticSpeechDetector()
    detector.analyze(clip)

    def previous() -> None:  # the previous detector's work: VAD + CNN over every segment
        cnn_logits(x, active_segments(x))

    old = _cpu(previous, repeats)
    new = _cpu(lambda: detector.analyze(clip), repeats)
    return {
        "audio_s": SECONDS,
        "previous_cnn_cpu_s": old,
        "previous_cnn_x_realtime": SECONDS / old,
        "fused_cpu_s": new,
        "fused_x_realtime": SECONDS / new,
        "fused_over_previous_time": new / old,
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"


def _table(folds: dict[str, Any]) -> None:
    print(
        "\n| held-out family | fakes | reals | clip EER | segment EER | clip EER MP3 64k | clip EER Opus 32k |"
        " previous CNN clip EER | fused clip EER | fused segment EER | clip EER (page reals) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for fam, r in folds.items():
        print(
            f"| {fam} | {r['test_fake_clips']} | {r['test_real_clips']} | "
            f"{100 * r['clean_clip_eer']:.1f} % | {100 * r['clean_segment_eer']:.1f} % | "
            f"{100 * r['mp3_64k_clip_eer']:.1f} % | {100 * r['opus_32k_clip_eer']:.1f} % | "
            f"{100 * r['clean_baseline_clip_eer']:.1f} % | {100 * r['clean_fused_clip_eer']:.1f} % | "
            f"{100 * r['clean_fused_segment_eer']:.1f} % | {100 * r['clean_pagereal_clip_eer']:.1f} % |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/speech_real.json")
    args = ap.parse_args()
    result: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores".strip(),
        "python": platform.python_version(),
        "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
    }
    sp = speed(args.repeats)
    result["speed"] = sp
    print("| detector (60 s audio, one core) | CPU s | x real time |")
    print("|---|---|---|")
    print(
        f"| previous (spectrogram CNN) | {sp['previous_cnn_cpu_s']:.2f} | {sp['previous_cnn_x_realtime']:.0f} |"
    )
    print(
        f"| shipped (CNN + real-spoof head, fused) | {sp['fused_cpu_s']:.2f} | {sp['fused_x_realtime']:.0f} |"
    )
    print(f"time ratio shipped / previous: {sp['fused_over_previous_time']:.2f}")
    if (args.data / "manifest.jsonl").is_file():
        sys.path.insert(0, str(ROOT / "training"))
        import train_speech_real

        result["logo"] = train_speech_real.logo(args.data)
        _table(result["logo"]["folds"])
    else:
        result["logo"] = None
        print(f"\n(no real-spoof set at {args.data}: leave-one-family-out skipped)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
