"""Log streams: create, delete, describe (by name or last event time, either way, in pages)."""

from __future__ import annotations

from typing import Any

from skiff.services.logs import exceptions as exc
from skiff.services.logs.groups import GroupBackend, group_name
from skiff.services.pagination import BadToken, decode_token, encode_token
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

Params = dict[str, Any]


def sequence_token(stream: records.Stream) -> str:
    """An upload sequence token (AWS ignores them now, but still hands them out)."""
    return f"{stream.sid:028d}{(stream.last_ingestion or stream.created):028d}"


def public(scope: Scope, group: str, stream: records.Stream) -> Document:
    shown: Document = {
        "logStreamName": stream.name,
        "creationTime": stream.created,
        "arn": f"{records.group_arn(scope, group)}:log-stream:{stream.name}",
        "storedBytes": stream.stored_bytes,
        "uploadSequenceToken": sequence_token(stream),
    }
    if stream.first_event is not None:
        shown["firstEventTimestamp"] = stream.first_event
    if stream.last_event is not None:
        shown["lastEventTimestamp"] = stream.last_event
    if stream.last_ingestion is not None:
        shown["lastIngestionTime"] = stream.last_ingestion
    return shown


class StreamBackend:
    def __init__(self, store: Store, groups: GroupBackend) -> None:
        self.store = store
        self.groups = groups

    def require(self, scope: Scope, group: str, name: str) -> records.Stream:
        gid = records.gid_of(self.groups.require(scope, group))
        stream = records.get_stream(self.store, gid, name)
        if stream is None:
            raise exc.stream_not_found()
        return stream

    def create(self, scope: Scope, group: str, name: str) -> None:
        gid = records.gid_of(self.groups.require(scope, group))
        if records.create_stream(self.store, gid, name) is None:
            raise exc.stream_exists()

    def delete(self, scope: Scope, group: str, name: str) -> None:
        records.delete_stream(self.store, self.require(scope, group, name))

    def describe(self, scope: Scope, params: Params) -> Params:
        group = group_name(scope, params)
        by_last = params.get("orderBy") == "LastEventTime"
        prefix = params.get("logStreamNamePrefix")
        if by_last and prefix is not None:
            raise exc.invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        gid = records.gid_of(self.groups.require(scope, group))
        after: tuple[Any, ...] | None = None
        token = params.get("nextToken")
        if token:
            try:
                decoded = decode_token(str(token))
            except BadToken:
                raise exc.bad_token() from None
            if not isinstance(decoded, list) or len(decoded) != (2 if by_last else 1):
                raise exc.bad_token()
            if not all(isinstance(v, (int, str)) and not isinstance(v, bool) for v in decoded):
                raise exc.bad_token()
            after = tuple(decoded)
        limit = int(params.get("limit") or 50)
        descending = bool(params.get("descending"))
        found = records.list_streams(
            self.store,
            gid,
            prefix=str(prefix or ""),
            by_last_event=by_last,
            descending=descending,
            after=after,
            limit=limit + 1,
        )
        out: Params = {"logStreams": [public(scope, group, s) for s in found[:limit]]}
        if len(found) > limit:
            out["nextToken"] = encode_token(list(records.stream_key(found[limit - 1], by_last)))
        return out
