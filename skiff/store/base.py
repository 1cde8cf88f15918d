"""The store interface backends depend on.

State lives in named collections of JSON documents. Each collection is a table with a primary
key `pk`, a few indexed columns the backends filter and sort by, and the document itself.
Datetimes and bytes inside documents survive the round trip. The interface is small so that a
PostgreSQL implementation can replace SQLite for several control-plane replicas.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any, Protocol

Document = dict[str, Any]


class StoreError(Exception):
    """Misuse of the store (unknown collection or column): a bug, never user input."""


class Store(Protocol):
    def get(self, collection: str, pk: str) -> Document | None:
        """The document stored under `pk`, or None."""

    def put(self, collection: str, pk: str, doc: Document, **columns: Any) -> None:
        """Insert or replace the document and its indexed column values."""

    def delete(self, collection: str, pk: str) -> bool:
        """Remove the document; True when it existed."""

    def find(
        self,
        collection: str,
        where: dict[str, Any] | None = None,
        *,
        order_by: tuple[str, ...] = ("pk",),
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Document]:
        """Documents whose indexed columns equal `where` (a tuple value means IN), ordered."""

    def scan(self, collection: str, where: dict[str, Any] | None = None) -> Iterator[tuple[str, Document]]:
        """(pk, document) pairs, for maintenance and migrations."""

    def next_number(self, counter: str) -> int:
        """1, 2, 3, ... per counter name; never repeats, even after deletes."""

    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all."""

    def wipe(self, keep_counters: tuple[str, ...] = ()) -> int:
        """Every document of every collection gone, counters reset but `keep_counters` (the
        state reset of test suites); returns how many records went."""

    def close(self) -> None: ...


class SqlStore(Store, Protocol):
    """A store that also lends its SQL connection (inside a transaction) to the few tables of
    volume (log events) that are rows rather than documents."""

    def connection(self) -> AbstractContextManager[sqlite3.Connection]: ...
