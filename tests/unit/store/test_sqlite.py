"""The SQLite store: documents, queries, counters, transactions, migrations, durability."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skiff.store import SqliteStore, StoreError
from skiff.store.migrations import LATEST_VERSION, MIGRATIONS, Migration


def test_documents_round_trip_with_datetimes_and_bytes(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    when = dt.datetime(2024, 5, 1, 12, 30, 1, 250000, tzinfo=dt.UTC)
    doc = {"name": "a", "at": when, "raw": b"\x00\xff", "nested": [{"x": 1}]}
    store.put("clusters", "arn:1", doc, account="1", region="r", name="a", status="ACTIVE")
    assert store.get("clusters", "arn:1") == doc
    assert store.get("clusters", "arn:missing") is None


def test_find_filters_orders_and_limits(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    for revision in (3, 1, 2):
        store.put(
            "task_definitions",
            f"fam:{revision}",
            {"revision": revision},
            account="1",
            region="r",
            family="fam",
            revision=revision,
            status="ACTIVE",
        )
    store.put(
        "task_definitions",
        "other:1",
        {"revision": 1},
        account="1",
        region="r",
        family="other",
        revision=1,
        status="INACTIVE",
    )
    found = store.find("task_definitions", {"family": "fam"}, order_by=("revision",))
    assert [d["revision"] for d in found] == [1, 2, 3]
    latest = store.find(
        "task_definitions", {"family": "fam"}, order_by=("revision",), descending=True, limit=1
    )
    assert latest == [{"revision": 3}]
    both = store.find("task_definitions", {"status": ("ACTIVE", "INACTIVE")})
    assert len(both) == 4
    assert store.delete("task_definitions", "other:1") is True
    assert store.delete("task_definitions", "other:1") is False


def test_unknown_collections_and_columns_are_refused(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    with pytest.raises(StoreError):
        store.get("nope", "x")
    with pytest.raises(StoreError):
        store.find("clusters", {"name; DROP TABLE clusters": 1})


def test_counters_never_repeat(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    assert [store.next_number("a") for _ in range(3)] == [1, 2, 3]
    assert store.next_number("b") == 1
    store.close()
    assert SqliteStore(tmp_path / "s.db").next_number("a") == 4


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    with pytest.raises(RuntimeError), store.transaction():
        store.put("tags", "arn:x", {"tags": []})
        store.next_number("c")
        raise RuntimeError("boom")
    assert store.get("tags", "arn:x") is None
    assert store.next_number("c") == 1


def test_wal_and_full_sync(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_migrations_set_the_version_and_run_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    assert store.version == LATEST_VERSION
    store.close()
    extra = (
        *MIGRATIONS,
        Migration(LATEST_VERSION + 1, "test", "CREATE TABLE extra (pk TEXT PRIMARY KEY, doc TEXT)"),
    )
    store = SqliteStore(tmp_path / "s.db", migrations=extra)
    assert store.version == LATEST_VERSION + 1
    store.put("extra", "k", {"v": 1})
    store.close()
    assert SqliteStore(tmp_path / "s.db", migrations=extra).get("extra", "k") == {"v": 1}


def test_a_failing_migration_leaves_the_old_version(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "s.db").close()
    broken = (
        *MIGRATIONS,
        Migration(LATEST_VERSION + 1, "broken", "CREATE TABLE t (x); SELECT * FROM nowhere"),
    )
    with pytest.raises(Exception, match="nowhere"):
        SqliteStore(tmp_path / "s.db", migrations=broken)
    store = SqliteStore(tmp_path / "s.db")
    assert store.version == LATEST_VERSION
    assert "t" not in store._columns


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    """A child process writes and acknowledges on stdout; we SIGKILL it mid-stream and count."""
    db = tmp_path / "kill.db"
    script = textwrap.dedent(
        f"""
        import sys
        from skiff.store import SqliteStore
        store = SqliteStore({str(db)!r})
        i = 0
        while True:
            i += 1
            store.put("tags", f"arn:{{i}}", {{"tags": [{{"key": "n", "value": str(i)}}]}})
            print(i, flush=True)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    acknowledged = 0
    for line in child.stdout:
        acknowledged = int(line)
        if acknowledged >= 200:
            break
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    store = SqliteStore(db)
    for i in range(1, acknowledged + 1):
        assert store.get("tags", f"arn:{i}") is not None, f"acknowledged write {i} lost"


def test_wipe_empties_every_collection_and_counter_but_the_kept_ones(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.put("clusters", "arn:1", {"n": 1}, account="1", region="r", name="a", status="ACTIVE")
    store.put("tags", "arn:1", {"t": []})
    assert store.next_number("family") == 1
    assert store.next_number("generation") == 1
    removed = store.wipe(keep_counters=("generation",))
    assert removed >= 3
    assert store.get("clusters", "arn:1") is None and store.find("tags") == []
    assert store.next_number("family") == 1  # counting starts again
    assert store.next_number("generation") == 2  # kept: never repeats
    store.put("clusters", "arn:2", {"n": 2}, account="1", region="r", name="b", status="ACTIVE")
    reopened = SqliteStore(tmp_path / "s.db")
    assert [d["n"] for d in reopened.find("clusters")] == [2]
