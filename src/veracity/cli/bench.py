"""``veracity bench DIR``: passive detection scored on a labelled set.

The set is ``DIR/labels.jsonl`` (as written by ``veracity synth``), the file given with
``--labels``, or else the layout ``DIR/real/`` and ``DIR/fake/``. Exit status: 0 (the
scores are the result, whatever they are); 2 when the set is missing or empty.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from veracity.bench.runner import BenchReport, GroupMetrics
from veracity.cli.common import print_json, progress
from veracity.errors import InputError, OutputExistsError
from veracity.media.output import atomic_output
from veracity.results import to_json

__all__ = ["format_table", "register"]

_HEADER = (
    "group",
    "modality",
    "fakes",
    "reals",
    "AUC",
    "AUC 95% CI",
    "EER",
    "TPR@5%FPR",
    "bal.acc",
    "fake->fake",
    "real->real",
    "unc",
    "s/file",
    "err",
)


def register(sub: Any) -> None:
    """Add the ``bench`` sub-command."""
    p = sub.add_parser("bench", help="score passive detection on a labelled set of files")
    p.add_argument("root", type=Path, metavar="DIR", help="the set's folder")
    p.add_argument("--labels", type=Path, metavar="FILE", help="labels (default DIR/labels.jsonl)")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--out", type=Path, metavar="REPORT.json", help="also write the JSON report")
    p.add_argument("--force", action="store_true", help="overwrite the --out file")
    p.set_defaults(func=run)


def _num(value: float, digits: int = 3) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def _row(g: GroupMetrics) -> tuple[str, ...]:
    return (
        g.group,
        g.modality,
        str(g.n_fake),
        str(g.n_real),
        _num(g.auc),
        "-" if math.isnan(g.auc_low) else f"{g.auc_low:.2f}-{g.auc_high:.2f}",
        _num(g.eer),
        _num(g.tpr_at_5_fpr),
        _num(g.accuracy),
        _num(g.fake_hit, 2),
        _num(g.real_ok, 2),
        _num(g.uncertain, 2),
        _num(g.mean_seconds, 2),
        str(g.errors),
    )


def format_table(report: BenchReport) -> str:
    """The report as a fixed-width text table, one row per group."""
    rows = [_HEADER, *(_row(g) for g in report.groups)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADER))]
    lines = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    return "\n".join(lines)


def _wrap(items: Any, total: int) -> Any:
    return progress(items, total=total, desc="bench")


def run(args: argparse.Namespace) -> int:
    """Load the set, detect every file, print the table or JSON."""
    from veracity.bench.dataset import load_set
    from veracity.bench.runner import run_bench

    records = load_set(args.root, args.labels)
    if args.out is not None:  # fail before the long run, not after it
        if args.out.exists() and not args.force:
            raise OutputExistsError(f"{args.out}: output exists (use --force to overwrite)")
        if not args.out.absolute().parent.is_dir():
            raise InputError(f"{args.out}: output directory does not exist")
    report = run_bench(records, str(args.root), wrap=_wrap)
    if args.out is not None:
        with atomic_output(args.out, force=args.force) as tmp:
            tmp.write_text(to_json(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print_json(report)
    else:
        print(format_table(report))
    for f in report.files:
        if f.error:
            print(f"veracity: could not analyse {f.error}", file=sys.stderr)
    return 0
