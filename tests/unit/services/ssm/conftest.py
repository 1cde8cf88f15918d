"""The Parameter Store backend over a fresh SQLite store and a test key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skiff.security.sealing import Sealer
from skiff.services.ssm.backend import SsmBackend
from skiff.state.scope import Scope
from skiff.store import SqliteStore

TEST_KEY = bytes(range(32))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "ssm.db")
    yield store
    store.close()


@pytest.fixture
def ssm(store: SqliteStore) -> SsmBackend:
    return SsmBackend(store, Sealer(TEST_KEY))


@pytest.fixture
def scope() -> Scope:
    return Scope("000000000000", "us-east-1")


def put(ssm: SsmBackend, scope: Scope, name: str, value: str, kind: str = "String", **extra: Any) -> int:
    version: int = ssm.parameters.put(scope, {"Name": name, "Value": value, "Type": kind, **extra})["Version"]
    return version
