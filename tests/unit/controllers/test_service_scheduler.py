"""The scheduler counts failures as tasks stop and reads only live tasks in a pass."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from skiff.services.ecs.service_model import save_service
from skiff.state.tasks import TASKS, load_task, save_task
from skiff.store import SqliteStore
from tests.unit.controllers.conftest import SCOPE, ControlPlane, make_plane

BREAKER = {"deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": False}}}


def primary(plane: ControlPlane, name: str) -> dict[str, Any]:
    deployment: dict[str, Any] = plane.describe(name)["deployments"][0]
    return deployment


def test_each_failure_counts_once_and_trips_the_breaker(plane: ControlPlane) -> None:
    plane.create_service("web", 4, **BREAKER)
    plane.scheduler.reconcile_all()
    assert len(plane.agent.launched) == 4
    first, second, third, _ = plane.agent.launched
    plane.agent.finish(first, "TaskFailedToStart")
    plane.agent.finish(second, "EssentialContainerExited")
    plane.scheduler.reconcile_all()
    plane.scheduler.reconcile_all()  # a second pass sees no new stop: no double count
    assert primary(plane, "web")["failedTasks"] == 2
    assert primary(plane, "web")["rolloutState"] == "IN_PROGRESS"
    plane.agent.finish(third, "TaskFailedToStart")
    plane.scheduler.reconcile_all()
    deployment = primary(plane, "web")
    assert deployment["failedTasks"] == 3  # threshold for 4 desired: max(3, ceil(4 / 2))
    assert deployment["rolloutState"] == "FAILED"
    assert deployment["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."


def test_a_task_that_stops_by_request_is_no_failure(plane: ControlPlane) -> None:
    plane.create_service("web", 2, **BREAKER)
    plane.scheduler.reconcile_all()
    plane.agent.finish(plane.agent.launched[0], "UserInitiated")
    plane.scheduler.reconcile_all()
    assert primary(plane, "web")["failedTasks"] == 0
    assert len(plane.agent.launched) == 3  # replaced


def test_a_task_failing_before_the_next_pass_still_counts(plane: ControlPlane) -> None:
    plane.create_service("web", 1, **BREAKER)
    plane.scheduler.reconcile_all()
    plane.agent.finish(plane.agent.launched[0], "TaskFailedToStart")  # never seen alive by a pass
    plane.scheduler.reconcile_all()
    assert primary(plane, "web")["failedTasks"] == 1


class CountingStore(SqliteStore):
    """Counts the task documents a caller reads."""

    task_reads = 0

    def find(self, collection: str, where: dict[str, Any] | None = None, **kw: Any) -> list[Any]:
        found = super().find(collection, where, **kw)
        if collection == TASKS:
            self.task_reads += len(found)
        return found

    def get(self, collection: str, pk: str) -> Any:
        if collection == TASKS:
            self.task_reads += 1
        return super().get(collection, pk)


def test_a_pass_reads_as_much_with_a_long_history_as_fresh() -> None:
    store = CountingStore(":memory:")
    plane = make_plane(store)
    plane.create_service("web", 3)
    plane.scheduler.reconcile_all()
    for arn in plane.agent.launched:
        plane.agent.set_status(arn, "RUNNING")
    plane.scheduler.reconcile_all()
    store.task_reads = 0
    plane.scheduler.reconcile_all()
    fresh = store.task_reads
    template = load_task(store, plane.agent.launched[0])
    assert template is not None
    for _ in range(100):  # a hundred stopped (failed) tasks of the primary deployment
        old = copy.deepcopy(template)
        old.update(
            taskArn=template["taskArn"].rsplit("/", 1)[0] + "/" + uuid.uuid4().hex,
            lastStatus="STOPPED",
            desiredStatus="STOPPED",
            stopCode="EssentialContainerExited",
        )
        save_task(store, old)
    store.task_reads = 0
    plane.scheduler.reconcile_all()
    assert store.task_reads == fresh
    assert plane.describe("web")["runningCount"] == 3


def test_a_service_recorded_before_watching_counts_its_history_once(plane: ControlPlane) -> None:
    plane.create_service("web", 2, **BREAKER)
    plane.scheduler.reconcile_all()
    plane.agent.finish(plane.agent.launched[0], "TaskFailedToStart")
    service = plane.ecs.services.find(SCOPE, "lab", "web")
    assert service is not None
    del service["_skiff"]["watch"]  # as an earlier skiff stored it
    for deployment in service["deployments"]:
        deployment["failedTasks"] = 0
    save_service(plane.store, service)
    plane.scheduler.reconcile_all()
    plane.scheduler.reconcile_all()
    assert primary(plane, "web")["failedTasks"] == 1
