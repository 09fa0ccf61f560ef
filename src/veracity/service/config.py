"""Configuration of the web service."""

from __future__ import annotations

import dataclasses

from veracity.check import CheckOptions

__all__ = ["ServiceConfig"]


@dataclasses.dataclass(frozen=True)
class ServiceConfig:
    """How the web service checks uploads.

    Attributes:
        check: Options passed to every check (key, store, trust, limits).
        max_upload_bytes: Uploads larger than this are refused with HTTP 413.
        report_cache: How many recent HTML reports are kept in memory for their links.
        mount_resolver: Serve the Soft Binding Resolution API when it is available.
        max_concurrent_checks: Checks running at once; further uploads wait their turn
            (each check decodes the whole file and runs every detector).
    """

    check: CheckOptions = dataclasses.field(default_factory=CheckOptions)
    max_upload_bytes: int = 50 * 1024**2
    report_cache: int = 32
    mount_resolver: bool = True
    max_concurrent_checks: int = 2
