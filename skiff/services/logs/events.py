"""PutLogEvents and GetLogEvents.

PutLogEvents applies AWS's batch rules: at most 1,048,576 bytes (each event's UTF-8 message plus
26 bytes) and 10,000 events, chronological order within the batch, a span of at most 24 hours.
Events more than 2 hours ahead, more than 14 days old or older than the group's retention are
left out and reported in `rejectedLogEventsInfo`; the rest is stored. Sequence tokens are
accepted and ignored, as AWS does now.

GetLogEvents pages with AWS's token forms: `f/<56 digits>/s` reads forward (events after a
position), `b/<56 digits>/s` backward (events before it); a position is an event's timestamp
and id. At the end of the stream the token sent comes back, which is how readers stop.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from skiff.services.logs import exceptions as exc
from skiff.services.logs.groups import GroupBackend, group_name
from skiff.services.logs.streams import StreamBackend, sequence_token
from skiff.state import logs as records
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]

MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
MAX_BATCH_EVENTS = 10_000
MAX_EVENT_BYTES = 1_048_576 - EVENT_OVERHEAD
HOUR_MS = 3_600_000
MAX_SPAN_MS = 24 * HOUR_MS
TOO_NEW_MS = 2 * HOUR_MS
TOO_OLD_MS = 14 * records.DAY_MS
MAX_GET_BYTES = 1_048_576

_TOKEN = re.compile(r"([fb])/(\d{24})(\d{32})/s")


def encode_position(direction: str, position: records.Position) -> str:
    ts, event_id = position
    return f"{direction}/{max(ts, 0):024d}{max(event_id, 0):032d}/s"


def decode_position(token: str) -> tuple[str, records.Position]:
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise exc.bad_token()
    return match.group(1), (int(match.group(2)), int(match.group(3)))


def rejected_info(events: list[dict[str, Any]], now: int, retention_days: int) -> tuple[Params, int, int]:
    """AWS's rejectedLogEventsInfo for a chronological batch, and the [start, end) kept."""
    info: Params = {}
    start, end = 0, len(events)
    for index, event in enumerate(events):
        if event["timestamp"] < now - TOO_OLD_MS:
            info["tooOldLogEventEndIndex"] = index
            start = index + 1
    if retention_days:
        for index, event in enumerate(events):
            if index >= start and event["timestamp"] < now - retention_days * records.DAY_MS:
                info["expiredLogEventEndIndex"] = index
                start = index + 1
    for index, event in enumerate(events):
        if event["timestamp"] > now + TOO_NEW_MS:
            info["tooNewLogEventStartIndex"] = index
            end = index
            break
    return info, start, max(start, end)


class EventBackend:
    def __init__(self, store: Store, groups: GroupBackend, streams: StreamBackend) -> None:
        self.store = store
        self.groups = groups
        self.streams = streams

    def put(self, scope: Scope, params: Params) -> Params:
        events: list[dict[str, Any]] = list(params["logEvents"])
        if len(events) > MAX_BATCH_EVENTS:
            raise exc.invalid_parameter(
                f"1 validation error detected: Value '{len(events)}' at 'logEvents' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_BATCH_EVENTS}"
            )
        sizes = [len(str(e["message"]).encode("utf-8", "surrogatepass")) for e in events]
        total = sum(sizes) + EVENT_OVERHEAD * len(events)
        if total > MAX_BATCH_BYTES:
            raise exc.invalid_parameter(f"Upload too large: {total} bytes exceeds limit of {MAX_BATCH_BYTES}")
        if any(size > MAX_EVENT_BYTES for size in sizes):
            raise exc.invalid_parameter(f"Log event too large: exceeds limit of {MAX_EVENT_BYTES} bytes")
        stamps = [int(e["timestamp"]) for e in events]
        if any(b < a for a, b in itertools.pairwise(stamps)):
            raise exc.invalid_parameter(
                "Log events in a single PutLogEvents request must be in chronological order."
            )
        if stamps and stamps[-1] - stamps[0] > MAX_SPAN_MS:
            raise exc.invalid_parameter(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours."
            )
        group = self.groups.require(scope, params["logGroupName"])
        stream = records.get_stream(self.store, records.gid_of(group), params["logStreamName"])
        if stream is None:
            raise exc.stream_not_found()
        now = records.now_ms()
        info, start, end = rejected_info(events, now, int(group.get("retentionInDays") or 0))
        kept = [(int(e["timestamp"]), str(e["message"])) for e in events[start:end]]
        records.append(self.store, stream, kept, now)
        out: Params = {"nextSequenceToken": sequence_token(stream)}
        if info:
            out["rejectedLogEventsInfo"] = info
        return out

    def get(self, scope: Scope, params: Params) -> Params:
        group = self.groups.require(scope, group_name(scope, params))
        stream = records.get_stream(self.store, records.gid_of(group), params["logStreamName"])
        if stream is None:
            raise exc.stream_not_found()
        limit = int(params.get("limit") or 10_000)
        start, end = params.get("startTime"), params.get("endTime")
        token = params.get("nextToken")
        window_start = int(start) if start is not None else None
        window_end = int(end) if end is not None else None
        direction, position = ("", (0, 0))
        if token:
            direction, position = decode_position(str(token))
        if direction == "f":
            found = records.read_stream(
                self.store,
                stream.sid,
                after=position,
                limit=limit,
                from_head=True,
                start=window_start,
                end=window_end,
            )
        elif direction == "b":
            found = records.read_stream(
                self.store,
                stream.sid,
                before=position,
                limit=limit,
                from_head=False,
                start=window_start,
                end=window_end,
            )
        else:
            from_head = bool(params.get("startFromHead"))
            found = records.read_stream(
                self.store, stream.sid, limit=limit, from_head=from_head, start=window_start, end=window_end
            )
        found = _within_bytes(
            found, from_head=direction != "b" and (direction == "f" or bool(params.get("startFromHead")))
        )
        if found:
            forward = encode_position("f", found[-1].position)
            backward = encode_position("b", found[0].position)
        elif direction == "f":
            forward, backward = str(token), encode_position("b", (position[0], position[1] + 1))
        elif direction == "b":
            forward, backward = encode_position("f", (position[0], position[1] - 1)), str(token)
        else:
            forward, backward = encode_position("f", (0, 0)), encode_position("b", (0, 0))
        return {
            "events": [{"timestamp": e.ts, "message": e.message, "ingestionTime": e.ingested} for e in found],
            "nextForwardToken": forward,
            "nextBackwardToken": backward,
        }


def _within_bytes(found: list[records.Event], *, from_head: bool) -> list[records.Event]:
    """At most 1 MB of messages, keeping the events nearest where the read started."""
    total, kept = 0, 0
    ordered = found if from_head else found[::-1]
    for event in ordered:
        total += len(event.message) + EVENT_OVERHEAD
        if total > MAX_GET_BYTES and kept:
            break
        kept += 1
    return found[:kept] if from_head else found[len(found) - kept :]
