"""The Secrets Manager backend over a fresh SQLite store, a test key and a clock the tests move."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from skiff.security.sealing import Sealer
from skiff.services.secretsmanager.backend import SecretsManagerBackend
from skiff.state.scope import Scope
from skiff.store import SqliteStore

ACCOUNT = "000000000000"
TEST_KEY = bytes(range(32))
START = dt.datetime(2030, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


class Clock:
    """A settable clock: `clock.now` is the time; `advance` moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "secrets.db")
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sm(store: SqliteStore, clock: Clock) -> SecretsManagerBackend:
    return SecretsManagerBackend(store, Sealer(TEST_KEY), clock)


@pytest.fixture
def scope() -> Scope:
    return Scope(ACCOUNT, "us-east-1")
