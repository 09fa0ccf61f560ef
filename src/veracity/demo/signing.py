"""The demo's Content Credentials step: a throwaway identity and store in the demo folder.

Nothing touches the user's own identity or manifest store: the demo's root CA, signing
key and SQLite store live in ``DIR/identity`` and are trusted only by the demo's checks.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from veracity.check import CheckOptions

__all__ = ["DemoCredentials", "prepare", "sign_ai_sample", "sign_edit", "sign_sample"]


@dataclasses.dataclass(frozen=True)
class DemoCredentials:
    """The demo's identity home, its root certificate and its manifest store URL."""

    home: Path
    root: Path
    store: str

    def check_options(self) -> CheckOptions:
        """Options that trust the demo signer and recover from the demo store."""
        return CheckOptions(store=self.store, trust=self.root)


def prepare(out: Path, skipped: list[str]) -> DemoCredentials | None:
    """Make a fresh throwaway identity in ``out/identity``; None when unavailable."""
    try:
        from veracity.credentials import init_identity
        from veracity.credentials.paths import default_store_url
    except ImportError:
        skipped.append("Content Credentials: not available in this build")
        return None
    home = out / "identity"
    info = init_identity(home, common_name="Veracity demo signer", force=True)
    store = home / "manifests.sqlite3"
    store.unlink(missing_ok=True)  # a fresh demo store on every run
    return DemoCredentials(home, info.root, default_store_url(home))


def _durable_available() -> bool:
    from veracity.credentials.durable import watermark_available

    return watermark_available()


def sign_sample(src: Path, out: Path, creds: DemoCredentials, skipped: list[str]) -> Path:
    """Sign ``src`` into ``out/photo-signed.jpg`` (durably when watermarks are available)."""
    from veracity.credentials import load_identity, sign_file

    durable = _durable_available()
    if not durable:
        skipped.append("durable credentials: no image watermark in this build")
    dst = out / "photo-signed.jpg"
    sign_file(
        src,
        dst,
        identity=load_identity(creds.home),
        durable=durable,
        store=creds.store,
        force=True,
    )
    return dst


def sign_edit(parent: Path, out: Path, creds: DemoCredentials) -> Path:
    """Edit ``parent`` and sign the result with ``parent`` as its ingredient (a chain)."""
    from veracity.credentials import load_identity, sign_file
    from veracity.demo.media import crop_copy

    edited = crop_copy(parent, out / "photo-cropped-unsigned.jpg")
    dst = out / "photo-cropped-signed.jpg"
    sign_file(edited, dst, identity=load_identity(creds.home), parent=parent, force=True)
    edited.unlink()
    return dst


def sign_ai_sample(src: Path, out: Path, creds: DemoCredentials) -> Path:
    """Sign ``src`` into ``out/ai-image.jpg`` with a manifest declaring AI generation."""
    from veracity.credentials import ManifestSpec, load_identity, sign_file

    dst = out / "ai-image.jpg"
    spec = ManifestSpec(title=dst.name, tool="Veracity demo generator", ai_generated=True)
    sign_file(src, dst, identity=load_identity(creds.home), spec=spec, force=True)
    return dst
