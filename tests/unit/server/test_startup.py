"""serve()'s start-up steps name themselves when slow, so a server that does not come up says
which step it waits in; fast steps say nothing and a failing step still fails the start."""

from __future__ import annotations

import asyncio
import contextlib
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


def test_a_start_cancelled_while_a_step_runs_cancels_the_step() -> None:
    finished: list[str] = []

    async def waits_forever(_: web.Application) -> None:
        await asyncio.sleep(60)
        finished.append("step")

    async def start_then_cancel() -> bool:
        app = app_with(waits_forever)
        starting = asyncio.ensure_future(run_steps(app))
        await asyncio.sleep(0.05)
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await asyncio.sleep(0)
        return all(t.done() for t in asyncio.all_tasks() if t is not asyncio.current_task())

    assert asyncio.run(start_then_cancel()), "the step kept running after the start was cancelled"
    assert finished == []
