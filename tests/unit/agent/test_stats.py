"""The collector's passes against a fake Docker serving recorded stats JSON and a real SQLite
store: the first pass asks Docker for a full sample (CPU from its own previous reading), later
passes one-shot samples with the collector's own previous ones; datapoints land in the metric
store where the CloudWatch API reads them; containers that went are forgotten."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from skiff.agent import stats as collector_module
from skiff.agent.stats import StatsCollector
from skiff.runtime.docker import DockerError
from skiff.services.ecs import clusters, service_model
from skiff.state import metrics
from skiff.state.metrics import MetricKey
from skiff.store import SqliteStore

DATA = Path(__file__).parent / "data"
ACC, REG = "000000000000", "us-east-1"
CLUSTER = f"arn:aws:ecs:{REG}:{ACC}:cluster/prod"
T0 = dt.datetime(2026, 12, 3, 9, 9, 0, tzinfo=dt.UTC)


class FakeDocker:
    """Stats of containers whose CPU counter grows by `cpu_per_second` ns each second of `clock`."""

    def __init__(self) -> None:
        self.base: dict[str, Any] = json.loads((DATA / "docker_stats_v1.json").read_text())
        self.clock = 0
        self.cpu_per_second = {"app1": 10**9 // 4, "app2": 10**9 // 2, "pause1": 0}
        self.calls: list[tuple[str, bool]] = []
        self.missing: set[str] = set()

    async def container_stats(self, container_id: str, *, one_shot: bool = False) -> dict[str, Any]:
        self.calls.append((container_id, one_shot))
        if container_id in self.missing:
            raise DockerError(404, "No such container")
        out = copy.deepcopy(self.base)
        read = T0 + dt.timedelta(seconds=self.clock)
        out["read"] = read.strftime("%Y-%m-%dT%H:%M:%S") + ".000000000Z"
        used = self.cpu_per_second.get(container_id, 0) * (100 + self.clock)
        out["cpu_stats"]["cpu_usage"]["total_usage"] = used
        out["networks"]["eth0"]["rx_bytes"] = 1000 * self.clock
        if one_shot:
            out["preread"] = "0001-01-01T00:00:00Z"
            out["precpu_stats"] = {"cpu_usage": {"total_usage": 0}}
        else:
            out["preread"] = (read - dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S") + ".000000000Z"
            out["precpu_stats"]["cpu_usage"]["total_usage"] = used - self.cpu_per_second.get(container_id, 0)
        return out


def task_doc(n: int, container: str, pause: str | None) -> dict[str, Any]:
    return {
        "taskArn": f"arn:aws:ecs:{REG}:{ACC}:task/prod/{n:032x}",
        "clusterArn": CLUSTER,
        "group": "service:web",
        "lastStatus": "RUNNING",
        "cpu": "256",
        "memory": "512",
        "containers": [{"name": "app", "runtimeId": container, "lastStatus": "RUNNING"}],
        "_skiff": {"account": ACC, "region": REG, "definition": {"family": "web"}, "pause_id": pause},
    }


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "s.db")


def cpu_points(store: SqliteStore, **dims: str) -> list[metrics.Point]:
    key = MetricKey.of(ACC, REG, "AWS/ECS", "CPUUtilization", {"ClusterName": "prod", **dims})
    return metrics.query(store, key, T0 - dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=5), 60)


def test_passes_publish_task_samples_full_then_one_shot(store: SqliteStore) -> None:
    docker = FakeDocker()
    tasks = [task_doc(1, "app1", "pause1"), task_doc(2, "app2", None)]
    collector = StatsCollector(store, docker, lambda: tasks, period=60)  # type: ignore[arg-type]

    async def scenario() -> tuple[int, int]:
        first = await collector.collect(now=T0)
        docker.clock = 30
        second = await collector.collect(now=T0 + dt.timedelta(seconds=30))
        return first, second

    first, second = asyncio.run(scenario())
    assert first > 0 and second > 0
    assert docker.calls[:3] == [("app1", False), ("pause1", False), ("app2", False)]
    assert sorted(docker.calls[3:]) == [("app1", True), ("app2", True), ("pause1", True)]
    (point,) = cpu_points(store, ServiceName="web")
    # task 1 uses a quarter of a core (256 units = 100 %), task 2 half a core (200 %), twice each
    assert point.stats.count == 4
    assert point.stats.minimum == pytest.approx(100.0) and point.stats.maximum == pytest.approx(200.0)
    assert point.unit == "Percent"
    # no Container Insights: the cluster record does not turn it on
    insights = metrics.list_metrics(store, ACC, REG, namespace="ECS/ContainerInsights", now=T0)
    assert insights == []


def test_insights_follow_the_cluster_setting_and_counts_read_the_records(store: SqliteStore) -> None:
    settings = [{"name": "containerInsights", "value": "enabled"}]
    doc = {"clusterArn": CLUSTER, "status": "ACTIVE", "settings": settings}
    store.put(clusters.CLUSTERS, CLUSTER, doc, account=ACC, region=REG, name="prod", status="ACTIVE")
    service = {"serviceName": "web", "status": "ACTIVE", "desiredCount": 2, "clusterArn": CLUSTER}
    columns = {"account": ACC, "region": REG, "cluster": CLUSTER, "name": "web", "status": "ACTIVE"}
    store.put(service_model.SERVICES, f"{CLUSTER}/web", service, **columns)
    docker = FakeDocker()
    tasks = [task_doc(1, "app1", "pause1")]
    collector = StatsCollector(store, docker, lambda: tasks, period=5)  # type: ignore[arg-type]
    asyncio.run(collector.collect(now=T0))
    names = {k.name for k in metrics.list_metrics(store, ACC, REG, namespace="ECS/ContainerInsights", now=T0)}
    assert {"CpuUtilized", "CpuReserved", "MemoryUtilized", "MemoryReserved", "DesiredTaskCount"} <= names
    assert "NetworkRxBytes" not in names  # a rate needs a second sample
    docker.clock = 5
    asyncio.run(collector.collect(now=T0 + dt.timedelta(seconds=5)))
    key = MetricKey.of(
        ACC, REG, "ECS/ContainerInsights", "NetworkRxBytes", {"ClusterName": "prod", "ServiceName": "web"}
    )
    (rx,) = metrics.query(store, key, T0 - dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=1), 60)
    assert rx.stats.maximum == pytest.approx(1000.0) and rx.unit == "Bytes/Second"
    desired = MetricKey.of(
        ACC, REG, "ECS/ContainerInsights", "DesiredTaskCount", {"ClusterName": "prod", "ServiceName": "web"}
    )
    (count,) = metrics.query(store, desired, T0 - dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=1), 60)
    assert count.stats.maximum == 2
    # a shortened period keeps the data per second too
    assert len(metrics.query(store, key, T0, T0 + dt.timedelta(seconds=10), 1)) == 1


def test_a_cluster_switched_to_enhanced_gets_task_and_container_metrics_next_pass(store: SqliteStore) -> None:
    doc = {
        "clusterArn": CLUSTER,
        "status": "ACTIVE",
        "settings": [{"name": "containerInsights", "value": "enabled"}],
    }
    store.put(clusters.CLUSTERS, CLUSTER, doc, account=ACC, region=REG, name="prod", status="ACTIVE")
    tasks = [task_doc(1, "app1", "pause1")]
    docker = FakeDocker()
    collector = StatsCollector(store, docker, lambda: tasks, period=5)  # type: ignore[arg-type]

    def names_with(dimension: str) -> set[str]:
        found = metrics.list_metrics(store, ACC, REG, namespace="ECS/ContainerInsights", now=T0)
        return {k.name for k in found if dimension in dict(k.dimensions)}

    asyncio.run(collector.collect(now=T0))
    assert names_with("TaskId") == set() and names_with("ContainerName") == set()
    doc["settings"] = [
        {"name": "containerInsights", "value": "enhanced"}
    ]  # as UpdateClusterSettings stores it
    store.put(clusters.CLUSTERS, CLUSTER, doc, account=ACC, region=REG, name="prod", status="ACTIVE")
    docker.clock = 5
    asyncio.run(collector.collect(now=T0 + dt.timedelta(seconds=5)))
    assert {"CpuUtilized", "MemoryUtilized", "TaskCpuUtilization", "TaskMemoryUtilization"} <= names_with(
        "TaskId"
    )
    assert {"ContainerCpuUtilized", "ContainerMemoryUtilized"} <= names_with("ContainerName")
    key = MetricKey.of(
        ACC, REG, "ECS/ContainerInsights", "TaskCpuUtilization",
        {"ClusterName": "prod", "ServiceName": "web", "TaskId": f"{1:032x}"},
    )  # fmt: skip
    (point,) = metrics.query(store, key, T0 - dt.timedelta(minutes=1), T0 + dt.timedelta(minutes=1), 60)
    assert point.stats.maximum == pytest.approx(100.0)  # a quarter of a core of a 256-unit task


def test_gone_containers_are_forgotten_and_errors_skip_the_task(store: SqliteStore) -> None:
    docker = FakeDocker()
    tasks = [task_doc(1, "app1", "pause1")]
    collector = StatsCollector(store, docker, lambda: tasks, period=60)  # type: ignore[arg-type]
    asyncio.run(collector.collect(now=T0))
    assert set(collector._previous) == {"app1", "pause1"}
    tasks[0]["lastStatus"] = "STOPPED"
    assert asyncio.run(collector.collect(now=T0 + dt.timedelta(seconds=60))) == 0
    assert collector._previous == {}
    tasks[0]["lastStatus"] = "RUNNING"
    docker.missing = {"app1"}
    assert asyncio.run(collector.collect(now=T0 + dt.timedelta(seconds=120))) == 0


def test_the_collections_it_reads_are_the_ecs_backends() -> None:
    assert collector_module.CLUSTERS == clusters.CLUSTERS
    assert collector_module.SERVICES == service_model.SERVICES


def test_ticks_sample_once_per_period_stamped_at_its_start(store: SqliteStore) -> None:
    """Passes come a few times a period; only the first after each boundary samples, so every
    period holds exactly one sample however long a pass takes (alarms over N of N need it)."""
    docker = FakeDocker()
    tasks = [task_doc(1, "app1", None)]
    collector = StatsCollector(store, docker, lambda: tasks, period=5)  # type: ignore[arg-type]

    async def scenario() -> list[int]:
        published = []
        for offset in (0.2, 1.0, 4.9, 5.3, 9.99, 10.0, 17.5):
            docker.clock = int(offset)
            published.append(await collector.tick(now=T0 + dt.timedelta(seconds=offset)))
        return published

    published = asyncio.run(scenario())
    assert [n > 0 for n in published] == [True, False, False, True, False, True, True]
    key = MetricKey.of(ACC, REG, "AWS/ECS", "CPUUtilization", {"ClusterName": "prod", "ServiceName": "web"})
    points = metrics.query(store, key, T0, T0 + dt.timedelta(seconds=20), 5)
    assert [(p.timestamp - T0).total_seconds() for p in points] == [0.0, 5.0, 10.0, 15.0]
    assert all(p.stats.count == 1 for p in points)
