"""C2PA conformance: Veracity's ``verify`` against c2pa-python's ``Reader``, per format.

Both read every media file under a folder (by default the other signers' fixtures
extracted by ``training/c2pa_fixtures.py``) with no trust anchors and no network, and
each answer is put in one class:

- ``none``: no manifest store;
- ``valid``: a manifest that validates (``valid`` or ``trusted``);
- ``invalid``: a manifest that fails validation, or one that cannot be parsed;
- ``remote``: the manifest is only referenced by URL (not fetched offline);
- ``unsupported``: the tool refuses the file's format.

The SDK's class is the reference; a file agrees when both classes are equal. Files
the SDK cannot read at all (``unsupported``) are listed with Veracity's answer but
left out of the agreement rate. Prints a table per format, lists every disagreement
and writes ``benchmarks/results/c2pa_conformance.json``.

Usage::

    python benchmarks/c2pa_conformance.py [--fixtures /work/data/c2pa/fixtures]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from veracity.credentials.conformance import sdk_class, veracity_class

MEDIA = (
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".gif",
    ".tif",
    ".tiff",
    ".dng",
    ".avif",
    ".heic",
    ".heif",
    ".jxl",
    ".svg",
    ".pdf",
    ".mp4",
    ".mov",
    ".m4a",
    ".m4s",
    ".wav",
    ".mp3",
    ".flac",
    ".avi",
)
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


def run(folder: Path) -> dict[str, Any]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MEDIA and p.is_file())
    rows = []
    for p in files:
        sdk, sdk_detail = sdk_class(p)
        ours, our_detail = veracity_class(p)
        rows.append(
            {
                "file": str(p.relative_to(folder)),
                "format": p.suffix.lower().lstrip("."),
                "sdk": sdk,
                "sdk_detail": sdk_detail,
                "veracity": ours,
                "veracity_detail": our_detail,
                "agree": sdk == ours,
            }
        )
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"files": 0, "agree": 0, "excluded": 0})
    for r in rows:
        cell = per[r["format"]]
        if r["sdk"] == "unsupported":
            cell["excluded"] += 1
            continue
        cell["files"] += 1
        cell["agree"] += int(r["agree"])
    compared = [r for r in rows if r["sdk"] != "unsupported"]
    false_invalid = [r for r in compared if r["sdk"] == "valid" and r["veracity"] == "invalid"]
    return {
        "rows": rows,
        "per_format": dict(sorted(per.items())),
        "compared": len(compared),
        "agree": sum(r["agree"] for r in compared),
        "false_invalid": len(false_invalid),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description="Agreement of verify with c2pa-python's Reader.")
    ap.add_argument("--fixtures", type=Path, default=Path("/work/data/c2pa/fixtures"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/c2pa_conformance.json")
    args = ap.parse_args()
    if not args.fixtures.is_dir():
        raise SystemExit(f"{args.fixtures}: no such folder (run training/c2pa_fixtures.py)")
    with tempfile.TemporaryDirectory() as home:
        os.environ["VERACITY_HOME"] = home  # no trust anchors, no store: like the SDK
        t0 = time.process_time()
        res = run(args.fixtures)
        cpu = time.process_time() - t0
    print(f"{'format':8} {'files':>5} {'agree':>5} {'sdk-unreadable':>14}")
    for fmt, cell in res["per_format"].items():
        print(f"{fmt:8} {cell['files']:5d} {cell['agree']:5d} {cell['excluded']:14d}")
    print(
        f"total: {res['agree']}/{res['compared']} agree, "
        f"{res['false_invalid']} false invalid (SDK valid, Veracity invalid)"
    )
    print("\ndisagreements (file: sdk vs veracity):")
    for r in res["rows"]:
        if not r["agree"]:
            print(
                f"  {r['file']}: {r['sdk']} ({r['sdk_detail']}) vs "
                f"{r['veracity']} ({r['veracity_detail']})"
            )
    import c2pa

    res.update(
        {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "commit": _commit(),
            "machine": f"{platform.machine()} {platform.processor() or platform.system()}",
            "c2pa_python": getattr(c2pa, "__version__", "unknown"),
            "fixtures": str(args.fixtures),
            "cpu_s": round(cpu, 2),
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
