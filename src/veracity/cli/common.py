"""Helpers shared by the sub-command modules."""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from veracity.errors import FILE_CRASHES, VeracityError, error_record
from veracity.results import to_json

__all__ = [
    "FILE_FAILURES",
    "evidence_dirs",
    "int_in",
    "positive_float",
    "print_json",
    "progress",
    "report_file_error",
    "resolver_url",
    "store_url",
]

# What fails one file of a batch (reported, and the batch goes on): bad input or a crash.
FILE_FAILURES: tuple[type[Exception], ...] = (VeracityError, *FILE_CRASHES)


def print_json(result: Any) -> None:
    """Print a result as one JSON line on stdout."""
    sys.stdout.write(to_json(result) + "\n")
    sys.stdout.flush()


def progress(iterable: Any, *, total: int | None, desc: str, enabled: bool = True) -> Any:
    """Wrap ``iterable`` in a stderr progress bar when stderr is a terminal."""
    if not enabled or total is None or total < 2 or not sys.stderr.isatty():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="file", file=sys.stderr)


def report_file_error(path: str, exc: Exception, *, as_json: bool) -> int:
    """Report one file of a batch that failed; return the exit code it asks for.

    One ``veracity: error:`` line goes to stderr and, with ``--json``, the record
    ``{"path", "error", "error_type"}`` to stdout in the file's place, so every input
    has one line. Bad input exits 2 and environment problems 3.
    """
    record = error_record(path, exc)
    print(f"veracity: error: {record['error']}", file=sys.stderr)
    if as_json:
        print_json(record)
    return exc.exit_code if isinstance(exc, VeracityError) else 2


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` for integers in ``[low, high]`` (no upper bound when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low or (high is not None and value > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {value}")
        return value

    return parse


def positive_float(text: str) -> float:
    """An argparse ``type`` for a finite number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text}")
    return value


def store_url(text: str) -> str:
    """An argparse ``type`` for ``--store``: refuses unknown ``scheme://`` at once."""
    from veracity.credentials.store import check_store_url

    try:
        return check_store_url(text)
    except VeracityError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def resolver_url(text: str) -> str:
    """An argparse ``type`` for ``--resolver``: an http(s) URL with a host."""
    from veracity.credentials.resolver_client import check_resolver_url

    try:
        return check_resolver_url(text)
    except VeracityError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def evidence_dirs(files: Sequence[Path], root: Path | None) -> list[Path | None]:
    """The evidence folder of each input: ``root``, or ``root/dupN`` for the N-th repeat.

    Evidence files are named after the input's file name, so ``a/x.png`` and ``b/x.png``
    would overwrite each other's pictures in one folder.
    """
    if root is None:
        return [None] * len(files)
    from veracity.detect.base import EvidenceSink

    seen: Counter[str] = Counter()
    folders: list[Path | None] = []
    for path in files:
        stem = EvidenceSink(root, path.name).stem  # the name its files will carry
        folders.append(root / f"dup{seen[stem]}" if seen[stem] else root)
        seen[stem] += 1
    return folders


def add_wm_key(parser: argparse.ArgumentParser) -> None:
    """The watermark-key option of the commands that read watermarks (``--key`` kept as alias)."""
    from veracity.watermark.base import DEFAULT_KEY

    parser.add_argument(
        "--wm-key",
        "--key",
        dest="key",
        default=DEFAULT_KEY,
        help="watermark key (default: the public key; --key is the old name)",
    )
