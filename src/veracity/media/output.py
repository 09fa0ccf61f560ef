"""Atomic output: write to a temporary file beside the target, fsync it, then rename.

This is the one writer of every output file (``IN == OUT`` is safe only through it):
an ``OSError`` while writing (a full disk, no permission, a read-only mount) becomes an
:class:`InputError` (exit 2, one line) and the target, possibly the input itself, is left
byte-identical.

A failure at any point leaves no partial file behind, and an existing output is
kept unless the caller asked to overwrite it. Files are created with mode 0666 less
the umask, as ``open()`` would, not the 0600 of :func:`tempfile.mkstemp`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from veracity.errors import InputError, OutputExistsError, UsageError

__all__ = ["atomic_output", "make_output_dir"]

_TRIES = 100


def _unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(f"{path}: cannot write here ({exc.strerror or exc})")


def _sync(tmp: Path) -> None:
    """Flush the finished temporary file to the disk (a full disk can fail only here)."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(parent: Path) -> None:
    """Make the rename durable; folders that cannot be opened or synced are skipped."""
    try:
        fd = os.open(parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _create_temp(target: Path, parent: Path) -> Path:
    """Create an empty file beside ``target``; the kernel applies the umask to 0666."""
    for _ in range(_TRIES):
        tmp = parent / f".{target.name}.{secrets.token_hex(4)}{target.suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _unwritable(target, exc) from None
        os.close(fd)
        return tmp
    raise InputError(f"{target}: cannot create a temporary file in {parent}")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; move it onto ``path`` only on success.

    The temporary file keeps the target's suffix so that encoders choosing a format by
    extension behave the same.

    Raises:
        OutputExistsError: ``path`` exists and ``force`` is false.
        InputError: The output directory does not exist or cannot be written.
        UsageError: ``path`` is ``-`` (standard output).
    """
    target = Path(path)
    if str(path) == "-":
        raise UsageError("'-': writing to standard output is not supported; pass a file path")
    if target.exists() and not force:
        raise OutputExistsError(f"{target}: output exists (use --force to overwrite)")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{target}: output directory {parent} does not exist")
    tmp = _create_temp(target, parent)
    try:
        try:
            yield tmp
            _sync(tmp)
            os.replace(tmp, target)
        except OSError as exc:
            # ENOSPC, EDQUOT, EACCES, EROFS, EIO...: the writer or the encoder failed;
            # the target (possibly the input itself) has not been touched.
            raise _unwritable(target, exc) from None
        _sync_dir(parent)
    finally:
        tmp.unlink(missing_ok=True)


def make_output_dir(path: str | os.PathLike[str]) -> Path:
    """Create an output folder (and its parents) if missing.

    Raises:
        InputError: It cannot be created (a file is in the way, no permission).
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(folder, exc) from None
    return folder
