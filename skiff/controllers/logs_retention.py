"""Applies CloudWatch Logs retention policies: every `interval` seconds, the events older than
their group's `retentionInDays` are deleted and the streams' stored bytes recounted (AWS
deletes expired events within days; skiff at the next pass, a minute by default)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from skiff.state import logs as records
from skiff.store.base import Store

log = logging.getLogger("skiff.controllers.logs_retention")


class LogRetention:
    def __init__(self, store: Store, interval: float) -> None:
        self.store = store
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="logs-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def sweep(self) -> int:
        """One pass; returns how many events expired."""
        return records.expire(self.store)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                removed = self.sweep()
                if removed:
                    log.info("retention removed %d log events", removed)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention pass failed")
