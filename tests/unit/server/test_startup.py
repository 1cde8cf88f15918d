"""serve()'s start-up steps name themselves when slow, so a server that does not come up says
which step it waits in; fast steps say nothing and a failing step still fails the start."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web

from skiff.server import app as server


def app_with(*steps: object) -> web.Application:
    app = web.Application()
    for step in steps:
        app.on_startup.append(step)  # type: ignore[arg-type]
    server.time_startup_steps(app)
    return app


async def run_steps(app: web.Application) -> None:
    for step in app.on_startup:
        await step(app)


def test_a_slow_step_is_named_while_it_runs_and_when_it_ends(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(server, "SLOW_STARTUP_STEP_SECONDS", 0.05)
    ran: list[str] = []

    async def adopt_tasks(_: web.Application) -> None:
        await asyncio.sleep(0.2)
        ran.append("slow")

    async def open_balancers(_: web.Application) -> None:
        ran.append("fast")

    with caplog.at_level(logging.WARNING, logger="skiff"):
        asyncio.run(run_steps(app_with(adopt_tasks, open_balancers)))
    assert ran == ["slow", "fast"]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2, warnings
    assert "adopt_tasks is still running after 0.05 s" in warnings[0]
    assert "adopt_tasks took 0.2 s" in warnings[1]


def test_a_failing_step_fails_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "SLOW_STARTUP_STEP_SECONDS", 0.05)

    async def broken(_: web.Application) -> None:
        raise RuntimeError("no engine")

    async def broken_late(_: web.Application) -> None:
        await asyncio.sleep(0.1)
        raise RuntimeError("late")

    with pytest.raises(RuntimeError, match="no engine"):
        asyncio.run(run_steps(app_with(broken)))
    with pytest.raises(RuntimeError, match="late"):
        asyncio.run(run_steps(app_with(broken_late)))
