"""What the collector publishes: AWS/ECS utilization per task sample (so Average, Minimum,
Maximum and SampleCount over a service's tasks are AWS's), Container Insights only for clusters
that have it on, and the Insights counts from live task records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from skiff.agent.task_metrics import TaskReading, count_entries, insights_enabled, task_entries
from skiff.agent.task_stats import Usage
from skiff.state.metrics import MetricKey

ACC, REG = "000000000000", "us-east-1"
CLUSTER = f"arn:aws:ecs:{REG}:{ACC}:cluster/prod"
WHEN = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def task(
    n: int, *, service: str | None = "web", status: str = "RUNNING", family: str = "web"
) -> dict[str, Any]:
    return {
        "taskArn": f"arn:aws:ecs:{REG}:{ACC}:task/prod/{n:032x}",
        "clusterArn": CLUSTER,
        "group": f"service:{service}" if service else f"family:{family}",
        "lastStatus": status,
        "cpu": "256",
        "memory": "512",
        "_skiff": {"account": ACC, "region": REG, "definition": {"family": family}},
    }


def use(cpu: float | None, memory: float, rx: float | None = 10.0) -> Usage:
    return Usage(cpu, memory, rx, rx, None, None)


def by_key(entries: list[Any]) -> dict[tuple[str, str, tuple[tuple[str, str], ...]], Any]:
    return {(k.namespace, k.name, k.dimensions): d for k, d in entries}


def test_service_utilization_is_one_sample_per_task() -> None:
    readings = [TaskReading(task(1), use(64.0, 128.0)), TaskReading(task(2), use(192.0, 256.0))]
    entries = by_key(task_entries(readings, set(), WHEN, 60))
    service = (("ClusterName", "prod"), ("ServiceName", "web"))
    cpu = entries[("AWS/ECS", "CPUUtilization", service)]
    assert cpu.unit == "Percent" and cpu.timestamp == WHEN and cpu.storage_resolution == 60
    assert (cpu.stats.count, cpu.stats.minimum, cpu.stats.maximum, cpu.stats.average) == (2, 25.0, 75.0, 50.0)
    memory = entries[("AWS/ECS", "MemoryUtilization", service)]
    assert (memory.stats.minimum, memory.stats.maximum) == (25.0, 50.0)
    assert entries[("AWS/ECS", "CPUUtilization", (("ClusterName", "prod"),))].stats.count == 2
    assert not [k for k in entries if k[0] == "ECS/ContainerInsights"]


def test_a_standalone_task_counts_for_its_cluster_only() -> None:
    entries = by_key(task_entries([TaskReading(task(3, service=None), use(256.0, 512.0))], set(), WHEN, 1))
    assert set(entries) == {
        ("AWS/ECS", "CPUUtilization", (("ClusterName", "prod"),)),
        ("AWS/ECS", "MemoryUtilization", (("ClusterName", "prod"),)),
    }
    assert entries[("AWS/ECS", "CPUUtilization", (("ClusterName", "prod"),))].stats.maximum == 100.0
    assert entries[("AWS/ECS", "CPUUtilization", (("ClusterName", "prod"),))].storage_resolution == 1


def test_unknown_cpu_publishes_memory_only() -> None:
    entries = by_key(task_entries([TaskReading(task(1), use(None, 64.0))], set(), WHEN))
    assert {k[1] for k in entries} == {"MemoryUtilization"}


def test_container_insights_per_service_family_and_cluster() -> None:
    readings = [
        TaskReading(task(1), use(64.0, 128.0, rx=100.0)),
        TaskReading(task(2), use(32.0, 64.0, rx=300.0)),
    ]
    entries = by_key(task_entries(readings, {CLUSTER}, WHEN))
    for dims in (
        (("ClusterName", "prod"),),
        (("ClusterName", "prod"), ("ServiceName", "web")),
        (("ClusterName", "prod"), ("TaskDefinitionFamily", "web")),
    ):
        cpu = entries[("ECS/ContainerInsights", "CpuUtilized", dims)]
        assert (cpu.unit, cpu.stats.sum, cpu.stats.count) == ("None", 96.0, 2)
        assert entries[("ECS/ContainerInsights", "CpuReserved", dims)].stats.sum == 512.0
        memory = entries[("ECS/ContainerInsights", "MemoryUtilized", dims)]
        assert (memory.unit, memory.stats.sum) == ("Megabytes", 192.0)
        assert entries[("ECS/ContainerInsights", "MemoryReserved", dims)].stats.maximum == 512.0
        rx = entries[("ECS/ContainerInsights", "NetworkRxBytes", dims)]
        assert (rx.unit, rx.stats.sum) == ("Bytes/Second", 400.0)
    assert not [k for k in entries if k[1] == "StorageReadBytes"]  # no storage interval known yet


def test_counts_come_from_live_task_records() -> None:
    cluster = {"clusterArn": CLUSTER, "settings": [{"name": "containerInsights", "value": "enabled"}]}
    services = [
        {"serviceName": "web", "status": "ACTIVE", "desiredCount": 3},
        {"serviceName": "idle", "status": "ACTIVE", "desiredCount": 0},
        {"serviceName": "gone", "status": "INACTIVE", "desiredCount": 2},
    ]
    live = [
        task(1),
        task(2, status="PENDING"),
        task(3, status="PROVISIONING"),
        task(4, service=None, family="batch"),
    ]
    entries = by_key(count_entries(cluster, services, live, WHEN))

    def value(name: str, **dims: str) -> float:
        datum = entries[
            (
                "ECS/ContainerInsights",
                name,
                MetricKey.of(ACC, REG, "x", "y", {"ClusterName": "prod", **dims}).dimensions,
            )
        ]
        assert datum.unit == "Count" and datum.stats.count == 1
        return float(datum.stats.sum)

    assert value("RunningTaskCount", ServiceName="web") == 1
    assert value("PendingTaskCount", ServiceName="web") == 2
    assert value("DesiredTaskCount", ServiceName="web") == 3
    assert value("RunningTaskCount", ServiceName="idle") == 0
    assert (
        "ECS/ContainerInsights",
        "RunningTaskCount",
        (("ClusterName", "prod"), ("ServiceName", "gone")),
    ) not in entries
    assert value("TaskCount", TaskDefinitionFamily="web") == 1
    assert value("TaskCount", TaskDefinitionFamily="batch") == 1
    assert value("TaskCount") == 2
    assert value("ServiceCount") == 2


def test_insights_setting() -> None:
    assert insights_enabled({"settings": [{"name": "containerInsights", "value": "enabled"}]})
    assert insights_enabled({"settings": [{"name": "containerInsights", "value": "enhanced"}]})
    assert not insights_enabled({"settings": [{"name": "containerInsights", "value": "disabled"}]})
    assert not insights_enabled({"settings": []})
    assert not insights_enabled(None)
