"""SQLite manifest store (the default; one file in the configuration folder)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from veracity.credentials.store_sql import COLUMNS, SqlStore
from veracity.errors import StoreError

__all__ = ["SqliteStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS manifests (
        manifest_id TEXT PRIMARY KEY, manifest BLOB NOT NULL, mime TEXT NOT NULL,
        title TEXT, signer TEXT, created TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS fingerprints (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        manifest_id TEXT NOT NULL REFERENCES manifests(manifest_id), digests BLOB NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS fingerprints_manifest ON fingerprints(manifest_id)",
)


class SqliteStore(SqlStore):
    """Manifests in an SQLite file; safe to share between threads of one process."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        super().__init__()
        self.url = f"sqlite://{path}"
        if not create and not path.is_file():
            raise StoreError(
                f"no manifest store at {path} (sign with --durable first, or pass --store)"
            )
        if not path.parent.is_dir():
            if not create:
                raise StoreError(f"no manifest store at {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(
                path, check_same_thread=False, isolation_level=None, timeout=30
            )
            for stmt in _SCHEMA:
                self._conn.execute(stmt)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open manifest store {path}: {exc}") from None
        self._check_schema()

    def _execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"manifest store {self.url}: {exc}") from None

    def _put_rows(self, rows: list[tuple[Any, ...]], fps: list[tuple[str, bytes]]) -> None:
        try:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(
                        f"INSERT INTO manifests ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows
                    )
                    self._conn.executemany(
                        "INSERT INTO fingerprints (manifest_id, digests) VALUES (?, ?)", fps
                    )
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            raise StoreError("a manifest id is already stored") from None
        except sqlite3.Error as exc:
            raise StoreError(f"manifest store {self.url}: {exc}") from None

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._conn.close()
