"""The deactivate hook awaits every stop gate together; a failing gate does not block the stop."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from skiff.agent.hooks import deactivate


class WaitsForOther:
    """Returns only once the other gate has run: gates awaited one after the other would hang."""

    def __init__(self, other_ran: asyncio.Event) -> None:
        self.other_ran = other_ran
        self.seen: list[str] = []

    async def before_stop(self, task: dict[str, Any]) -> None:
        await self.other_ran.wait()
        self.seen.append(task["taskArn"])


class Failing:
    def __init__(self, ran: asyncio.Event) -> None:
        self.ran = ran

    async def before_stop(self, task: dict[str, Any]) -> None:
        self.ran.set()
        raise RuntimeError("balancer unreachable")


def runner_with(gates: list[Any]) -> Any:
    return SimpleNamespace(env=SimpleNamespace(stop_gates=gates), doc={"taskArn": "arn:t"}, task_id="t")


def test_gates_run_together_and_a_failure_is_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> list[str]:
        ran = asyncio.Event()
        waiting = WaitsForOther(ran)
        await asyncio.wait_for(deactivate.release_traffic(runner_with([waiting, Failing(ran)])), 10)
        return waiting.seen

    assert asyncio.run(scenario()) == ["arn:t"]
    assert "balancer unreachable" in caplog.text


def test_no_gates_no_wait() -> None:
    asyncio.run(deactivate.release_traffic(runner_with([])))
