"""Durable state: a small document-collection interface and its SQLite implementation."""

from skiff.store.base import Store, StoreError
from skiff.store.sqlite import SqliteStore

__all__ = ["SqliteStore", "Store", "StoreError"]
