"""Which optional parts (credentials, watermark codecs, detectors, resolver) are present."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

__all__ = ["component_status", "resolver_router"]


def _credentials_available() -> bool:
    try:
        module = importlib.import_module("veracity.credentials")
    except ImportError:
        return False
    return hasattr(module, "verify_file")


def component_status() -> dict[str, Any]:
    """Report what this build can check, for ``/api/health``."""
    from veracity.detect.catalog import detectors_for
    from veracity.watermark.catalog import codec_registry

    detectors = {m: [d.name for d in detectors_for(m)] for m in ("image", "video", "audio")}
    return {
        "credentials": _credentials_available(),
        "watermark": sorted(codec_registry().names()),
        "detectors": detectors,
        "resolver": importlib.util.find_spec("veracity.service.resolver") is not None,
    }


def resolver_router(store_url: str | None) -> Any | None:
    """The Soft Binding Resolution API router over the manifest store, if available."""
    try:
        resolver = importlib.import_module("veracity.service.resolver")
        credentials = importlib.import_module("veracity.credentials")
    except ImportError:
        return None
    store = credentials.open_store(store_url)
    return resolver.create_resolver_router(store)
