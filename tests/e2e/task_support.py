"""Helpers for the task e2e tests: a `TaskLab` that registers definitions, runs tasks against a real
skiff server (real Docker underneath), polls DescribeTasks, and removes what a test left behind.

Everything here talks to skiff only through boto3 (and to Docker only through the `docker` CLI), so
the tests see what a user would see.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import random
import subprocess
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from botocore.exceptions import ClientError

from skiff.lb.supervisor import Supervisor
from skiff.lb.task_access import TaskAccess
from skiff.net.hosts import HostsFile
from tests.conftest import SkiffServer, client_at, run_coroutine, start_server

IMAGE = "busybox:latest"
PAUSE_IMAGE = "skiff/pause:latest"
POLL_SECONDS = 0.3
DEADLINE_SECONDS = 60.0
LIFECYCLE = (
    "PROVISIONING",
    "PENDING",
    "ACTIVATING",
    "RUNNING",
    "DEACTIVATING",
    "STOPPING",
    "DEPROVISIONING",
    "STOPPED",
)
# A container that idles and leaves promptly on SIGTERM (sh handles the trap while it `wait`s).
IDLE = "trap 'exit 0' TERM; sleep 1000 & wait"

ECS_CLUSTER = "com.amazonaws.ecs.cluster"
ECS_TASK_ARN = "com.amazonaws.ecs.task-arn"
ECS_CONTAINER_NAME = "com.amazonaws.ecs.container-name"
ECS_FAMILY = "com.amazonaws.ecs.task-definition-family"
ECS_VERSION = "com.amazonaws.ecs.task-definition-version"


# What a task reports when its pause container vanished under it. Any other skiff server starting on
# this Docker host does that (it removes pause containers it does not own; see
# test_task_restart.py::test_another_server_on_the_host_leaves_our_tasks_alone).
FOREIGN_REMOVAL = ("No such container", "namespace path")
FOREIGN_HINT = (
    "the task's pause container was removed under it: did another skiff server start on this Docker "
    "host meanwhile? (test_another_server_on_the_host_leaves_our_tasks_alone)"
)


# -- Docker (through its CLI, as a user would look) ------------------------------------------------
def docker(*args: str, check: bool = True, timeout: float = 60) -> str:
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


def inspect(container_id: str) -> dict[str, Any] | None:
    """`docker inspect` of one container, None when Docker does not know it."""
    proc = subprocess.run(
        ["docker", "inspect", "--type", "container", container_id],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        return None
    found: list[dict[str, Any]] = json.loads(proc.stdout)
    return found[0] if found else None


def must_inspect(container_id: str) -> dict[str, Any]:
    info = inspect(container_id)
    assert info is not None, f"docker does not know container {container_id}"
    return info


def containers_labelled(label: str, running_only: bool = False) -> list[str]:
    """Ids of the containers carrying `label` (`key` or `key=value`), all of them unless running_only."""
    args = ["ps", "-q", "--no-trunc", "--filter", f"label={label}"]
    if not running_only:
        args.insert(1, "-a")
    return docker(*args).split()


def volumes_labelled(label: str) -> list[str]:
    return docker("volume", "ls", "-q", "--filter", f"label={label}").split()


def logs(container_id: str) -> str:
    proc = subprocess.run(
        ["docker", "logs", container_id], capture_output=True, text=True, timeout=60, check=False
    )
    return proc.stdout + proc.stderr


def pause_id_of(container_id: str) -> str:
    """The container whose network namespace `container_id` joined (`container:<id>`)."""
    mode = str(must_inspect(container_id)["HostConfig"]["NetworkMode"])
    assert mode.startswith("container:"), f"{container_id} is not in a pause namespace: {mode}"
    return mode.split(":", 1)[1]


def docker_time(text: str) -> float:
    """Docker's RFC 3339 timestamps (nanoseconds) as epoch seconds with microseconds."""
    head, _, rest = text.partition(".")
    fraction = rest.rstrip("Z")[:6].ljust(6, "0") if rest else "000000"
    stamp = dt.datetime.strptime(f"{head}.{fraction}", "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.UTC)
    return stamp.timestamp()


def remove_containers(ids: list[str]) -> None:
    for container_id in ids:
        docker("rm", "-f", "-v", container_id, check=False)


def in_cidr(ip: str, cidr: str) -> bool:
    return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)


# -- ECS ----------------------------------------------------------------------------------------
def container_def(
    name: str,
    script: str | None = IDLE,
    *,
    essential: bool = True,
    stop_timeout: int | None = 2,
    image: str = IMAGE,
    **extra: Any,
) -> dict[str, Any]:
    """A busybox container running `sh -c <script>` (pass command=None in extra to keep the image's)."""
    definition: dict[str, Any] = {"name": name, "image": image, "essential": essential}
    if script:
        definition["command"] = ["sh", "-c", script]
    if stop_timeout is not None:
        definition["stopTimeout"] = stop_timeout
    definition.update({k: v for k, v in extra.items() if v is not None})
    return definition


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    """(code, message) of the ClientError a call raises; fails when it raises nothing."""
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"]), str(exc.response["Error"].get("Message", ""))
    raise AssertionError("the call succeeded; an error was expected")


def detail(task: dict[str, Any], name: str) -> str:
    """A detail of the task's ENI attachment."""
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    return str(details.get(name, ""))


def by_name(task: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in task["containers"]:
        if entry["name"] == name:
            found: dict[str, Any] = entry
            return found
    raise AssertionError(f"task has no container {name}: {[c['name'] for c in task['containers']]}")


@dataclass
class TaskLab:
    """One cluster on one skiff server, with the subnets tasks run in and the tasks the tests ran."""

    ecs: Any
    ec2: Any
    cluster: str
    cluster_arn: str
    subnets: list[dict[str, Any]]
    task_arns: list[str] = field(default_factory=list)
    pause_ids: set[str] = field(default_factory=set)

    @property
    def subnet_id(self) -> str:
        return str(self.subnets[0]["SubnetId"])

    @property
    def subnet_cidr(self) -> str:
        return str(self.subnets[0]["CidrBlock"])

    def network(self, subnet_ids: list[str] | None = None) -> dict[str, Any]:
        return {
            "awsvpcConfiguration": {"subnets": subnet_ids or [self.subnet_id], "assignPublicIp": "ENABLED"}
        }

    # -- definitions and tasks --------------------------------------------------------------------
    def register(
        self,
        containers: list[dict[str, Any]],
        *,
        cpu: str = "256",
        memory: str = "512",
        family: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        family = family or f"e2e-{uuid.uuid4().hex[:10]}"
        reply = self.ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu=cpu,
            memory=memory,
            containerDefinitions=containers,
            **extra,
        )
        definition: dict[str, Any] = reply["taskDefinition"]
        return definition

    def run(self, definition: dict[str, Any] | str, count: int = 1, **params: Any) -> list[dict[str, Any]]:
        arn = definition if isinstance(definition, str) else definition["taskDefinitionArn"]
        params.setdefault("networkConfiguration", self.network())
        reply = self.ecs.run_task(
            cluster=self.cluster, taskDefinition=arn, launchType="FARGATE", count=count, **params
        )
        assert reply["failures"] == [], reply["failures"]
        tasks: list[dict[str, Any]] = reply["tasks"]
        self.task_arns.extend(t["taskArn"] for t in tasks)
        return tasks

    def run_one(self, definition: dict[str, Any] | str, **params: Any) -> dict[str, Any]:
        return self.run(definition, **params)[0]

    def describe_all(self, arns: list[str], include_tags: bool = False) -> list[dict[str, Any]]:
        extra: dict[str, Any] = {"include": ["TAGS"]} if include_tags else {}
        reply = self.ecs.describe_tasks(cluster=self.cluster, tasks=arns, **extra)
        assert reply["failures"] == [], reply["failures"]
        by_arn = {t["taskArn"]: t for t in reply["tasks"]}
        return [by_arn[arn] for arn in arns]

    def describe(self, arn: str, include_tags: bool = False) -> dict[str, Any]:
        return self.describe_all([arn], include_tags)[0]

    def wait_for(
        self,
        arn: str,
        predicate: Callable[[dict[str, Any]], bool],
        what: str,
        timeout: float = DEADLINE_SECONDS,
        interval: float = POLL_SECONDS,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            task = self.describe(arn)
            if predicate(task):
                return task
            if time.monotonic() > deadline:
                raise AssertionError(f"task {arn} never got {what} within {timeout:.0f} s: {summary(task)}")
            time.sleep(interval)

    def wait_status(self, arn: str, status: str, timeout: float = DEADLINE_SECONDS) -> dict[str, Any]:
        """Wait for lastStatus `status`; fail at once if the task stops while another status is wanted."""

        def reached(task: dict[str, Any]) -> bool:
            if task["lastStatus"] == "STOPPED" and status != "STOPPED":
                raise AssertionError(f"task stopped instead of reaching {status}: {summary(task)}")
            return bool(task["lastStatus"] == status)

        return self.wait_for(arn, reached, f"lastStatus {status}", timeout)

    def wait_running(self, arn: str, timeout: float = DEADLINE_SECONDS) -> dict[str, Any]:
        task = self.wait_status(arn, "RUNNING", timeout)
        self.note_pauses(task)
        return task

    def wait_stopped(self, arn: str, timeout: float = DEADLINE_SECONDS) -> dict[str, Any]:
        return self.wait_status(arn, "STOPPED", timeout)

    def stop(self, arn: str, reason: str | None = None) -> dict[str, Any]:
        extra = {"reason": reason} if reason is not None else {}
        task: dict[str, Any] = self.ecs.stop_task(cluster=self.cluster, task=arn, **extra)["task"]
        return task

    def note_pauses(self, task: dict[str, Any]) -> None:
        """Remember the task's pause container (for the clean-up) once its containers exist."""
        for entry in task["containers"]:
            runtime = entry.get("runtimeId")
            info = inspect(runtime) if runtime else None
            mode = str((info or {}).get("HostConfig", {}).get("NetworkMode", ""))
            if mode.startswith("container:"):
                self.pause_ids.add(mode.split(":", 1)[1])

    # -- clean-up ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def scoped(self) -> Iterator[TaskLab]:
        """Stop every task started inside the block, whatever happened in it."""
        first = len(self.task_arns)
        try:
            yield self
        finally:
            self.stop_tasks(self.task_arns[first:])

    def stop_tasks(self, arns: list[str]) -> None:
        for arn in arns:
            with contextlib.suppress(ClientError, Exception):
                self.note_pauses(self.describe(arn))
            with contextlib.suppress(ClientError, Exception):
                self.stop(arn, "e2e clean-up")

    def remove_leftovers(self) -> None:
        """Remove, through Docker, whatever of this lab's tasks is still there."""
        for arn in self.task_arns:
            remove_containers(containers_labelled(f"{ECS_TASK_ARN}={arn}"))
            for volume in volumes_labelled(f"skiff.task-arn={arn}"):
                docker("volume", "rm", "-f", volume, check=False)
        remove_containers([p for p in self.pause_ids if inspect(p) is not None])


def summary(task: dict[str, Any]) -> str:
    """The parts of a task worth reading in a failure message."""
    keys = ("lastStatus", "desiredStatus", "stopCode", "stoppedReason", "healthStatus")
    containers = [
        {k: c.get(k) for k in ("name", "lastStatus", "exitCode", "reason", "healthStatus", "runtimeId")}
        for c in task.get("containers", [])
    ]
    text = json.dumps({**{k: task.get(k) for k in keys}, "containers": containers}, default=str)
    if any(sign in str(task.get("stoppedReason")) for sign in FOREIGN_REMOVAL):
        text += f" -- {FOREIGN_HINT}"
    return text


def lifecycle_walk(
    lab: TaskLab, arn: str, until: str, timeout: float = DEADLINE_SECONDS, interval: float = 0.05
) -> list[str]:
    """The distinct lastStatus values seen, in order, polling fast until `until` is reached."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        task = lab.describe(arn)
        status = task["lastStatus"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == until:
            return seen
        if status == "STOPPED" or time.monotonic() > deadline:
            raise AssertionError(f"never reached {until}; saw {seen}: {summary(task)}")
        time.sleep(interval)


def in_lifecycle_order(statuses: list[str]) -> bool:
    order = [LIFECYCLE.index(s) for s in statuses]
    return order == sorted(order) and len(set(order)) == len(order)


# -- servers ------------------------------------------------------------------------------------
CLEANUP_SECONDS = "3"


def start_e2e_server(data_dir: Path, port: int | None = None) -> SkiffServer:
    """A skiff server of our own that removes stopped tasks' containers after 3 s."""
    with mock.patch.dict(os.environ, {"SKIFF_TASK_CLEANUP_SECONDS": CLEANUP_SECONDS}):
        return start_server(data_dir, port)


def boto_client(endpoint: str, service: str, region: str = "us-east-1") -> Any:
    return client_at(endpoint, service, region)


def default_subnets(ec2: Any) -> list[dict[str, Any]]:
    """The region's default subnets (one per zone), from the EC2 API."""
    try:
        reply = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    except ClientError as exc:
        raise AssertionError(f"tasks need subnets from EC2 DescribeSubnets, which failed: {exc}") from exc
    subnets: list[dict[str, Any]] = sorted(reply["Subnets"], key=lambda s: str(s["AvailabilityZone"]))
    assert subnets, "EC2 DescribeSubnets lists no default subnets"
    return subnets


def docker_network_cidrs(shareable: set[str]) -> dict[str, str]:
    """The IPv4 ranges Docker's networks hold on this host, {cidr: network name}, leaving out skiff's
    own bridges for the ranges in `shareable` (skiff shares one bridge among subnets of one CIDR)."""
    ids = docker("network", "ls", "-q").split()
    held: dict[str, str] = {}
    for network in json.loads(docker("network", "inspect", *ids)) if ids else []:
        skiffs = (network.get("Labels") or {}).get("skiff.managed") == "true"
        for pool in (network.get("IPAM") or {}).get("Config") or []:
            cidr = str(pool.get("Subnet", ""))
            if cidr and ":" not in cidr and not (skiffs and cidr in shareable):
                held[cidr] = str(network["Name"])
    return held


def overlapping(cidr: str, held: dict[str, str]) -> list[str]:
    mine = ipaddress.ip_network(cidr)
    return [name for other, name in held.items() if mine.overlaps(ipaddress.ip_network(other))]


def usable_subnets(ec2: Any) -> list[dict[str, Any]]:
    """The default subnets, unless other Docker networks on this host already hold their ranges.

    Then tasks in them could only fail ("Pool overlaps with other one on this address space"), so
    the tests run in a VPC of their own with a free range instead, and say so in a warning.
    """
    subnets = default_subnets(ec2)
    held = docker_network_cidrs({str(s["CidrBlock"]) for s in subnets})
    free = [s for s in subnets if not overlapping(str(s["CidrBlock"]), held)]
    if free:
        return free
    taken = ", ".join(sorted({n for s in subnets for n in overlapping(str(s["CidrBlock"]), held)}))
    warnings.warn(
        f"default subnets' ranges are held by Docker networks ({taken}); using a VPC of our own",
        stacklevel=2,
    )
    for _ in range(50):
        second, third = random.randrange(64, 250), random.randrange(0, 250)
        cidr = f"10.{second}.{third}.0/24"
        if not overlapping(cidr, held):
            break
    vpc = ec2.create_vpc(CidrBlock=f"10.{second}.0.0/16")["Vpc"]
    subnet: dict[str, Any] = ec2.create_subnet(
        VpcId=vpc["VpcId"], CidrBlock=cidr, AvailabilityZone=subnets[0]["AvailabilityZone"]
    )["Subnet"]
    return [subnet]


def make_lab(endpoint: str, default_subnets_only: bool = False) -> TaskLab:
    ecs, ec2 = boto_client(endpoint, "ecs"), boto_client(endpoint, "ec2")
    subnets = default_subnets(ec2) if default_subnets_only else usable_subnets(ec2)
    cluster = ecs.create_cluster(clusterName=f"e2e-{uuid.uuid4().hex[:12]}")["cluster"]
    return TaskLab(ecs, ec2, cluster["clusterName"], cluster["clusterArn"], subnets)


@contextlib.contextmanager
def opened_lab(endpoint: str, default_subnets_only: bool = False) -> Iterator[TaskLab]:
    """`make_lab`, closed (`close_lab`) on exit."""
    lab = make_lab(endpoint, default_subnets_only)
    try:
        yield lab
    finally:
        close_lab(lab)


def close_lab(lab: TaskLab) -> None:
    """Stop the lab's tasks, give skiff a moment to do it, then remove what is left through Docker."""
    lab.stop_tasks(lab.task_arns)
    deadline = time.monotonic() + 15
    for arn in lab.task_arns:
        with contextlib.suppress(Exception):
            while lab.describe(arn)["lastStatus"] != "STOPPED" and time.monotonic() < deadline:
                time.sleep(POLL_SECONDS)
    lab.remove_leftovers()
    with contextlib.suppress(Exception):
        lab.ecs.delete_cluster(cluster=lab.cluster)


def server_subnets(endpoint: str) -> list[dict[str, Any]]:
    """Every subnet a server of ours knows (asked before it stops, for the clean-up after)."""
    with contextlib.suppress(Exception):
        subnets: list[dict[str, Any]] = boto_client(endpoint, "ec2").describe_subnets()["Subnets"]
        return subnets
    return []


def remove_server_leftovers(subnets: list[dict[str, Any]]) -> None:
    """After a server of ours stopped: remove pause containers it left in its subnets (subnet ids
    are its own), and the bridges of the VPCs the tests made. Default subnets' bridges stay: skiff
    shares one bridge among all subnets of a CIDR, other servers' default subnets included."""
    for subnet in subnets:
        remove_containers(containers_labelled(f"skiff.subnet={subnet['SubnetId']}"))
        if subnet.get("DefaultForAz"):
            continue
        for label in (subnet["SubnetId"], subnet["CidrBlock"]):
            for network in docker("network", "ls", "-q", "--filter", f"label=skiff.subnet={label}").split():
                docker("network", "rm", network, check=False)


def open_default_group(ec2: Any, vpc_id: str, ports: tuple[int, ...]) -> None:
    """Let the host (any address) reach `ports` of the VPC's default group, as the walkthrough
    does (security groups are enforced: the default group lets in only its own members)."""
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    for port in ports:
        with contextlib.suppress(ClientError):  # InvalidPermission.Duplicate: open already
            ec2.authorize_security_group_ingress(
                GroupId=groups[0]["GroupId"], IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0"
            )


def wait_until(what: str, check: Any, timeout: float = 60.0, interval: float = 0.3) -> Any:
    """`check()`'s first truthy result, polled every `interval` s; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s (last: {last})")


def remove_balancer_leftovers(data_dir: Path) -> None:
    """What outlives a stopped server of `data_dir` by design: its HAProxy, the containers of tasks
    still stopping when it stopped, its balancers' names in /etc/hosts and their task-facing
    addresses."""
    path = data_dir / "instance-id"
    if not path.exists():
        return
    instance = path.read_text().strip()
    Supervisor(data_dir).stop()
    remove_containers(containers_labelled(f"skiff.instance={instance}"))
    HostsFile(instance).set_section("elb", {})
    run_coroutine(TaskAccess(data_dir / "lb", instance).remove())


@contextlib.contextmanager
def module_server(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[SkiffServer]:
    """An e2e module's own server (`start_e2e_server`, with `env` on top): on exit it is stopped,
    what its tasks and balancers left is removed, and its log must hold no traceback."""
    server = start_server(data_dir, env={"SKIFF_TASK_CLEANUP_SECONDS": CLEANUP_SECONDS, **(env or {})})
    try:
        yield server
    finally:
        subnets = server_subnets(server.endpoint)
        server.stop()
        remove_server_leftovers(subnets)
        remove_balancer_leftovers(data_dir)
    log = server.log()
    assert "Traceback" not in log, f"the server logged a traceback:\n{log}"
