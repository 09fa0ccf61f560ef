"""PostgreSQL manifest store (psycopg 3), for shared deployments of the resolver."""

from __future__ import annotations

import re
import threading
from typing import Any

from veracity.credentials.store_sql import COLUMNS, SqlStore
from veracity.errors import StoreError

__all__ = ["PostgresStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS manifests (
        manifest_id TEXT PRIMARY KEY, manifest BYTEA NOT NULL, mime TEXT NOT NULL,
        title TEXT, signer TEXT, created TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS fingerprints (
        seq BIGSERIAL PRIMARY KEY,
        manifest_id TEXT NOT NULL REFERENCES manifests(manifest_id), digests BYTEA NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS fingerprints_manifest ON fingerprints(manifest_id)",
)


def _redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


class PostgresStore(SqlStore):
    """Manifests in PostgreSQL; one connection guarded by a lock."""

    placeholder = "%s"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = _redact(url)
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                "PostgreSQL stores need psycopg (pip install 'veracity[server]')"
            ) from None
        self._psycopg = psycopg
        self._lock = threading.Lock()
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
            with self._conn.transaction():
                for stmt in _SCHEMA:
                    self._conn.execute(stmt)
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach PostgreSQL at {self.url}: {_first_line(exc)}") from None
        self._check_schema()

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                cur = self._conn.execute(sql, params)
                return cur.fetchall() if cur.description else []
        except self._psycopg.Error as exc:
            raise StoreError(f"manifest store {self.url}: {_first_line(exc)}") from None

    def _put_rows(self, rows: list[tuple[Any, ...]], fps: list[tuple[str, bytes]]) -> None:
        try:
            with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO manifests ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)", rows
                )
                cur.executemany(
                    "INSERT INTO fingerprints (manifest_id, digests) VALUES (%s, %s)", fps
                )
        except self._psycopg.errors.UniqueViolation:
            raise StoreError("a manifest id is already stored") from None
        except self._psycopg.Error as exc:
            raise StoreError(f"manifest store {self.url}: {_first_line(exc)}") from None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
