"""Speed and memory of ``veracity detect`` on videos (face-video detector, default settings).

  python benchmarks/face_video.py speed CLIP.mp4     # 10 s 1280x720 30 fps built from a clip
  python benchmarks/face_video.py memory [CLIP.mp4] [--minutes 10]   # 1080p, peak RSS

Each mode adds its rows to ``benchmarks/results/face_video.json`` (table ``video_speed``,
rendered in docs/guide/detection-faces.md); ``--no-write`` prints only.

``speed`` pastes a real talking-face clip (looped to 10 s) into a 1280x720 canvas, encodes
it with H.264 into a temporary directory and times the whole CLI (process start, model
load, decode and analysis). ``memory`` encodes a synthetic 1080p video of the requested
length (plus a 1-minute one) and reports the peak RSS of the CLI on both. Generated files
are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import av
import numpy as np

from veracity.bench.results_file import write_result

SRC = Path(__file__).resolve().parents[1] / "src"
_RUNNER = (
    "import resource, sys, runpy; sys.argv = ['veracity', 'detect', '--json', sys.argv[1]];\n"
    "try:\n    runpy.run_module('veracity', run_name='__main__')\n"
    "except SystemExit:\n    pass\n"
    "print('PEAK_RSS_MB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
    " file=sys.stderr)\n"
)


def encode(path: Path, frames, fps: int, size: tuple[int, int], preset: str) -> None:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": preset, "crf": "23"}
        for rgb in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode(None))


def clip_frames(clip: Path, seconds: float, fps: int, shape: tuple[int, int] = (720, 1280)):
    with av.open(str(clip)) as c:
        src = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    canvas = np.full((*shape, 3), 90, np.uint8)
    for i in range(int(seconds * fps)):
        f = src[i % len(src)][:704, :704]
        out = canvas.copy()
        out[8 : 8 + f.shape[0], 288 : 288 + f.shape[1]] = f
        yield out


def loop_remux(segment: Path, path: Path, minutes: float) -> None:
    """Concatenate copies of an encoded segment without re-encoding (fast, same codec)."""
    with av.open(str(segment)) as src, av.open(str(path), "w") as out:
        s_in = src.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        packets = [p for p in src.demux(s_in) if p.size]
        span = max(p.pts for p in packets) + (packets[0].duration or 1)
        copies = round(minutes * 60 / float(span * s_in.time_base))
        for k in range(copies):
            for p in packets:
                p.pts, p.dts = p.pts + (span if k else 0), p.dts + (span if k else 0)
                p.stream = s_out
                out.mux(p)


def synthetic_frames(seconds: float, fps: int):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(1080, 1920 + 64, 3), dtype=np.uint8)
    for i in range(int(seconds * fps)):
        yield np.ascontiguousarray(base[:, (i % 64) : (i % 64) + 1920])


def run_cli(path: Path) -> tuple[float, float, float, str]:
    """Wall seconds, child CPU seconds (user + sys), peak RSS MB and the JSON head."""
    env = dict(os.environ, PYTHONPATH=str(SRC), OMP_NUM_THREADS="2")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not proc.stdout.strip():
        # a refused file (e.g. over the size limit) would otherwise be timed as a fast run
        raise SystemExit(f"veracity detect failed on {path}: {proc.stderr.strip()[-500:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = next(
        float(line.split()[1])
        for line in proc.stderr.splitlines()
        if line.startswith("PEAK_RSS_MB")
    )
    return wall, cpu, rss, proc.stdout.strip()[:200]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["speed", "memory"])
    ap.add_argument("clip", nargs="?", type=Path)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    rows = []
    print("| input | wall s | CPU s (user+sys) | peak RSS MB |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        if args.mode == "speed":
            path = Path(tmp) / "720p.mp4"
            encode(path, clip_frames(args.clip, 10.0, 30), 30, (1280, 720), "veryfast")
            wall, cpu, rss, out = run_cli(path)
            rows.append(
                [f"10 s 1280x720 30 fps H.264, talking face ({args.clip.name})", wall, cpu, rss]
            )
            print(f"| {rows[-1][0]} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")
            print(out)
        else:
            rows += memory_rows(args, Path(tmp))
    if not args.no_write:
        publish(args.mode, rows, load)


def memory_rows(args: argparse.Namespace, tmp: Path) -> list[list[object]]:
    """Peak RSS (and time) on 1 min and ``--minutes`` of 1080p."""
    rows: list[list[object]] = []
    segment = Path(tmp) / "segment.mp4"
    frames = clip_frames(args.clip, 10.0, 30, (1080, 1920)) if args.clip else None
    encode(segment, frames or synthetic_frames(10.0, 30), 30, (1920, 1080), "ultrafast")
    what = "talking face looped" if args.clip else "synthetic"
    for minutes in (1.0, args.minutes):
        path = Path(tmp) / f"{minutes}.mp4"
        loop_remux(segment, path, minutes)
        wall, cpu, rss, _ = run_cli(path)
        rows.append([f"{minutes:g} min 1920x1080 30 fps H.264 ({what})", wall, cpu, rss])
        print(f"| {rows[-1][0]} | {wall:.1f} | {cpu:.1f} | {rss:.0f} |", flush=True)
        path.unlink()
    return rows


def publish(mode: str, rows: list[list[object]], load: float) -> None:
    """Replace this mode's rows in face_video.json and write it."""
    out = Path(__file__).parent / "results" / "face_video.json"
    kept: dict[str, Any] = {"speed": [], "memory": []}
    if out.is_file():
        kept.update(json.loads(out.read_text())["data"]["modes"])
    kept[mode] = [
        [r[0], round(float(r[1]), 2), round(float(r[2]), 2), round(float(r[3]))] for r in rows
    ]
    kept[f"{mode}_load_before"] = round(load, 1)
    table_rows = [
        [name, wall, cpu, f"{rss} MB"]
        for m in ("speed", "memory")
        for name, wall, cpu, rss in kept[m]
    ]
    data = {
        "modes": kept,
        "tables": {
            "video_speed": {
                "columns": ["input", "wall s", "CPU s (user+sys)", "peak RSS"],
                "rows": table_rows,
                "note": "Whole `veracity detect` process (start-up, model load, decode, "
                "analysis), default detectors, OMP_NUM_THREADS=2; load average before: "
                + ", ".join(
                    f"{m} {kept.get(m + '_load_before', '-')}" for m in ("speed", "memory")
                ),
            }
        },
    }
    print(write_result("face_video", data, script="benchmarks/face_video.py"))


if __name__ == "__main__":
    main()
