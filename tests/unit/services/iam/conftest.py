"""The IAM backends over a fresh SQLite store, and the scope the tests act in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from skiff.security.sealing import Sealer
from skiff.services.iam.backend import IamBackend
from skiff.state.scope import Scope
from skiff.store import SqliteStore

ACCOUNT = "000000000000"
SEALER = Sealer(bytes(range(32)))  # one key for every store of a test run
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "iam.db")
    yield store
    store.close()


@pytest.fixture
def iam(store: SqliteStore) -> IamBackend:
    return IamBackend(store, SEALER)


@pytest.fixture
def scope() -> Scope:
    return Scope(ACCOUNT, "us-east-1")
