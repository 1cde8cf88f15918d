"""An EC2 backend over a fresh SQLite store, and the scope the tests act in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skiff.services.ec2.backend import Ec2Backend
from skiff.state.scope import Scope
from skiff.store import SqliteStore

ACCOUNT = "000000000000"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "ec2.db")
    yield store
    store.close()


@pytest.fixture
def ec2(store: SqliteStore) -> Ec2Backend:
    return Ec2Backend(store)


@pytest.fixture
def scope() -> Scope:
    return Scope(ACCOUNT, "us-east-1")
