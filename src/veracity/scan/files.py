"""Find the media files of a folder (by content, not by name)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from veracity.errors import InputError
from veracity.media.probe import sniff_format

__all__ = ["discover", "is_media"]


def is_media(path: Path) -> bool:
    """True when the leading bytes look like a supported image, video or audio format."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return True  # let the check itself report the access problem for this file
    return sniff_format(head) is not None


def _walk(root: Path, recursive: bool) -> Iterator[Path]:
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                if recursive:
                    yield from _walk(Path(entry.path), recursive)
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path)


def discover(root: str | os.PathLike[str], *, recursive: bool = False) -> tuple[list[Path], int]:
    """List the media files under ``root`` in a stable order.

    Hidden files and folders and symbolic links are skipped (no loops, no escaping the
    folder). Paths are absolute, so a resumed scan recognises them however ``root`` is
    spelt.

    Returns:
        The media files, and how many other files were skipped as not media.

    Raises:
        InputError: ``root`` is not a folder.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError(f"{base}: not a folder")
    media, skipped = [], 0
    for path in _walk(base.resolve(), recursive):
        if is_media(path):
            media.append(path)
        else:
            skipped += 1
    return media, skipped
