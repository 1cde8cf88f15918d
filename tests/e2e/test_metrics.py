"""Metrics of running tasks, collected from Docker's stats, read back through the CloudWatch API
(boto3), with the metric period shortened (SKIFF_METRICS_PERIOD_SECONDS=3):

- a service's `AWS/ECS` CPUUtilization and MemoryUtilization datapoints exist (GetMetricStatistics
  and GetMetricData), one sample per task, for {ClusterName, ServiceName} and {ClusterName};
- an alarm on CPUUtilization goes to ALARM while the service's task burns CPU and back to OK once
  the burning stops;
- `ECS/ContainerInsights` metrics (CPU, memory, network, task counts) appear for a cluster created
  with containerInsights enabled, and never for one without;
- `aws ecs update-cluster-settings ... value=enhanced` on that running cluster adds the task-level
  (TaskId) and container-level (ContainerName) metrics of enhanced observability, without a restart.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import SkiffServer
from tests.e2e.task_support import (
    TaskLab,
    close_lab,
    container_def,
    module_server,
)
from tests.e2e.test_services import ServiceLab, sleeper

pytestmark = pytest.mark.e2e

PERIOD = "3"
POLL = 0.5
# burns one core for BURN_SECONDS in the background, then idles: CPU far above a 256-unit task's share
BURN_SECONDS = 40
BURNER = f"(while :; do :; done) & pid=$!; sleep {BURN_SECONDS}; kill $pid; exec sleep 3600"


@pytest.fixture(scope="module")
def e2e_server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer | None]:
    """The module's own server, with the shortened metric period."""
    if os.environ.get("SKIFF_TEST_ENDPOINT"):
        yield None
        return
    with module_server(
        tmp_path_factory.mktemp("skiff-metrics"), {"SKIFF_METRICS_PERIOD_SECONDS": PERIOD}
    ) as server:
        yield server


@pytest.fixture(scope="module")
def cloudwatch(client_factory: Callable[..., Any]) -> Any:
    return client_factory("cloudwatch")


@pytest.fixture
def svc(lab: TaskLab) -> Iterator[ServiceLab]:
    slab = ServiceLab(lab)
    try:
        yield slab
    finally:
        slab.close()


def dims(cluster: str, **extra: str) -> list[dict[str, str]]:
    return [{"Name": "ClusterName", "Value": cluster}, *({"Name": k, "Value": v} for k, v in extra.items())]


def statistics(cloudwatch: Any, namespace: str, name: str, dimensions: list[dict[str, str]]) -> list[Any]:
    now = dt.datetime.now(dt.UTC)
    reply = cloudwatch.get_metric_statistics(
        Namespace=namespace, MetricName=name, Dimensions=dimensions,
        StartTime=now - dt.timedelta(minutes=10), EndTime=now + dt.timedelta(minutes=1), Period=60,
        Statistics=["Average", "Minimum", "Maximum", "SampleCount", "Sum"],
    )  # fmt: skip
    points: list[Any] = reply["Datapoints"]
    return points


def wait_datapoints(
    cloudwatch: Any,
    namespace: str,
    name: str,
    dimensions: list[dict[str, str]],
    ok: Callable[[list[Any]], bool] = bool,
    timeout: float = 120,
) -> list[Any]:
    deadline = time.monotonic() + timeout
    points = statistics(cloudwatch, namespace, name, dimensions)
    while not ok(points):
        assert time.monotonic() < deadline, f"{namespace} {name} {dimensions}: {points}"
        time.sleep(POLL)
        points = statistics(cloudwatch, namespace, name, dimensions)
    return points


def wait_alarm(cloudwatch: Any, name: str, state: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        if alarm["StateValue"] == state:
            found: dict[str, Any] = alarm
            return found
        assert time.monotonic() < deadline, (
            f"alarm {name} never {state}: {alarm['StateValue']} {alarm.get('StateReason')}"
        )
        time.sleep(POLL)


def running_service(svc: ServiceLab, containers: list[dict[str, Any]], count: int) -> str:
    definition = svc.lab.register(containers)
    name = str(svc.create(definition, count)["serviceName"])
    svc.wait_for(name, lambda s: s["runningCount"] == count, f"{count} running tasks", 60)
    return name


def test_service_cpu_and_memory_datapoints(svc: ServiceLab, cloudwatch: Any) -> None:
    started = time.monotonic()
    name = running_service(svc, [sleeper()], 2)
    service_dims = dims(svc.cluster, ServiceName=name)
    cpu = wait_datapoints(cloudwatch, "AWS/ECS", "CPUUtilization", service_dims)
    memory = wait_datapoints(cloudwatch, "AWS/ECS", "MemoryUtilization", service_dims)
    assert time.monotonic() - started < 120
    for point in cpu + memory:
        assert point["Unit"] == "Percent"
        assert point["SampleCount"] % 2 == 0, point  # one sample per task and collection
        assert 0 <= point["Minimum"] <= point["Average"] <= point["Maximum"] < 100
    assert max(p["Maximum"] for p in memory) > 0  # a sleeping busybox still holds some memory
    # the cluster dimension alone, and the same through GetMetricData
    wait_datapoints(cloudwatch, "AWS/ECS", "CPUUtilization", dims(svc.cluster))
    now = dt.datetime.now(dt.UTC)
    reply = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {"Id": "cpu", "MetricStat": {"Metric": {"Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
             "Dimensions": service_dims}, "Period": 60, "Stat": "Average"}},
            {"Id": "mem", "MetricStat": {"Metric": {"Namespace": "AWS/ECS", "MetricName": "MemoryUtilization",
             "Dimensions": service_dims}, "Period": 60, "Stat": "Maximum"}},
        ],
        StartTime=now - dt.timedelta(minutes=10), EndTime=now + dt.timedelta(minutes=1),
    )  # fmt: skip
    results = {r["Id"]: r for r in reply["MetricDataResults"]}
    assert results["cpu"]["StatusCode"] == "Complete" and results["cpu"]["Values"]
    assert results["mem"]["Values"] and max(results["mem"]["Values"]) > 0
    listed = cloudwatch.list_metrics(Namespace="AWS/ECS", Dimensions=[{"Name": "ServiceName", "Value": name}])
    assert {m["MetricName"] for m in listed["Metrics"]} == {"CPUUtilization", "MemoryUtilization"}
    # Container Insights is off for this cluster: nothing in its namespace
    insights = cloudwatch.list_metrics(
        Namespace="ECS/ContainerInsights", Dimensions=[{"Name": "ClusterName", "Value": svc.cluster}]
    )
    assert insights["Metrics"] == []


def test_cpu_alarm_goes_to_alarm_under_load_and_back_to_ok(svc: ServiceLab, cloudwatch: Any) -> None:
    name = running_service(svc, [container_def("burn", BURNER)], 1)
    burning_since = time.monotonic()
    alarm = f"cpu-high-{uuid.uuid4().hex[:6]}"
    cloudwatch.put_metric_alarm(
        AlarmName=alarm, Namespace="AWS/ECS", MetricName="CPUUtilization",
        Dimensions=dims(svc.cluster, ServiceName=name), Statistic="Average", Period=60,
        EvaluationPeriods=1, Threshold=50.0, ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    try:
        high = wait_alarm(cloudwatch, alarm, "ALARM", BURN_SECONDS - 5)
        assert time.monotonic() - burning_since < BURN_SECONDS, "the alarm came after the burning stopped"
        assert "greater than the threshold (50.0)" in high["StateReason"]
        burst = statistics(cloudwatch, "AWS/ECS", "CPUUtilization", dims(svc.cluster, ServiceName=name))
        peak = max(p["Maximum"] for p in burst)
        assert 50 < peak <= 150, burst  # a 256-unit task's CPU quota caps it near 100 %
        wait_alarm(cloudwatch, alarm, "OK", BURN_SECONDS + 60)
    finally:
        cloudwatch.delete_alarms(AlarmNames=[alarm])


def test_container_insights_only_where_enabled_then_enhanced(
    module_lab: TaskLab, cloudwatch: Any, aws: Callable[..., Any]
) -> None:
    created = module_lab.ecs.create_cluster(
        clusterName=f"e2e-ci-{uuid.uuid4().hex[:8]}",
        settings=[{"name": "containerInsights", "value": "enabled"}],
    )["cluster"]
    lab = TaskLab(
        module_lab.ecs, module_lab.ec2, created["clusterName"], created["clusterArn"], module_lab.subnets
    )
    svc = ServiceLab(lab)
    try:
        definition = lab.register([sleeper()], family=f"ci-{uuid.uuid4().hex[:8]}")
        name = str(svc.create(definition, 1)["serviceName"])
        svc.wait_for(name, lambda s: s["runningCount"] == 1, "1 running task", 60)
        cluster, service = lab.cluster, dims(lab.cluster, ServiceName=name)
        family = dims(cluster, TaskDefinitionFamily=definition["family"])
        ns = "ECS/ContainerInsights"
        for metric in ("CpuUtilized", "MemoryUtilized", "NetworkRxBytes", "NetworkTxBytes"):
            for dimensions in (service, family, dims(cluster)):
                wait_datapoints(cloudwatch, ns, metric, dimensions)
        reserved = wait_datapoints(cloudwatch, ns, "CpuReserved", service)
        assert {p["Maximum"] for p in reserved} == {256.0}
        memory = wait_datapoints(cloudwatch, ns, "MemoryReserved", service)
        assert {p["Maximum"] for p in memory} == {512.0} and {p["Unit"] for p in memory} == {"Megabytes"}
        rx = wait_datapoints(cloudwatch, ns, "NetworkRxBytes", service)
        assert {p["Unit"] for p in rx} == {"Bytes/Second"}
        for metric, expected in (
            ("RunningTaskCount", 1.0),
            ("DesiredTaskCount", 1.0),
            ("PendingTaskCount", 0.0),
        ):
            points = wait_datapoints(cloudwatch, ns, metric, service)
            assert points[-1]["Maximum"] == expected, (metric, points)
            assert points[-1]["Unit"] == "Count"
        wait_datapoints(cloudwatch, ns, "TaskCount", family, lambda ps: any(p["Maximum"] == 1 for p in ps))
        wait_datapoints(
            cloudwatch, ns, "ServiceCount", dims(cluster), lambda ps: any(p["Maximum"] == 1 for p in ps)
        )
        # the AWS/ECS metrics are there too; the module's own cluster (insights off) has none of these
        wait_datapoints(cloudwatch, "AWS/ECS", "CPUUtilization", service)
        other = cloudwatch.list_metrics(
            Namespace=ns, Dimensions=[{"Name": "ClusterName", "Value": module_lab.cluster}]
        )
        assert other["Metrics"] == []
        # enabled, not enhanced: nothing per task or per container
        listed = cloudwatch.list_metrics(Namespace=ns, Dimensions=[{"Name": "ClusterName", "Value": cluster}])
        assert not [
            m for m in listed["Metrics"] if {"TaskId", "ContainerName"} & {d["Name"] for d in m["Dimensions"]}
        ]
        enhanced_at = time.monotonic()
        aws("ecs", "update-cluster-settings", "--cluster", cluster,
            "--settings", "name=containerInsights,value=enhanced")  # fmt: skip
        (task_arn,) = lab.ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]
        task_id = task_arn.rsplit("/", 1)[-1]
        by_task = dims(cluster, ServiceName=name, TaskId=task_id)
        cpu = wait_datapoints(cloudwatch, ns, "TaskCpuUtilization", by_task, timeout=30)
        assert {p["Unit"] for p in cpu} == {"Percent"}
        memory = wait_datapoints(cloudwatch, ns, "TaskMemoryUtilization", by_task, timeout=30)
        assert 0 < max(p["Maximum"] for p in memory) < 100
        by_family = dims(cluster, TaskDefinitionFamily=definition["family"], TaskId=task_id)
        assert {
            p["Maximum"] for p in wait_datapoints(cloudwatch, ns, "CpuReserved", by_family, timeout=30)
        } == {256.0}
        container = dims(cluster, ServiceName=name, TaskId=task_id, ContainerName="app")
        wait_datapoints(cloudwatch, ns, "ContainerCpuUtilized", container, timeout=30)
        used = wait_datapoints(cloudwatch, ns, "ContainerMemoryUtilized", container, timeout=30)
        assert {p["Unit"] for p in used} == {"Megabytes"}
        assert time.monotonic() - enhanced_at < 30
    finally:
        svc.close()
        close_lab(lab)
