"""Tamper evaluation: random byte flips in content and manifest, and moved manifests.

For every trial a freshly signed JPEG or PNG (photo-like content, different each time)
is damaged in one way and verified; the trial passes when ``verify`` says ``invalid``
with at least one failure code. The same file is also read by c2pa-python's own Reader
to show where Veracity's verdict matches c2pa's and where Veracity's extra checks of
unsigned JUMBF bytes (``veracity.*`` codes) catch what c2pa accepts.

Usage::

    python benchmarks/credentials_tamper.py [--trials 1000] [--photos DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import c2pa
import numpy as np
from PIL import Image

from veracity.bench.results_file import Headline, write_result
from veracity.credentials import init_identity, sign_file, verify_file
from veracity.credentials.engine import mime_for, reader_context
from veracity.credentials.layout import file_layout, transplant_manifest
from veracity.credentials.verify import load_anchors


def _image(rng: random.Random, photos: list[Path]) -> Image.Image:
    if photos:
        img = Image.open(rng.choice(photos)).convert("RGB")
        s = rng.uniform(0.4, 0.8)
        return img.resize((round(img.width * s), round(img.height * s)))
    g = np.random.default_rng(rng.randrange(1 << 30))
    h, w = rng.randrange(96, 200), rng.randrange(96, 200)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack(
        [np.sin(xx / g.uniform(5, 30)), np.cos(yy / g.uniform(5, 30)), np.sin((xx + yy) / 17)], -1
    )
    return Image.fromarray(
        np.clip(128 + 90 * base + g.normal(0, 10, (h, w, 3)), 0, 255).astype(np.uint8)
    )


_LAST_FLIP: list[str] = []


def _flip(data: bytes, ranges: list[tuple[int, int]], rng: random.Random) -> bytes:
    start, end = rng.choice(ranges)
    out = bytearray(data)
    pos = rng.randrange(start, end)
    out[pos] ^= 1 << rng.randrange(8)
    _LAST_FLIP[:] = [
        f"byte {pos - start} of segment at {start}: {data[pos]:#04x} -> {out[pos]:#04x}"
    ]
    return bytes(out)


def _c2pa_verdict(path: Path, context: c2pa.Context) -> tuple[str, tuple[str, ...]]:
    try:
        with c2pa.Reader(mime_for(path), io.BytesIO(path.read_bytes()), context=context) as r:
            store = json.loads(r.json())
    except c2pa.C2paError:
        return "error", ()
    codes = tuple(s["code"] for s in store.get("validation_status", []))
    return str(store.get("validation_state", "")).lower(), codes


def run(trials: int, photos: list[Path], work: Path) -> dict[str, Counter]:
    rng = random.Random(2026)
    context = reader_context(load_anchors())
    results: dict[str, Counter] = {}
    t0 = time.time()
    for i in range(trials):
        fmt = ("jpg", "png")[i % 2]
        src, signed = work / f"src.{fmt}", work / f"signed.{fmt}"
        _image(rng, photos).save(src, quality=90) if fmt == "jpg" else _image(rng, photos).save(src)
        sign_file(src, signed, force=True)
        data = signed.read_bytes()
        layout = file_layout(data)
        other = work / f"other.{fmt}"
        _image(rng, photos).save(other)
        content_flip = _flip(data, layout.content, rng)
        cases = {
            "content byte flip": content_flip,
            "manifest byte flip": _flip(data, layout.manifest, rng),
            "manifest moved to another file": transplant_manifest(data, other.read_bytes()),
        }
        for name, bad in cases.items():
            path = work / f"bad.{fmt}"
            path.write_bytes(bad)
            report = verify_file(path, recover=False)
            theirs = _c2pa_verdict(path, context)
            c = results.setdefault(name, Counter())
            c["n"] += 1
            c["invalid"] += report.state == "invalid" and bool(report.codes)
            ours_c2pa = tuple(x for x in report.codes if not x.startswith("veracity."))
            same = (report.state, ours_c2pa) == theirs
            c["same as c2pa"] += same
            c["c2pa error (unparsable)"] += theirs[0] == "error"
            if report.state != "invalid" or not report.codes:
                where = _LAST_FLIP[0] if name == "manifest byte flip" else ""
                print(
                    f"NOT INVALID: {name} {fmt} {where} -> {report.state} {report.codes}",
                    flush=True,
                )
            c["caught only by veracity checks"] += (
                theirs[0] in ("valid", "trusted") and report.state == "invalid"
            )
            for code in report.codes:
                c["code " + code] += 1
    _print(results, trials, time.time() - t0)
    return results


def _print(results: dict[str, Counter], trials: int, seconds: float) -> None:
    print(f"{trials} signed files, {seconds:.0f} s\n")
    print(
        "| tampering | trials | reported invalid | same verdict as c2pa Reader | c2pa accepted, Veracity caught | c2pa could not parse |"
    )
    print("|---|---|---|---|---|---|")
    for name, c in results.items():
        print(
            f"| {name} | {c['n']} | {100 * c['invalid'] / c['n']:.1f}% | {c['same as c2pa']} | "
            f"{c['caught only by veracity checks']} | {c['c2pa error (unparsable)']} |"
        )
    for name, c in results.items():
        codes = sorted(
            ((k[5:], v) for k, v in c.items() if k.startswith("code ")), key=lambda kv: -kv[1]
        )
        print(f"\n{name}: " + ", ".join(f"{k} x{v}" for k, v in codes[:8]))


_KIND_LABELS = {
    "content byte flip": "one random bit flipped in the coded pixels",
    "manifest byte flip": "one random bit flipped in the manifest segments",
    "manifest moved to another file": "manifest moved onto another file",
}


def tampering_table(results: dict[str, dict[str, int]]) -> dict[str, object]:
    """The guide's table of the counts: one row per kind of tampering."""
    rows = []
    for kind, c in results.items():
        codes = sorted(
            ((k.removeprefix("code "), v) for k, v in c.items() if k.startswith("code ")),
            key=lambda kv: -kv[1],
        )
        rows.append(
            [
                _KIND_LABELS.get(kind, kind),
                c["n"],
                f"**{100 * c['invalid'] / c['n']:.1f}%**",
                c["same as c2pa"],
                c["caught only by veracity checks"],
                c["c2pa error (unparsable)"],
                ", ".join(f"`{k}` {v}" for k, v in codes[:4]),
            ]
        )
    return {
        "columns": [
            "tampering",
            "trials",
            "reported invalid",
            "same state and codes as c2pa's Reader",
            "c2pa said valid, Veracity's extra checks caught it",
            "c2pa could not parse it",
            "most frequent codes",
        ],
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--photos", type=Path, help="folder of JPEG photos (default: synthetic images)")
    ap.add_argument("--out", type=Path, help="also write the counts as JSON here")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="veracity-tamper-"))
    os.environ["VERACITY_HOME"] = str(work / "home")
    init_identity()
    photos = sorted(args.photos.rglob("*.jpg")) if args.photos else []
    t0 = time.process_time()
    results = run(args.trials, photos, work)
    if args.out:
        data = {
            "trials": args.trials,
            "photos": str(args.photos) if args.photos else "synthetic",
            "cpu_s": round(time.process_time() - t0, 1),
            "results": {k: dict(v) for k, v in results.items()},
        }
        data["tables"] = {"tampering": tampering_table(data["results"])}
        total = sum(c["n"] for c in results.values())
        invalid = sum(c["invalid"] for c in results.values())
        headline = Headline(
            capability="C2PA tamper detection",
            state="meets its targets",
            numbers=f"{invalid:,} / {total:,} tampered copies invalid ({len(results)} kinds x {args.trials:,} trials)",
            order=10,
        )
        write_result(
            args.out.stem,
            data,
            script="benchmarks/credentials_tamper.py",
            headline=headline,
            directory=args.out.parent,
        )


if __name__ == "__main__":
    main()
