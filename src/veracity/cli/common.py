"""Helpers shared by the sub-command modules."""

from __future__ import annotations

import sys
from typing import Any

from veracity.results import to_json

__all__ = ["print_json", "progress"]


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
