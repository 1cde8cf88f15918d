"""ECS services on real containers, as a user of the API sees them (shared/reference/fargate-behaviour.md §6):
steady state, rolling updates within minimumHealthyPercent / maximumPercent, the deployment circuit
breaker, replacement of killed and unhealthy tasks, scaling, errors, and deletion.

The `ServiceLab` here is shared with test_services_faults.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tests.conftest import CliResult
from tests.e2e.task_support import (
    ECS_TASK_ARN,
    TaskLab,
    by_name,
    container_def,
    containers_labelled,
    docker,
    error_of,
    must_inspect,
    summary,
)

pytestmark = pytest.mark.e2e

DEPLOYMENT_ID = re.compile(r"^ecs-svc/\d{19}$")
SCALING_REASON = re.compile(r"^Scaling activity initiated by \(deployment (ecs-svc/\d{19})\)$")
BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start."
HEALTH_REASON = "Task failed container health checks"
ESSENTIAL_EXITED = "Essential container in task exited"
IN_FLIGHT = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")
POLL = 0.2
DEADLINE = 90.0


# -- definitions ----------------------------------------------------------------------------------
def sleeper(name: str = "app", **extra: Any) -> dict[str, Any]:
    """busybox `sleep 3600` under an init process (so SIGTERM stops it at once), stopTimeout 2."""
    return container_def(
        name, None, command=["sleep", "3600"], linuxParameters={"initProcessEnabled": True}, **extra
    )


def unpullable(name: str = "app") -> dict[str, Any]:
    """A container whose image cannot be pulled: its task fails to start and is never RUNNING.

    (A container that exits at once can be RUNNING for an instant first, and then counts as
    healthy, as on ECS, which lets a deployment stop an old task: no test of "the old tasks stay"
    may rest on it.)"""
    return container_def(name, None, image="no-such-registry.invalid/nope:1")


# -- services -------------------------------------------------------------------------------------
@dataclass
class ServiceLab:
    """Services in one TaskLab's cluster; every service made here is force-deleted by `close`."""

    lab: TaskLab
    names: list[str] = field(default_factory=list)

    @property
    def ecs(self) -> Any:
        return self.lab.ecs

    @property
    def cluster(self) -> str:
        return self.lab.cluster

    def service_arn(self, name: str) -> str:
        return self.lab.cluster_arn.replace(":cluster/", ":service/") + f"/{name}"

    def create(
        self, definition: dict[str, Any], desired: int, name: str | None = None, **params: Any
    ) -> dict[str, Any]:
        name = name or f"svc-{uuid.uuid4().hex[:8]}"
        params.setdefault("networkConfiguration", self.lab.network())
        service: dict[str, Any] = self.ecs.create_service(
            cluster=self.cluster,
            serviceName=name,
            taskDefinition=definition["taskDefinitionArn"],
            desiredCount=desired,
            launchType="FARGATE",
            **params,
        )["service"]
        self.names.append(name)
        return service

    def update(self, name: str, **params: Any) -> dict[str, Any]:
        service: dict[str, Any] = self.ecs.update_service(cluster=self.cluster, service=name, **params)[
            "service"
        ]
        return service

    def describe(self, name: str) -> dict[str, Any]:
        reply = self.ecs.describe_services(cluster=self.cluster, services=[name])
        assert reply["failures"] == [], reply["failures"]
        service: dict[str, Any] = reply["services"][0]
        return service

    def task_arns(self, name: str, desired_status: str = "RUNNING") -> list[str]:
        arns: list[str] = []
        token = ""
        while True:
            extra = {"nextToken": token} if token else {}
            reply = self.ecs.list_tasks(
                cluster=self.cluster, serviceName=name, desiredStatus=desired_status, **extra
            )
            arns += reply["taskArns"]
            token = reply.get("nextToken") or ""
            if not token:
                break
        self.remember(arns)
        return arns

    def describe_tasks(self, arns: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(arns), 100):
            reply = self.ecs.describe_tasks(cluster=self.cluster, tasks=arns[start : start + 100])
            assert reply["failures"] == [], reply["failures"]
            found += reply["tasks"]
        return found

    def tasks(self, name: str, known: set[str] | None = None) -> list[dict[str, Any]]:
        """Every task of the service (desired RUNNING and STOPPED), plus `known` ones, described."""
        arns = set(self.task_arns(name, "RUNNING")) | set(self.task_arns(name, "STOPPED")) | (known or set())
        return self.describe_tasks(sorted(arns))

    def live_tasks(self, name: str) -> list[dict[str, Any]]:
        """The service's tasks whose desired status is RUNNING."""
        live = [t for t in self.describe_tasks(self.task_arns(name)) if t["desiredStatus"] == "RUNNING"]
        return live

    def remember(self, arns: list[str]) -> None:
        """The lab removes the containers of every task it knows of at the end."""
        known = set(self.lab.task_arns)
        self.lab.task_arns.extend(a for a in arns if a not in known)

    def wait_stable(self, name: str, timeout: float = DEADLINE) -> dict[str, Any]:
        """botocore's services_stable waiter (Delay 1), then the rollout marked COMPLETED."""
        waiter = self.ecs.get_waiter("services_stable")
        try:
            waiter.wait(
                cluster=self.cluster,
                services=[name],
                WaiterConfig={"Delay": 1, "MaxAttempts": int(timeout)},
            )
        except WaiterError as exc:
            raise AssertionError(f"service {name} never stable: {brief(self.describe(name))}") from exc
        return self.wait_for(
            name,
            lambda s: len(s["deployments"]) == 1 and s["deployments"][0]["rolloutState"] == "COMPLETED",
            "its deployment COMPLETED",
        )

    def wait_for(
        self,
        name: str,
        predicate: Callable[[dict[str, Any]], bool],
        what: str,
        timeout: float = DEADLINE,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            service = self.describe(name)
            if predicate(service):
                return service
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"service {name} never got {what} within {timeout:.0f} s: {brief(service)}"
                )
            time.sleep(POLL)

    def wait_task_stopped(self, arn: str, timeout: float = 60) -> dict[str, Any]:
        return self.lab.wait_for(arn, lambda t: t["lastStatus"] == "STOPPED", "lastStatus STOPPED", timeout)

    def close(self) -> None:
        """Force-delete every service made here, wait for INACTIVE, note all their tasks."""
        for name in self.names:
            with contextlib.suppress(Exception):
                self.ecs.delete_service(cluster=self.cluster, service=name, force=True)
        deadline = time.monotonic() + 45
        for name in self.names:
            with contextlib.suppress(Exception):
                self.task_arns(name, "RUNNING")
                while self.describe(name)["status"] != "INACTIVE" and time.monotonic() < deadline:
                    time.sleep(POLL)
                self.task_arns(name, "STOPPED")


def brief(service: dict[str, Any]) -> str:
    """The parts of a service worth reading in a failure message."""
    deployments = [
        {k: d.get(k) for k in ("id", "status", "taskDefinition", "desiredCount", "runningCount",
                                "pendingCount", "failedTasks", "rolloutState")}
        for d in service.get("deployments", [])
    ]  # fmt: skip
    events = [e["message"] for e in service.get("events", [])[:6]]
    counts = {k: service.get(k) for k in ("status", "desiredCount", "runningCount", "pendingCount")}
    return f"{counts} deployments={deployments} events={events}"


def task_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def messages(service: dict[str, Any]) -> list[str]:
    return [str(e["message"]) for e in service["events"]]


def event_index(service: dict[str, Any], pattern: str) -> int:
    """Position (0 = newest) of the first event matching `pattern`; fails when none does."""
    for index, message in enumerate(messages(service)):
        if re.search(pattern, message):
            return index
    raise AssertionError(f"no event matches {pattern!r}: {messages(service)}")


def started_ids(service: dict[str, Any]) -> set[str]:
    """Task ids of every "(service x) has started N tasks: (task a) (task b)." event."""
    ids: set[str] = set()
    for message in messages(service):
        if " has started " in message:
            ids |= set(re.findall(r"\(task ([0-9a-f]{32})\)", message))
    return ids


@pytest.fixture
def svc(lab: TaskLab) -> Iterator[ServiceLab]:
    slab = ServiceLab(lab)
    try:
        yield slab
    finally:
        slab.close()


@pytest.fixture(scope="module")
def sleeper_family() -> str:
    return f"svc-{uuid.uuid4().hex[:8]}"


# -- steady state -----------------------------------------------------------------------------------
def test_three_task_service_reaches_steady_state(
    svc: ServiceLab, sleeper_family: str, aws: Callable[..., CliResult]
) -> None:
    definition = svc.lab.register([sleeper()], family=sleeper_family)
    created = svc.create(definition, 3)
    name = created["serviceName"]
    assert created["serviceArn"] == svc.service_arn(name)
    assert created["status"] == "ACTIVE" and created["desiredCount"] == 3
    assert created["runningCount"] == 0 and created["launchType"] == "FARGATE"
    assert [d["status"] for d in created["deployments"]] == ["PRIMARY"]

    service = svc.wait_stable(name)
    assert (service["status"], service["desiredCount"]) == ("ACTIVE", 3), brief(service)
    assert (service["runningCount"], service["pendingCount"]) == (3, 0), brief(service)
    assert service["taskDefinition"] == definition["taskDefinitionArn"]
    (deployment,) = service["deployments"]
    assert DEPLOYMENT_ID.match(deployment["id"]), deployment["id"]
    assert deployment["id"] == created["deployments"][0]["id"]
    assert (
        deployment["status"] == "PRIMARY" and deployment["taskDefinition"] == definition["taskDefinitionArn"]
    )
    assert (deployment["desiredCount"], deployment["runningCount"], deployment["pendingCount"]) == (3, 3, 0)
    assert deployment["failedTasks"] == 0 and deployment["launchType"] == "FARGATE"
    assert deployment["rolloutState"] == "COMPLETED"
    assert deployment["rolloutStateReason"] == f"ECS deployment {deployment['id']} completed."

    stamps = [e["createdAt"] for e in service["events"]]
    assert stamps == sorted(stamps, reverse=True), "events are not newest first"
    now = dt.datetime.now(dt.UTC)
    assert all(now - dt.timedelta(minutes=2) <= s <= now + dt.timedelta(seconds=5) for s in stamps), stamps
    steady = event_index(service, rf"^\(service {name}\) has reached a steady state\.$")
    started = event_index(
        service, rf"^\(service {name}\) has started 3 tasks: (\(task [0-9a-f]{{32}}\) ?){{3}}\.$"
    )
    assert steady < started, messages(service)

    arns = svc.task_arns(name)
    assert len(arns) == 3
    assert {task_id(a) for a in arns} == started_ids(service), messages(service)
    for task in svc.describe_tasks(arns):
        assert task["lastStatus"] == "RUNNING" and task["desiredStatus"] == "RUNNING", summary(task)
        assert task["group"] == f"service:{name}"
        assert task["startedBy"] == deployment["id"]
        assert task["taskDefinitionArn"] == definition["taskDefinitionArn"]
        assert must_inspect(by_name(task, "app")["runtimeId"])["HostConfig"]["Init"] is True
    # ListTasks by service names exactly these; another service's tasks are not among them
    assert svc.task_arns(f"{name}-other") == []

    # the real aws CLI's waiter agrees (its acceptors read the same fields)
    aws("ecs", "wait", "services-stable", "--cluster", svc.cluster, "--services", name)
    listed = svc.ecs.list_services(cluster=svc.cluster)["serviceArns"]
    assert svc.service_arn(name) in listed


# -- rolling updates --------------------------------------------------------------------------------
@dataclass
class RolloutSample:
    at: float
    service: dict[str, Any]
    tasks: list[dict[str, Any]]

    def live(self) -> list[dict[str, Any]]:
        return [t for t in self.tasks if t["desiredStatus"] == "RUNNING"]

    def healthy(self, checked: bool = False) -> int:
        """RUNNING tasks not UNHEALTHY; with `checked`, only those whose health checks passed."""
        wanted = ("HEALTHY",) if checked else ("HEALTHY", "UNKNOWN", None)
        return sum(1 for t in self.live() if t["lastStatus"] == "RUNNING" and t.get("healthStatus") in wanted)

    def in_flight(self) -> int:
        return sum(1 for t in self.live() if t["lastStatus"] in IN_FLIGHT)

    def text(self) -> str:
        states = sorted(
            f"{task_id(t['taskArn'])[:6]}:{t['taskDefinitionArn'].rsplit(':', 1)[-1]}:"
            f"{t['desiredStatus'][:4]}/{t['lastStatus']}"
            for t in self.tasks
            if t["lastStatus"] != "STOPPED"
        )
        deployments = [
            (d["status"], d["taskDefinition"].rsplit(":", 1)[-1]) for d in self.service["deployments"]
        ]
        return (
            f"t={self.at:5.1f}s healthy={self.healthy()} in-flight={self.in_flight()} {deployments} {states}"
        )


def rolled_out(sample: RolloutSample, new_definition: str) -> bool:
    """One COMPLETED deployment of `new_definition` runs the desired count."""
    service = sample.service
    deployments = service["deployments"]
    return (
        len(deployments) == 1
        and deployments[0]["taskDefinition"] == new_definition
        and deployments[0]["rolloutState"] == "COMPLETED"
        and service["runningCount"] == service["desiredCount"]
    )


def watch_rollout(
    svc: ServiceLab,
    name: str,
    new_definition: str,
    known: set[str],
    timeout: float = DEADLINE,
    done: Callable[[RolloutSample], bool] | None = None,
) -> list[RolloutSample]:
    """Sample the service and all its tasks every POLL s until the rollout to `new_definition`
    is over (`rolled_out`, and `done` if given)."""
    samples: list[RolloutSample] = []
    started = time.monotonic()
    while True:
        service = svc.describe(name)
        tasks = svc.tasks(name, known)
        known |= {t["taskArn"] for t in tasks}
        sample = RolloutSample(time.monotonic() - started, service, tasks)
        samples.append(sample)
        if rolled_out(sample, new_definition) and (done is None or done(sample)):
            return samples
        if time.monotonic() - started > timeout:
            raise AssertionError(
                f"rollout not done within {timeout:.0f} s: {brief(service)}\n" + samples[-1].text()
            )
        time.sleep(POLL)


@pytest.mark.parametrize(
    ("minimum", "maximum", "desired"), [(50, 150, 4), (100, 200, 3)], ids=["50-150-of-4", "100-200-of-3"]
)
def test_rolling_update_stays_within_min_and_max_percent(
    svc: ServiceLab, sleeper_family: str, minimum: int, maximum: int, desired: int
) -> None:
    config = {"minimumHealthyPercent": minimum, "maximumPercent": maximum}
    old = svc.lab.register([sleeper()], family=sleeper_family)
    name = svc.create(old, desired, deploymentConfiguration=config)["serviceName"]
    first = svc.wait_stable(name)
    old_deployment = first["deployments"][0]["id"]
    old_arns = set(svc.task_arns(name))
    assert len(old_arns) == desired

    new = svc.lab.register(
        [sleeper(environment=[{"name": "REVISION", "value": "new"}])], family=sleeper_family
    )
    assert new["revision"] > old["revision"]
    updated = svc.update(name, taskDefinition=new["taskDefinitionArn"], deploymentConfiguration=config)
    assert [d["status"] for d in updated["deployments"]] == ["PRIMARY", "ACTIVE"], brief(updated)
    new_deployment = updated["deployments"][0]["id"]
    assert DEPLOYMENT_ID.match(new_deployment) and new_deployment != old_deployment
    assert updated["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert updated["deployments"][0]["rolloutStateReason"] == f"ECS deployment {new_deployment} in progress."
    assert updated["taskDefinition"] == new["taskDefinitionArn"]

    samples = watch_rollout(svc, name, new["taskDefinitionArn"], set(old_arns))
    floor_healthy = math.ceil(desired * minimum / 100)
    ceiling = math.floor(desired * maximum / 100)
    timeline = "\n".join(s.text() for s in samples)
    too_few = [s.text() for s in samples if s.healthy() < floor_healthy]
    too_many = [s.text() for s in samples if s.in_flight() > ceiling]
    assert too_few == [], f"fewer than {floor_healthy} healthy RUNNING tasks:\n" + "\n".join(too_few)
    assert too_many == [], f"more than {ceiling} RUNNING+PENDING tasks:\n" + "\n".join(too_many)
    both = [
        s
        for s in samples
        if [(d["id"], d["status"], d["taskDefinition"]) for d in s.service["deployments"]]
        == [
            (new_deployment, "PRIMARY", new["taskDefinitionArn"]),
            (old_deployment, "ACTIVE", old["taskDefinitionArn"]),
        ]
    ]
    assert both, f"PRIMARY + ACTIVE deployments never seen during the rollout:\n{timeline}"

    service = svc.describe(name)
    (deployment,) = service["deployments"]
    assert (deployment["id"], deployment["status"]) == (new_deployment, "PRIMARY"), brief(service)
    assert deployment["rolloutStateReason"] == f"ECS deployment {new_deployment} completed."
    assert service["taskDefinition"] == new["taskDefinitionArn"]
    live = svc.live_tasks(name)
    assert len(live) == desired and not {t["taskArn"] for t in live} & old_arns
    for task in live:
        assert task["taskDefinitionArn"] == new["taskDefinitionArn"] and task["startedBy"] == new_deployment
        assert task["lastStatus"] == "RUNNING", summary(task)
    for arn in sorted(old_arns):
        task = svc.wait_task_stopped(arn)
        assert task["stopCode"] == "ServiceSchedulerInitiated", summary(task)
        match = SCALING_REASON.match(str(task.get("stoppedReason")))
        assert match, summary(task)
        assert match.group(1) in (old_deployment, new_deployment), summary(task)
    assert re.search(rf"\(service {name}\) has stopped \d+ running tasks: ", "\n".join(messages(service)))


def test_rolling_update_counts_a_health_checked_task_once_it_is_healthy(
    svc: ServiceLab, sleeper_family: str
) -> None:
    """With a container health check, a new task counts toward minimumHealthyPercent only once it is
    HEALTHY (§6): until then the old tasks keep running."""
    check = {"command": ["CMD-SHELL", "test -f /tmp/ok"], "interval": 5, "timeout": 2, "retries": 3}

    def checked(revision: str) -> dict[str, Any]:
        return container_def(
            "app",
            "touch /tmp/ok; exec sleep 3600",
            linuxParameters={"initProcessEnabled": True},
            healthCheck=check,
            environment=[{"name": "REVISION", "value": revision}],
        )

    family = f"{sleeper_family}-checked"
    old = svc.lab.register([checked("old")], family=family)
    config = {"minimumHealthyPercent": 100, "maximumPercent": 200}
    name = svc.create(old, 2, deploymentConfiguration=config)["serviceName"]
    svc.wait_stable(name)
    svc.wait_for(
        name,
        lambda s: [t["healthStatus"] for t in svc.live_tasks(name)] == ["HEALTHY", "HEALTHY"],
        "both tasks HEALTHY",
        timeout=30,
    )
    old_arns = set(svc.task_arns(name))

    new = svc.lab.register([checked("new")], family=family)
    svc.update(name, taskDefinition=new["taskDefinitionArn"])

    def all_new_healthy(sample: RolloutSample) -> bool:
        live = sample.live()
        return len(live) == 2 and all(
            t["taskDefinitionArn"] == new["taskDefinitionArn"] and t.get("healthStatus") == "HEALTHY"
            for t in live
        )

    samples = watch_rollout(
        svc, name, new["taskDefinitionArn"], set(old_arns), timeout=60, done=all_new_healthy
    )
    too_few = [s.text() for s in samples if s.healthy(checked=True) < 2]
    timeline = "\n".join(
        s.text() + " health=" + str([t.get("healthStatus") for t in s.live()]) for s in samples
    )
    assert too_few == [], (
        "fewer than 2 RUNNING tasks whose health checks passed (minimumHealthyPercent 100 of 2):\n" + timeline
    )


# -- circuit breaker --------------------------------------------------------------------------------
def watch_deployments(
    svc: ServiceLab, name: str, until: Callable[[dict[str, Any]], bool], timeout: float = DEADLINE
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Poll DescribeServices until `until`; every deployment as last seen (by id), failed ones kept."""
    seen: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while True:
        service = svc.describe(name)
        for deployment in service["deployments"]:
            if seen.get(deployment["id"], {}).get("rolloutState") != "FAILED":
                seen[deployment["id"]] = deployment
        if until(service):
            return service, seen
        if time.monotonic() > deadline:
            raise AssertionError(
                f"service {name}: condition not met within {timeout:.0f} s: {brief(service)}"
            )
        time.sleep(POLL / 2)


def test_circuit_breaker_rolls_back_to_the_last_completed_deployment(
    svc: ServiceLab, sleeper_family: str
) -> None:
    good = svc.lab.register([sleeper()], family=sleeper_family)
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    name = svc.create(good, 2, deploymentConfiguration=breaker)["serviceName"]
    first = svc.wait_stable(name)["deployments"][0]
    good_arns = set(svc.task_arns(name))

    bad = svc.lab.register([unpullable()], family=sleeper_family)
    updated = svc.update(name, taskDefinition=bad["taskDefinitionArn"])
    bad_id = updated["deployments"][0]["id"]
    assert updated["deployments"][0]["taskDefinition"] == bad["taskDefinitionArn"]

    def rolled_back(service: dict[str, Any]) -> bool:
        deployments = service["deployments"]
        return (
            len(deployments) == 1
            and deployments[0]["id"] != bad_id
            and service["runningCount"] == service["desiredCount"]
        )

    service, seen = watch_deployments(svc, name, rolled_back)
    (primary,) = service["deployments"]
    assert primary["status"] == "PRIMARY" and primary["taskDefinition"] == good["taskDefinitionArn"], brief(
        service
    )
    assert primary["id"] == first["id"] and primary["rolloutState"] == "COMPLETED", brief(service)
    assert service["taskDefinition"] == good["taskDefinitionArn"]
    assert (service["runningCount"], primary["runningCount"]) == (2, 2), brief(service)
    live = svc.live_tasks(name)
    assert {t["taskArn"] for t in live} == good_arns, "the healthy tasks were replaced during the rollback"
    assert all(t["lastStatus"] == "RUNNING" for t in live)

    stopped = svc.describe_tasks(sorted(set(svc.task_arns(name, "STOPPED")) - good_arns))
    bad_tasks = [t for t in stopped if t["startedBy"] == bad_id]
    for task in bad_tasks:
        assert "startedAt" not in task, summary(task)  # never RUNNING
    # Each bad task failed to pull, or was still pulling when the rollback stopped it.
    failed_bad = [t for t in bad_tasks if t["stopCode"] == "TaskFailedToStart"]
    assert len(failed_bad) >= 3, [summary(t) for t in stopped]
    for task in failed_bad:
        assert task["stoppedReason"].startswith("CannotPullContainerError:"), summary(task)
    for task in bad_tasks:
        if task not in failed_bad:
            assert task["stopCode"] == "ServiceSchedulerInitiated", summary(task)
            assert task["stoppedReason"].startswith("Scaling activity initiated by (deployment"), summary(
                task
            )

    text = "\n".join(messages(service))
    assert f"(service {name}) (deployment {bad_id}) deployment failed: tasks failed to start." in text, text
    assert f"(service {name}) rolling back to deployment {first['id']}." in text, text
    assert event_index(service, "rolling back") < event_index(service, "deployment failed"), text

    # What a deploy script polling DescribeServices for its deployment must be able to see.
    assert bad_id in seen, f"the new deployment was never listed: {sorted(seen)}"
    last = seen[bad_id]
    assert last["rolloutState"] == "FAILED", (
        f"deployment {bad_id} was never seen FAILED by DescribeServices (polled every {POLL / 2} s); "
        f"last seen: {last}"
    )
    assert last["rolloutStateReason"] == BREAKER_REASON
    assert last["failedTasks"] >= 3, last


def test_circuit_breaker_without_rollback_keeps_the_old_tasks(svc: ServiceLab, sleeper_family: str) -> None:
    good = svc.lab.register([sleeper()], family=sleeper_family)
    breaker = {"deploymentCircuitBreaker": {"enable": True, "rollback": False}}
    name = svc.create(good, 2, deploymentConfiguration=breaker)["serviceName"]
    first = svc.wait_stable(name)["deployments"][0]
    good_arns = set(svc.task_arns(name))

    bad = svc.lab.register([unpullable()], family=sleeper_family)
    bad_id = svc.update(name, taskDefinition=bad["taskDefinitionArn"])["deployments"][0]["id"]
    service, _ = watch_deployments(svc, name, lambda s: s["deployments"][0]["rolloutState"] == "FAILED")
    primary = service["deployments"][0]
    assert (primary["id"], primary["status"]) == (bad_id, "PRIMARY"), brief(service)
    assert primary["rolloutStateReason"] == BREAKER_REASON
    assert primary["failedTasks"] >= 3 and primary["runningCount"] == 0, brief(service)
    assert [(d["id"], d["status"]) for d in service["deployments"]] == [
        (bad_id, "PRIMARY"),
        (first["id"], "ACTIVE"),
    ], brief(service)
    assert f"(service {name}) (deployment {bad_id}) deployment failed: tasks failed to start." in messages(
        service
    )
    assert not any("rolling back" in m for m in messages(service))

    failed_count = len(svc.task_arns(name, "STOPPED"))
    time.sleep(3)  # three scheduler passes: a failed deployment launches nothing more
    service = svc.describe(name)
    assert service["deployments"][0]["rolloutState"] == "FAILED", brief(service)
    assert len(svc.task_arns(name, "STOPPED")) == failed_count, "the failed deployment kept launching"
    live = svc.live_tasks(name)
    assert {t["taskArn"] for t in live} == good_arns, [summary(t) for t in live]
    assert all(t["lastStatus"] == "RUNNING" for t in live)
    assert service["runningCount"] == 2 and service["deployments"][1]["runningCount"] == 2, brief(service)


# -- replacing tasks --------------------------------------------------------------------------------
def test_killed_task_is_replaced(svc: ServiceLab, sleeper_family: str) -> None:
    definition = svc.lab.register([sleeper()], family=sleeper_family)
    name = svc.create(definition, 2)["serviceName"]
    svc.wait_stable(name)
    before = svc.live_tasks(name)
    victim = before[0]
    docker("kill", by_name(victim, "app")["runtimeId"])

    stopped = svc.wait_task_stopped(victim["taskArn"])
    assert stopped["stopCode"] == "EssentialContainerExited", summary(stopped)
    assert stopped["stoppedReason"] == ESSENTIAL_EXITED, summary(stopped)
    assert by_name(stopped, "app").get("exitCode") == 137, summary(stopped)

    def replaced(service: dict[str, Any]) -> bool:
        arns = set(svc.task_arns(name))
        return service["runningCount"] == 2 and len(arns) == 2 and victim["taskArn"] not in arns

    service = svc.wait_for(name, replaced, "a replacement RUNNING")
    live = svc.live_tasks(name)
    assert len(live) == 2 and all(t["lastStatus"] == "RUNNING" for t in live), [summary(t) for t in live]
    new = {t["taskArn"] for t in live} - {t["taskArn"] for t in before}
    assert len(new) == 1, "not exactly one new task"
    (new_arn,) = new
    assert {t["taskArn"] for t in live} == {before[1]["taskArn"], new_arn}
    assert task_id(new_arn) in started_ids(service)
    assert service["deployments"][0]["failedTasks"] == 1, brief(service)


def test_unhealthy_task_is_replaced(svc: ServiceLab, sleeper_family: str) -> None:
    check = {"command": ["CMD-SHELL", "test -f /tmp/ok"], "interval": 5, "timeout": 2, "retries": 1}
    definition = svc.lab.register([sleeper(healthCheck=check)], family=f"{sleeper_family}-health")
    name = svc.create(definition, 1)["serviceName"]
    svc.wait_for(name, lambda s: len(svc.task_arns(name)) == 1, "a task")
    (first_arn,) = svc.task_arns(name)
    first = svc.lab.wait_running(first_arn)
    stopped = svc.wait_task_stopped(first["taskArn"], timeout=45)
    assert stopped["stoppedReason"] == HEALTH_REASON, summary(stopped)
    assert stopped["stopCode"] == "ServiceSchedulerInitiated", summary(stopped)
    assert stopped["healthStatus"] == "UNHEALTHY", summary(stopped)
    assert by_name(stopped, "app").get("healthStatus") == "UNHEALTHY", summary(stopped)

    service = svc.wait_for(
        name,
        lambda s: any(a != first["taskArn"] for a in svc.task_arns(name)),
        "a replacement task",
    )
    text = "\n".join(messages(service))
    assert f"(service {name}) (task {task_id(first['taskArn'])}) failed container health checks." in text, (
        text
    )
    replacement = [a for a in svc.task_arns(name) if a != first["taskArn"]]
    assert len(replacement) == 1 and task_id(replacement[0]) in started_ids(service), text


# -- scaling and new deployments ---------------------------------------------------------------------
def test_scale_out_and_in_and_force_new_deployment(svc: ServiceLab, sleeper_family: str) -> None:
    definition = svc.lab.register([sleeper()], family=sleeper_family)
    name = svc.create(definition, 1)["serviceName"]
    deployment = svc.wait_stable(name)["deployments"][0]["id"]
    (first,) = svc.task_arns(name)

    svc.update(name, desiredCount=3)
    service = svc.wait_stable(name)
    assert (service["desiredCount"], service["runningCount"]) == (3, 3), brief(service)
    assert [d["id"] for d in service["deployments"]] == [deployment], "scaling made a new deployment"
    assert service["deployments"][0]["desiredCount"] == 3
    three = set(svc.task_arns(name))
    assert first in three and len(three) == 3
    scaled = event_index(service, rf"^\(service {name}\) has started 2 tasks: ")
    assert set(re.findall(r"\(task ([0-9a-f]{32})\)", messages(service)[scaled])) == {
        task_id(a) for a in three - {first}
    }

    svc.update(name, desiredCount=1)
    service = svc.wait_for(
        name, lambda s: s["runningCount"] == 1 and len(svc.task_arns(name)) == 1, "one task left"
    )
    assert service["desiredCount"] == 1 and service["deployments"][0]["desiredCount"] == 1, brief(service)
    (kept,) = svc.task_arns(name)
    removed = sorted(three - {kept})
    for arn in removed:
        task = svc.wait_task_stopped(arn)
        assert task["stopCode"] == "ServiceSchedulerInitiated", summary(task)
        assert task["stoppedReason"] == f"Scaling activity initiated by (deployment {deployment})", summary(
            task
        )
    stopped_event = event_index(service, rf"^\(service {name}\) has stopped 2 running tasks: ")
    assert set(re.findall(r"\(task ([0-9a-f]{32})\)", messages(service)[stopped_event])) == {
        task_id(a) for a in removed
    }

    forced = svc.update(name, forceNewDeployment=True)
    assert [d["status"] for d in forced["deployments"]] == ["PRIMARY", "ACTIVE"], brief(forced)
    new_deployment = forced["deployments"][0]
    assert new_deployment["id"] != deployment and DEPLOYMENT_ID.match(new_deployment["id"])
    assert new_deployment["taskDefinition"] == definition["taskDefinitionArn"]
    service = svc.wait_stable(name)
    assert [d["id"] for d in service["deployments"]] == [new_deployment["id"]], brief(service)
    (replacement,) = svc.task_arns(name)
    assert replacement != kept
    assert svc.describe_tasks([replacement])[0]["startedBy"] == new_deployment["id"]
    old = svc.wait_task_stopped(kept)
    assert old["stopCode"] == "ServiceSchedulerInitiated" and SCALING_REASON.match(old["stoppedReason"]), (
        summary(old)
    )


# -- errors -----------------------------------------------------------------------------------------
def test_service_errors(svc: ServiceLab, sleeper_family: str) -> None:
    definition = svc.lab.register([sleeper()], family=sleeper_family)
    missing = f"missing-{uuid.uuid4().hex[:6]}"
    assert error_of(lambda: svc.update(missing, desiredCount=1)) == (
        "ServiceNotFoundException",
        "Service not found.",
    )

    name = svc.create(definition, 1)["serviceName"]
    assert error_of(lambda: svc.ecs.delete_service(cluster=svc.cluster, service=name)) == (
        "InvalidParameterException",
        "The service cannot be stopped while it is scaled above 0.",
    )
    assert svc.describe(name)["status"] == "ACTIVE"
    assert error_of(lambda: svc.create(definition, 0, name=name)) == (
        "InvalidParameterException",
        "Creation of service was not idempotent.",
    )

    reply = svc.ecs.describe_services(cluster=svc.cluster, services=[name, missing])
    assert [s["serviceName"] for s in reply["services"]] == [name]
    assert reply["failures"] == [{"arn": svc.service_arn(missing), "reason": "MISSING"}]
    try:
        svc.ecs.get_waiter("services_stable").wait(
            cluster=svc.cluster, services=[missing], WaiterConfig={"Delay": 1, "MaxAttempts": 3}
        )
    except WaiterError as exc:
        assert "MISSING" in str(exc), str(exc)
    else:
        raise AssertionError("services_stable succeeded for a missing service")


# -- deletion ---------------------------------------------------------------------------------------
def test_delete_service_drains_to_inactive(svc: ServiceLab, sleeper_family: str) -> None:
    definition = svc.lab.register([sleeper()], family=sleeper_family)
    name = svc.create(definition, 2)["serviceName"]
    svc.wait_stable(name)
    arns = svc.task_arns(name)
    assert len(arns) == 2

    svc.update(name, desiredCount=0)
    deleted = svc.ecs.delete_service(cluster=svc.cluster, service=name)["service"]
    assert deleted["status"] == "DRAINING" and deleted["desiredCount"] == 0, brief(deleted)
    assert error_of(lambda: svc.update(name, desiredCount=1)) == (
        "ServiceNotActiveException",
        "Service was not ACTIVE.",
    )
    try:
        svc.ecs.get_waiter("services_inactive").wait(
            cluster=svc.cluster, services=[name], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    except WaiterError as exc:
        raise AssertionError(f"never INACTIVE: {brief(svc.describe(name))}") from exc
    service = svc.describe(name)
    assert service["status"] == "INACTIVE" and service["runningCount"] == 0, brief(service)
    for arn in arns:
        task = svc.lab.describe(arn)
        assert task["lastStatus"] == "STOPPED" and task["desiredStatus"] == "STOPPED", summary(task)
        assert task["stopCode"] == "ServiceSchedulerInitiated", summary(task)

    deadline = time.monotonic() + 20  # the cleanup delay (3 s) and the janitor's period
    left = [c for a in arns for c in containers_labelled(f"{ECS_TASK_ARN}={a}")]
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = [c for a in arns for c in containers_labelled(f"{ECS_TASK_ARN}={a}")]
    assert left == [], f"containers of the deleted service's tasks remain: {left}"
    assert svc.service_arn(name) not in svc.ecs.list_services(cluster=svc.cluster)["serviceArns"]
    with pytest.raises(ClientError) as raised:
        svc.ecs.delete_service(cluster=svc.cluster, service=name)
    assert raised.value.response["Error"]["Code"] == "ServiceNotActiveException"
