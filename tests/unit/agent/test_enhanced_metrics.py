"""The enhanced-observability metric set: task-level metrics with TaskId, container-level ones with
ContainerName, their exact dimension sets and units, reservations per container, the health metric
only for containers with a health check, and which clusters count as enhanced."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from skiff.agent.enhanced_metrics import container_reservation, enhanced, enhanced_entries
from skiff.agent.task_metrics import TaskReading
from skiff.agent.task_stats import ContainerUse, Usage

ACC, REG = "000000000000", "us-east-1"
CLUSTER = f"arn:aws:ecs:{REG}:{ACC}:cluster/prod"
WHEN = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
TID = "0" * 31 + "1"


def task(service: str | None = "web") -> dict[str, Any]:
    return {
        "taskArn": f"arn:aws:ecs:{REG}:{ACC}:task/prod/{TID}",
        "clusterArn": CLUSTER,
        "group": f"service:{service}" if service else "family:web",
        "lastStatus": "RUNNING",
        "cpu": "512",
        "memory": "1024",
        "containers": [
            {"name": "app", "runtimeId": "id-app", "lastStatus": "RUNNING", "healthStatus": "UNHEALTHY"},
            {"name": "side", "runtimeId": "id-side", "lastStatus": "RUNNING", "healthStatus": "UNKNOWN"},
        ],
        "_skiff": {
            "account": ACC,
            "region": REG,
            "definition": {
                "family": "webfam",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "cpu": 256,
                        "memoryReservation": 256,
                        "healthCheck": {"command": ["true"]},
                    },
                    {"name": "side"},
                ],
            },
        },
    }


def reading(service: str | None = "web") -> TaskReading:
    containers = {
        "id-app": ContainerUse(128.0, 64.0, 10.0, 20.0),
        "id-side": ContainerUse(None, 32.0, None, None),
    }
    return TaskReading(task(service), Usage(128.0, 96.0, 1000.0, 500.0, 10.0, 20.0, containers))


def by_key(entries: list[Any]) -> dict[tuple[str, tuple[tuple[str, str], ...]], Any]:
    assert all(k.namespace == "ECS/ContainerInsights" for k, _ in entries)
    return {(k.name, k.dimensions): d for k, d in entries}


def dims(**pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs.items()))


def test_task_level_metrics_carry_the_task_id() -> None:
    entries = by_key(enhanced_entries([reading()], WHEN, 60))
    by_service = dims(ClusterName="prod", ServiceName="web", TaskId=TID)
    by_family = dims(ClusterName="prod", TaskDefinitionFamily="webfam", TaskId=TID)
    for name, unit, value in (
        ("CpuUtilized", "None", 128.0),
        ("CpuReserved", "None", 512.0),
        ("MemoryUtilized", "Megabytes", 96.0),
        ("MemoryReserved", "Megabytes", 1024.0),
        ("NetworkRxBytes", "Bytes/Second", 1000.0),
        ("NetworkTxBytes", "Bytes/Second", 500.0),
        ("StorageReadBytes", "Bytes/Second", 10.0),
        ("StorageWriteBytes", "Bytes/Second", 20.0),
        ("TaskCpuUtilization", "Percent", 25.0),
        ("TaskMemoryUtilization", "Percent", 9.375),
    ):
        for key in (by_service, by_family):
            datum = entries[(name, key)]
            assert (datum.unit, datum.stats.maximum, datum.stats.count) == (unit, value, 1), name
    # the per-task figures without TaskId are the standard set's (task_metrics), except the percentages
    assert ("CpuUtilized", dims(ClusterName="prod")) not in entries
    for key in (dims(ClusterName="prod"), dims(ClusterName="prod", ServiceName="web")):
        assert entries[("TaskCpuUtilization", key)].stats.average == 25.0
    assert entries[("TaskMemoryUtilization", dims(ClusterName="prod", TaskDefinitionFamily="webfam"))]


def test_container_level_metrics_per_container_with_their_own_reservation() -> None:
    entries = by_key(enhanced_entries([reading()], WHEN, 1))
    app_sets = [
        dims(ClusterName="prod", ServiceName="web", ContainerName="app"),
        dims(ClusterName="prod", ServiceName="web", TaskId=TID, ContainerName="app"),
        dims(ClusterName="prod", TaskDefinitionFamily="webfam", ContainerName="app"),
        dims(ClusterName="prod", TaskDefinitionFamily="webfam", TaskId=TID, ContainerName="app"),
    ]
    for key in app_sets:
        assert entries[("ContainerCpuUtilized", key)].stats.maximum == 128.0
        assert entries[("ContainerCpuReserved", key)].stats.maximum == 256.0
        assert entries[("ContainerMemoryUtilized", key)].unit == "Megabytes"
        assert entries[("ContainerMemoryReserved", key)].stats.maximum == 256.0
        assert entries[("ContainerMemoryUtilization", key)].stats.maximum == 25.0
        assert entries[("ContainerStorageWriteBytes", key)].stats.maximum == 20.0
        assert entries[("ContainerCpuUtilized", key)].storage_resolution == 1
    side = dims(ClusterName="prod", TaskDefinitionFamily="webfam", TaskId=TID, ContainerName="side")
    assert entries[("ContainerMemoryReserved", side)].stats.maximum == 1024.0  # the task's: none of its own
    assert ("ContainerCpuUtilized", side) not in entries  # its CPU is unknown yet
    cluster = entries[("ContainerMemoryUtilized", dims(ClusterName="prod"))]
    assert (cluster.stats.count, cluster.stats.sum) == (2, 96.0)  # one sample per container
    # the guide lists these per task, not per container; the namespace is the task's
    task_key = dims(ClusterName="prod", ServiceName="web", TaskId=TID)
    assert entries[("ContainerNetworkRxBytes", task_key)].stats.count == 1
    assert entries[("ContainerCpuUtilization", task_key)].stats.maximum == 50.0
    assert not [k for k in entries if k[0] == "ContainerNetworkRxBytes" and "ContainerName" in dict(k[1])]


def test_health_metric_only_for_containers_with_a_health_check() -> None:
    entries = by_key(enhanced_entries([reading()], WHEN))
    health = {k[1]: d for k, d in entries.items() if k[0] == "UnHealthyContainerHealthStatus"}
    assert health and all(dict(key).get("ContainerName", "app") == "app" for key in health)
    assert all(d.stats.maximum == 1.0 and d.unit == "Count" for d in health.values())


def test_a_standalone_task_has_no_service_sets() -> None:
    entries = by_key(enhanced_entries([reading(service=None)], WHEN))
    assert not [k for k in entries if "ServiceName" in dict(k[1])]
    assert ("CpuUtilized", dims(ClusterName="prod", TaskDefinitionFamily="webfam", TaskId=TID)) in entries


def test_only_enhanced_clusters_count() -> None:
    assert enhanced({"settings": [{"name": "containerInsights", "value": "enhanced"}]})
    assert not enhanced({"settings": [{"name": "containerInsights", "value": "enabled"}]})
    assert not enhanced({"settings": []})
    assert not enhanced(None)


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ({"cpu": 128, "memory": 300}, (128.0, 300.0)),
        ({"memoryReservation": 64, "memory": 300}, (512.0, 64.0)),
    ],
)
def test_container_reservation(definition: dict[str, Any], expected: tuple[float, float]) -> None:
    record = task()
    record["_skiff"]["definition"]["containerDefinitions"] = [{"name": "x", **definition}]
    assert container_reservation(record, "x") == expected
    assert container_reservation(record, "absent") == (512.0, 1024.0)
