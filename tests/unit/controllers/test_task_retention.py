"""Stopped tasks age out after the retention, oldest first, with their tags; nothing else goes."""

from __future__ import annotations

import datetime as dt

from skiff.controllers.task_retention import StoppedTaskRetention
from skiff.state.tasks import TASKS, load_task
from tests.unit.controllers.conftest import SCOPE, ControlPlane

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def test_stopped_tasks_go_after_the_retention_and_running_ones_stay(plane: ControlPlane) -> None:
    plane.create_service("web", 3)
    plane.scheduler.reconcile_all()
    old, young, running = plane.agent.launched
    plane.ecs.tags.replace(old, [{"key": "k", "value": "v"}])
    plane.agent.finish(old, "UserInitiated", when=T0)
    plane.agent.finish(young, "UserInitiated", when=T0 + dt.timedelta(minutes=30))
    plane.agent.set_status(running, "RUNNING")
    clock = [T0 + dt.timedelta(minutes=59)]
    retention = StoppedTaskRetention(plane.ecs.tasks, retention=3600, clock=lambda: clock[0])

    assert retention.sweep() == 0  # 59 minutes: DescribeTasks still answers for both
    found, missing = plane.ecs.tasks.describe(SCOPE, "lab", [old, young], None)
    assert len(found) == 2 and not missing

    clock[0] = T0 + dt.timedelta(minutes=61)
    assert retention.sweep() == 1
    found, missing = plane.ecs.tasks.describe(SCOPE, "lab", [old, young, running], None)
    assert [f["arn"] for f in missing] == [old]
    assert {t["taskArn"] for t in found} == {young, running}
    assert plane.ecs.tags.get(old) == []

    clock[0] = T0 + dt.timedelta(hours=5)
    assert retention.sweep() == 1
    assert load_task(plane.store, young) is None
    assert load_task(plane.store, running) is not None


def test_the_table_stays_bounded_under_churn(plane: ControlPlane) -> None:
    plane.create_service("web", 2)
    clock = [T0]
    retention = StoppedTaskRetention(plane.ecs.tasks, retention=600, clock=lambda: clock[0])
    for minute in range(120):  # a task fails and is replaced every minute for two hours
        plane.scheduler.reconcile_all()
        victim = plane.agent.launched[-1]
        plane.agent.finish(victim, "UserInitiated", when=clock[0])
        clock[0] += dt.timedelta(minutes=1)
        if minute % 5 == 0:
            retention.sweep()
    retention.sweep()
    stopped = plane.store.find(TASKS, {"last_status": "STOPPED"})
    assert 9 <= len(stopped) <= 11  # ten minutes of history, whatever ran before


def test_failures_stay_counted_after_their_tasks_age_out(plane: ControlPlane) -> None:
    plane.create_service(
        "web", 4, deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": False}}
    )
    plane.scheduler.reconcile_all()
    plane.agent.finish(plane.agent.launched[0], "TaskFailedToStart", when=T0)
    plane.scheduler.reconcile_all()
    retention = StoppedTaskRetention(plane.ecs.tasks, retention=60, clock=lambda: T0 + dt.timedelta(hours=1))
    assert retention.sweep() == 1
    plane.scheduler.reconcile_all()
    assert plane.describe("web")["deployments"][0]["failedTasks"] == 1
