"""Applies CloudWatch Logs retention policies: every `interval` seconds, the events older than
their group's `retentionInDays` are deleted and the streams' stored bytes recounted (AWS
deletes expired events within days; skiff at the next pass, a minute by default)."""

from __future__ import annotations

import logging

from skiff.periodic import PeriodicLoop
from skiff.state import logs as records
from skiff.store.base import Store

log = logging.getLogger("skiff.controllers.logs_retention")


class LogRetention:
    def __init__(self, store: Store, interval: float) -> None:
        self.store = store
        self.interval = interval
        self._loop = PeriodicLoop("logs-retention", interval, self.sweep)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    def sweep(self) -> int:
        """One pass; returns how many events expired."""
        removed = records.expire(self.store)
        if removed:
            log.info("retention removed %d log events", removed)
        return removed
