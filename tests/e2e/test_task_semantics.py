"""What a task definition means once it runs: essential containers, dependsOn, health checks, image
pulls, task memory, container settings reaching Docker, and the errors of bad requests
(shared/reference/fargate-behaviour.md §3, §5, §7)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.task_support import (
    ECS_TASK_ARN,
    IDLE,
    TaskLab,
    by_name,
    container_def,
    containers_labelled,
    docker_time,
    error_of,
    logs,
    must_inspect,
    summary,
)

pytestmark = pytest.mark.e2e

ESSENTIAL_EXITED = "Essential container in task exited"
OOM = "OutOfMemoryError: Container killed due to memory usage"
NEVER_STARTED = "0001-01-01T00:00:00Z"


def started_at(container_id: str) -> float:
    return docker_time(must_inspect(container_id)["State"]["StartedAt"])


def finished_at(container_id: str) -> float:
    return docker_time(must_inspect(container_id)["State"]["FinishedAt"])


def exited(name: str) -> Any:
    return lambda task: by_name(task, name).get("exitCode") is not None


# -- essential ------------------------------------------------------------------------------------
@pytest.mark.parametrize("script", ["exit 3", "sleep 1; exit 3"], ids=["at-once", "after-a-second"])
def test_essential_container_exit_stops_the_task(lab: TaskLab, script: str) -> None:
    definition = lab.register([container_def("main", script), container_def("side")])
    arns = [t["taskArn"] for t in lab.run(definition, count=3)]
    for arn in arns:
        task = lab.wait_for(arn, lambda t: t["lastStatus"] == "STOPPED", "STOPPED", timeout=30)
        assert task["stopCode"] == "EssentialContainerExited", summary(task)
        assert task["stoppedReason"] == ESSENTIAL_EXITED
        assert by_name(task, "main").get("exitCode") == 3, summary(task)
        side = by_name(task, "side")
        assert side["lastStatus"] == "STOPPED" and side.get("exitCode") == 0, summary(task)


def test_non_essential_container_exit_leaves_the_task_running(lab: TaskLab) -> None:
    definition = lab.register([container_def("main"), container_def("helper", "exit 4", essential=False)])
    arn = lab.run_one(definition)["taskArn"]
    lab.wait_for(arn, exited("helper"), "the helper's exit")
    time.sleep(3)
    task = lab.describe(arn)
    assert (task["lastStatus"], task["desiredStatus"]) == ("RUNNING", "RUNNING"), summary(task)
    assert by_name(task, "helper").get("exitCode") == 4, summary(task)
    assert by_name(task, "helper")["lastStatus"] == "STOPPED"
    assert by_name(task, "main")["lastStatus"] == "RUNNING"


# -- dependsOn ------------------------------------------------------------------------------------
def test_depends_on_complete_waits_for_the_exit(lab: TaskLab) -> None:
    definition = lab.register(
        [
            container_def("init", "sleep 1; exit 5", essential=False),
            container_def("app", dependsOn=[{"containerName": "init", "condition": "COMPLETE"}]),
        ]
    )
    task = lab.wait_running(lab.run_one(definition)["taskArn"])
    assert by_name(task, "init").get("exitCode") == 5, summary(task)
    init, app = (by_name(task, n)["runtimeId"] for n in ("init", "app"))
    assert started_at(app) >= finished_at(init), "app started before init exited"


def test_depends_on_success_after_a_clean_exit(lab: TaskLab) -> None:
    definition = lab.register(
        [
            container_def("migrate", "sleep 1; exit 0", essential=False),
            container_def("app", dependsOn=[{"containerName": "migrate", "condition": "SUCCESS"}]),
        ]
    )
    task = lab.wait_running(lab.run_one(definition)["taskArn"])
    migrate, app = (by_name(task, n)["runtimeId"] for n in ("migrate", "app"))
    assert started_at(app) >= finished_at(migrate)


def test_depends_on_success_fails_the_task_when_the_dependency_fails(lab: TaskLab) -> None:
    definition = lab.register(
        [
            container_def("migrate", "sleep 1; exit 1", essential=False),
            container_def("app", dependsOn=[{"containerName": "migrate", "condition": "SUCCESS"}]),
        ]
    )
    arn = lab.run_one(definition)["taskArn"]
    task = lab.wait_stopped(arn, timeout=30)
    assert task["stopCode"] == "TaskFailedToStart", summary(task)
    assert task["stoppedReason"], summary(task)
    assert "startedAt" not in task, "the task was reported started"
    assert by_name(task, "migrate").get("exitCode") == 1, summary(task)
    app = by_name(task, "app")
    assert app["lastStatus"] == "STOPPED" and app.get("exitCode") is None, summary(task)
    if app.get("runtimeId"):
        info = must_inspect(app["runtimeId"])
        assert info["State"]["StartedAt"] == NEVER_STARTED, "app was started although migrate failed"


def test_depends_on_healthy_waits_for_the_health_check(lab: TaskLab) -> None:
    check = {"command": ["CMD-SHELL", "test -f /tmp/ok"], "interval": 5, "timeout": 2, "retries": 3}
    definition = lab.register(
        [
            container_def("db", f"sleep 1; touch /tmp/ok; {IDLE}", healthCheck=check),
            container_def("app", dependsOn=[{"containerName": "db", "condition": "HEALTHY"}]),
        ]
    )
    arn = lab.run_one(definition)["taskArn"]
    task = lab.wait_running(arn, timeout=40)
    assert by_name(task, "db")["healthStatus"] == "HEALTHY"
    db, app = (by_name(task, n)["runtimeId"] for n in ("db", "app"))
    health_log = must_inspect(db)["State"]["Health"]["Log"]
    first_pass = min(docker_time(entry["End"]) for entry in health_log if entry["ExitCode"] == 0)
    assert started_at(app) >= first_pass, "app started before db was healthy"
    assert started_at(app) - started_at(db) >= 4, "app did not wait for db's first health check (5 s)"


def test_depends_on_start(lab: TaskLab) -> None:
    definition = lab.register(
        [container_def("db"), container_def("app", dependsOn=[{"containerName": "db", "condition": "START"}])]
    )
    task = lab.wait_running(lab.run_one(definition)["taskArn"])
    db, app = (by_name(task, n)["runtimeId"] for n in ("db", "app"))
    assert started_at(app) >= started_at(db)


# -- health ---------------------------------------------------------------------------------------
def test_health_checks_pass_and_fail(lab: TaskLab) -> None:
    passing = lab.register(
        [
            container_def(
                "shell", healthCheck={"command": ["CMD-SHELL", "true"], "interval": 5, "retries": 1}
            ),
            container_def("exec", healthCheck={"command": ["CMD", "true"], "interval": 5, "retries": 1}),
        ]
    )
    failing = lab.register(
        [container_def("app", healthCheck={"command": ["CMD-SHELL", "exit 1"], "interval": 5, "retries": 1})]
    )
    good = lab.run_one(passing)["taskArn"]
    bad = lab.run_one(failing)["taskArn"]
    assert lab.wait_running(good)["healthStatus"] == "UNKNOWN"
    task = lab.wait_for(good, lambda t: t["healthStatus"] != "UNKNOWN", "a health verdict", timeout=30)
    assert task["healthStatus"] == "HEALTHY", summary(task)
    assert [c["healthStatus"] for c in task["containers"]] == ["HEALTHY", "HEALTHY"]

    task = lab.wait_for(bad, lambda t: t["healthStatus"] != "UNKNOWN", "a health verdict", timeout=30)
    assert task["healthStatus"] == "UNHEALTHY", summary(task)
    assert by_name(task, "app")["healthStatus"] == "UNHEALTHY"
    time.sleep(2)
    task = lab.describe(bad)
    assert (task["lastStatus"], task["desiredStatus"]) == ("RUNNING", "RUNNING"), summary(task)


# -- images and resources ---------------------------------------------------------------------------
def test_image_pull_failure(lab: TaskLab) -> None:
    definition = lab.register(
        [container_def("app", image="no-such-registry.invalid/nope:1"), container_def("ok")]
    )
    arn = lab.run_one(definition)["taskArn"]
    task = lab.wait_stopped(arn, timeout=60)
    assert task["stopCode"] == "TaskFailedToStart", summary(task)
    assert task["stoppedReason"].startswith("CannotPullContainerError:"), task["stoppedReason"]
    assert str(by_name(task, "app").get("reason", "")).startswith("CannotPullContainerError:"), summary(task)
    assert containers_labelled(f"{ECS_TASK_ARN}={arn}") == [], "containers were created for a failed pull"


def test_task_memory_limit_kills_with_out_of_memory(lab: TaskLab) -> None:
    definition = lab.register(
        [container_def("hog", "sleep 2; head -c 700m /dev/zero | tail > /dev/null")],
        cpu="256",
        memory="512",
    )
    arn = lab.run_one(definition)["taskArn"]
    task = lab.wait_running(arn)
    info = must_inspect(by_name(task, "hog")["runtimeId"])
    parent = str(info["HostConfig"]["CgroupParent"])
    assert parent, "the container has no task-level parent cgroup"
    limit = Path("/sys/fs/cgroup/memory") / parent.strip("/") / "memory.limit_in_bytes"
    if limit.exists():  # cgroup v1
        assert int(limit.read_text()) == 512 * 1024 * 1024
    task = lab.wait_stopped(arn, timeout=40)
    hog = by_name(task, "hog")
    assert hog.get("exitCode") == 137, summary(task)
    assert hog.get("reason") == OOM, summary(task)
    assert task["stopCode"] == "EssentialContainerExited", summary(task)
    assert task["stoppedReason"] in (OOM, ESSENTIAL_EXITED), summary(task)


def test_container_settings_reach_docker(lab: TaskLab) -> None:
    shared = [{"sourceVolume": "shared", "containerPath": "/data"}]
    after_writer = [{"containerName": "writer", "condition": "COMPLETE"}]
    definition = lab.register(
        [
            container_def("keeper"),
            container_def(
                "settings",
                None,
                essential=False,
                entryPoint=["sh", "-c"],
                command=["echo settings $GREETING $(pwd) $(id -u) $(ulimit -n) $(ulimit -Hn)"],
                environment=[{"name": "GREETING", "value": "hello"}],
                workingDirectory="/tmp",
                user="65534",
                ulimits=[{"name": "nofile", "softLimit": 1234, "hardLimit": 2345}],
            ),
            container_def(
                "overridden",
                "echo definition-command",
                essential=False,
                environment=[{"name": "GREETING", "value": "def"}, {"name": "KEEP", "value": "kept"}],
            ),
            container_def(
                "writer",
                "touch /probe 2>/dev/null && echo rootfs-writable || echo rootfs-readonly;"
                " echo pid1=$(cat /proc/1/comm); echo shared-data > /data/msg",
                essential=False,
                readonlyRootFilesystem=True,
                linuxParameters={"initProcessEnabled": True},
                mountPoints=shared,
            ),
            container_def(
                "reader",
                "cat /shared/msg",
                essential=False,
                mountPoints=[{"sourceVolume": "shared", "containerPath": "/shared", "readOnly": True}],
                dependsOn=after_writer,
            ),
            container_def(
                "borrower",
                "cat /data/msg",
                essential=False,
                volumesFrom=[{"sourceContainer": "writer", "readOnly": True}],
                dependsOn=after_writer,
            ),
        ],
        volumes=[{"name": "shared"}],
    )
    overrides = {
        "containerOverrides": [
            {
                "name": "overridden",
                "command": ["sh", "-c", "echo overridden $GREETING $KEEP $ADDED"],
                "environment": [{"name": "GREETING", "value": "over"}, {"name": "ADDED", "value": "new"}],
            }
        ]
    }
    arn = lab.run_one(definition, overrides=overrides)["taskArn"]
    probes = ("settings", "overridden", "writer", "reader", "borrower")
    task = lab.wait_for(arn, lambda t: all(exited(n)(t) for n in probes), "every probe's exit")
    assert [by_name(task, n).get("exitCode") for n in probes] == [0] * len(probes), summary(task)
    out = {n: logs(by_name(task, n)["runtimeId"]).strip() for n in probes}
    assert out["settings"] == "settings hello /tmp 65534 1234 2345"
    assert out["overridden"] == "overridden over kept new"
    assert out["writer"].splitlines() == ["rootfs-readonly", "pid1=docker-init"]
    assert out["reader"] == "shared-data"
    assert out["borrower"] == "shared-data"

    settings = must_inspect(by_name(task, "settings")["runtimeId"])
    assert settings["Config"]["Entrypoint"] == ["sh", "-c"]
    assert settings["Config"]["WorkingDir"] == "/tmp" and settings["Config"]["User"] == "65534"
    assert "GREETING=hello" in settings["Config"]["Env"]
    assert settings["HostConfig"]["Ulimits"] == [{"Name": "nofile", "Soft": 1234, "Hard": 2345}]
    writer = must_inspect(by_name(task, "writer")["runtimeId"])
    assert writer["HostConfig"]["ReadonlyRootfs"] is True and writer["HostConfig"]["Init"] is True
    assert task["overrides"]["containerOverrides"][0]["name"] == "overridden"


# -- bad requests ---------------------------------------------------------------------------------
def test_run_task_rejects_bad_requests(lab: TaskLab) -> None:
    good = lab.register([container_def("app")])
    ecs, cluster = lab.ecs, lab.cluster

    def run(**params: Any) -> tuple[str, str]:
        request: dict[str, Any] = {
            "cluster": cluster,
            "taskDefinition": good["taskDefinitionArn"],
            "launchType": "FARGATE",
            "networkConfiguration": lab.network(),
            **params,
        }
        return error_of(lambda: ecs.run_task(**{k: v for k, v in request.items() if v is not None}))

    code, message = run(taskDefinition=f"no-such-family-{uuid.uuid4().hex[:8]}")
    assert code == "ClientException" and "not found" in message.lower(), message
    assert run(taskDefinition=f"{good['family']}:99")[0] == "ClientException"
    assert run(networkConfiguration=None) == (
        "InvalidParameterException",
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    )
    bridge = ecs.register_task_definition(
        family=f"e2e-ec2-{uuid.uuid4().hex[:8]}",
        networkMode="bridge",
        containerDefinitions=[{"name": "app", "image": "busybox:latest", "memory": 64}],
    )["taskDefinition"]
    assert run(taskDefinition=bridge["taskDefinitionArn"]) == (
        "InvalidParameterException",
        "Task definition does not support launch_type FARGATE.",
    )
    assert run(count=11)[0] == "InvalidParameterException"
    assert run(count=0)[0] == "InvalidParameterException"
    code, message = run(networkConfiguration=lab.network(["subnet-0123456789abcdef0"]))
    assert code == "InvalidParameterException" and "subnet-0123456789abcdef0" in message, message
    assert run(cluster=f"no-such-cluster-{uuid.uuid4().hex[:8]}")[0] == "ClusterNotFoundException"
    listed = ecs.list_tasks(cluster=cluster, family=good["family"], desiredStatus="STOPPED")["taskArns"]
    assert listed + ecs.list_tasks(cluster=cluster, family=good["family"])["taskArns"] == []


def test_stop_and_describe_unknown_tasks(lab: TaskLab) -> None:
    unknown = uuid.uuid4().hex
    assert error_of(lambda: lab.ecs.stop_task(cluster=lab.cluster, task=unknown)) == (
        "InvalidParameterException",
        "The referenced task was not found.",
    )
    reply = lab.ecs.describe_tasks(cluster=lab.cluster, tasks=[unknown])
    assert reply["tasks"] == []
    assert [f["reason"] for f in reply["failures"]] == ["MISSING"]
    assert reply["failures"][0]["arn"].endswith(f"task/{lab.cluster}/{unknown}")


def test_list_tasks_filters_and_pages(lab: TaskLab) -> None:
    alpha = lab.register([container_def("app")])
    beta = lab.register([container_def("app")])
    alphas = [t["taskArn"] for t in lab.run(alpha, count=2, startedBy="alpha")]
    betas = [t["taskArn"] for t in lab.run(beta, startedBy="beta")]
    for arn in alphas + betas:
        lab.wait_running(arn)
    ecs, cluster = lab.ecs, lab.cluster
    assert sorted(ecs.list_tasks(cluster=cluster, family=alpha["family"])["taskArns"]) == sorted(alphas)
    assert ecs.list_tasks(cluster=cluster, startedBy="beta")["taskArns"] == betas
    running = ecs.list_tasks(cluster=cluster)["taskArns"]
    assert set(alphas + betas) <= set(running)

    pages: list[str] = []
    token: str | None = None
    while True:
        extra = {"nextToken": token} if token else {}
        page = ecs.list_tasks(cluster=cluster, family=alpha["family"], maxResults=1, **extra)
        assert len(page["taskArns"]) <= 1
        pages += page["taskArns"]
        token = page.get("nextToken")
        if not token:
            break
    assert sorted(pages) == sorted(alphas)
    assert (
        error_of(lambda: ecs.list_tasks(cluster=cluster, nextToken="garbage"))[0]
        == "InvalidParameterException"
    )

    lab.stop(alphas[0])
    lab.wait_stopped(alphas[0])
    assert ecs.list_tasks(cluster=cluster, family=alpha["family"])["taskArns"] == [alphas[1]]
    stopped = ecs.list_tasks(cluster=cluster, family=alpha["family"], desiredStatus="STOPPED")["taskArns"]
    assert stopped == [alphas[0]]
    assert alphas[0] in ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"]
