"""Resumable JSON Lines output: one record per file, flushed as it is written.

A scan appends to its output and, when restarted, skips every path already recorded.
A line cut short by a crash is removed before appending, so the file stays valid.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from veracity.errors import InputError

__all__ = ["JsonlOutput", "recorded_paths"]


def _trim_partial_line(path: Path) -> None:
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with path.open("r+b") as fh:
            fh.truncate(cut)


def recorded_paths(path: Path) -> set[str]:
    """Paths already in a scan output (an absent file has none).

    Raises:
        InputError: A complete line is not a UTF-8 JSON object with a ``path``.
    """
    if not path.exists():
        return set()
    _trim_partial_line(path)
    done: set[str] = set()
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            try:
                # decoded per line (UnicodeDecodeError is a ValueError): a file with
                # bytes that are not UTF-8 is not ours, and is refused like any other
                done.add(str(json.loads(line.decode("utf-8"))["path"]))
            except (ValueError, KeyError, TypeError):
                raise InputError(
                    f"{path}:{number}: not a scan record; refusing to append"
                ) from None
    return done


class JsonlOutput:
    """Append records to a JSONL file (or write them to a given stream)."""

    def __init__(self, path: Path | None, stream: TextIO | None = None) -> None:
        self._path = path
        self._stream = stream
        self._owned: TextIO | None = None

    def __enter__(self) -> JsonlOutput:
        if self._path is not None:
            self._owned = self._path.open("a", encoding="utf-8")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._owned is not None:
            self._owned.close()

    def write(self, record: Any) -> None:
        """Write one JSON-ready record as a line and flush it to disk."""
        out = self._owned or self._stream
        if out is None:
            raise RuntimeError("JsonlOutput used outside its with-block")
        out.write(json.dumps(record, allow_nan=False) + "\n")
        out.flush()
        if self._owned is not None:
            os.fsync(self._owned.fileno())
