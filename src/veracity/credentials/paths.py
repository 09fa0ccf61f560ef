"""Where Veracity keeps the signing identity, trust anchors and the manifest store.

``VERACITY_HOME`` overrides the location (tests point it at a temporary folder);
otherwise ``$XDG_CONFIG_HOME/veracity`` or ``~/.config/veracity`` is used.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_store_url", "identity_dir", "trust_dir", "veracity_home"]


def veracity_home() -> Path:
    """Return the configuration folder (not created here)."""
    override = os.environ.get("VERACITY_HOME")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "veracity"


def identity_dir(home: Path | None = None) -> Path:
    """Folder holding the local signing identity (root CA, chain, key)."""
    return (home or veracity_home()) / "identity"


def trust_dir(home: Path | None = None) -> Path:
    """Folder of extra trust anchors (PEM files) used by every verification."""
    return (home or veracity_home()) / "trust"


def default_store_url(home: Path | None = None) -> str:
    """The default manifest store: an SQLite file in the configuration folder."""
    return f"sqlite:///{(home or veracity_home()) / 'manifests.sqlite3'}"
