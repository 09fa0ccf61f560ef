"""Oversized uploads: server memory while three 200 MB bodies arrive at once.

Starts ``veracity serve`` (``--max-upload-mb 50``) on 127.0.0.1 in a subprocess and sends
three 200 MB bodies to ``POST /matches/byContent`` at the same time, once with a declared
``Content-Length`` and once chunked (no length, so only counting can refuse it). For each
body it records the status, how many bytes the client had sent when the answer came,
and the seconds to the answer; for the server, RSS before, the peak RSS while the bodies
arrive (sampled every 10 ms) and RSS after. The baseline, in the same run, is the code of
``--baseline-ref`` (default: the commit before the streamed limit) served the same way.

    .venv/bin/python benchmarks/oversize_uploads.py [--mb 200] [--baseline-ref 5658fe9]
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from veracity.bench.results_file import write_result  # noqa: E402
from veracity.bench.server import wait_until_up  # noqa: E402

_CHUNK = 1 << 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _start(src: Path, port: int, home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VERACITY_HOME": str(home), "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "veracity", "serve", "--port", str(port), "--max-upload-mb", "50"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _send(port: int, total: int, chunked: bool) -> dict[str, object]:
    """Send one body of ``total`` bytes; stop when an answer arrives."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (
        f"POST /matches/byContent HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: image/jpeg\r\n{framing}\r\n\r\n"
    ).encode()
    block = b"\xff" * _CHUNK
    start = time.perf_counter()
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(head)
        while True:
            readable, writable, _ = select.select([sock], [sock] if sent < total else [], [], 60)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                answer += data
                if not data or b"\r\n\r\n" in answer:
                    break
            elif writable:
                piece = block[: min(_CHUNK, total - sent)]
                frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
                try:
                    sock.sendall(frame)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(piece)
                if chunked and sent >= total:
                    sock.sendall(b"0\r\n\r\n")
            elif not readable and not writable:
                break
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return {
        "status": status,
        "client_sent_mb": round(sent / 1024**2, 1),
        "seconds_to_answer": round(time.perf_counter() - start, 2),
    }


def _measure(src: Path, mb: int, chunked: bool, home: Path) -> dict[str, object]:
    port = _free_port()
    proc = _start(src, port, home)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", proc, timeout=90)
        time.sleep(1.0)
        before = _rss_mb(proc.pid)
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mb(proc.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: _send(port, mb * 1024**2, chunked), range(3)))
        time.sleep(1.0)
        done.set()
        sampler.join()
        after = _rss_mb(proc.pid)
        alive = proc.poll() is None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {
        "answers": answers,
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(peak[0], 1),
        "rss_after_mb": round(after, 1),
        "rss_growth_mb": round(peak[0] - before, 1),
        "server_alive": alive,
    }


def tables(data: dict[str, object]) -> dict[str, object]:
    """The docs table (``data.tables``) built from the measured runs."""
    rows = []
    runs = data["runs"]
    assert isinstance(runs, dict)
    for key, row in runs.items():
        code, framing = key.split(" ", 1)
        answers = row["answers"]
        rows.append(
            [
                "before" if code == "baseline" else "now",
                framing,
                " ".join(str(a["status"]) for a in answers),
                " / ".join(str(a["client_sent_mb"]) for a in answers),
                row["rss_before_mb"],
                row["rss_peak_mb"],
                row["rss_growth_mb"],
            ]
        )
    columns = [
        "code",
        "body framing",
        "answers",
        "client had sent (MB)",
        "RSS before (MB)",
        "peak RSS (MB)",
        "growth (MB)",
    ]
    return {"rss": {"columns": columns, "rows": rows}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=200, help="size of each body in MB")
    ap.add_argument("--baseline-ref", default="5658fe9", help="git ref of the baseline code")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="veracity-oversize-") as tmp:
        base = Path(tmp) / "baseline"
        base.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline_ref, "src"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        for label, src in (("baseline", base / "src"), ("current", ROOT / "src")):
            for chunked in (False, True):
                key = f"{label} {'chunked' if chunked else 'content-length'}"
                rows[key] = _measure(src, args.mb, chunked, Path(tmp) / "home")
    print(f"{'run':<28}{'status':>16}{'sent MB':>18}{'RSS before':>12}{'peak':>8}{'after':>8}")
    for key, row in rows.items():
        answers = row["answers"]
        assert isinstance(answers, list)
        statuses = ",".join(str(a["status"]) for a in answers)
        sent = ",".join(str(a["client_sent_mb"]) for a in answers)
        print(
            f"{key:<28}{statuses:>16}{sent:>18}{row['rss_before_mb']:>12}"
            f"{row['rss_peak_mb']:>8}{row['rss_after_mb']:>8}"
        )
    growth = {k: float(v["rss_growth_mb"]) for k, v in rows.items()}  # type: ignore[arg-type]
    print("peak RSS growth (MB): " + ", ".join(f"{k} {v}" for k, v in growth.items()))
    if not args.no_write:
        data = {
            "bodies": 3,
            "body_mb": args.mb,
            "max_upload_mb": 50,
            "baseline_ref": args.baseline_ref,
            "runs": rows,
            "note": "RSS of the server process (VmRSS sampled every 10 ms); localhost",
        }
        data["tables"] = tables(data)
        path = write_result("oversize_uploads", data, script="benchmarks/oversize_uploads.py")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
