"""``veracity synth IN... --out DIR``: labelled fakes of your own media, for evaluation only.

Every fake is watermarked and carries a signed C2PA credential declaring its synthetic
origin; there is no option to turn either off. ``DIR/labels.jsonl`` lists one record
per file. Exit status: 0 ok; 2 bad input (nothing is written); 3 a generator or model
is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from veracity.cli.common import int_in, print_json, progress
from veracity.synth.makers import KINDS

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``synth`` sub-command."""
    p = sub.add_parser(
        "synth",
        help="make labelled, watermarked and signed fakes of real media (evaluation only)",
        description="Make one manipulation per input into DIR (fake/, and real/ with "
        "--copy-real) and DIR/labels.jsonl. Every fake is watermarked and signed with a "
        "C2PA credential declaring it synthetic; neither can be turned off.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="IN", help="real images or audio")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder of the set")
    p.add_argument(
        "--kind",
        choices=[*KINDS, "auto"],
        default="auto",
        help="manipulation (default auto: images aigen, audio vocoder)",
    )
    p.add_argument("--generator", metavar="NAME", help="use only this generator of the kind")
    p.add_argument("--seed", type=int_in(0), default=0, help="base seed (file i uses seed+i)")
    p.add_argument("--copy-real", action="store_true", help="also copy the sources into DIR/real/")
    p.add_argument("--force", action="store_true", help="replace an existing set in DIR")
    p.add_argument("--json", action="store_true", help="print one JSON record per file")
    p.set_defaults(func=run)


def _wrap(items: Any, total: int) -> Any:
    return progress(items, total=total, desc="synth")


def run(args: argparse.Namespace) -> int:
    """Make the set and print its records."""
    from veracity.synth.run import SynthOptions, synthesise

    options = SynthOptions(
        kind=args.kind,
        generator=args.generator,
        seed=args.seed,
        copy_real=args.copy_real,
        force=args.force,
    )
    outcome = synthesise(args.inputs, args.out, options, wrap=_wrap)
    for reason in outcome.skipped:
        print(f"veracity: skipped {reason}", file=sys.stderr)
    for rec in outcome.records:
        if args.json:
            print_json(rec)
        else:
            made = f"{rec.method}/{rec.generator}" if rec.label == "fake" else "real copy"
            print(f"{rec.output}: {made}")
    fakes = sum(r.label == "fake" for r in outcome.records)
    print(
        f"{fakes} fakes, {len(outcome.records) - fakes} reals, {len(outcome.skipped)} skipped; "
        f"labels in {outcome.labels}; {outcome.signer}",
        file=sys.stderr,
    )
    return 0
