"""Stopped tasks age out as on ECS: DescribeTasks answers for a stopped task for about an hour.

Every sweep removes the tasks that stopped more than `retention` ago, oldest first (the
`stopped_at` column orders them), with their tags; and the expired temporary credentials of task
and AssumeRole sessions that were never issued again. The tasks table therefore stays bounded
under a service that churns tasks. Docker leftovers are the agent's (its cleanup goes by label).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from skiff.services.ecs.tasks import TaskBackend
from skiff.services.iam.credentials import CredentialBackend
from skiff.state.tasks import oldest_stopped

log = logging.getLogger("skiff.controllers.retention")

DEFAULT_RETENTION = 3600.0
BATCH = 200  # records removed per sweep at most; the next sweep goes on


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StoppedTaskRetention:
    def __init__(
        self,
        tasks: TaskBackend,
        credentials: CredentialBackend | None = None,
        retention: float = DEFAULT_RETENTION,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.tasks = tasks
        self.credentials = credentials
        self.retention = dt.timedelta(seconds=retention)
        self.clock = clock
        self._loop: asyncio.Task[None] | None = None

    def sweep(self) -> int:
        """Forget the tasks stopped longer than the retention ago; how many went."""
        now = self.clock()
        cutoff = now - self.retention
        removed = 0
        for task in oldest_stopped(self.tasks.store, BATCH):
            stopped = task.get("stoppedAt")
            if isinstance(stopped, dt.datetime) and stopped > cutoff:
                break  # ordered by stop time: the rest are younger
            self.tasks.forget(task["taskArn"])
            removed += 1
        if self.credentials is not None:
            self.credentials.purge_expired(now=now)
        return removed

    def start(self, interval: float) -> None:
        self._loop = asyncio.get_running_loop().create_task(self._run(interval), name="task-retention")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop

    async def _run(self, interval: float) -> None:
        while True:
            try:
                removed = self.sweep()
                if removed:
                    log.info("forgot %d stopped tasks older than %s", removed, self.retention)
            except Exception:
                log.exception("stopped-task retention sweep failed")
            await asyncio.sleep(interval)
