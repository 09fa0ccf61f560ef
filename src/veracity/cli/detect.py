"""``veracity detect FILE...``: passive detection of manipulated or synthetic media."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from veracity.cli.common import (
    FILE_FAILURES,
    evidence_dirs,
    print_json,
    progress,
    report_file_error,
)
from veracity.cli.stages import stage_progress
from veracity.detect.api import detect_file
from veracity.detect.catalog import check_detector_names
from veracity.media.output import make_output_dir
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
    if not d.detectors:
        return f"{d.path}: {d.label}: no detector could score this file ({d.abstain_note})"
    parts = ", ".join(f"{s.name}={s.score:.3f}" for s in d.detectors)
    return f"{d.path}: {d.label} (score {d.score:.3f}; {parts})"


def run(args: argparse.Namespace) -> int:
    """Analyse each file; a bad file is reported and the others still run (exit 2 at end)."""
    worst = 0
    if args.detector:
        check_detector_names(args.detector)  # a usage error, not one per file
    if args.evidence is not None:
        make_output_dir(args.evidence)
    pairs = list(zip(args.files, evidence_dirs(args.files, args.evidence), strict=True))
    for path, evidence in progress(pairs, total=len(pairs), desc="detect"):
        try:
            with stage_progress(path) as stage:
                result = detect_file(
                    path, evidence_dir=evidence, only=args.detector, progress=stage
                )
        except FILE_FAILURES as exc:
            if len(args.files) == 1:
                raise
            # one bad (or crashing) file must not end the batch; the record names it
            worst = max(worst, report_file_error(str(path), exc, as_json=args.json))
            continue
        if args.json:
            print_json(result)
        else:
            print(_human(result))
    return worst
