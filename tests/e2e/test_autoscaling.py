"""Application Auto Scaling acting on real containers, with the metric period shortened
(SKIFF_METRICS_PERIOD_SECONDS=3: alarms of Period 60 are evaluated every 3 s over 3 s periods,
cooldowns are scaled by 3/60 too):

- a scheduled action at() a few seconds ahead sets the capacity, and the service runs it;
- a step policy on a custom metric alarm (PutMetricData + PutMetricAlarm with the policy ARN as
  its action) adds the right number of tasks;
- CPU target tracking (target 50 %) scales out under a CPU-burning load and back in after it
  stops, within min/max, and DescribeScalingActivities tells why.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest

from tests.conftest import SkiffServer
from tests.e2e.task_support import (
    TaskLab,
    remove_server_leftovers,
    server_subnets,
    start_e2e_server,
)
from tests.e2e.test_services import ServiceLab, sleeper

pytestmark = pytest.mark.e2e

PERIOD = "3"
DIMENSION = "ecs:service:DesiredCount"
POLL = 0.5


@pytest.fixture(scope="module")
def e2e_server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer | None]:
    """The module's own server, with the shortened metric period."""
    if os.environ.get("SKIFF_TEST_ENDPOINT"):
        yield None
        return
    with mock.patch.dict(os.environ, {"SKIFF_METRICS_PERIOD_SECONDS": PERIOD}):
        server = start_e2e_server(tmp_path_factory.mktemp("skiff-autoscaling"))
    try:
        yield server
    finally:
        subnets = server_subnets(server.endpoint)
        server.stop()
        remove_server_leftovers(subnets)
    log = server.log()
    assert "Traceback" not in log, f"the server logged a traceback:\n{log}"


@pytest.fixture(scope="module")
def aas(client_factory: Callable[..., Any]) -> Any:
    return client_factory("application-autoscaling")


@pytest.fixture
def svc(lab: TaskLab) -> Iterator[ServiceLab]:
    slab = ServiceLab(lab)
    try:
        yield slab
    finally:
        slab.close()


def target_of(svc: ServiceLab, name: str) -> dict[str, str]:
    return {
        "ServiceNamespace": "ecs",
        "ResourceId": f"service/{svc.cluster}/{name}",
        "ScalableDimension": DIMENSION,
    }


def running(svc: ServiceLab, name: str) -> int:
    return sum(1 for t in svc.live_tasks(name) if t["lastStatus"] == "RUNNING")


def wait_running(svc: ServiceLab, name: str, count: int, timeout: float) -> float:
    """Wait until `count` of the service's tasks run (and its desired count is `count`); seconds taken."""
    started = time.monotonic()
    svc.wait_for(
        name,
        lambda s: s["desiredCount"] == count and s["runningCount"] == count and running(svc, name) == count,
        f"{count} running tasks",
        timeout,
    )
    return time.monotonic() - started


def activities(aas: Any, target: dict[str, str]) -> list[dict[str, Any]]:
    reply = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=target["ResourceId"])
    found: list[dict[str, Any]] = reply["ScalingActivities"]
    return found


def test_scheduled_action_sets_the_capacity(svc: ServiceLab, aas: Any) -> None:
    definition = svc.lab.register([sleeper()])
    name = svc.create(definition, 1)["serviceName"]
    wait_running(svc, name, 1, 60)
    target = target_of(svc, name)
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=3)
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)
    aas.put_scheduled_action(
        **target, ScheduledActionName="morning", Schedule=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
        ScalableTargetAction={"MinCapacity": 2, "MaxCapacity": 3},
    )  # fmt: skip
    assert svc.describe(name)["desiredCount"] == 1
    wait_running(svc, name, 2, 60)
    assert dt.datetime.now(dt.UTC) >= when
    (stored,) = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[target["ResourceId"]])[
        "ScalableTargets"
    ]
    assert (stored["MinCapacity"], stored["MaxCapacity"]) == (2, 3)
    found = activities(aas, target)
    assert [a["Description"] for a in found] == [
        "Setting desired count to 2.",
        "Setting min capacity to 2 and max capacity to 3",
    ]
    assert {a["Cause"] for a in found} == {"scheduled action name morning was triggered"}
    assert all(a["StatusCode"] == "Successful" for a in found)
