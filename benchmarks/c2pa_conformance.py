"""C2PA conformance: Veracity's ``verify`` against c2pa-python's ``Reader``, per format.

Both read every media file under a folder (by default the other signers' fixtures
extracted by ``training/c2pa_fixtures.py``) with no trust anchors and no network, and
each answer is put in one class (``veracity.credentials.conformance``): ``none``,
``valid`` (valid or trusted), ``invalid``, ``remote`` (referenced by URL, not fetched)
or ``unsupported`` (format refused).

The SDK's class is the reference. Files the SDK cannot read at all are listed with
Veracity's answer but left out of the agreement rate. A file where the SDK says valid
and Veracity says invalid *only* through its documented extra checks of unsigned bytes
(``veracity.signature.paddingAltered``, ``veracity.manifestStore.headerAltered``) is
counted as ``strict`` (not an agreement, not a false invalid: the SDK misses it).

With ``--crafted`` (default on) every fixture in a format c2pa signs is also signed
here, and a copy with one seeded random bit flipped anywhere in the signed file is
made; both go through the same comparison (set ``crafted``).

Prints a table per set and format, lists every disagreement and writes
``benchmarks/results/c2pa_conformance.json``.

Usage::

    python benchmarks/c2pa_conformance.py [--fixtures /work/data/c2pa/fixtures] [--no-crafted]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from veracity.bench.results_file import Headline, write_result
from veracity.credentials.conformance import sdk_class, veracity_class

MEDIA = (
    *(".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".dng", ".avif", ".heic"),
    *(".heif", ".jxl", ".svg", ".pdf", ".mp4", ".mov", ".m4a", ".m4s", ".wav", ".mp3"),
    *(".flac", ".avi"),
)
STRICT_CODES = ("veracity.signature.paddingAltered", "veracity.manifestStore.headerAltered")
ROOT = Path(__file__).resolve().parents[1]


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _outcome(sdk: str, ours: str, codes: str) -> str:
    if sdk == ours:
        return "agree"
    if sdk == "valid" and ours == "invalid":
        extra = [c for c in codes.split(",") if c.startswith("veracity.")]
        if extra and all(c in STRICT_CODES for c in extra):
            return "strict"
        return "false-invalid"
    return "disagree"


def compare(files: list[Path], base: Path) -> list[dict[str, Any]]:
    rows = []
    for p in files:
        sdk, sdk_detail = sdk_class(p)
        ours, codes = veracity_class(p)
        rows.append(
            {
                "file": str(p.relative_to(base)),
                "format": p.suffix.lower().lstrip("."),
                "sdk": sdk,
                "sdk_detail": sdk_detail,
                "veracity": ours,
                "veracity_detail": codes,
                "outcome": "excluded" if sdk == "unsupported" else _outcome(sdk, ours, codes),
            }
        )
    return rows


def craft(files: list[Path], out: Path, seed: int = 2026) -> list[Path]:
    """Sign each file here and make a one-bit-flipped copy of the signed file."""
    from veracity.credentials import init_identity, sign_file
    from veracity.errors import VeracityError

    init_identity()
    rng = random.Random(seed)
    made: list[Path] = []
    for i, src in enumerate(files):
        signed = out / f"{i:02d}-{src.stem}-signed{src.suffix.lower()}"
        try:
            sign_file(src, signed)
        except VeracityError as exc:
            print(f"  not signed: {src.name}: {exc}")
            continue
        data = bytearray(signed.read_bytes())
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        flipped = out / f"{i:02d}-{src.stem}-flipped{src.suffix.lower()}"
        flipped.write_bytes(bytes(data))
        made += [signed, flipped]
    return made


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        per[r["format"]][r["outcome"]] += 1
    totals: dict[str, int] = defaultdict(int)
    for cell in per.values():
        for k, v in cell.items():
            totals[k] += v
    return {"per_format": {f: dict(c) for f, c in sorted(per.items())}, "totals": dict(totals)}


def _print(name: str, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    cols = ("agree", "strict", "false-invalid", "disagree", "excluded")
    print(f"\n[{name}]\n{'format':8} " + " ".join(f"{c:>13}" for c in cols))
    for fmt, cell in summary["per_format"].items():
        print(f"{fmt:8} " + " ".join(f"{cell.get(c, 0):13d}" for c in cols))
    t = summary["totals"]
    compared = sum(v for k, v in t.items() if k != "excluded")
    print(
        f"total: {t.get('agree', 0)}/{compared} agree, {t.get('strict', 0)} strict-only, "
        f"{t.get('false-invalid', 0)} false invalid, {t.get('disagree', 0)} other disagreements"
    )
    for r in rows:
        if r["outcome"] != "agree":
            print(
                f"  {r['outcome']}: {r['file']}: sdk {r['sdk']} ({r['sdk_detail'][:60]}) "
                f"vs veracity {r['veracity']} ({r['veracity_detail'][:90]})"
            )


_SET_LABELS = {"fixtures": "fixtures", "crafted": "crafted (signed here + one bit flipped)"}


def conformance_tables(sets: dict[str, Any]) -> dict[str, Any]:
    """The guide's tables, from the per-file rows: one row per set, one per format."""
    summary = []
    for name, s in sets.items():
        rows = s["rows"]
        compared = [r for r in rows if r["outcome"] != "excluded"]
        classes = Counter(r["sdk"] for r in compared)
        false_invalid = sum(
            r["sdk"] == "valid" and r["veracity"] == "invalid" and r["outcome"] != "strict"
            for r in compared
        )
        agree = sum(r["outcome"] == "agree" for r in compared)
        strict = sum(r["outcome"] == "strict" for r in compared)
        summary.append(
            [
                _SET_LABELS.get(name, name),
                len(compared),
                ", ".join(f"{n} {c}" for c, n in classes.most_common()),
                f"**{agree} ({100 * agree / max(1, len(compared)):.0f}%)**",
                strict,
                f"**{false_invalid}**",
                len(compared) - agree - strict,
                len(rows) - len(compared),
            ]
        )
    formats = sorted({r["format"] for s in sets.values() for r in s["rows"]})
    per_format = []
    for fmt in formats:
        cells: list[Any] = [fmt]
        for s in sets.values():
            rows = [r for r in s["rows"] if r["format"] == fmt and r["outcome"] != "excluded"]
            ok = sum(r["outcome"] in ("agree", "strict") for r in rows)
            cells.append(f"{ok} / {len(rows)}" if rows else "-")
        per_format.append(cells)
    return {
        "summary": {
            "columns": [
                "set",
                "files compared",
                "SDK classes",
                "agree",
                "strict-only",
                "false `invalid`",
                "other",
                "excluded",
            ],
            "rows": summary,
        },
        "per_format": {
            "columns": ["format", *(f"{_SET_LABELS.get(n, n)}: agree or strict" for n in sets)],
            "rows": per_format,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="Agreement of verify with c2pa-python's Reader.")
    ap.add_argument("--fixtures", type=Path, default=Path("/work/data/c2pa/fixtures"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/c2pa_conformance.json")
    ap.add_argument("--no-crafted", dest="crafted", action="store_false")
    args = ap.parse_args()
    if not args.fixtures.is_dir():
        raise SystemExit(f"{args.fixtures}: no such folder (run training/c2pa_fixtures.py)")
    files = sorted(p for p in args.fixtures.rglob("*") if p.suffix.lower() in MEDIA and p.is_file())
    sets: dict[str, Any] = {}
    t0 = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VERACITY_HOME"] = str(Path(tmp) / "home")  # no anchors, no store
        rows = compare(files, args.fixtures)
        sets["fixtures"] = {"rows": rows, **summarise(rows)}
        if args.crafted:
            work = Path(tmp) / "crafted"
            work.mkdir()
            readable = [Path(args.fixtures / r["file"]) for r in rows if r["sdk"] != "unsupported"]
            rows = compare(craft(readable, work), work)
            sets["crafted"] = {"rows": rows, **summarise(rows)}
    cpu = time.process_time() - t0
    for name, s in sets.items():
        _print(name, s["rows"], s)
    import c2pa

    fixtures = sets["fixtures"]["totals"]
    compared = sum(n for k, n in fixtures.items() if k != "excluded")
    headline = Headline(
        capability="C2PA conformance",
        state="agrees with the reference SDK",
        numbers=(
            f"{fixtures.get('agree', 0)} / {compared} c2pa-python and c2patool fixtures give the "
            "same state as c2pa-python's Reader (none / valid-or-trusted / invalid), 0 false invalid"
        ),
        order=12,
    )
    data = {
        "tables": conformance_tables(sets),
        "c2pa_python": getattr(c2pa, "__version__", "0.38.1"),
        "fixtures": str(args.fixtures),
        "cpu_s": round(cpu, 1),
        "sets": sets,
    }
    write_result(
        args.out.stem,
        data,
        script="benchmarks/c2pa_conformance.py",
        headline=headline,
        directory=args.out.parent,
    )
    print(f"\nwrote {args.out} ({cpu:.0f} s CPU)")


if __name__ == "__main__":
    main()
