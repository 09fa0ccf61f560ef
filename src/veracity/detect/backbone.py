"""The shared CLIP backbone as the detectors use it: loaded, or an abstention."""

from __future__ import annotations

import logging

from veracity.backbones import (
    WHEEL_INSTALL,
    BackboneMissingError,
    ClipBackbone,
    ClipSpec,
    load_clip,
)

__all__ = ["clip_or_abstain"]

_log = logging.getLogger(__name__)


def clip_or_abstain(spec: ClipSpec, detector: str) -> ClipBackbone | None:
    """The backbone for ``spec``, or None (with one warning) when its wheel is missing."""
    try:
        return load_clip(spec)
    except BackboneMissingError:
        _log.warning(
            "%s: CLIP backbone not installed (%s); the detector abstains", detector, WHEEL_INSTALL
        )
        return None
