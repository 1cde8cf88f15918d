"""A count of IAM's writes, so that what is read on every request (access keys, policies) can be
cached until IAM changes.

`ChangeCountingStore` wraps the store the IAM backends use and bumps a counter shared by every
wrapper of the same store (IAM's and STS's backends) on each put and delete. Readers keep what
they read with the count it was read at, and read again when the count moved, or after
`MAX_AGE` seconds whatever happened (writes this process did not make, e.g. by another server
sharing the database, are seen that late at most).
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

from skiff.store.base import Document, Store

MAX_AGE = 1.0
MAX_ENTRIES = 10_000
T = TypeVar("T")


class Changes:
    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.value = 0

    def bump(self) -> None:
        self.value = next(self._counter)


_BY_STORE: weakref.WeakKeyDictionary[Any, Changes] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def changes_of(store: Any) -> Changes:
    with _LOCK:
        found = _BY_STORE.get(store)
        if found is None:
            found = _BY_STORE[store] = Changes()
        return found


class ChangeCountingStore:
    """The store, counting writes (implements the Store protocol by delegation)."""

    def __init__(self, store: Store) -> None:
        inner = store.inner if isinstance(store, ChangeCountingStore) else store
        self.inner: Store = inner
        self.changes = changes_of(inner)

    def get(self, collection: str, pk: str) -> Document | None:
        return self.inner.get(collection, pk)

    def put(self, collection: str, pk: str, doc: Document, **columns: Any) -> None:
        self.inner.put(collection, pk, doc, **columns)
        self.changes.bump()

    def delete(self, collection: str, pk: str) -> bool:
        removed = self.inner.delete(collection, pk)
        self.changes.bump()
        return removed

    def find(
        self,
        collection: str,
        where: dict[str, Any] | None = None,
        *,
        order_by: tuple[str, ...] = ("pk",),
        descending: bool = False,
        limit: int | None = None,
    ) -> list[Document]:
        return self.inner.find(collection, where, order_by=order_by, descending=descending, limit=limit)

    def scan(self, collection: str, where: dict[str, Any] | None = None) -> Iterator[tuple[str, Document]]:
        return self.inner.scan(collection, where)

    def next_number(self, counter: str) -> int:
        return self.inner.next_number(counter)

    def transaction(self) -> AbstractContextManager[None]:
        return self.inner.transaction()

    def wipe(self, keep_counters: tuple[str, ...] = ()) -> int:
        removed = self.inner.wipe(keep_counters)
        self.changes.bump()
        return removed

    def close(self) -> None:
        self.inner.close()


class ChangeCache(Generic[T]):
    """Values computed from IAM's state, kept while IAM has not changed (and at most MAX_AGE)."""

    def __init__(self, changes: Changes, clock: Callable[[], float] = time.monotonic) -> None:
        self.changes = changes
        self.clock = clock
        self._entries: dict[str, tuple[int, float, T]] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        now, seen = self.clock(), self.changes.value
        hit = self._entries.get(key)
        if hit is not None and hit[0] == seen and now - hit[1] < MAX_AGE:
            return hit[2]
        value = compute()
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (seen, now, value)
        return value
