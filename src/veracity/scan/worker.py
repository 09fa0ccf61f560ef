"""Scanning one file into one JSON-ready record; runs in workers (processes or Ray)."""

from __future__ import annotations

from typing import Any, Literal

from veracity.check import CheckOptions, check_file
from veracity.errors import FILE_CRASHES, VeracityError, error_record
from veracity.results import to_dict

__all__ = ["Mode", "scan_one"]

Mode = Literal["check", "detect"]


def _analyse(path: str, options: CheckOptions, mode: Mode) -> Any:
    if mode == "check":
        return check_file(path, options)
    from veracity.detect.api import detect_file

    return detect_file(path, limits=options.limits, only=options.detectors)


def scan_one(path: str, options: CheckOptions, mode: Mode = "check") -> dict[str, Any]:
    """Check (or only detect) one file; a problem with the file becomes an error record.

    Environment errors (exit code 3: missing model, store down) are raised, because they
    would fail every file alike; a batch should stop rather than record each failure.

    Returns:
        The result as JSON-ready data, or ``{"path", "error", "error_type"}``.
    """
    try:
        record: dict[str, Any] = to_dict(_analyse(path, options, mode))
    except VeracityError as exc:
        if exc.exit_code == 3:
            raise
        return error_record(path, exc)
    except FILE_CRASHES as exc:
        # A decoder or detector crashing on one odd file must not end a long batch.
        return error_record(path, exc)
    record["path"] = path
    return record
