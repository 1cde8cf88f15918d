"""Which CloudWatch metrics skiff publishes for running tasks, with what dimensions and units.

`AWS/ECS` (always, as for every Fargate service): CPUUtilization and MemoryUtilization in Percent,
one sample per RUNNING task (its use as a share of its own reservation), so that the period's
Average is the service's utilization, Minimum/Maximum its least and most loaded task and
SampleCount the number of task samples; dimensions {ClusterName, ServiceName} for service tasks and
{ClusterName} for every task of the cluster.

`ECS/ContainerInsights` (only for clusters whose `containerInsights` setting is `enabled` or
`enhanced`): per task sample CpuUtilized / CpuReserved (CPU units, unit None), MemoryUtilized /
MemoryReserved (Megabytes), NetworkRxBytes / NetworkTxBytes and StorageReadBytes /
StorageWriteBytes (Bytes/Second), with dimensions {ClusterName}, {ClusterName, ServiceName} and
{ClusterName, TaskDefinitionFamily}: Sum is the service's (family's, cluster's) total, Average the
per-task figure. Counts, one value each period from the live task records (a service's own
runningCount may lag): RunningTaskCount, PendingTaskCount, DesiredTaskCount per {ClusterName,
ServiceName}; TaskCount per {ClusterName, TaskDefinitionFamily} and {ClusterName}; ServiceCount per
{ClusterName}.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from skiff.agent.task_stats import Usage, percent, reservation
from skiff.state.metrics import Datum, MetricKey, Stats
from skiff.state.tasks import INTERNAL, LAUNCHING_STATES
from skiff.store.base import Document

ECS = "AWS/ECS"
INSIGHTS = "ECS/ContainerInsights"
INSIGHTS_ON = ("enabled", "enhanced")

Entry = tuple[MetricKey, Datum]


@dataclass(frozen=True)
class TaskReading:
    """One RUNNING task's use over the last interval, with what identifies it."""

    task: Document
    """The task record."""
    usage: Usage
    """What it used."""

    @property
    def account(self) -> str:
        return str(self.task[INTERNAL]["account"])

    @property
    def region(self) -> str:
        return str(self.task[INTERNAL]["region"])

    @property
    def cluster(self) -> str:
        return cluster_name(self.task["clusterArn"])

    @property
    def service(self) -> str | None:
        return service_of(self.task)

    @property
    def family(self) -> str:
        return str(self.task[INTERNAL]["definition"]["family"])


def cluster_name(cluster_arn: str) -> str:
    return cluster_arn.rsplit("/", 1)[-1]


def service_of(task: Document) -> str | None:
    """The service a task belongs to (its group `service:<name>`), None for a standalone task."""
    group = str(task.get("group") or "")
    return group.split(":", 1)[1] if group.startswith("service:") else None


def insights_enabled(cluster: Document | None) -> bool:
    """Container Insights is on for the cluster (`settings` containerInsights enabled/enhanced)."""
    for setting in (cluster or {}).get("settings") or []:
        if setting.get("name") == "containerInsights":
            return setting.get("value") in INSIGHTS_ON
    return False


class Batch:
    """Samples gathered per metric, turned into one datum (a statistic set) per metric."""

    def __init__(self, when: dt.datetime, resolution: int) -> None:
        self.when = when
        self.resolution = resolution
        self.samples: dict[MetricKey, tuple[str, list[float]]] = {}

    def add(self, key: MetricKey, unit: str, value: float | None) -> None:
        if value is None:
            return
        self.samples.setdefault(key, (unit, []))[1].append(float(value))

    def entries(self) -> list[Entry]:
        return [
            (key, Datum(self.when, Stats.of_values(values), unit, self.resolution))
            for key, (unit, values) in self.samples.items()
        ]


def _dimension_sets(reading: TaskReading, *, family: bool) -> list[dict[str, str]]:
    sets = [{"ClusterName": reading.cluster}]
    if reading.service is not None:
        sets.append({"ClusterName": reading.cluster, "ServiceName": reading.service})
    if family:
        sets.append({"ClusterName": reading.cluster, "TaskDefinitionFamily": reading.family})
    return sets


def task_entries(
    readings: Iterable[TaskReading],
    insight_clusters: set[str],
    when: dt.datetime,
    resolution: int = 60,
) -> list[Entry]:
    """The per-task metrics of one interval: AWS/ECS always, Container Insights for the tasks of
    the clusters (ARNs) in `insight_clusters`."""
    batch = Batch(when, resolution)
    for reading in readings:
        cpu_reserved, memory_reserved = reservation(reading.task)
        use = reading.usage
        cpu = None if use.cpu_units is None else percent(use.cpu_units, cpu_reserved)
        memory = percent(use.memory_mib, memory_reserved)

        def key(namespace: str, name: str, dims: Mapping[str, str], r: TaskReading = reading) -> MetricKey:
            return MetricKey.of(r.account, r.region, namespace, name, dims)

        for dims in _dimension_sets(reading, family=False):
            batch.add(key(ECS, "CPUUtilization", dims), "Percent", cpu)
            batch.add(key(ECS, "MemoryUtilization", dims), "Percent", memory)
        if reading.task["clusterArn"] not in insight_clusters:
            continue
        for dims in _dimension_sets(reading, family=True):
            batch.add(key(INSIGHTS, "CpuUtilized", dims), "None", use.cpu_units)
            batch.add(key(INSIGHTS, "CpuReserved", dims), "None", cpu_reserved)
            batch.add(key(INSIGHTS, "MemoryUtilized", dims), "Megabytes", use.memory_mib)
            batch.add(key(INSIGHTS, "MemoryReserved", dims), "Megabytes", memory_reserved)
            batch.add(key(INSIGHTS, "NetworkRxBytes", dims), "Bytes/Second", use.rx_per_second)
            batch.add(key(INSIGHTS, "NetworkTxBytes", dims), "Bytes/Second", use.tx_per_second)
            batch.add(key(INSIGHTS, "StorageReadBytes", dims), "Bytes/Second", use.read_per_second)
            batch.add(key(INSIGHTS, "StorageWriteBytes", dims), "Bytes/Second", use.write_per_second)
    return batch.entries()


def count_entries(
    cluster: Document,
    services: Sequence[Document],
    live_tasks: Sequence[Document],
    when: dt.datetime,
    resolution: int = 60,
) -> list[Entry]:
    """Container Insights counts of one cluster from its ACTIVE services and its live (not yet
    STOPPED) task records."""
    arn = str(cluster["clusterArn"])
    account, region = arn.split(":")[4], arn.split(":")[3]
    name = cluster_name(arn)
    batch = Batch(when, resolution)

    def add(metric: str, dims: dict[str, str], value: float) -> None:
        batch.add(MetricKey.of(account, region, INSIGHTS, metric, dims), "Count", value)

    running = [t for t in live_tasks if t.get("lastStatus") == "RUNNING"]
    by_service: dict[str, list[Document]] = {}
    for task in live_tasks:
        owner = service_of(task)
        if owner is not None:
            by_service.setdefault(owner, []).append(task)
    active = [s for s in services if s.get("status") == "ACTIVE"]
    for service in active:
        tasks = by_service.get(str(service["serviceName"]), [])
        dims = {"ClusterName": name, "ServiceName": str(service["serviceName"])}
        add("RunningTaskCount", dims, sum(1 for t in tasks if t.get("lastStatus") == "RUNNING"))
        add("PendingTaskCount", dims, sum(1 for t in tasks if t.get("lastStatus") in LAUNCHING_STATES))
        add("DesiredTaskCount", dims, int(service.get("desiredCount") or 0))
    families: dict[str, int] = {}
    for task in running:
        family = _family(task)
        families[family] = families.get(family, 0) + 1
    for family, count in families.items():
        add("TaskCount", {"ClusterName": name, "TaskDefinitionFamily": family}, count)
    add("TaskCount", {"ClusterName": name}, len(running))
    add("ServiceCount", {"ClusterName": name}, len(active))
    return batch.entries()


def _family(task: Document) -> str:
    internal: Mapping[str, Any] = task.get(INTERNAL) or {}
    definition = internal.get("definition") or {}
    if definition.get("family"):
        return str(definition["family"])
    return str(task.get("taskDefinitionArn", "")).rsplit("/", 1)[-1].split(":", 1)[0]
