"""``veracity detect FILE...``: passive detection of manipulated or synthetic media."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import print_json, progress
from veracity.detect.api import detect_file
from veracity.errors import VeracityError
from veracity.results import Detection

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``detect`` sub-command."""
    p = sub.add_parser("detect", help="passive detection of manipulated or synthetic media")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object per line, per file")
    p.add_argument("--evidence", type=Path, metavar="DIR", help="write evidence pictures here")
    p.add_argument("--detector", action="append", metavar="NAME", help="only these detectors")
    p.set_defaults(func=run)


def _human(d: Detection) -> str:
    parts = ", ".join(f"{s.name}={s.score:.3f}" for s in d.detectors)
    return f"{d.path}: {d.label} (score {d.score:.3f}; {parts})"


def run(args: argparse.Namespace) -> int:
    """Analyse each file; a bad file is reported and the others still run (exit 2 at end)."""
    worst = 0
    for path in progress(args.files, total=len(args.files), desc="detect"):
        try:
            result = detect_file(path, evidence_dir=args.evidence, only=args.detector)
        except VeracityError as exc:
            if len(args.files) == 1:
                raise
            print(f"veracity: error: {exc}", file=sys.stderr)
            if args.json:
                print_json({"path": str(path), "error": str(exc)})
            worst = max(worst, exc.exit_code)
            continue
        if args.json:
            print_json(result)
        else:
            print(_human(result))
    return worst
