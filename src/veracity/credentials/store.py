"""The manifest store: signed manifests kept by id, with PDQ fingerprints for lookup.

``open_store(url)`` returns a :class:`ManifestStore`: SQLite (a path or
``sqlite:///path``, the default) or PostgreSQL (``postgresql://...``, psycopg 3).
Fingerprint search scans an in-memory numpy index of every stored PDQ digest, kept
fresh incrementally (rows carry an increasing sequence number), so both backends answer
nearest-neighbour queries the same way and in milliseconds at 100k manifests.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Protocol

import numpy as np

from veracity.credentials.paths import default_store_url
from veracity.errors import UsageError

__all__ = [
    "FingerprintIndex",
    "ManifestRecord",
    "ManifestStore",
    "Match",
    "check_store_url",
    "open_store",
]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_STORE_SCHEMES = ("postgresql", "postgres", "sqlite")


def check_store_url(url: str) -> str:
    """Return ``url`` if it names a store this build can open (its scheme, not its reach).

    Raises:
        UsageError: A ``scheme://`` other than postgresql, postgres or sqlite.
    """
    found = _SCHEME.match(url)
    if found and found.group(1).lower() not in _STORE_SCHEMES:
        raise UsageError(
            # the URL itself is not echoed: it may carry a password
            f"store URL: unknown scheme {found.group(1)!r} "
            "(use postgresql://user@host/db, sqlite:///path or a file path)"
        )
    return url


_ID_RE = re.compile(r"^[0-9a-f]{16}$")


@dataclasses.dataclass(frozen=True)
class ManifestRecord:
    """One stored manifest.

    Attributes:
        manifest_id: 16 hex digits (the 64-bit id the watermark carries).
        manifest: The signed C2PA manifest store bytes (``application/c2pa``).
        mime: MIME type of the signed asset.
        fingerprints: PDQ digests (32 bytes each) of the signed content and its
            enrolled centre crops.
        title: Asset title, if any.
        signer: Signer common name, if known.
        created: ISO 8601 UTC time the record was written.
    """

    manifest_id: str
    manifest: bytes
    mime: str
    fingerprints: tuple[bytes, ...] = ()
    title: str | None = None
    signer: str | None = None
    created: str = ""


@dataclasses.dataclass(frozen=True)
class Match:
    """A fingerprint match: the manifest id and the Hamming distance (0..256)."""

    manifest_id: str
    distance: int


def check_manifest_id(manifest_id: str) -> str:
    """Return ``manifest_id`` lower-cased, or raise UsageError if it is not 16 hex digits."""
    mid = manifest_id.strip().lower()
    if not _ID_RE.match(mid):
        raise UsageError(f"bad manifest id {manifest_id!r} (expected 16 hex digits)")
    return mid


class ManifestStore(Protocol):
    """Interface shared by the SQLite and PostgreSQL stores."""

    url: str

    def put(self, record: ManifestRecord) -> None:
        """Insert a record (ids are unique)."""
        ...

    def get(self, manifest_id: str) -> ManifestRecord | None:
        """Return the record for ``manifest_id`` or None."""
        ...

    def nearest(self, digest: bytes, max_distance: int, limit: int = 5) -> list[Match]:
        """Manifests whose closest fingerprint is within ``max_distance`` bits, best first."""
        ...

    def count(self) -> int:
        """Number of stored manifests."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...

    def __enter__(self) -> ManifestStore: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class FingerprintIndex:
    """In-memory PDQ index: digests as 4 uint64 words, scanned with popcount in chunks."""

    _CHUNK = 1 << 18

    def __init__(self) -> None:
        self._words = np.zeros((0, 4), dtype=np.uint64)
        self._owner = np.zeros(0, dtype=np.int64)
        self._ids: list[str] = []
        self.last_seq = 0
        self.lock = threading.Lock()

    def extend(self, rows: list[tuple[int, str, bytes]]) -> None:
        """Add ``(seq, manifest_id, digests)`` rows (32-byte digests concatenated)."""
        if not rows:
            return
        blob = b"".join(r[2] for r in rows)
        words = np.frombuffer(blob, dtype=">u8").astype(np.uint64).reshape(-1, 4)
        counts = [len(r[2]) // 32 for r in rows]
        first = len(self._ids)
        owner = np.repeat(np.arange(first, first + len(rows), dtype=np.int64), counts)
        self._words = np.concatenate([self._words, words])
        self._owner = np.concatenate([self._owner, owner])
        self._ids.extend(r[1] for r in rows)
        self.last_seq = max(self.last_seq, max(r[0] for r in rows))

    def _distances(self, query: np.ndarray) -> np.ndarray:
        out = np.empty(len(self._words), dtype=np.uint16)
        for a in range(0, len(self._words), self._CHUNK):
            chunk = np.bitwise_xor(self._words[a : a + self._CHUNK], query)
            out[a : a + len(chunk)] = np.bitwise_count(chunk).sum(axis=1, dtype=np.uint16)
        return out

    def search(self, digest: bytes, max_distance: int, limit: int) -> list[Match]:
        """Best distance per manifest, within ``max_distance``, best first."""
        if len(digest) != 32:
            raise UsageError("a PDQ digest is 32 bytes")
        if not self._ids:
            return []
        dist = self._distances(np.frombuffer(digest, dtype=">u8").astype(np.uint64))
        hits = np.flatnonzero(dist <= max_distance)
        hits = hits[np.argsort(dist[hits], kind="stable")]
        _, first = np.unique(self._owner[hits], return_index=True)
        best = hits[np.sort(first)][:limit]
        return [Match(self._ids[self._owner[i]], int(dist[i])) for i in best]


def open_store(url: str | Path | None = None, *, create: bool = True) -> ManifestStore:
    """Open a manifest store.

    Args:
        url: ``postgresql://user:pw@host/db``, ``sqlite:///path``, a plain file path,
            or None for the default SQLite file in the configuration folder.
        create: Create the SQLite file (and tables) if missing; when false, a missing
            SQLite file raises StoreError.

    Raises:
        UsageError: ``url`` has an unknown scheme.
        StoreError: The database cannot be opened or reached.
    """
    text = check_store_url(str(url)) if url is not None else default_store_url()
    if text.startswith(("postgresql://", "postgres://")):
        from veracity.credentials.store_pg import PostgresStore

        return PostgresStore(text)
    from veracity.credentials.store_sqlite import SqliteStore

    return SqliteStore(Path(text.removeprefix("sqlite://")), create=create)
