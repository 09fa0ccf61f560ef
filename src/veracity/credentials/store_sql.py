"""Behaviour shared by the SQL stores: schema, row mapping and the fingerprint index."""

from __future__ import annotations

import abc
import datetime
from types import TracebackType
from typing import Any

from veracity.credentials.store import (
    FingerprintIndex,
    ManifestRecord,
    Match,
    check_manifest_id,
)
from veracity.errors import StoreError

__all__ = ["SqlStore"]

COLUMNS = "manifest_id, manifest, mime, title, signer, created"
# Version of the tables below. Bump it with a migration in ``_MIGRATIONS`` (from the
# previous version) whenever a table changes; old stores are then upgraded on open.
SCHEMA_VERSION = 1
VERSION_TABLE = "CREATE TABLE IF NOT EXISTS veracity_schema (version INTEGER NOT NULL)"
_MIGRATIONS: dict[int, tuple[str, ...]] = {}  # from-version -> statements to the next


class SqlStore(abc.ABC):
    """A manifest store over a DB-API connection; subclasses bind the driver."""

    url: str
    placeholder = "?"

    def __init__(self) -> None:
        self._index = FingerprintIndex()

    @abc.abstractmethod
    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement in autocommit mode and return its rows."""

    @abc.abstractmethod
    def _put_rows(self, rows: list[tuple[Any, ...]], fps: list[tuple[str, bytes]]) -> None:
        """Insert manifest rows and their fingerprint rows in one transaction."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.placeholder)

    def _check_schema(self) -> None:
        """Record the schema version in a new store; upgrade an older one; refuse a newer.

        Stores made before versioning have the same tables as version 1.

        Raises:
            StoreError: The store was written by a newer Veracity.
        """
        self._execute(VERSION_TABLE)
        rows = self._execute("SELECT version FROM veracity_schema")
        if not rows:
            self._execute(self._sql("INSERT INTO veracity_schema (version) VALUES (?)"), (1,))
            version = 1
        else:
            version = max(int(r[0]) for r in rows)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"manifest store {self.url} has schema version {version}; this Veracity reads "
                f"up to {SCHEMA_VERSION} (upgrade veracity)"
            )
        while version < SCHEMA_VERSION:
            for stmt in _MIGRATIONS[version]:
                self._execute(stmt)
            version += 1
            self._execute(self._sql("UPDATE veracity_schema SET version = ?"), (version,))

    def put(self, record: ManifestRecord) -> None:
        """Insert a record.

        Raises:
            StoreError: The id exists already or the database failed.
        """
        self.put_many([record])

    def put_many(self, records: list[ManifestRecord]) -> None:
        """Insert records in one transaction (all or none).

        Raises:
            StoreError: An id exists already or the database failed.
        """
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        rows: list[tuple[Any, ...]] = []
        fps: list[tuple[str, bytes]] = []
        for r in records:
            check_manifest_id(r.manifest_id)
            if any(len(d) != 32 for d in r.fingerprints):
                raise StoreError("PDQ fingerprints must be 32 bytes")
            rows.append((r.manifest_id, r.manifest, r.mime, r.title, r.signer, r.created or now))
            if r.fingerprints:
                fps.append((r.manifest_id, b"".join(r.fingerprints)))
        self._put_rows(rows, fps)

    def get(self, manifest_id: str) -> ManifestRecord | None:
        """Return the record for ``manifest_id`` or None."""
        mid = check_manifest_id(manifest_id)
        rows = self._execute(
            self._sql(f"SELECT {COLUMNS} FROM manifests WHERE manifest_id = ?"), (mid,)
        )
        if not rows:
            return None
        fps = self._execute(
            self._sql("SELECT digests FROM fingerprints WHERE manifest_id = ? ORDER BY seq"), (mid,)
        )
        blob = b"".join(bytes(f[0]) for f in fps)
        digests = tuple(blob[i : i + 32] for i in range(0, len(blob), 32))
        r = rows[0]
        return ManifestRecord(r[0], bytes(r[1]), r[2], digests, r[3], r[4], str(r[5]))

    def count(self) -> int:
        """Number of stored manifests."""
        return int(self._execute("SELECT COUNT(*) FROM manifests")[0][0])

    def nearest(self, digest: bytes, max_distance: int, limit: int = 5) -> list[Match]:
        """Manifests whose closest fingerprint is within ``max_distance`` bits, best first."""
        with self._index.lock:
            rows = self._execute(
                self._sql(
                    "SELECT seq, manifest_id, digests FROM fingerprints WHERE seq > ? ORDER BY seq"
                ),
                (self._index.last_seq,),
            )
            self._index.extend([(int(s), m, bytes(d)) for s, m, d in rows])
            return self._index.search(digest, max_distance, limit)

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
