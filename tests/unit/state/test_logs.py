"""Log records on a real SQLite store: batches appended with their stream's span and bytes,
reads in (timestamp, arrival) order from either end, the cursor written with its batch, and
retention removing only expired events (recounting the bytes)."""

from __future__ import annotations

from pathlib import Path

from skiff.controllers.logs_retention import LogRetention
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("000000000000", "us-east-1")


def test_append_read_and_cursor(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    stream = records.ensure_stream(store, SCOPE, "/g", "s", True)
    assert stream is not None
    assert records.ensure_stream(store, SCOPE, "/g", "s", True) == stream
    assert records.ensure_stream(store, SCOPE, "/other", "s", False) is None
    records.append(
        store, stream, [(10, "b"), (10, "c"), (5, "a")], 100, cursor=("c1", {"ts": "x", "count": 2})
    )
    assert [e.message for e in records.read_stream(store, stream.sid)] == ["a", "b", "c"]
    tail = records.read_stream(store, stream.sid, limit=2, from_head=False)
    assert [e.message for e in tail] == ["b", "c"]
    assert [e.message for e in records.read_stream(store, stream.sid, before=tail[0].position)] == ["a"]
    assert [e.message for e in records.read_stream(store, stream.sid, after=tail[0].position)] == ["c"]
    again = records.get_stream(store, stream.gid, "s")
    assert again is not None
    assert (again.first_event, again.last_event, again.last_ingestion, again.stored_bytes) == (5, 10, 100, 3)
    assert records.get_cursor(store, "c1") == {"ts": "x", "count": 2}
    store.close()
    reopened = SqliteStore(tmp_path / "s.db")
    assert [e.message for e in records.read_stream(reopened, stream.sid)] == ["a", "b", "c"]


def test_retention_expires_old_events_only(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    now = records.now_ms()
    kept = records.ensure_stream(store, SCOPE, "/kept", "s", True)
    short = records.ensure_stream(store, SCOPE, "/short", "s", True)
    assert kept is not None and short is not None
    old, fresh = now - 3 * records.DAY_MS, now - 1000
    for stream in (kept, short):
        records.append(store, stream, [(old, "old!"), (fresh, "new")])
    group = records.get_group(store, SCOPE, "/short")
    assert group is not None
    group["retentionInDays"] = 1
    records.save_group(store, group)
    assert LogRetention(store, 60).sweep() == 1
    assert [e.message for e in records.read_stream(store, short.sid)] == ["new"]
    assert [e.message for e in records.read_stream(store, kept.sid)] == ["old!", "new"]
    after = records.get_stream(store, short.gid, "s")
    assert after is not None and (after.first_event, after.stored_bytes) == (fresh, 3)
    assert records.stored_bytes(store, records.gid_of(group)) == 3


def test_a_group_made_again_starts_empty(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    stream = records.ensure_stream(store, SCOPE, "/g", "s", True)
    assert stream is not None
    records.append(store, stream, [(1, "x")])
    group = records.get_group(store, SCOPE, "/g")
    assert group is not None
    records.delete_group(store, SCOPE, group)
    again = records.ensure_stream(store, SCOPE, "/g", "s", True)
    assert again is not None and again.sid != stream.sid
    assert records.read_stream(store, again.sid) == []
