"""The manifest store, on SQLite and (when VERACITY_TEST_PG_URL is set) PostgreSQL."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from veracity.credentials.store import ManifestRecord, open_store
from veracity.errors import StoreError, UsageError

PG_URL = os.environ.get("VERACITY_TEST_PG_URL")


def _pg_schema_url() -> Iterator[str]:
    import psycopg

    assert PG_URL is not None
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'store.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("VERACITY_TEST_PG_URL is not set")
    yield from _pg_schema_url()


def _digest(seed: int) -> bytes:
    return bytes((seed * 37 + i * 11) % 256 for i in range(32))


def _flip_bits(d: bytes, n: int) -> bytes:
    value = int.from_bytes(d, "big")
    for bit in range(n):
        value ^= 1 << (bit * 7 % 256)
    return value.to_bytes(32, "big")


def _record(i: int, fps: tuple[bytes, ...] | None = None) -> ManifestRecord:
    return ManifestRecord(
        f"{i:016x}",
        b"manifest-%d" % i,
        "image/jpeg",
        fps if fps is not None else (_digest(i),),
        f"t{i}",
        "me",
    )


def test_put_get_count(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.count() == 0
        store.put(_record(1, (_digest(1), _digest(2))))
        got = store.get(f"{1:016x}")
        assert got is not None
        assert got.manifest == b"manifest-1" and got.fingerprints == (_digest(1), _digest(2))
        assert got.title == "t1" and got.created
        assert store.get(f"{2:016x}") is None
        assert store.count() == 1


def test_duplicates_roll_back_the_whole_batch(store_url: str) -> None:
    with open_store(store_url) as store:
        store.put(_record(1))
        with pytest.raises(StoreError, match="already stored"):
            store.put_many([_record(2), _record(1)])  # type: ignore[attr-defined]
        assert store.count() == 1 and store.get(f"{2:016x}") is None


def test_nearest_ranks_and_thresholds(store_url: str) -> None:
    base = _digest(5)
    with open_store(store_url) as store:
        store.put_many(
            [_record(1, (_flip_bits(base, 10),)), _record(2, (_flip_bits(base, 3), _digest(9)))]
        )  # type: ignore[attr-defined]
        matches = store.nearest(base, 40)
        assert [(m.manifest_id, m.distance) for m in matches] == [
            (f"{2:016x}", 3),
            (f"{1:016x}", 10),
        ]
        assert [m.manifest_id for m in store.nearest(base, 5)] == [f"{2:016x}"]
        assert store.nearest(base, 2) == []
        store.put(_record(3, (base,)))  # the in-memory index picks up new rows
        assert store.nearest(base, 40, limit=1)[0].distance == 0


def test_second_connection_sees_new_rows(store_url: str) -> None:
    with open_store(store_url) as a, open_store(store_url) as b:
        assert b.nearest(_digest(1), 0) == []
        a.put(_record(1))
        assert [m.manifest_id for m in b.nearest(_digest(1), 0)] == [f"{1:016x}"]


def test_bad_ids_and_digests(store_url: str) -> None:
    with open_store(store_url) as store:
        with pytest.raises(UsageError):
            store.get("not-hex")
        with pytest.raises(StoreError):
            store.put(_record(1, (b"short",)))


def test_missing_sqlite_store_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no manifest store"):
        open_store(tmp_path / "absent.sqlite3", create=False)
    assert not (tmp_path / "absent.sqlite3").exists()


def test_postgres_down_is_one_line_store_error() -> None:
    with pytest.raises(StoreError) as info:
        open_store("postgresql://u:secret@127.0.0.1:1/db")
    message = str(info.value)
    assert "\n" not in message and "secret" not in message and "127.0.0.1:1" in message


def test_schema_version_recorded_and_newer_store_refused(store_url: str) -> None:
    from veracity.credentials.store_sql import SCHEMA_VERSION

    with open_store(store_url) as store:
        store.put(_record(1))
        assert store._execute("SELECT version FROM veracity_schema") == [(SCHEMA_VERSION,)]
        store._execute("UPDATE veracity_schema SET version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        open_store(store_url)


def test_store_from_before_versioning_opens(tmp_path: Path) -> None:
    """A store written before the version table existed is adopted as version 1."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with open_store(f"sqlite://{path}") as store:
        store.put(_record(2))
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE veracity_schema")
    conn.commit()
    conn.close()
    with open_store(f"sqlite://{path}") as store:
        assert store.count() == 1 and store.get(f"{2:016x}") is not None
        assert store._execute("SELECT version FROM veracity_schema") == [(1,)]
