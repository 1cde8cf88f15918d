"""S3 backends over an in-memory store and a temporary data dir, without HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from skiff.services.s3.provider import S3Provider
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("000000000000", "us-east-1")
OTHER_ACCOUNT = Scope("111111111111", "us-east-1")


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3Provider]:
    store = SqliteStore(":memory:")
    yield S3Provider(store, tmp_path / "data")
    store.close()


@pytest.fixture
def bucket(s3: S3Provider) -> str:
    s3.buckets.create(SCOPE, "unit-bucket", None)
    return "unit-bucket"
