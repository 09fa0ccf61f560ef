"""Options of a check, shared by the CLI, the service and batch scans."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from veracity.media.limits import Limits, default_limits
from veracity.watermark.base import DEFAULT_KEY

__all__ = ["CheckOptions"]


@dataclasses.dataclass(frozen=True)
class CheckOptions:
    """How to check files.

    Attributes:
        key: Watermark key (the public default reads marks made with the default key).
        store: Manifest store URL used to recover stripped credentials, or None.
        trust: PEM file of trust anchors for credential signers, or None.
        limits: Input limits.
        detectors: Restrict detection to these detector names (None: all).
    """

    key: str = DEFAULT_KEY
    store: str | None = None
    trust: Path | None = None
    limits: Limits = dataclasses.field(default_factory=default_limits)
    detectors: tuple[str, ...] | None = None
