"""Full-disk sweep: `watermark embed` and `credentials sign` onto tiny tmpfs mounts.

Output filesystems from 32 KiB to 4 MiB (16 geometric steps), IN == OUT (the input lives
on the tiny mount) and IN != OUT (only the output does), for an image, an audio and a
video file. Every run must either succeed (exit 0, the output decodes) or fail with exit 2
and one line on stderr, leaving the input byte-identical and no partial or temporary file.
Needs root (``mount -t tmpfs``); runs the CLI in subprocesses.

    sudo .venv/bin/python benchmarks/full_disk_sweep.py [--steps 16]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from veracity.bench.results_file import Headline, write_result  # noqa: E402


def _media(folder: Path) -> dict[str, Path]:
    from PIL import Image

    from veracity.synth.samples import natural_image
    from videogen import moving_frames, write_video  # type: ignore[import-not-found]

    img = folder / "photo.jpg"
    Image.fromarray(natural_image(512, 512, seed=3)).save(img, quality=95)
    wav = folder / "tone.wav"
    import soundfile as sf

    rng = np.random.default_rng(0)
    sf.write(
        wav, (0.1 * rng.standard_normal(16000 * 3)).astype(np.float32), 16000, subtype="PCM_16"
    )
    mp4 = folder / "clip.mp4"
    write_video(mp4, moving_frames(30, 160, 120))
    return {"image": img, "audio": wav, "video": mp4}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veracity", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def tables(data: dict[str, object]) -> dict[str, object]:
    """The docs table (``data.tables``) built from the counts."""
    runs, ok, two = data["runs"], data["ok"], data["exit2_one_line"]
    assert isinstance(runs, int) and isinstance(ok, int) and isinstance(two, int)
    failures = data["failures"]
    assert isinstance(failures, list)
    columns = ["runs", "exit 0 (output decodes)", "exit 2 with one line", "other exits"]
    columns += ["damaged input or file left", "IN==OUT skipped (input too big)"]
    rows = [[runs, ok, two, runs - ok - two, len(failures), data["skipped_input_too_big"]]]
    return {"sweep": {"columns": columns, "rows": rows}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--min-kib", type=int, default=32)
    parser.add_argument("--max-kib", type=int, default=4096)
    opts = parser.parse_args()
    sizes = np.unique(np.geomspace(opts.min_kib, opts.max_kib, opts.steps).round().astype(int))
    work = Path(tempfile.mkdtemp(prefix="veracity-fulldisk-"))
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        VERACITY_HOME=str(work / "home"),
        PYTHONPATH=str(ROOT / "src"),
    )
    if _run(["credentials", "init"], env).returncode != 0:
        print("cannot create a signing identity", file=sys.stderr)
        return 3
    media = _media(work)
    mnt = work / "mnt"
    mnt.mkdir()
    counts = {"runs": 0, "ok": 0, "exit2_one_line": 0, "skipped_input_too_big": 0, "bad": 0}
    bad: list[str] = []
    t0 = time.perf_counter()
    for kib in sizes:
        for kind, src in media.items():
            for command in ("embed", "sign"):
                for same in (True, False):
                    case = f"{kib}KiB {kind} {command} {'IN==OUT' if same else 'IN!=OUT'}"
                    subprocess.run(
                        ["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(mnt)],
                        check=True,
                    )
                    try:
                        if same:
                            try:
                                shutil.copy(src, mnt / src.name)
                            except OSError:
                                counts["skipped_input_too_big"] += 1
                                continue
                            inp, out = mnt / src.name, mnt / src.name
                        else:
                            inp, out = src, mnt / f"out{src.suffix}"
                        before = _sha(inp)
                        args = (
                            ["watermark", "embed", str(inp), str(out), "--force"]
                            if command == "embed"
                            else ["credentials", "sign", str(inp), str(out), "--force"]
                        )
                        proc = _run(args, env)
                        counts["runs"] += 1
                        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
                        left = sorted(p.name for p in mnt.iterdir())
                        expect_left = [src.name] if same else []
                        if proc.returncode == 0:
                            counts["ok"] += 1
                            if not same:
                                expect_left = [out.name]
                            if left != expect_left:
                                bad.append(f"{case}: ok but files {left}")
                        elif (
                            proc.returncode == 2
                            and len(lines) == 1
                            and "Traceback" not in proc.stderr
                        ):
                            if same and _sha(inp) != before:
                                bad.append(f"{case}: input changed")
                            elif left != expect_left:
                                bad.append(f"{case}: left {left}")
                            else:
                                counts["exit2_one_line"] += 1
                        else:
                            bad.append(f"{case}: exit {proc.returncode}: {proc.stderr[-300:]!r}")
                        if not same and _sha(inp) != before:
                            bad.append(f"{case}: input changed")
                    finally:
                        subprocess.run(["umount", str(mnt)], check=True)
    counts["bad"] = len(bad)
    secs = time.perf_counter() - t0
    print(f"{'sizes (KiB)':>24}: {', '.join(map(str, sizes))}")
    for key, val in counts.items():
        print(f"{key:>24}: {val}")
    for line in bad:
        print("BAD", line)
    failed_runs = counts["runs"] - counts["ok"] - counts["exit2_one_line"]
    headline = Headline(
        "Full disk and output failures",
        "measured" if not bad else "failing",
        f"{counts['runs']} embed/sign runs onto {len(sizes)} filesystem sizes "
        f"({int(sizes[0])} KiB..{int(sizes[-1])} KiB), image/audio/video, IN==OUT and IN!=OUT: "
        f"{counts['ok']} ok, {counts['exit2_one_line']} exit 2 with one line, "
        f"{failed_runs} other; {len(bad)} damaged inputs or partial outputs",
        order=31,
    )
    data: dict[str, object] = {
        **counts,
        "sizes_kib": [int(s) for s in sizes],
        "failures": bad,
        "seconds": round(secs, 1),
    }
    data["tables"] = tables(data)
    write_result(
        "full_disk_sweep",
        data,
        script="benchmarks/full_disk_sweep.py",
        headline=headline,
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0 if not bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
