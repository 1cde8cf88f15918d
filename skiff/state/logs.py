"""CloudWatch Logs records: log groups, log streams, log events and the awslogs collectors' cursors.

Both the Logs API (services/logs) and the agent's awslogs collector (agent/logs) read and write
through this module, so a line a container prints and an event PutLogEvents accepts are stored
alike. Groups are documents (collection `log_groups`); streams and events are plain rows written
through the store's SQL connection, since events come in volume: a batch is one transaction
(one `executemany`, one update of its stream's span and stored bytes).

Events are ordered by (timestamp, id): `id` is the row id, so events with equal timestamps keep
their arrival order. Each group and stream has a number (`gid`, `sid`) that is never reused, so
a group deleted and made again never sees its predecessor's events.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from skiff.state.scope import Scope
from skiff.store.base import Document, SqlStore, Store, StoreError

GROUPS = "log_groups"
CURSORS = "log_cursors"
INTERNAL = "_skiff"
DAY_MS = 86_400_000

Position = tuple[int, int]  # (timestamp, id) of an event, the order events are read in


def now_ms() -> int:
    return int(time.time() * 1000)


def _sql(store: Store) -> SqlStore:
    if not hasattr(store, "connection"):
        raise StoreError("log events need a store with an SQL connection")
    return cast(SqlStore, store)


@dataclass(frozen=True)
class Stream:
    sid: int
    gid: int
    name: str
    created: int
    first_event: int | None
    last_event: int | None
    last_ingestion: int | None
    stored_bytes: int


@dataclass(frozen=True)
class Event:
    id: int
    sid: int
    ts: int
    ingested: int
    message: str

    @property
    def position(self) -> Position:
        return (self.ts, self.id)


_STREAM_COLUMNS = "sid, gid, name, created, first_event, last_event, last_ingestion, stored_bytes"
_EVENT_COLUMNS = "id, sid, ts, ingested, message"


# -- groups ---------------------------------------------------------------------------------------
def group_key(scope: Scope, name: str) -> str:
    return f"{scope.account}|{scope.region}|{name}"


def group_arn(scope: Scope, name: str) -> str:
    return f"arn:aws:logs:{scope.region}:{scope.account}:log-group:{name}"


def get_group(store: Store, scope: Scope, name: str) -> Document | None:
    return store.get(GROUPS, group_key(scope, name))


def gid_of(group: Document) -> int:
    return int(group[INTERNAL]["gid"])


def save_group(store: Store, group: Document) -> None:
    internal = group[INTERNAL]
    store.put(
        GROUPS,
        group_key(Scope(internal["account"], internal["region"]), group["logGroupName"]),
        group,
        account=internal["account"],
        region=internal["region"],
        name=group["logGroupName"],
        gid=internal["gid"],
        retention=int(group.get("retentionInDays") or 0),
    )


def create_group(
    store: Store,
    scope: Scope,
    name: str,
    *,
    tags: dict[str, str] | None = None,
    kms_key_id: str | None = None,
    group_class: str = "STANDARD",
    deletion_protection: bool = False,
) -> Document | None:
    """The new group's document, or None when the name is taken."""
    with store.transaction():
        if get_group(store, scope, name) is not None:
            return None
        arn = group_arn(scope, name)
        group: Document = {
            "logGroupName": name,
            "creationTime": now_ms(),
            "metricFilterCount": 0,
            "arn": f"{arn}:*",
            "logGroupArn": arn,
            "logGroupClass": group_class,
            "deletionProtectionEnabled": deletion_protection,
            INTERNAL: {
                "account": scope.account,
                "region": scope.region,
                "gid": store.next_number("log-group"),
                "tags": dict(tags or {}),
            },
        }
        if kms_key_id:
            group["kmsKeyId"] = kms_key_id
        save_group(store, group)
        return group


def delete_group(store: Store, scope: Scope, group: Document) -> None:
    gid = gid_of(group)
    with _sql(store).connection() as conn:
        store.delete(GROUPS, group_key(scope, group["logGroupName"]))
        conn.execute("DELETE FROM log_events WHERE gid = ?", (gid,))
        conn.execute("DELETE FROM log_streams WHERE gid = ?", (gid,))


def groups(store: Store, scope: Scope) -> list[Document]:
    return store.find(GROUPS, {"account": scope.account, "region": scope.region}, order_by=("name",))


def stored_bytes(store: Store, gid: int) -> int:
    with _sql(store).connection() as conn:
        row = conn.execute("SELECT COALESCE(SUM(stored_bytes), 0) FROM log_streams WHERE gid = ?", (gid,))
        return int(row.fetchone()[0])


# -- streams --------------------------------------------------------------------------------------
def _stream(row: Sequence[Any]) -> Stream:
    return Stream(*row)


def get_stream(store: Store, gid: int, name: str) -> Stream | None:
    with _sql(store).connection() as conn:
        row = conn.execute(
            f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE gid = ? AND name = ?", (gid, name)
        ).fetchone()
    return _stream(row) if row else None


def create_stream(store: Store, gid: int, name: str) -> Stream | None:
    """The new stream, or None when the group already has one of that name."""
    with _sql(store).connection() as conn:
        if conn.execute("SELECT 1 FROM log_streams WHERE gid = ? AND name = ?", (gid, name)).fetchone():
            return None
        sid = store.next_number("log-stream")
        created = now_ms()
        conn.execute(
            "INSERT INTO log_streams (sid, gid, name, created) VALUES (?, ?, ?, ?)", (sid, gid, name, created)
        )
    return Stream(sid, gid, name, created, None, None, None, 0)


def delete_stream(store: Store, stream: Stream) -> None:
    with _sql(store).connection() as conn:
        conn.execute("DELETE FROM log_events WHERE sid = ?", (stream.sid,))
        conn.execute("DELETE FROM log_streams WHERE sid = ?", (stream.sid,))


def list_streams(
    store: Store,
    gid: int,
    *,
    prefix: str = "",
    by_last_event: bool = False,
    descending: bool = False,
    after: tuple[Any, ...] | None = None,
    limit: int = 50,
) -> list[Stream]:
    """Streams in name order (or last-event order, names breaking ties), after a page's last key."""
    clauses: list[str] = ["gid = ?"]
    values: list[Any] = [gid]
    if prefix:
        clauses.append("substr(name, 1, ?) = ?")
        values += [len(prefix), prefix]
    key = ["COALESCE(last_event, -1)", "name"] if by_last_event else ["name"]
    if after is not None:
        op = "<" if descending else ">"
        clauses.append(f"({', '.join(key)}) {op} ({', '.join('?' for _ in after)})")
        values += list(after)
    direction = " DESC" if descending else ""
    order = ", ".join(f"{part}{direction}" for part in key)
    sql = f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT ?"
    with _sql(store).connection() as conn:
        rows = conn.execute(sql, (*values, int(limit))).fetchall()
    return [_stream(r) for r in rows]


def stream_key(stream: Stream, by_last_event: bool) -> tuple[Any, ...]:
    """The sort key `list_streams` pages after."""
    return (
        (stream.last_event if stream.last_event is not None else -1, stream.name)
        if by_last_event
        else (stream.name,)
    )


def streams_named(store: Store, gid: int, names: Sequence[str]) -> list[Stream]:
    if not names:
        return []
    marks = ", ".join("?" for _ in names)
    with _sql(store).connection() as conn:
        rows = conn.execute(
            f"SELECT {_STREAM_COLUMNS} FROM log_streams WHERE gid = ? AND name IN ({marks}) ORDER BY name",
            (gid, *names),
        ).fetchall()
    return [_stream(r) for r in rows]


def ensure_stream(
    store: Store, scope: Scope, group_name: str, stream_name: str, create_group_too: bool
) -> Stream | None:
    """The stream, made if missing (and its group, with `create_group_too`); None without a group."""
    group = get_group(store, scope, group_name)
    if group is None:
        if not create_group_too:
            return None
        group = create_group(store, scope, group_name) or get_group(store, scope, group_name)
        if group is None:
            return None
    gid = gid_of(group)
    return (
        get_stream(store, gid, stream_name)
        or create_stream(store, gid, stream_name)
        or get_stream(store, gid, stream_name)
    )


# -- events ---------------------------------------------------------------------------------------
def append(
    store: Store,
    stream: Stream,
    events: Sequence[tuple[int, str]],
    ingested: int | None = None,
    *,
    cursor: tuple[str, Document] | None = None,
) -> int:
    """Store (timestamp, message) events in one transaction, with the collector's `cursor` when
    given (so a restart resumes exactly after them); returns the bytes they added."""
    if not events:
        if cursor is not None:
            put_cursor(store, *cursor)
        return 0
    ingested = now_ms() if ingested is None else ingested
    size = sum(len(message.encode("utf-8", "surrogatepass")) for _, message in events)
    first = min(ts for ts, _ in events)
    last = max(ts for ts, _ in events)
    gid, sid = stream.gid, stream.sid
    with _sql(store).connection() as conn:
        conn.executemany(
            "INSERT INTO log_events (gid, sid, ts, ingested, message) VALUES (?, ?, ?, ?, ?)",
            [(gid, sid, ts, ingested, message) for ts, message in events],
        )
        conn.execute(
            "UPDATE log_streams SET first_event = MIN(COALESCE(first_event, ?), ?),"
            " last_event = MAX(COALESCE(last_event, ?), ?), last_ingestion = ?,"
            " stored_bytes = stored_bytes + ? WHERE sid = ?",
            (first, first, last, last, ingested, size, sid),
        )
        if cursor is not None:
            put_cursor(store, *cursor)
    return size


def _window(clauses: list[str], values: list[Any], start: int | None, end: int | None) -> None:
    if start is not None:
        clauses.append("ts >= ?")
        values.append(start)
    if end is not None:
        clauses.append("ts < ?")
        values.append(end)


def read_stream(
    store: Store,
    sid: int,
    *,
    start: int | None = None,
    end: int | None = None,
    after: Position | None = None,
    before: Position | None = None,
    limit: int = 10_000,
    from_head: bool = True,
) -> list[Event]:
    """Up to `limit` events of a stream in [start, end): the first ones after `after` (from the
    head), or the last ones before `before` (from the tail); always returned oldest first."""
    clauses, values = ["sid = ?"], [sid]
    _window(clauses, values, start, end)
    if after is not None:
        clauses.append("(ts, id) > (?, ?)")
        values += list(after)
    if before is not None:
        clauses.append("(ts, id) < (?, ?)")
        values += list(before)
    order = "ts, id" if from_head else "ts DESC, id DESC"
    sql = f"SELECT {_EVENT_COLUMNS} FROM log_events WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT ?"
    with _sql(store).connection() as conn:
        rows = conn.execute(sql, (*values, int(limit))).fetchall()
    found = [Event(*r) for r in rows]
    return found if from_head else found[::-1]


def read_group(
    store: Store,
    gid: int,
    *,
    sids: Sequence[int] | None = None,
    start: int | None = None,
    end: int | None = None,
    after: Position | None = None,
    limit: int = 10_000,
) -> list[Event]:
    """Up to `limit` events of a group's streams (all, or `sids`), interleaved by time."""
    clauses, values = ["gid = ?"], [gid]
    if sids is not None:
        clauses.append(f"sid IN ({', '.join('?' for _ in sids)})")
        values += list(sids)
    _window(clauses, values, start, end)
    if after is not None:
        clauses.append("(ts, id) > (?, ?)")
        values += list(after)
    sql = f"SELECT {_EVENT_COLUMNS} FROM log_events WHERE {' AND '.join(clauses)} ORDER BY ts, id LIMIT ?"
    with _sql(store).connection() as conn:
        rows = conn.execute(sql, (*values, int(limit))).fetchall()
    return [Event(*r) for r in rows]


def stream_names(store: Store, sids: Sequence[int]) -> dict[int, str]:
    if not sids:
        return {}
    marks = ", ".join("?" for _ in sids)
    with _sql(store).connection() as conn:
        rows = conn.execute(
            f"SELECT sid, name FROM log_streams WHERE sid IN ({marks})", tuple(sids)
        ).fetchall()
    return {int(sid): str(name) for sid, name in rows}


# -- retention ------------------------------------------------------------------------------------
def expire(store: Store, now: int | None = None) -> int:
    """Delete the events older than their group's retention; returns how many went."""
    now = now_ms() if now is None else now
    removed = 0
    for _, group in store.scan(GROUPS):
        days = int(group.get("retentionInDays") or 0)
        if days <= 0:
            continue
        gid, cutoff = gid_of(group), now - days * DAY_MS
        with _sql(store).connection() as conn:
            touched = [
                int(r[0])
                for r in conn.execute(
                    "SELECT DISTINCT sid FROM log_events WHERE gid = ? AND ts < ?", (gid, cutoff)
                )
            ]
            if not touched:
                continue
            removed += conn.execute("DELETE FROM log_events WHERE gid = ? AND ts < ?", (gid, cutoff)).rowcount
            for sid in touched:
                conn.execute(
                    "UPDATE log_streams SET (first_event, stored_bytes) = (SELECT MIN(ts),"
                    " COALESCE(SUM(length(CAST(message AS BLOB))), 0) FROM log_events WHERE sid = ?)"
                    " WHERE sid = ?",
                    (sid, sid),
                )
    return removed


# -- collector cursors ----------------------------------------------------------------------------
def get_cursor(store: Store, key: str) -> Document | None:
    """Where a container's collection stands: {"ts": <Docker timestamp>, "count": n, ...}."""
    return store.get(CURSORS, key)


def put_cursor(store: Store, key: str, cursor: Document) -> None:
    store.put(CURSORS, key, cursor)


def delete_cursor(store: Store, key: str) -> None:
    store.delete(CURSORS, key)


def to_datetime(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


# -- live tail ------------------------------------------------------------------------------------
def last_event_id(store: Store) -> int:
    with _sql(store).connection() as conn:
        row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM log_events").fetchone()
    return int(row[0])


def read_arrivals(
    store: Store, gids: Sequence[int], after_id: int, limit: int = 10_000
) -> list[tuple[int, Event]]:
    """(gid, event) of the events stored after row `after_id` in these groups, in arrival order."""
    if not gids:
        return []
    marks = ", ".join("?" for _ in gids)
    with _sql(store).connection() as conn:
        rows = conn.execute(
            f"SELECT gid, {_EVENT_COLUMNS} FROM log_events WHERE id > ? AND gid IN ({marks})"
            " ORDER BY id LIMIT ?",
            (after_id, *gids, int(limit)),
        ).fetchall()
    return [(int(r[0]), Event(*r[1:])) for r in rows]
