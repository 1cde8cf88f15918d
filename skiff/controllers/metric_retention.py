"""Retention of CloudWatch data: downsampling and expiry of datapoints (state/metrics.py's
`compact`), metrics without data forgotten, alarm history older than 30 days dropped. Runs at
start and then every `interval` seconds; each step is resumable, so kill -9 loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from skiff.state import alarms, metrics
from skiff.store.base import Store

log = logging.getLogger("skiff.controllers.metric_retention")


class MetricRetention:
    def __init__(self, store: Store, interval: float = 600.0) -> None:
        self.store = store
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def sweep(self) -> int:
        """One pass; returns how many rows it moved or removed."""
        done = metrics.compact(self.store)
        done += metrics.forget_stale_metrics(self.store)
        done += alarms.prune_history(self.store)
        return done

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="metric-retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("metric retention pass failed")
            await asyncio.sleep(self.interval)
