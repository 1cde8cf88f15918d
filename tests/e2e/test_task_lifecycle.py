"""A task's life as Fargate users see it, on real containers: launch, the Task fields, waiters,
StopTask, and that nothing is left behind (shared/reference/fargate-behaviour.md §5)."""

from __future__ import annotations

import ipaddress
import itertools
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import WaiterError

from tests.conftest import CliResult
from tests.e2e.task_support import (
    ECS_CLUSTER,
    ECS_CONTAINER_NAME,
    ECS_FAMILY,
    ECS_TASK_ARN,
    ECS_VERSION,
    IDLE,
    PAUSE_IMAGE,
    TaskLab,
    by_name,
    container_def,
    containers_labelled,
    detail,
    docker_time,
    in_cidr,
    in_lifecycle_order,
    inspect,
    lifecycle_walk,
    logs,
    must_inspect,
    pause_id_of,
    summary,
    volumes_labelled,
)

pytestmark = pytest.mark.e2e

STOPPED_BY_USER = "Task stopped by user"
MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def test_containers_of_a_task_reach_each_other_on_localhost(lab: TaskLab) -> None:
    server = container_def(
        "web",
        "mkdir -p /www && echo served-over-localhost > /www/index.html && exec httpd -f -p 8080 -h /www",
    )
    client = container_def(
        "client",
        "for i in $(seq 1 100); do wget -qO- http://127.0.0.1:8080/index.html && exit 0; sleep 0.1; done;"
        " exit 1",
        essential=False,
    )
    task = lab.run_one(lab.register([server, client]))
    done = lab.wait_for(
        task["taskArn"], lambda t: by_name(t, "client").get("exitCode") is not None, "the client's exit"
    )
    client_entry = by_name(done, "client")
    assert client_entry.get("exitCode") == 0, summary(done)
    assert "served-over-localhost" in logs(client_entry["runtimeId"])
    assert done["lastStatus"] == "RUNNING", "a non-essential container's exit stopped the task"


def test_task_fields_while_running(lab: TaskLab) -> None:
    definition = lab.register([container_def("app"), container_def("sidecar")])
    family, revision = definition["family"], definition["revision"]
    started = lab.run(definition, count=2, startedBy="e2e-tester", tags=[{"key": "team", "value": "skiff"}])
    first = started[0]
    assert first["lastStatus"] == "PROVISIONING" and first["desiredStatus"] == "RUNNING"
    assert first["group"] == f"family:{family}" and first["startedBy"] == "e2e-tester"
    walk = lifecycle_walk(lab, first["taskArn"], "RUNNING")
    assert in_lifecycle_order(walk) and walk[-1] == "RUNNING", walk

    tasks = [lab.wait_running(t["taskArn"]) for t in started]
    task = lab.describe(first["taskArn"], include_tags=True)
    assert task["tags"] == [{"key": "team", "value": "skiff"}]
    assert not lab.describe(first["taskArn"]).get("tags")
    assert task["clusterArn"] == lab.cluster_arn
    assert task["taskDefinitionArn"] == definition["taskDefinitionArn"]
    assert task["launchType"] == "FARGATE"
    assert task["platformVersion"]
    assert (task["cpu"], task["memory"]) == ("256", "512")
    assert task["group"] == f"family:{family}"
    assert task["startedBy"] == "e2e-tester"
    assert task["desiredStatus"] == "RUNNING"
    assert task["availabilityZone"] == lab.subnets[0]["AvailabilityZone"]
    stamps: list[Any] = [task.get(k) for k in ("createdAt", "pullStartedAt", "pullStoppedAt", "startedAt")]
    assert all(stamps), f"timestamps missing: {stamps}"
    assert all(a <= b for a, b in itertools.pairwise(stamps)), f"out of order: {stamps}"
    assert "stoppedAt" not in task and "stopCode" not in task

    attachment = task["attachments"][0]
    assert (attachment["type"], attachment["status"]) == ("ElasticNetworkInterface", "ATTACHED")
    ip = detail(task, "privateIPv4Address")
    assert detail(task, "subnetId") == lab.subnet_id
    assert detail(task, "networkInterfaceId").startswith("eni-")
    assert MAC.match(detail(task, "macAddress")), detail(task, "macAddress")
    assert detail(task, "privateDnsName") == f"ip-{ip.replace('.', '-')}.ec2.internal"
    assert in_cidr(ip, lab.subnet_cidr), f"{ip} is not in {lab.subnet_cidr}"

    pause_ids = set()
    for entry in task["containers"]:
        assert entry["lastStatus"] == "RUNNING"
        assert entry["networkInterfaces"] == [{"attachmentId": attachment["id"], "privateIpv4Address": ip}]
        info = must_inspect(entry["runtimeId"])
        assert info["Id"] == entry["runtimeId"] and info["State"]["Running"]
        labels = info["Config"]["Labels"]
        assert labels[ECS_CLUSTER] == lab.cluster_arn
        assert labels[ECS_TASK_ARN] == task["taskArn"]
        assert labels[ECS_CONTAINER_NAME] == entry["name"]
        assert labels[ECS_FAMILY] == family
        assert labels[ECS_VERSION] == str(revision)
        pause_ids.add(pause_id_of(entry["runtimeId"]))
    assert len(pause_ids) == 1, "the containers of one task are in different namespaces"
    pause = must_inspect(pause_ids.pop())
    assert pause["State"]["Running"] and pause["Config"]["Image"] == PAUSE_IMAGE
    networks = pause["NetworkSettings"]["Networks"]
    assert [n["IPAddress"] for n in networks.values()] == [ip], networks
    assert [n["MacAddress"] for n in networks.values()] == [detail(task, "macAddress")]

    ips = [detail(t, "privateIPv4Address") for t in tasks]
    eni_ids = [detail(t, "networkInterfaceId") for t in tasks]
    assert len(set(ips)) == 2 and len(set(eni_ids)) == 2, f"two tasks share an ENI: {ips} {eni_ids}"


def test_task_ip_is_not_an_address_the_vpc_reserves(lab: TaskLab) -> None:
    """AWS keeps the first four addresses and the last one of every subnet; no ENI gets them."""
    tasks = lab.run(lab.register([container_def("app")]), count=2)
    subnet = ipaddress.ip_network(lab.subnet_cidr)
    reserved = {str(subnet.network_address + i) for i in range(4)} | {str(subnet.broadcast_address)}
    for started in tasks:
        ip = detail(lab.wait_running(started["taskArn"]), "privateIPv4Address")
        assert ip not in reserved, f"task got {ip}, reserved in {subnet} (first four and last are AWS's)"


def test_boto3_waiters(lab: TaskLab) -> None:
    definition = lab.register([container_def("app")])
    arn = lab.run_one(definition)["taskArn"]
    fast = {"Delay": 1, "MaxAttempts": 60}
    lab.ecs.get_waiter("tasks_running").wait(cluster=lab.cluster, tasks=[arn], WaiterConfig=fast)
    assert lab.describe(arn)["lastStatus"] == "RUNNING"
    lab.stop(arn)
    lab.ecs.get_waiter("tasks_stopped").wait(cluster=lab.cluster, tasks=[arn], WaiterConfig=fast)
    assert lab.describe(arn)["lastStatus"] == "STOPPED"

    # tasks_running gives up at once on a task that stopped
    failing = lab.run_one(lab.register([container_def("app", "exit 3")]))["taskArn"]
    lab.wait_stopped(failing)
    with pytest.raises(WaiterError, match="terminal failure state"):
        lab.ecs.get_waiter("tasks_running").wait(cluster=lab.cluster, tasks=[failing], WaiterConfig=fast)


def test_aws_cli_waiters(lab: TaskLab, aws: Callable[..., CliResult], tmp_path: Path) -> None:
    definition = lab.register([container_def("app")])
    network = tmp_path / "network.json"
    network.write_text(json.dumps(lab.network()))
    out = aws(
        "ecs",
        "run-task",
        "--cluster",
        lab.cluster,
        "--task-definition",
        definition["taskDefinitionArn"],
        "--launch-type",
        "FARGATE",
        "--network-configuration",
        f"file://{network}",
    )
    arn = json.loads(out.stdout)["tasks"][0]["taskArn"]
    lab.task_arns.append(arn)
    aws("ecs", "wait", "tasks-running", "--cluster", lab.cluster, "--tasks", arn)
    assert lab.describe(arn)["lastStatus"] == "RUNNING"
    stopped = json.loads(aws("ecs", "stop-task", "--cluster", lab.cluster, "--task", arn).stdout)["task"]
    assert stopped["desiredStatus"] == "STOPPED"
    aws("ecs", "wait", "tasks-stopped", "--cluster", lab.cluster, "--tasks", arn)
    assert lab.describe(arn)["lastStatus"] == "STOPPED"


def test_stop_task_with_default_and_custom_reason(lab: TaskLab) -> None:
    definition = lab.register([container_def("app"), container_def("sidecar")])
    plain, custom = (t["taskArn"] for t in lab.run(definition, count=2))
    for arn in (plain, custom):
        lab.wait_running(arn)
    reply = lab.stop(plain)
    assert reply["taskArn"] == plain and reply["desiredStatus"] == "STOPPED"
    lab.stop(custom, "maintenance window")
    walk = lifecycle_walk(lab, plain, "STOPPED")
    assert in_lifecycle_order(walk), walk

    for arn, reason in ((plain, STOPPED_BY_USER), (custom, "maintenance window")):
        task = lab.wait_stopped(arn)
        assert task["stopCode"] == "UserInitiated", summary(task)
        assert task["stoppedReason"] == reason
        assert task["desiredStatus"] == "STOPPED"
        assert task["stoppingAt"] and task["executionStoppedAt"] and task["stoppedAt"]
        assert task["attachments"][0]["status"] == "DELETED"
        for entry in task["containers"]:
            assert entry["lastStatus"] == "STOPPED" and entry.get("exitCode") == 0, summary(task)
            info = inspect(entry["runtimeId"])
            assert info is None or not info["State"]["Running"]


def test_stop_timeout_kills_a_container_that_ignores_sigterm(lab: TaskLab) -> None:
    definition = lab.register(
        [
            container_def("stubborn", "trap '' TERM; sleep 1000", stop_timeout=2),
            container_def("polite", "trap 'exit 7' TERM; sleep 1000 & wait", stop_timeout=2),
        ]
    )
    arn = lab.run_one(definition)["taskArn"]
    task = lab.wait_running(arn)
    ids = {c["name"]: c["runtimeId"] for c in task["containers"]}
    asked = time.time()
    lab.stop(arn)
    task = lab.wait_stopped(arn, timeout=30)
    took = time.time() - asked
    assert by_name(task, "stubborn").get("exitCode") == 137, summary(task)
    assert by_name(task, "polite").get("exitCode") == 7, summary(task)
    assert 1.8 <= took < 12, f"stopping took {took:.1f} s with stopTimeout 2"
    finished = {name: docker_time(must_inspect(cid)["State"]["FinishedAt"]) for name, cid in ids.items()}
    assert finished["polite"] - asked < 1.5, "a container handling SIGTERM was not let go at once"
    assert 1.8 <= finished["stubborn"] - asked < 6, f"SIGKILL came {finished['stubborn'] - asked:.1f} s late"


def test_stop_in_reverse_dependency_order(lab: TaskLab) -> None:
    """frontend dependsOn backend (START): on stop, frontend (slow to leave) goes first."""
    definition = lab.register(
        [
            container_def("backend", IDLE),
            container_def(
                "frontend",
                "trap 'sleep 1; exit 0' TERM; sleep 1000 & wait",
                dependsOn=[{"containerName": "backend", "condition": "START"}],
            ),
        ]
    )
    arn = lab.run_one(definition)["taskArn"]
    task = lab.wait_running(arn)
    ids = {c["name"]: c["runtimeId"] for c in task["containers"]}
    started = {name: docker_time(must_inspect(cid)["State"]["StartedAt"]) for name, cid in ids.items()}
    assert started["backend"] <= started["frontend"]
    lab.stop(arn)
    task = lab.wait_stopped(arn)
    finished = {name: docker_time(must_inspect(cid)["State"]["FinishedAt"]) for name, cid in ids.items()}
    assert finished["frontend"] < finished["backend"], f"stopped out of order: {finished}"


def test_nothing_is_left_after_a_task_stops(lab: TaskLab) -> None:
    volume = {"name": "scratch"}
    mount = [{"sourceVolume": "scratch", "containerPath": "/scratch"}]
    kept = lab.register([container_def("app", mountPoints=mount), container_def("side")], volumes=[volume])
    dying = lab.register([container_def("app", "sleep 2; exit 3", mountPoints=mount)], volumes=[volume])
    arns = [lab.run_one(kept)["taskArn"], lab.run_one(dying)["taskArn"]]
    seen: dict[str, dict[str, Any]] = {}
    for arn in arns:
        task = lab.wait_for(arn, lambda t: all(c.get("runtimeId") for c in t["containers"]), "containers")
        first = task["containers"][0]["runtimeId"]
        info = must_inspect(first)
        cgroup = str(info["HostConfig"]["CgroupParent"])
        seen[arn] = {
            "containers": {c["runtimeId"] for c in task["containers"]},
            "pause": pause_id_of(first),
            "volumes": volumes_labelled(f"skiff.task-arn={arn}"),
            "cgroup": Path("/sys/fs/cgroup/memory") / cgroup.strip("/") if cgroup.strip("/") else None,
        }
        assert seen[arn]["volumes"], "the task volume was not created as a labelled Docker volume"
    lab.stop(arns[0])
    for arn in arns:
        lab.wait_stopped(arn)
    deadline = time.monotonic() + 25
    for arn in arns:
        left: dict[str, Any] = {}
        while time.monotonic() < deadline:
            left = {
                "containers": containers_labelled(f"{ECS_TASK_ARN}={arn}"),
                "pause": inspect(seen[arn]["pause"]) is not None,
                "volumes": volumes_labelled(f"skiff.task-arn={arn}"),
                "cgroup": seen[arn]["cgroup"] is not None and seen[arn]["cgroup"].exists(),
            }
            if not any(left.values()):
                break
            time.sleep(0.5)
        assert not any(left.values()), f"left behind by {arn}: {left}"
