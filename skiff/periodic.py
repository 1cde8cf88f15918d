"""The loop under every controller: one pass every `interval` seconds, sooner when woken.

A controller owns a `PeriodicLoop` and hands it its pass (a plain or an async function). The loop
waits for the interval or a `wake()`, whichever comes first, then runs the pass; a pass that raises
is logged with the loop's name and the next one runs as usual, so one bad record never stops a
controller. `stop()` cancels the loop and waits for it. Passes never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("skiff.periodic")

Pass = Callable[[], Awaitable[object] | object]


class PeriodicLoop:
    def __init__(self, name: str, interval: float, run_pass: Pass, *, pass_at_start: bool = False) -> None:
        self.name = name
        self.interval = interval
        self.run_pass = run_pass
        self.pass_at_start = pass_at_start
        self.passes = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """Run the next pass now rather than at the end of the interval."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        if self.pass_at_start:
            await self._one_pass()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            await self._one_pass()

    async def _one_pass(self) -> None:
        try:
            result = self.run_pass()
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("%s pass failed", self.name)
        self.passes += 1
