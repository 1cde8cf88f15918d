"""StartLiveTail: a session streaming the events that arrive in up to 10 log groups (optionally
some streams, or stream name prefixes, of a single group), filtered by a pattern.

The reply is an event stream: `sessionStart` describing the session, then a `sessionUpdate`
every second with the events stored since the last one (at most 500 per update, as AWS samples
above that, then `sampled` is true). A session ends after three hours with SessionTimeoutException,
or when the client goes away. Events are followed by arrival (row id), not by timestamp, so an
event with an old timestamp that arrives late is still shown.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

from skiff.api.eventstream import Event as StreamEvent
from skiff.services.logs import exceptions as exc
from skiff.services.logs.filter_pattern import PatternError, compile_pattern
from skiff.services.logs.groups import GroupBackend, name_from_identifier
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]

UPDATE_SECONDS = 1.0
SESSION_SECONDS = 3 * 3600
MAX_PER_UPDATE = 500


class LiveTailBackend:
    def __init__(self, store: Store, groups: GroupBackend) -> None:
        self.store = store
        self.groups = groups

    def start(self, scope: Scope, params: Params, request_id: str) -> AsyncIterator[StreamEvent]:
        identifiers = [str(i) for i in params["logGroupIdentifiers"]]
        names, prefixes = params.get("logStreamNames"), params.get("logStreamNamePrefixes")
        if names is not None and prefixes is not None:
            raise exc.invalid_parameter(
                "logStreamNames and logStreamNamePrefixes are mutually exclusive parameters."
            )
        if (names is not None or prefixes is not None) and len(identifiers) > 1:
            raise exc.invalid_parameter(
                "logStreamNames and logStreamNamePrefixes can only be used with a single log group."
            )
        try:
            matches = compile_pattern(params.get("logEventFilterPattern"))
        except PatternError as error:
            raise exc.invalid_parameter(error.aws) from None
        groups: dict[int, str] = {}
        for identifier in identifiers:
            group = self.groups.require(scope, name_from_identifier(scope, identifier))
            groups[records.gid_of(group)] = identifier
        wanted_names = {str(n) for n in names} if names is not None else None
        wanted_prefixes = [str(p) for p in prefixes] if prefixes is not None else None
        start: Params = {
            "requestId": request_id,
            "sessionId": str(uuid.uuid4()),
            "logGroupIdentifiers": identifiers,
        }
        if names is not None:
            start["logStreamNames"] = sorted(wanted_names or [])
        if prefixes is not None:
            start["logStreamNamePrefixes"] = wanted_prefixes
        if params.get("logEventFilterPattern") is not None:
            start["logEventFilterPattern"] = params["logEventFilterPattern"]
        after = records.last_event_id(self.store)

        def wanted(stream: str) -> bool:
            if wanted_names is not None:
                return stream in wanted_names
            if wanted_prefixes is not None:
                return any(stream.startswith(p) for p in wanted_prefixes)
            return True

        async def session() -> AsyncIterator[StreamEvent]:
            nonlocal after
            yield "sessionStart", start
            loop = asyncio.get_running_loop()
            ends = loop.time() + SESSION_SECONDS
            while loop.time() < ends:
                await asyncio.sleep(UPDATE_SECONDS)
                arrivals = records.read_arrivals(self.store, list(groups), after)
                if arrivals:
                    after = arrivals[-1][1].id
                names_by_sid = records.stream_names(self.store, sorted({e.sid for _, e in arrivals}))
                results = [
                    {
                        "logStreamName": names_by_sid.get(event.sid, ""),
                        "logGroupIdentifier": groups[gid],
                        "message": event.message,
                        "timestamp": event.ts,
                        "ingestionTime": event.ingested,
                    }
                    for gid, event in arrivals
                    if wanted(names_by_sid.get(event.sid, "")) and matches(event.message)
                ]
                sampled = len(results) > MAX_PER_UPDATE
                yield (
                    "sessionUpdate",
                    {"sessionMetadata": {"sampled": sampled}, "sessionResults": results[-MAX_PER_UPDATE:]},
                )
            yield "SessionTimeoutException", {"message": "Session timed out after 3 hours."}

        return session()
