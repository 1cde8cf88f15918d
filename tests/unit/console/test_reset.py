"""The registry of reset hooks: phases in order, sync and async hooks, failures reported."""

from __future__ import annotations

import asyncio

import pytest

from skiff.console.reset import Phase, ResetHooks


def test_hooks_run_phase_by_phase_in_the_order_added() -> None:
    ran: list[str] = []
    hooks = ResetHooks()

    async def runtime() -> None:
        await asyncio.sleep(0)
        ran.append("runtime")

    hooks.add("resume", Phase.RESUME, lambda: ran.append("resume"))
    hooks.add("state a", Phase.STATE, lambda: ran.append("state a"))
    hooks.add("runtime", Phase.RUNTIME, runtime)
    hooks.add("state b", Phase.STATE, lambda: ran.append("state b"))
    hooks.add("quiesce", Phase.QUIESCE, lambda: ran.append("quiesce"))
    report = asyncio.run(hooks.run())
    assert ran == ["quiesce", "runtime", "state a", "state b", "resume"]
    assert report.ok and report.ran == ran and hooks.names == ran
    assert report.as_json()["status"] == "ok"


def test_a_failing_hook_is_reported_and_the_others_still_run() -> None:
    ran: list[str] = []
    hooks = ResetHooks()

    def broken() -> None:
        raise RuntimeError("disk on fire")

    hooks.add("broken", Phase.RUNTIME, broken)
    hooks.add("after", Phase.STATE, lambda: ran.append("after"))
    report = asyncio.run(hooks.run())
    assert ran == ["after"]
    assert not report.ok
    assert report.as_json()["failed"] == {"broken": "RuntimeError: disk on fire"}


def test_names_are_unique() -> None:
    hooks = ResetHooks()
    hooks.add("x", Phase.STATE, lambda: None)
    with pytest.raises(ValueError):
        hooks.add("x", Phase.CACHES, lambda: None)


def test_resets_never_overlap() -> None:
    inside = 0
    most = 0
    hooks = ResetHooks()

    async def slow() -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1

    hooks.add("slow", Phase.RUNTIME, slow)

    async def both() -> None:
        await asyncio.gather(hooks.run(), hooks.run(), hooks.run())

    asyncio.run(both())
    assert most == 1 and hooks.resets == 3
