"""Retention of CloudWatch data: downsampling and expiry of datapoints (state/metrics.py's
`compact`), metrics without data forgotten, alarm history older than 30 days dropped. Runs at
start and then every `interval` seconds; each step is resumable, so kill -9 loses nothing."""

from __future__ import annotations

from skiff.periodic import PeriodicLoop
from skiff.state import alarms, metrics
from skiff.store.base import Store


class MetricRetention:
    def __init__(self, store: Store, interval: float = 600.0) -> None:
        self.store = store
        self.interval = interval
        self._loop = PeriodicLoop("metric-retention", interval, self.sweep, pass_at_start=True)

    def sweep(self) -> int:
        """One pass; returns how many rows it moved or removed."""
        done = metrics.compact(self.store)
        done += metrics.forget_stale_metrics(self.store)
        done += alarms.prune_history(self.store)
        return done

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
