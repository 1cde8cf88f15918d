"""The console's log follower: its events while a stream does not exist yet, when it appears, and
its lines (against a fake CloudWatch Logs backend)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from skiff.api.errors import AwsError
from skiff.console import live
from skiff.console.access import Caller


class FakeLogs:
    """GetLogEvents of a stream that appears on the third read and then gets one event."""

    def __init__(self) -> None:
        self.reads = 0

    async def call(
        self, caller: Caller, service: str, operation: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        assert (service, operation) == ("logs", "GetLogEvents")
        self.reads += 1
        if self.reads <= 2:
            raise AwsError("The specified log stream does not exist.", code="ResourceNotFoundException")
        if self.reads == 3:
            return {"events": [], "nextForwardToken": "f/1"}
        if self.reads == 4:
            assert params.get("nextToken") == "f/1" and params.get("startFromHead") is True
            return {"events": [{"timestamp": 5, "message": "hello"}], "nextForwardToken": "f/2"}
        return {"events": [], "nextForwardToken": "f/2"}


def test_follow_says_it_waits_for_a_stream_then_that_it_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "POLL_SECONDS", 0.01)
    backend = FakeLogs()
    following = live.Live(backend)  # type: ignore[arg-type]

    async def handler(request: web.Request) -> web.StreamResponse:
        return await following.follow(Caller(None), request, "/g", "s")

    async def read() -> list[tuple[str, str]]:
        app = web.Application()
        app.router.add_get("/logs", handler)
        async with TestClient(TestServer(app)) as client:
            reply = await client.get("/logs")
            assert reply.headers["Content-Type"] == "text/event-stream"
            events: list[tuple[str, str]] = []
            kind = "message"
            while len(events) < 3:
                line = (await asyncio.wait_for(reply.content.readline(), 5)).decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[len("event: ") :]
                elif line.startswith("data: "):
                    events.append((kind, line[len("data: ") :]))
                    kind = "message"
            reply.close()
            return events

    events = asyncio.run(read())
    assert [kind for kind, _ in events] == ["waiting", "open", "message"], events
    assert json.loads(events[0][1]) == {"group": "/g", "stream": "s"}
    assert json.loads(events[2][1]) == {"timestamp": 5, "message": "hello"}
