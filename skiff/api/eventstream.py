"""AWS event stream framing (`application/vnd.amazon.eventstream`), for operations whose output
is a stream of events (CloudWatch Logs' StartLiveTail).

A message is a prelude (total length, headers length, CRC32 of those eight bytes), headers
(name, type 7 = string, value), the payload and a CRC32 of everything before it. awsJson
streams begin with an `initial-response` event carrying the output's other members; each event
after it names its member of the stream union in `:event-type` and carries it as JSON.
"""

from __future__ import annotations

import binascii
import json
import struct
from collections.abc import AsyncIterator
from typing import Any

CONTENT_TYPE = "application/vnd.amazon.eventstream"
Event = tuple[str, dict[str, Any]]  # (member of the stream union, its value)


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
    return (
        struct.pack("!B", len(raw_name)) + raw_name + b"\x07" + struct.pack("!H", len(raw_value)) + raw_value
    )


def message(headers: dict[str, str], payload: bytes) -> bytes:
    encoded = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack("!II", total, len(encoded))
    prelude += struct.pack("!I", binascii.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + encoded + payload
    return body + struct.pack("!I", binascii.crc32(body) & 0xFFFFFFFF)


def event_message(event_type: str, value: dict[str, Any]) -> bytes:
    return message(
        {":message-type": "event", ":event-type": event_type, ":content-type": "application/json"},
        json.dumps(value, separators=(",", ":")).encode("utf-8"),
    )


def exception_message(code: str, text: str) -> bytes:
    return message(
        {":message-type": "exception", ":exception-type": code, ":content-type": "application/json"},
        json.dumps({"message": text}).encode("utf-8"),
    )


async def json_stream(initial: dict[str, Any], events: AsyncIterator[Event]) -> AsyncIterator[bytes]:
    """The awsJson framing of an event stream: initial-response first, then each event."""
    yield event_message("initial-response", initial)
    async for event_type, value in events:
        yield event_message(event_type, value)
