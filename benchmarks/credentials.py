"""Content Credentials speed: sign/verify per 1 MP image and per 10 s 720p MP4, and
Soft Binding Resolution lookup latency over HTTP with 100,000 stored manifests.

Usage::

    python benchmarks/credentials.py [--manifests 100000] [--store URL] [--repeat 5]

Prints the tables and writes ``benchmarks/results/credentials_speed.json`` (tables
``operations`` and ``resolver``, rendered in the provenance guide; ``--no-write`` prints
only). The resolver table has an in-run baseline: a trivial route on the same server,
which is the HTTP round trip every endpoint pays.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import uvicorn
from fastapi import FastAPI
from PIL import Image

from veracity.bench.results_file import write_result
from veracity.credentials import ManifestRecord, init_identity, open_store, sign_file, verify_file
from veracity.credentials.durable import CROP_VIEWS
from veracity.credentials.manifest import FINGERPRINT_ALG, WATERMARK_ALG
from veracity.service.resolver import create_resolver_router


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = (
        np.stack([np.sin(xx / 41 + c) * np.cos(yy / (29 + 7 * c)) for c in range(3)], -1) * 70 + 120
    )
    img += g.normal(0, 6, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _mp4(path: Path, seconds: int = 10, fps: int = 30) -> None:
    import av

    frame0 = _photo(720, 1280)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        for i in range(seconds * fps):
            frame = av.VideoFrame.from_ndarray(np.roll(frame0, 4 * i, axis=1), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def media_speed(work: Path, repeat: int) -> list[list[str]]:
    """Median seconds per operation on a 1 MP JPEG and a 10 s 720p MP4."""
    jpg = work / "1mp.jpg"
    Image.fromarray(_photo(864, 1152)).save(jpg, quality=92)
    mp4 = work / "720p.mp4"
    _mp4(mp4)
    store = open_store(work / "speed.sqlite3")
    rows = []
    n = iter(range(10**6))
    rows.append(
        ("1 MP JPEG", "sign", _timed(lambda: sign_file(jpg, work / f"s{next(n)}.jpg"), repeat))
    )
    signed = sign_file(jpg, work / "signed.jpg").output
    rows.append(("1 MP JPEG", "verify (embedded)", _timed(lambda: verify_file(signed), repeat)))
    rows.append(
        (
            "1 MP JPEG",
            "sign --durable",
            _timed(
                lambda: sign_file(jpg, work / f"d{next(n)}.jpg", durable=True, store=store), repeat
            ),
        )
    )
    durable = sign_file(jpg, work / "durable.jpg", durable=True, store=store).output
    Image.open(durable).convert("RGB").save(work / "stripped.jpg", quality=85)
    rows.append(
        (
            "1 MP JPEG",
            "verify stripped copy (recovery)",
            _timed(lambda: verify_file(work / "stripped.jpg", store=store), repeat),
        )
    )
    rows.append(
        ("10 s 720p MP4", "sign", _timed(lambda: sign_file(mp4, work / f"v{next(n)}.mp4"), repeat))
    )
    vsigned = sign_file(mp4, work / "signed.mp4").output
    rows.append(
        ("10 s 720p MP4", "verify (embedded)", _timed(lambda: verify_file(vsigned), repeat))
    )
    store.close()
    print(f"| media | operation | median time (s), {repeat} runs |\n|---|---|---|")
    for media, op, t in rows:
        print(f"| {media} | {op} | {t:.3f} |")
    print(
        f"\nMP4 size {mp4.stat().st_size / 1e6:.1f} MB; JPEG size {jpg.stat().st_size / 1e3:.0f} kB"
    )
    labels = {
        "1 MP JPEG": "1 MP JPEG (1152x864)",
        "10 s 720p MP4": "10 s 720p H.264 MP4 (PyAV, 300 frames)",
        "verify (embedded)": "verify (embedded manifest)",
        "sign --durable": f"sign `--durable` (watermark, {len(CROP_VIEWS)} PDQ views, store)",
        "verify stripped copy (recovery)": "verify a stripped copy (watermark + store lookup)",
    }
    return [[labels.get(media, media), labels.get(op, op), f"{t:.3g}"] for media, op, t in rows]


def fill_store(url: str, n: int, manifest: bytes) -> tuple[str, bytes]:
    """Bulk-load ``n`` synthetic records (``len(CROP_VIEWS)`` PDQ views each); return one real id and digest."""
    store = open_store(url)
    rng = np.random.default_rng(1)
    batch: list[ManifestRecord] = []
    last = None
    for i in range(n):
        digests = rng.integers(0, 256, (len(CROP_VIEWS), 32), dtype=np.uint8)
        body = manifest if i == n - 1 else b"x" * 2048
        last = ManifestRecord(
            secrets.token_hex(8), body, "image/jpeg", tuple(d.tobytes() for d in digests)
        )
        batch.append(last)
        if len(batch) == 5000:
            store.put_many(batch)  # type: ignore[attr-defined]
            batch = []
    if batch:
        store.put_many(batch)  # type: ignore[attr-defined]
    store.close()
    assert last is not None
    return last.manifest_id, last.fingerprints[0]


def _serve(url: str) -> tuple[str, uvicorn.Server, threading.Thread]:
    app = FastAPI()

    @app.get("/_bench_ping")
    def ping() -> dict[str, bool]:  # the HTTP round trip alone (baseline)
        return {"ok": True}

    app.include_router(create_resolver_router(open_store(url)))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def resolver_latency(url: str, n: int, work: Path) -> list[list[str]]:
    """Latency of the resolver endpoints over HTTP (p50 / p95 over 200 queries)."""
    jpg = work / "r.jpg"
    Image.fromarray(_photo(300, 400, 3)).save(jpg)
    manifest = sign_file(jpg, work / "r_signed.jpg").output.read_bytes()[:30000]
    t = time.time()
    mid, digest = fill_store(url, n, manifest)
    print(f"\nloaded {n} manifests ({n * len(CROP_VIEWS)} fingerprints) in {time.time() - t:.0f} s")
    base, server, thread = _serve(url)
    client = httpx.Client(base_url=base, timeout=60)
    t = time.time()
    client.get(
        "/matches/byBinding",
        params={"alg": FINGERPRINT_ALG, "value": base64.b64encode(digest).decode()},
    )
    print(f"first fingerprint query (builds the in-memory index): {time.time() - t:.2f} s")
    queries = {
        "baseline: trivial route on the same server": lambda: client.get("/_bench_ping"),
        "byBinding watermark id": lambda: client.get(
            "/matches/byBinding",
            params={"alg": WATERMARK_ALG, "value": base64.b64encode(bytes.fromhex(mid)).decode()},
        ),
        "byBinding PDQ fingerprint": lambda: client.get(
            "/matches/byBinding",
            params={
                "alg": FINGERPRINT_ALG,
                "value": base64.b64encode(secrets.token_bytes(32)).decode(),
            },
        ),
        "GET /manifests/{id}": lambda: client.get(f"/manifests/{mid}"),
    }
    store_name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    labels = {
        "byBinding watermark id": "`GET /matches/byBinding` watermark id",
        "byBinding PDQ fingerprint": "`GET /matches/byBinding` PDQ fingerprint (full scan, popcount)",
        "GET /manifests/{id}": "`GET /manifests/{id}`",
    }
    out: list[list[str]] = []
    print(f"\n| endpoint ({n} manifests) | p50 ms | p95 ms |\n|---|---|---|")
    for name, fn in queries.items():
        ms = []
        for _ in range(200):
            t0 = time.perf_counter()
            assert fn().status_code == 200
            ms.append(1000 * (time.perf_counter() - t0))
        p50, p95 = np.percentile(ms, 50), np.percentile(ms, 95)
        print(f"| {name} | {p50:.1f} | {p95:.1f} |")
        out.append([labels.get(name, name), store_name, f"{p50:.1f}", f"{p95:.1f}"])
    server.should_exit = True
    thread.join(5)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifests", type=int, default=100_000)
    ap.add_argument("--store", help="store URL for the latency test (default: fresh SQLite)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-media", action="store_true")
    ap.add_argument("--note", default="", help="text added to the table notes")
    ap.add_argument("--results-dir", type=Path, default=None, help="default benchmarks/results")
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="veracity-bench-"))
    os.environ["VERACITY_HOME"] = str(work / "home")
    init_identity()
    tables = {}
    if not args.skip_media:
        tables["operations"] = {
            "columns": ["media", "operation", "seconds"],
            "rows": media_speed(work, args.repeat),
            "note": (
                f"benchmarks/credentials.py --repeat {args.repeat}: median wall seconds of "
                f"{args.repeat} runs on generated media; shared 2-core machine. " + args.note
            ).strip(),
        }
    url = args.store or f"sqlite://{work / 'latency.sqlite3'}"
    tables["resolver"] = {
        "columns": ["endpoint", "store", "p50 ms", "p95 ms"],
        "rows": resolver_latency(url, args.manifests, work),
        "note": (
            f"benchmarks/credentials.py --manifests {args.manifests}: uvicorn on 127.0.0.1, "
            f"httpx client, 200 queries each, {args.manifests:,} stored manifests "
            f"({args.manifests * len(CROP_VIEWS):,} PDQ views); the baseline row is a trivial "
            "route on the same server (the HTTP round trip). " + args.note
        ).strip(),
    }
    if not args.no_write:
        data = {"manifests": args.manifests, "repeat": args.repeat, "tables": tables}
        print(write_result("credentials_speed", data, script="benchmarks/credentials.py",
                           directory=args.results_dir))  # fmt: skip


if __name__ == "__main__":
    main()
