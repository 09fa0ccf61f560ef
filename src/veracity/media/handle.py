"""One input file, checked once, read once and decoded lazily once.

``veracity check`` hands a :class:`MediaFile` to credentials, watermark and detection,
so a file is limit-checked, sniffed, read and decoded once however many parts look at
it. Audio and video are decoded by their streaming loaders from ``path``; their bytes
are kept in memory only up to :data:`MAX_CACHED_BYTES` (above that each ``data()``
call reads the file again rather than holding gigabytes during decoding), and a file
over :data:`SMALL_FILE_BYTES` is not read whole just to sniff its first bytes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from veracity.errors import InputError, UnsupportedFormatError
from veracity.media.image import LoadedImage, decode_image_bytes
from veracity.media.limits import Limits, check_input_file, default_limits
from veracity.media.probe import DOCUMENT_HEAD, modality_from_head
from veracity.results import Modality

__all__ = ["MAX_CACHED_BYTES", "MediaFile"]

MAX_CACHED_BYTES = 256 * 1024**2
# Files up to this size are read whole on first look: nearly every image, and short clips.
SMALL_FILE_BYTES = 32 * 1024**2


class MediaFile:
    """A checked input file whose bytes, modality and decoded picture are made on demand.

    Create one with :meth:`open`. Each lazy part is made at most once; a decoding error
    is kept and raised again to every later caller, so a bad file is not decoded twice.

    Attributes:
        path: The file.
        limits: The limits it was checked against and is decoded under.
        size: Its size in bytes when it was opened.
    """

    def __init__(self, path: Path, limits: Limits, size: int) -> None:
        self.path = path
        self.limits = limits
        self.size = size
        self._data: bytes | None = None
        self._modality: Modality | None = None
        self._image: LoadedImage | InputError | None = None
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: str | os.PathLike[str], limits: Limits | None = None) -> MediaFile:
        """Check ``path`` (exists, readable, non-empty, within the byte limit).

        Raises:
            InputError: Missing, empty or unreadable; LimitExceededError if too large.
        """
        limits = limits or default_limits()
        p = check_input_file(path, limits)
        return cls(p, limits, p.stat().st_size)

    @property
    def name(self) -> str:
        """The path as messages name it."""
        return str(self.path)

    def data(self) -> bytes:
        """The file's bytes (read once while the file is at most ``MAX_CACHED_BYTES``)."""
        with self._lock:
            if self._data is not None:
                return self._data
            data = self.path.read_bytes()
            if len(data) <= MAX_CACHED_BYTES:
                self._data = data
            return data

    def head(self, n: int = DOCUMENT_HEAD) -> bytes:
        """The first ``n`` bytes; a small file is read whole here, once for every part."""
        if self._data is not None or self.size <= SMALL_FILE_BYTES:
            return self.data()[:n]
        with self.path.open("rb") as fh:
            return fh.read(n)

    @property
    def modality(self) -> Modality:
        """image, video or audio, from the content (not the name).

        Raises:
            UnsupportedFormatError: Not a recognised image, video or audio file.
        """
        if self._modality is None:
            self._modality = modality_from_head(self.head(), self.path)
        return self._modality

    def image(self, *, allow_animated: bool = False) -> LoadedImage:
        """The decoded picture (the first frame of an animated file if ``allow_animated``).

        Raises:
            UnsupportedFormatError: Not an image, too small, or animated when not allowed.
            LimitExceededError: Over the pixel limit.
            CorruptMediaError: Truncated or damaged image data.
        """
        with self._lock:
            if self._image is None:
                try:
                    self._image = decode_image_bytes(
                        self.data(), self.name, self.limits, allow_animated=True
                    )
                except InputError as exc:  # kept and raised again: decoded once
                    self._image = exc
        if isinstance(self._image, InputError):
            raise self._image
        if self._image.frames > 1 and not allow_animated:
            raise UnsupportedFormatError(
                f"{self.name}: animated image with {self._image.frames} frames "
                "is not supported here"
            )
        return self._image

    def sha256(self) -> str:
        """Hex sha256 of the file's bytes."""
        if self.size <= MAX_CACHED_BYTES:
            return hashlib.sha256(self.data()).hexdigest()
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
