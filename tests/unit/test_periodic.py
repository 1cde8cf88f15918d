"""The controllers' loop: passes on the interval and on wake, failures logged and survived,
async passes awaited, stop ends it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from skiff.periodic import PeriodicLoop


async def until(condition: Callable[[], bool], timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def test_a_wake_runs_the_pass_before_the_interval_ends() -> None:
    async def scenario() -> list[str]:
        seen: list[str] = []
        loop = PeriodicLoop("wakes", 60.0, lambda: seen.append("pass"))
        loop.start()
        await asyncio.sleep(0.05)
        assert seen == []  # nothing before the interval or a wake
        loop.wake()
        await until(lambda: len(seen) == 1)
        loop.wake()
        await until(lambda: len(seen) == 2)
        await loop.stop()
        assert not loop.running
        return seen

    assert asyncio.run(scenario()) == ["pass", "pass"]


def test_the_interval_alone_repeats_passes_and_the_first_can_come_at_start() -> None:
    async def scenario() -> tuple[int, int]:
        plain = PeriodicLoop("plain", 0.02, lambda: None)
        eager = PeriodicLoop("eager", 60.0, lambda: None, pass_at_start=True)
        plain.start()
        eager.start()
        await until(lambda: plain.passes >= 3 and eager.passes == 1)
        await asyncio.sleep(0.05)
        counts = plain.passes, eager.passes
        await plain.stop()
        await eager.stop()
        return counts

    plain, eager = asyncio.run(scenario())
    assert plain >= 3 and eager == 1


def test_a_failing_pass_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("bad record")

    async def scenario() -> None:
        loop = PeriodicLoop("flaky", 0.01, flaky)
        loop.start()
        await until(lambda: len(calls) >= 2)
        assert loop.running
        await loop.stop()

    with caplog.at_level(logging.ERROR, logger="skiff.periodic"):
        asyncio.run(scenario())
    assert "flaky pass failed" in caplog.text and "bad record" in caplog.text


def test_an_async_pass_is_awaited_and_passes_never_overlap() -> None:
    active: list[int] = []
    overlaps: list[int] = []
    done: list[int] = []

    async def slow() -> None:
        if active:
            overlaps.append(1)
        active.append(1)
        await asyncio.sleep(0.03)
        active.pop()
        done.append(1)

    async def scenario() -> None:
        loop = PeriodicLoop("slow", 0.001, slow)
        loop.start()
        for _ in range(5):
            loop.wake()
            await asyncio.sleep(0.005)
        await until(lambda: len(done) >= 3)
        await loop.stop()

    asyncio.run(scenario())
    assert overlaps == [] and len(done) >= 3
