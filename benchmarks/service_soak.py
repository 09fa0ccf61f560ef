"""Service soak: bursts of parallel ``/api/check`` uploads against a real ``veracity serve``.

Starts ``veracity serve`` on 127.0.0.1 (a free port, in a subprocess, so a native crash
shows as the process dying), then sends ``--bursts`` bursts of ``--parallel`` uploads at
once, mixing JPEGs of several sizes, a WAV and a short MP4. Reports requests, answers by
status, transport errors, server crashes, latency p50/p95 and the server's peak RSS
(VmHWM). The baseline, in the same run, is the same files uploaded one at a time; the
table shows the parallel/sequential latency ratio. Localhost only, bounded.

    .venv/bin/python benchmarks/service_soak.py [--parallel 20] [--bursts 20]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from veracity.bench.results_file import Headline, write_result  # noqa: E402
from veracity.bench.server import wait_until_up  # noqa: E402

_SIZES = [(120, 160), (333, 211), (480, 640), (97, 413), (720, 960), (256, 256), (701, 389)]


def _uploads(folder: Path) -> list[tuple[str, bytes]]:
    from PIL import Image

    from veracity.synth.samples import natural_image, speech_like, write_mp4, write_wav

    files = []
    for i, (h, w) in enumerate(_SIZES):
        buf = io.BytesIO()
        Image.fromarray(natural_image(h, w, seed=i)).save(buf, format="JPEG", quality=90)
        files.append((f"photo{i}.jpg", buf.getvalue()))
    buf = io.BytesIO()
    Image.fromarray(natural_image(600, 800, seed=9)).save(buf, format="PNG")
    files.append(("scan.png", buf.getvalue()))
    wav = write_wav(folder / "voice.wav", speech_like(3.0, seed=1))
    long_wav = write_wav(folder / "talk.wav", speech_like(12.0, seed=2))
    mp4 = write_mp4(folder / "clip.mp4", frames=24, size=128)
    big_mp4 = write_mp4(folder / "scene.mp4", frames=48, size=256)
    files += [
        ("voice.wav", wav.read_bytes()),
        ("talk.wav", long_wav.read_bytes()),
        ("clip.mp4", mp4.read_bytes()),
        ("scene.mp4", big_mp4.read_bytes()),
    ]
    return files


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VERACITY_HOME": str(home), "PYTHONPATH": str(ROOT / "src")}
    env.setdefault("OMP_NUM_THREADS", "1")
    cmd = [sys.executable, "-m", "veracity", "serve", "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _post(base: str, upload: tuple[str, bytes]) -> tuple[str, float]:
    import httpx

    start = time.perf_counter()
    try:
        r = httpx.post(f"{base}/api/check", files={"file": upload}, timeout=300)
        status = str(r.status_code)
    except httpx.HTTPError as exc:
        status = f"transport:{type(exc).__name__}"
    return status, time.perf_counter() - start


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _summary(results: list[tuple[str, float]]) -> dict[str, object]:
    lat = np.array([t for _, t in results])
    return {
        "requests": len(results),
        "status": dict(sorted(Counter(s for s, _ in results).items())),
        "p50_s": round(float(np.percentile(lat, 50)), 3),
        "p95_s": round(float(np.percentile(lat, 95)), 3),
    }


def run(parallel: int, bursts: int) -> dict[str, object]:
    """Soak one server; returns the numbers written to the results file."""
    with tempfile.TemporaryDirectory(prefix="veracity-soak-") as tmp:
        folder = Path(tmp)
        uploads = _uploads(folder)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _start(port, folder / "home")
        try:
            wait_until_up(base, proc)
            sequential = [_post(base, u) for u in uploads]
            soak: list[tuple[str, float]] = []
            crashes = 0
            with ThreadPoolExecutor(parallel) as pool:
                for b in range(bursts):
                    batch = [uploads[(b * parallel + i) % len(uploads)] for i in range(parallel)]
                    soak += pool.map(lambda u: _post(base, u), batch)
                    if proc.poll() is not None:
                        crashes += 1
                        break
            alive = proc.poll() is None
            peak = _peak_rss_mb(proc.pid) if alive else float("nan")
        finally:
            proc.terminate()
            try:
                _, err = proc.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
    par, seq = _summary(soak), _summary(sequential)
    codes = par["status"]
    assert isinstance(codes, dict)
    return {
        "parallel": parallel,
        "bursts_planned": bursts,
        "server_crashes": crashes,
        "server_exit_code_after_soak": None if alive else proc.returncode,
        "server_5xx": sum(n for s, n in codes.items() if s.startswith("5")),
        "transport_errors": sum(n for s, n in codes.items() if s.startswith("transport")),
        "soak": par,
        "sequential_baseline": seq,
        "p50_ratio_parallel_vs_sequential": round(float(par["p50_s"]) / float(seq["p50_s"]), 2),  # type: ignore[arg-type]
        "peak_rss_mb": round(peak, 1),
        "uploads": {name: len(data) for name, data in uploads},
        "server_stderr_tail": err.decode(errors="replace")[-400:] if not alive else "",
        "note": "wall-clock latencies on a shared 2-core machine; other jobs disturb them",
    }


def tables(data: dict[str, object]) -> dict[str, object]:
    """The docs table (``data.tables``) built from the measured runs."""
    seq, soak = data["sequential_baseline"], data["soak"]
    assert isinstance(seq, dict) and isinstance(soak, dict)

    def answers(run: dict[str, object]) -> str:
        status = run["status"]
        assert isinstance(status, dict)
        return ", ".join(f"{k} x {v}" for k, v in status.items())

    columns = ["run", "requests", "answers", "server crashes", "5xx", "transport errors"]
    columns += ["p50 s", "p95 s", "peak RSS (MB)"]
    par = f"{data['parallel']} parallel x {data['bursts_planned']} bursts"
    baseline = ["sequential (baseline)", seq["requests"], answers(seq), 0, 0, 0]
    loaded = [par, soak["requests"], answers(soak), data["server_crashes"], data["server_5xx"]]
    loaded.append(data["transport_errors"])
    rows = [
        [*baseline, seq["p50_s"], seq["p95_s"], ""],
        [*loaded, soak["p50_s"], soak["p95_s"], data["peak_rss_mb"]],
    ]
    return {"soak": {"columns": columns, "rows": rows}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parallel", type=int, default=20, help="uploads in flight per burst")
    ap.add_argument("--bursts", type=int, default=20, help="number of bursts")
    ap.add_argument("--no-write", action="store_true", help="do not write the results file")
    args = ap.parse_args()
    data = run(args.parallel, args.bursts)
    soak, seq = data["soak"], data["sequential_baseline"]
    assert isinstance(soak, dict) and isinstance(seq, dict)
    print(f"{'run':<22}{'requests':>9}{'p50 s':>9}{'p95 s':>9}  status")
    print(
        f"{'sequential (baseline)':<22}{seq['requests']:>9}{seq['p50_s']:>9}{seq['p95_s']:>9}  {seq['status']}"
    )
    print(
        f"{'parallel x bursts':<22}{soak['requests']:>9}{soak['p50_s']:>9}{soak['p95_s']:>9}  {soak['status']}"
    )
    print(
        f"crashes {data['server_crashes']}, 5xx {data['server_5xx']}, transport errors "
        f"{data['transport_errors']}, p50 ratio {data['p50_ratio_parallel_vs_sequential']}, "
        f"peak RSS {data['peak_rss_mb']} MB"
    )
    if not args.no_write:
        data["tables"] = tables(data)
        ok = data["server_crashes"] == 0 and data["server_5xx"] == 0
        headline = Headline(
            "Service under load",
            "measured" if ok else "failing",
            f"{soak['requests']} uploads ({args.parallel} parallel x {args.bursts} bursts): "
            f"{data['server_crashes']} crashes, {data['server_5xx']} 5xx, p50 {soak['p50_s']} s, "
            f"p95 {soak['p95_s']} s, "
            f"peak RSS {data['peak_rss_mb']} MB",
            order=30,
        )
        path = write_result(
            "service_soak", data, script="benchmarks/service_soak.py", headline=headline
        )
        print(f"wrote {path}")
    return 0 if data["server_crashes"] == 0 and data["server_5xx"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
