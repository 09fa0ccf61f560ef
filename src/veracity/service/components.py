"""Which optional parts (credentials, watermark codecs, detectors, resolver) are present."""

from __future__ import annotations

import importlib.util
from typing import Any

__all__ = ["component_status", "open_resolver"]


def _present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def component_status() -> dict[str, Any]:
    """Report what this build can check, for ``/api/health``."""
    from veracity.detect.catalog import detectors_for
    from veracity.watermark.catalog import codec_registry

    detectors = {m: [d.name for d in detectors_for(m)] for m in ("image", "video", "audio")}
    return {
        "credentials": _present("veracity.credentials.verify"),
        "watermark": sorted(codec_registry().names()),
        "detectors": detectors,
        "resolver": _present("veracity.service.resolver"),
    }


def open_resolver(
    store_url: str | None, max_upload_bytes: int = 50 * 1024**2
) -> tuple[Any, Any] | None:
    """Open the manifest store and build the Soft Binding Resolution router over it.

    Args:
        store_url: Manifest store (the default store when None).
        max_upload_bytes: Largest asset accepted by ``POST /matches/byContent``.

    Returns:
        ``(router, store)`` (the caller closes the store), or None when this build has
        no resolver.

    Raises:
        StoreError: The store cannot be opened.
    """
    if not (_present("veracity.service.resolver") and _present("veracity.credentials.store")):
        return None
    from veracity.credentials import open_store
    from veracity.service.resolver import create_resolver_router

    store = open_store(store_url)
    return create_resolver_router(store, max_upload_bytes=max_upload_bytes), store
