"""One fixture per schema version: a database written at version N opens and migrates to latest
with its data intact. Add a fixture file vN.sql with every new migration: the rows version N adds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from skiff.store import SqliteStore
from skiff.store.migrations import LATEST_VERSION, MIGRATIONS

FIXTURES = Path(__file__).parent / "fixtures"


def build_fixture(version: int, path: Path) -> None:
    """A database at `version`, grown as a real one grows: each migration up to `version`, then
    the rows that version wrote (fixture vN.sql holds only what version N adds)."""
    conn = sqlite3.connect(path)
    for migration in sorted(MIGRATIONS, key=lambda m: m.version):
        if migration.version <= version:
            conn.executescript(migration.sql)
            conn.executescript((FIXTURES / f"v{migration.version}.sql").read_text())
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", sorted(m.version for m in MIGRATIONS))
def test_every_schema_version_migrates_with_its_data(tmp_path: Path, version: int) -> None:
    assert (FIXTURES / f"v{version}.sql").exists(), f"add tests/unit/store/fixtures/v{version}.sql"
    path = tmp_path / f"v{version}.db"
    build_fixture(version, path)
    store = SqliteStore(path)
    assert store.version == LATEST_VERSION
    cluster = store.get("clusters", "arn:aws:ecs:us-east-1:000000000000:cluster/fixture")
    assert cluster is not None and cluster["clusterName"] == "fixture"
    revisions = store.find("task_definitions", {"family": "fixture"}, order_by=("revision",))
    assert [d["revision"] for d in revisions] == [1, 2]
    assert store.next_number("task-definition|000000000000|us-east-1|fixture") == 3
    if version >= 2:
        task = store.get(
            "tasks", "arn:aws:ecs:us-east-1:000000000000:task/fixture/0123456789abcdef0123456789abcdef"
        )
        assert task is not None and task["lastStatus"] == "STOPPED"
