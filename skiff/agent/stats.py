"""The stats collector: every metrics period, Docker's stats of each RUNNING task's containers
become CloudWatch datapoints (`AWS/ECS`, and `ECS/ContainerInsights` where the cluster has it on).

Cost: one one-shot stats request per container and one per task's pause container (its network
counters) each period, all at once, on a Docker client of its own (the agent's requests never
queue behind them). Docker answers a one-shot request at its next one-second collection tick,
without a second sample for `precpu_stats`; so the collector keeps each container's previous
sample (in memory) and computes the interval's CPU, network and storage rates itself
(skiff/agent/task_stats.py). A container seen for the first time is asked once without one-shot,
so its CPU shows in its first period already.
Everything a pass computes is written in one transaction (skiff/state/metrics.py); what is
published is skiff/agent/task_metrics.py (and skiff/agent/enhanced_metrics.py for clusters with
enhanced observability). Cluster settings are read from the store on every pass, so turning
Container Insights on or off (UpdateClusterSettings) takes effect at the next period.

The collector reads the ECS clusters and services collections directly (the agent knows no
service layer): `CLUSTERS` and `SERVICES` name the collections of skiff/services/ecs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from skiff.agent import enhanced_metrics, task_metrics
from skiff.agent.task_metrics import TaskReading
from skiff.agent.task_stats import Counters, namespace_counters, usage
from skiff.periodic import PeriodicLoop
from skiff.runtime.docker import DockerClient, DockerError
from skiff.state import metrics
from skiff.state.tasks import INTERNAL, live_tasks
from skiff.store.base import Document, Store

log = logging.getLogger("skiff.agent.stats")

CLUSTERS = "clusters"  # skiff/services/ecs/clusters.py
SERVICES = "services"  # skiff/services/ecs/service_model.py
CONCURRENT_REQUESTS = 48  # Docker answers a one-shot sample at its next 1 s tick: one round for most hosts


class StatsCollector:
    """Samples the running tasks every `period` seconds and publishes their metrics.

    `tasks` lists the task records this server runs (the agent's runners' live documents)."""

    def __init__(
        self,
        store: Store,
        docker: DockerClient,
        tasks: Callable[[], Iterable[Document]],
        period: float = 60.0,
    ) -> None:
        self.store = store
        self.docker = docker
        self.tasks = tasks
        self.period = period
        self.resolution = 1 if period < 60 else 60  # shortened periods: stored per second too
        self.requests = 0  # Docker stats requests made, for the bench
        self.published = 0  # datapoints written
        self._previous: dict[str, Counters] = {}  # container id -> its last sample
        self._limit = asyncio.Semaphore(CONCURRENT_REQUESTS)
        self._window: int | None = None  # the period (epoch // period) sampled last
        # passes a few times a period, sampling in the first one after each boundary: one sample in
        # every period, which alarms over N of N periods need (an interval loop drifts by the pass's
        # own duration and leaves a period empty now and then)
        self._loop = PeriodicLoop("metrics-collector", min(1.0, period / 10), self.tick)

    # -- life -------------------------------------------------------------------------------------
    def start(self) -> None:
        if not self._loop.running:
            self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        await self.docker.close()  # reconnects on the next use

    def forget(self) -> None:
        """Drop every kept sample (the state reset: the tasks are gone)."""
        self._previous.clear()

    # -- one pass ---------------------------------------------------------------------------------
    async def tick(self, now: dt.datetime | None = None) -> int:
        """Sample once per period, stamped at the period's start; 0 when this one was sampled."""
        window = int(metrics.epoch(now or dt.datetime.now(dt.UTC)) // self.period)
        if window == self._window:
            return 0
        self._window = window
        return await self.collect(metrics.from_epoch(window * self.period))

    async def collect(self, now: dt.datetime | None = None) -> int:
        """Sample every RUNNING task once and write its datapoints; returns how many were written."""
        running = [t for t in self.tasks() if t.get("lastStatus") == "RUNNING"]
        readings = [r for r in await asyncio.gather(*(self._read(t) for t in running)) if r is not None]
        seen = {cid for t in running for cid in _sampled_ids(t)}
        for cid in list(self._previous):
            if cid not in seen:
                del self._previous[cid]
        when = now or dt.datetime.now(dt.UTC)
        entries = self._entries(readings, when)
        if not entries:
            return 0
        stored = metrics.put_data(self.store, entries, now=when)
        self.published += stored
        return stored

    def _entries(self, readings: list[TaskReading], when: dt.datetime) -> list[task_metrics.Entry]:
        clusters: dict[str, Document] = {}
        arns = {str(t["clusterArn"]) for t in self.tasks()} | {r.task["clusterArn"] for r in readings}
        for arn in arns:
            doc = self.store.get(CLUSTERS, arn)
            if doc is not None and doc.get("status") == "ACTIVE" and task_metrics.insights_enabled(doc):
                clusters[arn] = doc
        entries = task_metrics.task_entries(readings, set(clusters), when, self.resolution)
        enhanced = {arn for arn, doc in clusters.items() if enhanced_metrics.enhanced(doc)}
        entries += enhanced_metrics.enhanced_entries(
            [r for r in readings if r.task["clusterArn"] in enhanced], when, self.resolution
        )
        for arn, cluster in clusters.items():
            services = self.store.find(SERVICES, {"cluster": arn})
            entries += task_metrics.count_entries(
                cluster, services, live_tasks(self.store, cluster=arn), when, self.resolution
            )
        return entries

    async def _read(self, task: Document) -> TaskReading | None:
        ids = _container_ids(task)
        if not ids:
            return None
        pause = task[INTERNAL].get("pause_id")
        samples = await asyncio.gather(*(self._sample(cid) for cid in [*ids, *([pause] if pause else [])]))
        now = {cid: c for cid, c in zip(ids, samples, strict=False) if c is not None}
        if not now:
            return None
        pause_now = samples[-1] if pause else None
        network = namespace_counters(pause_now, now)
        network_key = pause or f"net:{task['taskArn']}"
        before = {cid: self._previous[cid] for cid in now if cid in self._previous}
        result = usage(now, before, network, self._previous.get(network_key))
        self._previous.update(now)
        if network is not None:
            self._previous[network_key] = network
        return TaskReading(task, result)

    async def _sample(self, container_id: str) -> Counters | None:
        async with self._limit:
            self.requests += 1
            try:
                raw: dict[str, Any] = await self.docker.container_stats(
                    container_id, one_shot=container_id in self._previous
                )
            except DockerError as exc:
                log.debug("no stats of %s: %s", container_id[:12], exc)
                return None
        return Counters.of(raw)


def _container_ids(task: Document) -> list[str]:
    """Docker ids of the task's RUNNING containers."""
    return [
        str(c["runtimeId"])
        for c in task.get("containers") or []
        if c.get("runtimeId") and c.get("lastStatus") == "RUNNING"
    ]


def _sampled_ids(task: Document) -> list[str]:
    pause = task[INTERNAL].get("pause_id")
    return [*_container_ids(task), *([str(pause)] if pause else []), f"net:{task['taskArn']}"]
