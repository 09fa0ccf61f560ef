"""The watermark codec interface shared by the image, audio and video codecs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from veracity.results import Modality, WatermarkReading

if TYPE_CHECKING:
    from veracity.media.handle import MediaFile

__all__ = ["DEFAULT_KEY", "WatermarkCodec"]

# The public default key; anyone can read marks made with it. Real deployments pass
# their own secret key, and a mark made with one key reads as absent under another.
DEFAULT_KEY = "veracity-public"


@runtime_checkable
class WatermarkCodec(Protocol):
    """Embeds and reads a keyed payload in one modality.

    Attributes:
        modality: image, audio or video.
        payload_bits: Number of user payload bits the codec carries.
    """

    modality: Modality
    payload_bits: int

    def embed_file(
        self, src: Path, dst: Path, payload: bytes, key: str, *, quality: int, force: bool
    ) -> None:
        """Write a marked copy of ``src`` to ``dst`` atomically."""
        ...

    def detect_file(self, src: Path, key: str) -> WatermarkReading:
        """Read the mark from ``src`` without the original."""
        ...

    def detect_media(self, media: MediaFile, key: str) -> WatermarkReading:
        """Read the mark from an opened input (its picture decoded once for every reader)."""
        ...
