"""``veracity demo [--out DIR]``: sample media, marked, signed and edited, then checked."""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path
from typing import Any

from veracity.demo import run_demo

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser("demo", help="generate sample media, sign/mark/edit it, check it all")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("veracity-demo"),
        metavar="DIR",
        help="folder for the samples and report.html (default: ./veracity-demo)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print a table of verdicts."""
    start = time.monotonic()
    outcome = run_demo(args.out)
    names = [Path(r.path).name for _, r in outcome.results]
    width = max(map(len, names), default=10)
    print(f"{'file':<{width}}  {'verdict':<22}  sample")
    for name, (label, result) in zip(names, outcome.results, strict=True):
        print(f"{name:<{width}}  {result.verdict:<22}  {label}")
    for note in outcome.skipped:
        print(f"skipped: {note}")
    print(f"\nreport: {outcome.report}  ({time.monotonic() - start:.1f} s)")
    opts = outcome.options
    flags = "".join(
        f" --{name} {shlex.quote(str(value))}"
        for name, value in (("store", opts.store), ("trust", opts.trust))
        if value is not None
    )
    suffixes = sorted({Path(r.path).suffix for _, r in outcome.results})
    globs = " ".join(f"{shlex.quote(str(outcome.directory))}/*{s}" for s in suffixes)
    print(f"open it in a browser, or check again: veracity check{flags} {globs}")
    return 0
