"""Atomic output: write to a temporary file beside the target, then rename.

A failure at any point leaves no partial file behind, and an existing output is
kept unless the caller asked to overwrite it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from veracity.errors import InputError, OutputExistsError

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; move it onto ``path`` only on success.

    The temporary file keeps the target's suffix so that encoders choosing a format by
    extension behave the same.

    Raises:
        OutputExistsError: ``path`` exists and ``force`` is false.
        InputError: The output directory does not exist.
    """
    target = Path(path)
    if target.exists() and not force:
        raise OutputExistsError(f"{target}: output exists (use --force to overwrite)")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{target}: output directory {parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
