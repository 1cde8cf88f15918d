"""FilterLogEvents: a group's events (all streams, named ones, or a name prefix) in time order,
interleaved across streams, matched against a filter pattern, in pages.

A call reads at most `SCAN_BUDGET` stored events; when it stops short of the end it returns what
matched so far with a `nextToken`, as AWS does for long searches (the CLI's paginator follows it).
"""

from __future__ import annotations

from typing import Any

from skiff.services.logs import exceptions as exc
from skiff.services.logs.filter_pattern import PatternError, compile_pattern
from skiff.services.logs.groups import GroupBackend, group_name
from skiff.services.pagination import BadToken, decode_token, encode_token
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]

SCAN_BUDGET = 50_000
CHUNK = 2_000
MAX_REPLY_BYTES = 1_048_576


def event_id(event: records.Event) -> str:
    return f"{event.ts:024d}{event.id:032d}"


def _after(token: Any) -> records.Position | None:
    if not token:
        return None
    try:
        value = decode_token(str(token))
    except BadToken:
        raise exc.bad_token() from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise exc.bad_token()
    return (int(value[0]), int(value[1]))


class FilterBackend:
    def __init__(self, store: Store, groups: GroupBackend) -> None:
        self.store = store
        self.groups = groups

    def filter(self, scope: Scope, params: Params) -> Params:
        name = group_name(scope, params)
        names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
        if names is not None and prefix is not None:
            raise exc.invalid_parameter(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
            )
        try:
            matches = compile_pattern(params.get("filterPattern"))
        except PatternError as error:
            raise exc.invalid_parameter(error.aws) from None
        after = _after(params.get("nextToken"))
        gid = records.gid_of(self.groups.require(scope, name))
        sids: list[int] | None = None
        if names is not None:
            sids = [s.sid for s in records.streams_named(self.store, gid, [str(n) for n in names])]
        elif prefix is not None:
            sids = [s.sid for s in records.list_streams(self.store, gid, prefix=str(prefix), limit=1_000_000)]
        start, end = params.get("startTime"), params.get("endTime")
        window_end = int(end) + 1 if end is not None else None
        limit = int(params.get("limit") or 10_000)
        found: list[records.Event] = []
        scanned, size, exhausted = 0, 0, False
        position = after
        while sids != [] and len(found) < limit and scanned < SCAN_BUDGET and size < MAX_REPLY_BYTES:
            chunk = records.read_group(
                self.store,
                gid,
                sids=sids,
                start=int(start) if start is not None else None,
                end=window_end,
                after=position,
                limit=CHUNK,
            )
            for event in chunk:
                scanned += 1
                position = event.position
                if matches(event.message):
                    found.append(event)
                    size += len(event.message) + 26
                    if len(found) >= limit or size >= MAX_REPLY_BYTES:
                        break
            if len(chunk) < CHUNK and (not chunk or position == chunk[-1].position):
                exhausted = True
                break
        names_by_sid = records.stream_names(self.store, sorted({e.sid for e in found}))
        out: Params = {
            "events": [
                {
                    "logStreamName": names_by_sid.get(e.sid, ""),
                    "timestamp": e.ts,
                    "message": e.message,
                    "ingestionTime": e.ingested,
                    "eventId": event_id(e),
                }
                for e in found
            ],
            "searchedLogStreams": [],
        }
        if not exhausted and sids != [] and position is not None and position != after:
            out["nextToken"] = encode_token(list(position))
        return out
