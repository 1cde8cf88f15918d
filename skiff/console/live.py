"""The console's live part: a container's log as server-sent events (charts: charts.py).

Logs: `follow` sends the stream's last lines, then every new line as it reaches CloudWatch Logs
(GetLogEvents with the forward token, polled), one SSE `data:` event per log event; a comment
line keeps idle connections open. A stream that does not exist yet (the task has not started its
container) is waited for: an SSE `waiting` event says so, an `open` event says when it appears
(the page shows "waiting for the first line..." until a line comes).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from skiff.api.errors import AwsError
from skiff.console.access import Caller
from skiff.console.backend import ConsoleBackend

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
BACKLOG = 200


class Live:
    def __init__(self, backend: ConsoleBackend) -> None:
        self.backend = backend

    async def follow(
        self, caller: Caller, request: web.Request, group: str, stream: str
    ) -> web.StreamResponse:
        # the first read answers refusals and bad names as a JSON error, before the stream opens
        params: dict[str, Any] = {"logGroupName": group, "logStreamName": stream, "limit": BACKLOG}
        first = await self._read(caller, params)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        last_write = time.monotonic()
        page = first
        present = first is not None
        try:
            await response.write(
                sse_event("open" if present else "waiting", {"group": group, "stream": stream})
            )
            while True:
                if page is not None and not present:
                    present = True
                    await response.write(sse_event("open", {"group": group, "stream": stream}))
                if page is not None:
                    for event in page.get("events") or []:
                        line = json.dumps(
                            {"timestamp": event.get("timestamp"), "message": event.get("message")}
                        )
                        await response.write(f"data: {line}\n\n".encode())
                        last_write = time.monotonic()
                    token = page.get("nextForwardToken")
                    params = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
                    if token:
                        params["nextToken"] = token
                if time.monotonic() - last_write > KEEPALIVE_SECONDS:
                    await response.write(b": keep-alive\n\n")
                    last_write = time.monotonic()
                await asyncio.sleep(POLL_SECONDS)
                if request.transport is None or request.transport.is_closing():
                    break
                following = await self._read(caller, params)
                page = following if following is not None or "nextToken" in params else None
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    async def _read(self, caller: Caller, params: dict[str, Any]) -> dict[str, Any] | None:
        """A page of events; None while the stream does not exist yet."""
        try:
            return await self.backend.call(caller, "logs", "GetLogEvents", dict(params))
        except AwsError as error:
            if error.code == "ResourceNotFoundException":
                return None
            raise


def sse_event(kind: str, data: dict[str, Any]) -> bytes:
    """One named server-sent event (the page's EventSource listens for `open` and `waiting`)."""
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()
