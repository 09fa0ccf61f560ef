"""``scan_folder``: check every media file of a folder into a resumable JSONL file."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from veracity.check import CheckOptions
from veracity.scan.backends import run_local, run_ray
from veracity.scan.files import discover
from veracity.scan.jsonl import JsonlOutput, recorded_paths
from veracity.scan.worker import Mode

__all__ = ["ScanSummary", "scan_folder"]


@dataclasses.dataclass(frozen=True)
class ScanSummary:
    """Counts of one scan run.

    Attributes:
        found: Media files found.
        skipped_done: Files skipped because the output already had them (resume).
        skipped_other: Files skipped as not media.
        scanned: Files scanned in this run.
        errors: Of those, files recorded as errors.
        outcomes: Scanned files per verdict (check) or label (detect); errors as "error".
    """

    found: int
    skipped_done: int
    skipped_other: int
    scanned: int
    errors: int
    outcomes: dict[str, int]


def _records(
    todo: list[str], options: CheckOptions, mode: Mode, workers: int, ray: str | None
) -> Iterator[dict[str, Any]]:
    if ray is None:
        return run_local(todo, options, mode, workers)
    address = None if ray == "local" else ray
    return run_ray(todo, options, mode, address=address, workers=workers)


def scan_folder(
    root: str | os.PathLike[str],
    *,
    output: Path | None = None,
    stream: TextIO | None = None,
    options: CheckOptions | None = None,
    mode: Mode = "check",
    recursive: bool = False,
    workers: int = 1,
    ray: str | None = None,
    progress: Callable[[Iterator[Any], int], Iterator[Any]] | None = None,
) -> ScanSummary:
    """Scan the media files of ``root``, appending one JSON line per file.

    Args:
        root: The folder.
        output: JSONL file to append to; paths already in it are skipped (resume).
        stream: Where records go when ``output`` is None (e.g. stdout).
        options: Check options.
        mode: ``check`` (full verdict) or ``detect`` (detectors only).
        recursive: Descend into sub-folders.
        workers: Parallel processes (local) or CPUs (local Ray).
        ray: None for local execution; ``"local"`` to start Ray here; else a Ray address.
        progress: Wraps the record iterator (e.g. a tqdm bar), given the total.

    Returns:
        Counts for this run. Files that failed are recorded with an ``error`` field.
    """
    files, other = discover(root, recursive=recursive)
    done = recorded_paths(output) if output is not None else set()
    todo = [str(p) for p in files if str(p) not in done]
    counts: Counter[str] = Counter()
    records = _records(todo, options or CheckOptions(), mode, workers, ray)
    if progress is not None:
        records = progress(records, len(todo))
    with JsonlOutput(output, stream) as out:
        for record in records:
            out.write(record)
            counts[str(record.get("verdict") or record.get("label") or "error")] += 1
    return ScanSummary(
        found=len(files),
        skipped_done=len(files) - len(todo),
        skipped_other=other,
        scanned=sum(counts.values()),
        errors=counts.get("error", 0),
        outcomes=dict(sorted(counts.items())),
    )
