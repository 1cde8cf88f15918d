"""ECS services behind target groups: registration, health for deployments, drain before stop,
replacement of tasks failing ELB health checks."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from skiff.controllers.target_registration import TargetRegistration
from skiff.state import balancers as records
from skiff.state.tasks import load_task, save_task, task_id_of
from tests.unit.controllers.conftest import SCOPE, ControlPlane

ATTRIBUTES = {"deregistration_delay.timeout_seconds": "1"}


def target_group(plane: ControlPlane) -> str:
    arn = records.target_group_arn(SCOPE, "web-tg", records.new_id())
    records.save_target_group(
        plane.store,
        {
            "TargetGroupArn": arn,
            "TargetGroupName": "web-tg",
            "Protocol": "HTTP",
            "Port": 80,
            "_skiff": {"account": SCOPE.account, "region": SCOPE.region, "attributes": ATTRIBUTES},
        },
    )
    return arn


def running(plane: ControlPlane, arn: str, address: str) -> None:
    plane.agent.set_status(arn, "RUNNING")
    doc = load_task(plane.store, arn)
    assert doc is not None
    doc["attachments"] = [
        {"type": "ElasticNetworkInterface", "details": [{"name": "privateIPv4Address", "value": address}]}
    ]
    save_task(plane.store, doc)


def setup(plane: ControlPlane, **extra: Any) -> tuple[str, TargetRegistration]:
    tg = target_group(plane)
    plane.create_service(
        "web",
        2,
        loadBalancers=[{"targetGroupArn": tg, "containerName": "app", "containerPort": 8080}],
        **extra,
    )
    targets = TargetRegistration(plane.store, plane.ecs.services, plane.ecs.tasks)
    plane.scheduler.target_health = targets.targets_healthy
    plane.scheduler.reconcile_all()
    for index, arn in enumerate(plane.agent.launched):
        running(plane, arn, f"172.31.0.{10 + index}")
    return tg, targets


def events(plane: ControlPlane) -> list[str]:
    return [e["message"] for e in plane.describe("web")["events"]]


def test_running_tasks_become_targets_and_count_once_healthy(plane: ControlPlane) -> None:
    tg, targets = setup(plane)
    targets.reconcile_all()
    found = {(t["id"], t["port"]): t for t in records.targets_of(plane.store, tg)}
    assert set(found) == {("172.31.0.10", 8080), ("172.31.0.11", 8080)}
    assert {t["task"] for t in found.values()} == set(plane.agent.launched)
    assert f"(service web) registered 2 targets in (target-group {tg})" in events(plane)
    plane.scheduler.reconcile_all()
    assert plane.describe("web")["deployments"][0]["rolloutState"] == "IN_PROGRESS"  # targets initial
    for target in found.values():
        records.set_health(plane.store, tg, target["id"], 8080, "healthy")
    plane.scheduler.reconcile_all()
    assert plane.describe("web")["deployments"][0]["rolloutState"] == "COMPLETED"
    targets.reconcile_all()
    assert len(records.targets_of(plane.store, tg)) == 2  # registered once


def test_a_task_failing_its_checks_is_replaced_after_the_grace_period(plane: ControlPlane) -> None:
    tg, targets = setup(plane, healthCheckGracePeriodSeconds=0)
    targets.reconcile_all()
    sick = plane.agent.launched[0]
    records.set_health(
        plane.store, tg, "172.31.0.10", 8080, "unhealthy", "Target.ResponseCodeMismatch", "404"
    )
    targets.reconcile_all()
    task = load_task(plane.store, sick)
    assert task is not None and task["desiredStatus"] == "STOPPED"
    assert task["stoppedReason"] == f"Task failed ELB health checks in (target-group {tg})"
    said = events(plane)
    assert f"(service web) (task {task_id_of(sick)}) failed ELB health checks in (target-group {tg})" in said
    assert (
        f"(service web) (task {task_id_of(sick)}) (port 8080) is unhealthy in (target-group {tg}) due to "
        "(reason Health checks failed with these codes: [404])."
    ) in said


def test_grace_period_keeps_an_unhealthy_task(plane: ControlPlane) -> None:
    tg, targets = setup(plane, healthCheckGracePeriodSeconds=600)
    targets.reconcile_all()
    records.set_health(plane.store, tg, "172.31.0.10", 8080, "unhealthy", "Target.Timeout")
    targets.reconcile_all()
    task = load_task(plane.store, plane.agent.launched[0])
    assert task is not None and task["desiredStatus"] == "RUNNING"


def test_the_stop_gate_drains_first_and_waits_the_delay(plane: ControlPlane) -> None:
    tg, targets = setup(plane)
    targets.reconcile_all()
    task = load_task(plane.store, plane.agent.launched[0])
    assert task is not None
    started = time.monotonic()
    asyncio.run(targets.before_stop(task))
    assert time.monotonic() - started >= 0.9  # deregistration_delay.timeout_seconds = 1
    target = records.load_target(plane.store, tg, "172.31.0.10", 8080)
    assert target is not None and target["state"] == "draining"
    assert f"(service web) deregistered 1 targets in (target-group {tg})" in events(plane)
    # the gate is safe to repeat (a restart while DEACTIVATING): no second event, no long wait
    started = time.monotonic()
    asyncio.run(targets.before_stop(task))
    assert time.monotonic() - started < 0.9
    assert events(plane).count(f"(service web) deregistered 1 targets in (target-group {tg})") == 1
