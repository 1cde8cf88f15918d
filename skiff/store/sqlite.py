"""SQLite implementation of the store: WAL journal, `synchronous=FULL`, versioned migrations.

Every write outside `transaction()` commits on its own, so an acknowledged change survives
`kill -9`. Column names are checked against the table's real columns, never interpolated from
user input.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from skiff.store.base import Document, StoreError
from skiff.store.migrations import MIGRATIONS, Migration


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot store {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$dt" in obj:
            return dt.datetime.fromisoformat(obj["$dt"])
        if "$b64" in obj:
            return base64.b64decode(obj["$b64"])
    return obj


def dumps(doc: Document) -> str:
    return json.dumps(doc, default=_encode, separators=(",", ":"))


def loads(text: str) -> Document:
    loaded: Document = json.loads(text, object_hook=_decode)
    return loaded


class SqliteStore:
    """The default store: one SQLite file in the data dir (or `:memory:` for unit tests)."""

    def __init__(self, path: Path | str, migrations: tuple[Migration, ...] = MIGRATIONS) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._in_transaction = 0
        self.migrate(migrations)
        self._columns = self._read_columns()

    # -- schema -------------------------------------------------------------------------------
    @property
    def version(self) -> int:
        row = self._conn.execute("PRAGMA user_version").fetchone()
        return int(row[0])

    def migrate(self, migrations: tuple[Migration, ...]) -> None:
        current = self.version
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version <= current:
                continue
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(migration.sql):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {int(migration.version)}")
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
        if hasattr(self, "_columns"):
            self._columns = self._read_columns()

    def _read_columns(self) -> dict[str, set[str]]:
        tables = [r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: {r[1] for r in self._conn.execute(f"PRAGMA table_info('{t}')")} for t in tables}

    def _check(self, collection: str, columns: set[str] | list[str] | tuple[str, ...]) -> None:
        known = self._columns.get(collection)
        if known is None or "doc" not in known:
            raise StoreError(f"unknown collection {collection!r}")
        unknown = set(columns) - known
        if unknown:
            raise StoreError(f"unknown columns {sorted(unknown)} in {collection!r}")

    # -- documents ----------------------------------------------------------------------------
    def get(self, collection: str, pk: str) -> Document | None:
        self._check(collection, ())
        with self._lock:
            row = self._conn.execute(f"SELECT doc FROM {collection} WHERE pk = ?", (pk,)).fetchone()
        return loads(row[0]) if row else None

    def put(self, collection: str, pk: str, doc: Document, **columns: Any) -> None:
        self._check(collection, list(columns))
        names = ["pk", *columns, "doc"]
        values = [pk, *columns.values(), dumps(doc)]
        marks = ", ".join("?" for _ in names)
        with self._lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO {collection} ({', '.join(names)}) VALUES ({marks})", values
            )

    def delete(self, collection: str, pk: str) -> bool:
        self._check(collection, ())
        with self._lock:
            cursor = self._conn.execute(f"DELETE FROM {collection} WHERE pk = ?", (pk,))
        return cursor.rowcount > 0

    def find(
        self,
        collection: str,
        where: dict[str, Any] | None = None,
        *,
        order_by: tuple[str, ...] = ("pk",),
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Document]:
        return [doc for _, doc in self._select(collection, where, order_by, descending, limit)]

    def scan(self, collection: str, where: dict[str, Any] | None = None) -> Iterator[tuple[str, Document]]:
        return iter(self._select(collection, where, ("pk",), False, None))

    def _select(
        self,
        collection: str,
        where: dict[str, Any] | None,
        order_by: tuple[str, ...],
        descending: bool,
        limit: int | None,
    ) -> list[tuple[str, Document]]:
        where = where or {}
        self._check(collection, [*where, *order_by])
        clauses: list[str] = []
        values: list[Any] = []
        for name, value in where.items():
            if isinstance(value, tuple):
                clauses.append(f"{name} IN ({', '.join('?' for _ in value)})")
                values.extend(value)
            else:
                clauses.append(f"{name} = ?")
                values.append(value)
        sql = f"SELECT pk, doc FROM {collection}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        direction = " DESC" if descending else ""
        sql += " ORDER BY " + ", ".join(f"{c}{direction}" for c in order_by)
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._conn.execute(sql, values).fetchall()
        return [(row[0], loads(row[1])) for row in rows]

    def next_number(self, counter: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "INSERT INTO counters (name, value) VALUES (?, 1) "
                "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
                (counter,),
            ).fetchone()
        return int(row[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._in_transaction:
                self._in_transaction += 1
                try:
                    yield
                finally:
                    self._in_transaction -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._in_transaction = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._in_transaction = 0

    def wipe(self, keep_counters: tuple[str, ...] = ()) -> int:
        """Delete every row of every table in one transaction (the schema stays); returns how
        many rows went. Counters named in `keep_counters` keep counting (generation numbers that
        caches compare must never repeat)."""
        removed = 0
        with self._lock, self.transaction():
            for table in sorted(self._columns):
                if table == "counters" and keep_counters:
                    marks = ", ".join("?" for _ in keep_counters)
                    sql = f"DELETE FROM counters WHERE name NOT IN ({marks})"
                    cursor = self._conn.execute(sql, keep_counters)
                else:
                    cursor = self._conn.execute(f"DELETE FROM {table}")
                removed += max(cursor.rowcount, 0)
        return removed

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """The raw connection inside one transaction, for the tables of volume (log events) whose
        batch inserts and range reads the document interface does not fit. Callers use bound
        parameters only."""
        with self._lock, self.transaction():
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _statements(sql: str) -> list[str]:
    return [part.strip() for part in sql.split(";") if part.strip()]
