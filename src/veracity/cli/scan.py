"""``veracity scan DIR``: check every media file of a folder into resumable JSON Lines.

Records go to ``--jsonl FILE`` (appended; files already in it are skipped, so an
interrupted scan resumes) or to stdout. A file that cannot be checked is recorded with
an ``error`` field and the scan goes on; the exit status is 0 unless the folder or the
environment is unusable (2 or 3).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.check import CheckOptions
from veracity.cli.common import add_wm_key, int_in, store_url
from veracity.scan import ScanSummary, scan_folder

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``scan`` sub-command."""
    p = sub.add_parser("scan", help="check every media file of a folder (local or Ray)")
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument("--recursive", "-r", action="store_true", help="include sub-folders")
    p.add_argument(
        "--jsonl", type=Path, metavar="OUT.jsonl", help="append records here (resumable)"
    )
    p.add_argument(
        "--workers",
        type=int_in(1),
        default=1,
        metavar="N",
        help="parallel processes (CPUs of a local Ray with --ray)",
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run on Ray: a local Ray without ADDRESS, else the cluster at ADDRESS",
    )
    p.add_argument("--detect-only", action="store_true", help="run the detectors only")
    add_wm_key(p)
    p.add_argument(
        "--store", type=store_url, metavar="URL", help="manifest store for credential recovery"
    )
    p.add_argument("--trust", type=Path, metavar="PATH", help="PEM trust anchors for signers")
    p.add_argument(
        "--no-progress", action="store_true", help="no progress bar (shown when stderr is a TTY)"
    )
    p.set_defaults(func=run)


def _bar(enabled: bool) -> Any:
    def wrap(records: Iterator[Any], total: int) -> Iterator[Any]:
        if not enabled:
            return records
        from tqdm import tqdm

        return iter(tqdm(records, total=total, desc="scan", unit="file", file=sys.stderr))

    return wrap


def _summary_line(s: ScanSummary) -> str:
    outcomes = ", ".join(f"{k} {v}" for k, v in s.outcomes.items()) or "nothing new"
    return (
        f"scanned {s.scanned} of {s.found} media files ({outcomes}); "
        f"{s.skipped_done} already recorded, {s.skipped_other} non-media files skipped"
    )


def run(args: argparse.Namespace) -> int:
    """Scan the folder and print a one-line summary on stderr."""
    summary = scan_folder(
        args.folder,
        output=args.jsonl,
        stream=sys.stdout,
        options=CheckOptions(key=args.key, store=args.store, trust=args.trust),
        mode="detect" if args.detect_only else "check",
        recursive=args.recursive,
        workers=args.workers,
        ray=args.ray,
        progress=_bar(not args.no_progress and sys.stderr.isatty()),
    )
    print(_summary_line(summary), file=sys.stderr)
    return 0
