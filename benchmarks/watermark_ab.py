"""Unmarked-image detection time of two checkouts, alternated round by round.

On a machine whose speed drifts, comparing two versions in separate runs says little; this
script runs them in turns (a fresh process each round, one thread, CPU time) on the same
photos upscaled to 512 x 512, so both see the same conditions.

Usage::

    git worktree add /tmp/old d671fbc   # the old version (build its C module if it has one)
    python benchmarks/watermark_ab.py /tmp/old/src src --photos /work/shared/data/photos \\
        --rounds 8
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_ROUND = r"""
import json, sys, time
from pathlib import Path
import cv2, numpy as np
from PIL import Image
cv2.setNumThreads(1)
sys.path.insert(0, sys.argv[1])
from veracity.watermark.image import detect_pixels
files = sorted(Path(sys.argv[2]).rglob("*.jpg"))[: int(sys.argv[3])]
images = [
    cv2.resize(np.asarray(Image.open(p).convert("RGB")), (512, 512), interpolation=cv2.INTER_CUBIC)
    for p in files
]
detect_pixels(images[0], "warm-up")
times = []
for image in images:
    t = time.process_time()
    detect_pixels(image, "benchmark-key")
    times.append(time.process_time() - t)
print(json.dumps(1000 * float(np.median(times))))
"""


def one_round(src: Path, photos: Path, images: int) -> float:
    """Median unmarked detection time (ms) of ``images`` photos with the code in ``src``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _ROUND, str(src), str(photos), str(images)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", type=Path, nargs=2, help="two src/ folders: baseline, candidate")
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--images", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    times: dict[Path, list[float]] = {src: [] for src in args.sources}
    for k in range(args.rounds):
        for src in args.sources if k % 2 == 0 else args.sources[::-1]:
            times[src].append(one_round(src, args.photos, args.images))
        print(f"round {k + 1}/{args.rounds}", file=sys.stderr, flush=True)
    base, new = (statistics.median(times[src]) for src in args.sources)
    print("| code | unmarked 512 px, median of rounds (ms) | rounds |")
    print("|---|---|---|")
    for src in args.sources:
        rounds = ", ".join(f"{t:.0f}" for t in times[src])
        print(f"| {src} | {statistics.median(times[src]):.1f} | {rounds} |")
    print(f"\nspeed-up: {base / new:.2f}x")


if __name__ == "__main__":
    main()
