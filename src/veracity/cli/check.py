"""``veracity check FILE...``: one verdict per file from credentials, watermark and detectors.

Exit status: 0 normally, even when files look fake; 1 only with ``--fail-on`` when at
least one file's verdict is in the chosen set (``fake``: tampered, likely-manipulated,
ai-generated-declared; ``suspicious``: those and uncertain); 2 when a file could not be
checked (the others are still checked and reported); 3 for an environment problem.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from veracity.check import FAIL_ON, CheckOptions, CheckResult, check_file
from veracity.cli.common import (
    FILE_FAILURES,
    add_wm_key,
    evidence_dirs,
    print_json,
    progress,
    report_file_error,
    store_url,
)
from veracity.cli.stages import stage_progress
from veracity.errors import InputError, OutputExistsError, error_record
from veracity.media.output import make_output_dir
from veracity.report import ReportItem, build_item, error_item, write_report

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``check`` sub-command."""
    p = sub.add_parser("check", help="one verdict per file: credentials, watermark, detectors")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object per line, per file")
    p.add_argument("--report", type=Path, metavar="OUT.html", help="write an HTML report")
    p.add_argument("--force", action="store_true", help="overwrite the report if it exists")
    p.add_argument("--evidence", type=Path, metavar="DIR", help="keep evidence pictures here")
    add_wm_key(p)
    p.add_argument(
        "--store", type=store_url, metavar="URL", help="manifest store for credential recovery"
    )
    p.add_argument("--trust", type=Path, metavar="PATH", help="PEM trust anchors for signers")
    p.add_argument(
        "--fail-on",
        choices=sorted(FAIL_ON),
        help="exit 1 if any file is fake (tampered, signed-then-altered, likely-manipulated, "
        "ai-generated-declared) or suspicious (those or uncertain)",
    )
    p.set_defaults(func=run)


def human_line(result: CheckResult) -> str:
    """One line per file for terminals."""
    return f"{result.path}: {result.verdict} - {'; '.join(result.reasons)}"


@contextlib.contextmanager
def _evidence_dir(args: argparse.Namespace) -> Iterator[Path | None]:
    if args.evidence is not None:
        yield make_output_dir(args.evidence)
    elif args.report is not None:
        with tempfile.TemporaryDirectory(prefix="veracity-evidence-") as tmp:
            yield Path(tmp)
    else:
        yield None


def _emit(args: argparse.Namespace, result: CheckResult) -> None:
    if args.json:
        print_json(result)
    else:
        print(human_line(result))


def _check_all(
    args: argparse.Namespace, evidence: Path | None
) -> tuple[int, int, list[ReportItem]]:
    options = CheckOptions(key=args.key, store=args.store, trust=args.trust)
    fail_set = FAIL_ON.get(args.fail_on or "", frozenset())
    worst, failed, items = 0, 0, []
    pairs = list(zip(args.files, evidence_dirs(args.files, evidence), strict=True))
    for path, folder in progress(pairs, total=len(pairs), desc="check"):
        try:
            with stage_progress(path) as stage:
                result = check_file(path, options, evidence_dir=folder, progress=stage)
        except FILE_FAILURES as exc:
            if len(args.files) == 1 and args.report is None:
                raise
            # one bad (or crashing) file must not end the batch; the record names it
            worst = max(worst, report_file_error(str(path), exc, as_json=args.json))
            items.append(error_item(str(path), error_record(str(path), exc)["error"]))
            continue
        _emit(args, result)
        failed += result.verdict in fail_set
        if args.report is not None:
            items.append(build_item(result, path))
    return worst, failed, items


def run(args: argparse.Namespace) -> int:
    """Check each file; print results; optionally write the HTML report."""
    if args.report is not None:
        if args.report.exists() and not args.force:
            raise OutputExistsError(f"{args.report}: output exists (use --force to overwrite)")
        folder = args.report.absolute().parent
        if not folder.is_dir():
            raise InputError(f"{args.report}: output directory does not exist")
        if not os.access(folder, os.W_OK):
            raise InputError(f"{args.report}: output directory is not writable")
    with _evidence_dir(args) as evidence:
        worst, failed, items = _check_all(args, evidence)
        if args.report is not None:
            write_report(args.report, items, force=args.force)
            print(f"report written to {args.report}", file=sys.stderr)
    if worst:
        return worst
    return 1 if failed else 0
