"""Task launch latency: RunTask to RUNNING on skiff, next to plain Docker and to ministack.

This is a benchmark, not a test. It launches one-container tasks (busybox, ``sh -c 'sleep 3600'``,
stopTimeout 2, cpu 256 / memory 512, FARGATE, awsvpc) over and over and reports the median and
90th percentile of the time each takes to come up, for these targets, interleaved in every round:

* ``skiff``      -- ``python -m skiff server``: from just before RunTask to the first DescribeTasks
  (polled every 20 ms) that shows ``lastStatus`` RUNNING;
* ``docker-api`` -- the floor: container create + start on a user bridge network through the Docker
  Engine API (skiff's own ``DockerClient``), until an inspect shows the container running;
* ``docker-cli`` -- the same as ``docker run -d --network <bench network> busybox sh -c 'sleep 3600'``,
  until the command returns and an inspect shows the container running;
* ``ministack``  -- the ministack emulator driving the same Docker daemon, measured like skiff.

Before the measured runs every target launches once, uncounted. For skiff that first launch (a
fresh server on a fresh subnet, no prepared pause container) and a second one on another fresh
subnet are reported as the "cold" figures. Between runs the task is stopped or the container
removed, the bench waits until it is gone (and, for skiff, until its pause-container pool is full
again), then pauses, so no two runs overlap.

Everything the bench starts -- servers, containers, networks -- listens on or stays on loopback
and is removed at the end, also on Ctrl-C, SIGTERM or error.

    .venv/bin/python bench/bench_launch.py [--runs 15] [--peer-python .bench-venv/bin/python]

Results are printed as a table and written to ``bench/results/bench_launch-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import ipaddress
import itertools
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from botocore.config import Config

from skiff.agent.cgroups import TaskCgroups
from skiff.net.pause import PAUSE_IMAGE, POOL_SIZE
from skiff.runtime.docker import DEFAULT_SOCKET, DockerClient, DockerError
from skiff.runtime.labels import INSTANCE, MANAGED, ROLE, SUBNET

try:
    from bench.servers import (
        SKIFF,
        Server,
        describe,
        interrupt,
        loopback_bypasses_proxies,
        new_session,
        package_versions,
        running_servers,
        signals_ignored,
    )
except ImportError:  # run as a script: bench/ is on sys.path, the repository root is not
    from servers import (  # type: ignore[no-redef]
        SKIFF,
        Server,
        describe,
        interrupt,
        loopback_bypasses_proxies,
        new_session,
        package_versions,
        running_servers,
        signals_ignored,
    )

RESULTS_DIR = Path(__file__).resolve().parent / "results"

MINISTACK, DOCKER_API, DOCKER_CLI = "ministack", "docker-api", "docker-cli"
TARGET_ORDER = (SKIFF, DOCKER_API, DOCKER_CLI, MINISTACK)
DESCRIPTIONS = {
    SKIFF: "RunTask -> DescribeTasks RUNNING",
    DOCKER_API: "Engine API create+start, user bridge",
    DOCKER_CLI: "docker run -d, user bridge",
    MINISTACK: "RunTask -> DescribeTasks RUNNING",
}
COLD_FIRST, COLD_SUBNET = "skiff cold: first launch", "skiff cold: fresh subnet"
COLD_DESCRIPTIONS = {
    COLD_FIRST: "fresh server, fresh subnet, empty pool",
    COLD_SUBNET: "warm server, fresh subnet, empty pool",
}

IMAGE = "busybox:latest"
COMMAND = ["sh", "-c", "sleep 3600"]
FAMILY = "bench-launch"
TASK_CPU, TASK_MEMORY, STOP_TIMEOUT = "256", "512", 2
# Label on the containers and networks the bench creates itself. Not `skiff.managed`: skiff's agent
# reconciles (and removes) containers carrying that one.
BENCH_LABEL = "skiff.bench"
ECS_CLUSTER_LABEL = "com.amazonaws.ecs.cluster"
ECS_TASK_LABEL = "com.amazonaws.ecs.task-arn"
# Candidate /24s for the bench's own bridge network; the first one clear of everything is used.
BENCH_NETWORKS = tuple(f"10.254.{n}.0/24" for n in range(256))

DOCKER_CALL_TIMEOUT = 120.0
SETTLE_TIMEOUT = 30.0  # seconds to wait for a stopped task's containers to go, or a pool to refill
SETTLE_POLL = 0.1
MAX_CONSECUTIVE_FAILURES = 3
SHOWN_DETAIL = ("run_task_ms", "polls", "create_ms", "cli_ms")

T = TypeVar("T")


class BenchError(Exception):
    """The bench cannot run (no Docker, an image missing, another skiff on the daemon, ...)."""


# --------------------------------------------------------------------------- Docker


class Docker:
    """skiff's asyncio `DockerClient`, driven synchronously on a private event loop."""

    def __init__(self, socket_path: str = DEFAULT_SOCKET) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = DockerClient(socket_path)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = DOCKER_CALL_TIMEOUT) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call(self.client.close(), timeout=10)
        self.loop.close()

    def containers(self, labels: dict[str, str | None]) -> list[dict[str, Any]]:
        return self.call(self.client.list_containers(labels))

    def running(self, container_id: str) -> bool:
        info = self.call(self.client.inspect_container(container_id))
        return bool(info and info.get("State", {}).get("Running"))


@contextlib.contextmanager
def docker_session() -> Iterator[Docker]:
    docker = Docker()
    try:
        yield docker
    finally:
        docker.close()


def wait_until(condition: Callable[[], bool], timeout: float = SETTLE_TIMEOUT) -> bool:
    """Poll `condition` every SETTLE_POLL seconds; False if it never held within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(SETTLE_POLL)


def host_routes() -> list[ipaddress.IPv4Network]:
    """IPv4 routes of this host (except the default route), from /proc/net/route."""
    routes: list[ipaddress.IPv4Network] = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/route").read_text().splitlines()[1:]:
            fields = line.split()
            destination, mask = (
                socket.inet_ntoa(struct.pack("<L", int(value, 16))) for value in (fields[1], fields[7])
            )
            if destination != "0.0.0.0":
                routes.append(ipaddress.IPv4Network(f"{destination}/{mask}", strict=False))
    return routes


def taken_networks(docker: Docker) -> list[ipaddress.IPv4Network]:
    """Address ranges a new bridge must not overlap: every Docker network's, and the host's routes."""
    taken = host_routes()
    for network in docker.call(docker.client.list_networks({})):
        for pool in (network.get("IPAM") or {}).get("Config") or []:
            with contextlib.suppress(KeyError, ValueError):
                found = ipaddress.ip_network(pool["Subnet"], strict=False)
                if isinstance(found, ipaddress.IPv4Network):
                    taken.append(found)
    return taken


def clear_of(cidr: str, taken: Iterable[ipaddress.IPv4Network]) -> bool:
    candidate = ipaddress.IPv4Network(cidr, strict=False)
    return not any(candidate.overlaps(other) for other in taken)


# --------------------------------------------------------------------------- what to clean up


@dataclass
class Leftovers:
    """Everything the bench (or a server on its behalf) may leave on the Docker daemon.

    All of it is scoped to this run: a random run id, cluster names containing it, the instance id
    of the bench's skiff server (a fresh data directory makes a new one), and subnets that server
    made up, on address ranges no Docker network used before. Containers that were on the daemon
    before the bench started are never removed.
    """

    run_id: str
    skiff_instance: str = ""  # the `skiff.instance` label of the bench's skiff server's containers
    preexisting: set[str] = field(default_factory=set)  # ids of skiff containers present at the start
    cluster_arns: list[str] = field(default_factory=list)  # task containers, by ECS cluster label
    skiff_subnets: dict[str, str] = field(default_factory=dict)  # subnet id -> CIDR: pauses, bridges
    skiff_task_ids: list[str] = field(default_factory=list)  # task cgroups
    removed: dict[str, int] = field(default_factory=dict)

    def count(self, what: str) -> None:
        self.removed[what] = self.removed.get(what, 0) + 1


def pause_containers(docker: Docker, instance: str, subnet_id: str, cidr: str) -> list[dict[str, Any]]:
    """The pause containers a skiff server keeps for a subnet (labelled with its id, or its CIDR)."""
    labels: dict[str, str | None] = {MANAGED: None, ROLE: "pause"}
    if instance:
        labels[INSTANCE] = instance
    pauses = docker.containers(labels)
    return [p for p in pauses if (p.get("Labels") or {}).get(SUBNET) in (subnet_id, cidr)]


def skiff_bridges(docker: Docker, cidrs: Iterable[str]) -> list[dict[str, Any]]:
    """skiff's bridge networks on these address ranges (found by range, whatever their names)."""
    wanted = set(cidrs)
    found = []
    for network in docker.call(docker.client.list_networks({MANAGED: None})):
        pools = {c.get("Subnet") for c in (network.get("IPAM") or {}).get("Config") or []}
        if pools & wanted:
            found.append(network)
    return found


def sweep(leftovers: Leftovers) -> None:
    """Remove what this run left behind. Runs after the servers stopped; never raises."""
    with signals_ignored(), docker_session() as docker:
        if not docker.call(docker.client.ping(), timeout=15):
            print("clean-up: the Docker engine does not answer; nothing removed", file=sys.stderr)
            return
        steps: list[tuple[str, Callable[[], list[dict[str, Any]]]]] = [
            ("bench containers", lambda: docker.containers({BENCH_LABEL: leftovers.run_id})),
            *(
                (f"tasks of {arn}", functools.partial(docker.containers, {ECS_CLUSTER_LABEL: arn}))
                for arn in leftovers.cluster_arns
            ),
            *(
                (
                    f"pause containers of {subnet}",
                    functools.partial(pause_containers, docker, leftovers.skiff_instance, subnet, cidr),
                )
                for subnet, cidr in leftovers.skiff_subnets.items()
            ),
        ]
        if leftovers.skiff_instance:
            steps.append(
                ("skiff's containers", lambda: docker.containers({INSTANCE: leftovers.skiff_instance}))
            )
        for what, find in steps:
            try:
                for container in find():
                    if container["Id"] not in leftovers.preexisting:
                        docker.call(docker.client.remove_container(container["Id"], force=True))
                        leftovers.count("containers")
            except (DockerError, TimeoutError) as error:
                print(f"clean-up: {what}: {describe(error)}", file=sys.stderr)
        try:
            networks = docker.call(docker.client.list_networks({BENCH_LABEL: leftovers.run_id}))
            networks += skiff_bridges(docker, leftovers.skiff_subnets.values())
        except (DockerError, TimeoutError) as error:
            print(f"clean-up: listing networks: {describe(error)}", file=sys.stderr)
            networks = []
        for network in networks:
            try:
                docker.call(docker.client.remove_network(network["Id"]))
                leftovers.count("networks")
            except (DockerError, TimeoutError) as error:  # e.g. a container still attached
                print(f"clean-up: network {network.get('Name')}: {describe(error)}", file=sys.stderr)
    cgroups = TaskCgroups()
    for task_id in leftovers.skiff_task_ids:
        cgroups.remove(task_id)  # only what skiff itself did not remove (e.g. after Ctrl-C)


# --------------------------------------------------------------------------- samples


@dataclass
class Sample:
    """One launch. `seconds` is None when the launch failed (`error` says why)."""

    seconds: float | None
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "error": self.error or None, **self.detail}


def p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


@dataclass
class Stats:
    median: float
    p90: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Stats | None:
        if not values:
            return None
        return cls(statistics.median(values), p90(values), min(values), max(values), len(values))


@dataclass
class TargetResult:
    name: str
    description: str
    unavailable: str = ""
    warmup: Sample | None = None
    samples: list[Sample] = field(default_factory=list)
    note: str = ""  # e.g. why the target was dropped part-way

    @property
    def values(self) -> list[float]:
        return [s.seconds for s in self.samples if s.seconds is not None]

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.seconds is None)

    @property
    def stats(self) -> Stats | None:
        return Stats.of(self.values)

    @property
    def first_error(self) -> str:
        return next((s.error for s in self.samples if s.error), "")

    @property
    def disturbed(self) -> int:
        """Runs during which another skiff's containers were on the daemon."""
        return sum(1 for s in self.samples if s.detail.get("other_skiff_containers"))


# --------------------------------------------------------------------------- launchers


class Launcher:
    """Launches one thing, timed (`launch`), and takes it down again untimed (`teardown`).

    `subnet` only means something to skiff (the cold launch goes to a second subnet).
    """

    name = ""

    def launch(self, subnet: str | None = None) -> Sample:
        raise NotImplementedError

    def teardown(self, subnet: str | None = None) -> str:
        """Stop what the last launch started and wait until it is gone; an error text, or empty."""
        raise NotImplementedError


def client_config() -> Config:
    # ministack's StopTask stops the container itself, with a 5 s grace: the read timeout is generous.
    return Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=60)


def task_definition(family: str = FAMILY) -> dict[str, Any]:
    """The one-container busybox task the launch and scale benches run."""
    return {
        "family": family,
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": TASK_CPU,
        "memory": TASK_MEMORY,
        "containerDefinitions": [
            {
                "name": "app",
                "image": IMAGE,
                "command": COMMAND,
                "essential": True,
                "stopTimeout": STOP_TIMEOUT,
            }
        ],
    }


# DescribeTasks timestamps in the order a launch sets them; the bench adds "request" and "seen".
TASK_STAMPS = ("createdAt", "connectivityAt", "pullStartedAt", "pullStoppedAt", "startedAt")


def phases(task: dict[str, Any], requested: float, seen: float) -> dict[str, float]:
    """Milliseconds between consecutive timestamps: the request, what DescribeTasks reports, and
    when the bench saw RUNNING. Wall-clock times; client and server share the machine's clock."""
    stamps: list[tuple[str, float]] = [("request", requested)]
    for key in TASK_STAMPS:
        value = task.get(key)
        if isinstance(value, datetime):
            stamps.append((key, value.timestamp()))
    stamps.append(("seen", seen))
    return {f"{a}->{b}": round(1000 * (tb - ta), 1) for (a, ta), (b, tb) in itertools.pairwise(stamps)}


class EcsLauncher(Launcher):
    """RunTask, then DescribeTasks every `poll` seconds until RUNNING (skiff and ministack alike)."""

    # ministack's task timestamps are whole seconds, all set at once: no use for a breakdown.
    report_phases = False
    # ministack's StopTask gives the container 5 s to stop, whatever its stopTimeout, and busybox
    # `sleep` as PID 1 ignores SIGTERM: the (untimed) teardown removes the container first instead.
    remove_before_stop = False

    def __init__(
        self,
        name: str,
        endpoint: str,
        docker: Docker,
        leftovers: Leftovers,
        poll: float,
        timeout: float,
    ) -> None:
        self.name = name
        self.docker = docker
        self.leftovers = leftovers
        self.poll = poll
        self.timeout = timeout
        session = new_session()
        self.ecs = session.client("ecs", endpoint_url=endpoint, config=client_config())
        self.ec2 = session.client("ec2", endpoint_url=endpoint, config=client_config())
        self.cluster = f"{FAMILY}-{leftovers.run_id}-{name}"
        self.subnet = ""
        self.task_arn = ""

    def setup(self, subnet: str) -> None:
        arn = self.ecs.create_cluster(clusterName=self.cluster)["cluster"]["clusterArn"]
        self.leftovers.cluster_arns.append(arn)
        self.ecs.register_task_definition(**task_definition())
        self.subnet = subnet

    def run_task(self, subnet: str) -> dict[str, Any]:
        return dict(
            self.ecs.run_task(
                cluster=self.cluster,
                taskDefinition=FAMILY,
                launchType="FARGATE",
                count=1,
                networkConfiguration={
                    "awsvpcConfiguration": {"subnets": [subnet], "assignPublicIp": "DISABLED"}
                },
            )
        )

    def describe_task(self, arn: str) -> dict[str, Any]:
        tasks = self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])["tasks"]
        return dict(tasks[0]) if tasks else {}

    def launch(self, subnet: str | None = None) -> Sample:
        subnet = subnet or self.subnet
        requested = time.time()
        started = time.perf_counter()
        try:
            response = self.run_task(subnet)
        except Exception as error:
            return Sample(None, f"RunTask failed: {describe(error)}")
        returned = time.perf_counter()
        if not response.get("tasks"):
            return Sample(None, f"RunTask failed: {response.get('failures')}")
        self.task_arn = response["tasks"][0]["taskArn"]
        self.on_task(self.task_arn)
        polls = 0
        while True:
            try:
                task = self.describe_task(self.task_arn)
            except Exception as error:
                return Sample(None, f"DescribeTasks failed: {describe(error)}")
            polls += 1
            status = task.get("lastStatus")
            if status == "RUNNING":
                elapsed, seen = time.perf_counter() - started, time.time()
                detail: dict[str, Any] = {
                    "run_task_ms": round(1000 * (returned - started), 1),
                    "polls": polls,
                }
                if self.report_phases:
                    detail["phases_ms"] = phases(task, requested, seen)
                return Sample(elapsed, detail=detail)
            if status == "STOPPED" or task.get("desiredStatus") == "STOPPED":
                return Sample(None, f"task {status}: {task.get('stoppedReason') or task.get('stopCode')}")
            if time.perf_counter() - started > self.timeout:
                return Sample(None, f"not RUNNING after {self.timeout:g} s (last status {status})")
            time.sleep(self.poll)

    def on_task(self, arn: str) -> None:
        """Hook: a task was created."""

    def teardown(self, subnet: str | None = None) -> str:
        arn, self.task_arn = self.task_arn, ""
        if not arn:
            return ""
        try:
            if self.remove_before_stop:
                for container in self.docker.containers({ECS_TASK_LABEL: arn}):
                    self.docker.call(self.docker.client.remove_container(container["Id"], force=True))
            self.ecs.stop_task(cluster=self.cluster, task=arn, reason="bench")
            if not wait_until(lambda: self.describe_task(arn).get("lastStatus") == "STOPPED"):
                return f"task not STOPPED within {SETTLE_TIMEOUT:g} s"
            if not wait_until(lambda: not self.docker.containers({ECS_TASK_LABEL: arn})):
                return f"the task's containers were not removed within {SETTLE_TIMEOUT:g} s"
        except Exception as error:
            return describe(error)
        return ""


class SkiffLauncher(EcsLauncher):
    """skiff: also keeps track of the subnets and task ids, and waits for the pause pool between runs."""

    report_phases = True

    def pick_subnets(self, taken: list[ipaddress.IPv4Network], count: int) -> list[str]:
        """Default subnets whose CIDR no Docker network or host route overlaps (a bridge needs that).

        Taken from the last zone backwards: another skiff on the machine most likely uses the first.
        """
        found = self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        found.sort(key=lambda s: s["AvailabilityZone"], reverse=True)
        clear = [s for s in found if clear_of(s["CidrBlock"], taken)][:count]
        if len(clear) < count:
            raise BenchError(f"need {count} default subnets clear of other networks, found {len(clear)}")
        self.leftovers.skiff_subnets.update({s["SubnetId"]: s["CidrBlock"] for s in clear})
        return [s["SubnetId"] for s in clear]

    def on_task(self, arn: str) -> None:
        self.leftovers.skiff_task_ids.append(arn.rsplit("/", 1)[-1])

    def teardown(self, subnet: str | None = None) -> str:
        problem = super().teardown()
        if problem:
            return problem
        subnet = subnet or self.subnet
        try:
            if not wait_until(lambda: self.pool_ready(subnet)):
                return f"the pause pool of {subnet} did not refill within {SETTLE_TIMEOUT:g} s"
        except (DockerError, TimeoutError) as error:
            return describe(error)
        return ""

    def pool_ready(self, subnet: str) -> bool:
        """The subnet has its prepared pause containers, all running, and no task holds one."""
        cidr = self.leftovers.skiff_subnets.get(subnet, "")
        pauses = pause_containers(self.docker, self.leftovers.skiff_instance, subnet, cidr)
        return len(pauses) == POOL_SIZE and all(p.get("State") == "running" for p in pauses)


class DockerApiLauncher(Launcher):
    """Create + start through the Engine API (skiff's DockerClient), then one inspect."""

    name = DOCKER_API

    def __init__(self, docker: Docker, network: str, run_id: str) -> None:
        self.docker = docker
        self.network = network
        self.run_id = run_id
        self.container_id = ""

    def launch(self, subnet: str | None = None) -> Sample:
        config = {
            "Image": IMAGE,
            "Cmd": COMMAND,
            "Labels": {BENCH_LABEL: self.run_id},
            "HostConfig": {"NetworkMode": self.network},
        }
        client = self.docker.client
        started = time.perf_counter()
        try:
            self.container_id = self.docker.call(client.create_container(config))
            created = time.perf_counter()
            self.docker.call(client.start_container(self.container_id))
            running = self.docker.running(self.container_id)
        except (DockerError, TimeoutError) as error:
            return Sample(None, describe(error))
        elapsed = time.perf_counter() - started
        if not running:
            return Sample(None, "container not running after start")
        return Sample(elapsed, detail={"create_ms": round(1000 * (created - started), 1)})

    def teardown(self, subnet: str | None = None) -> str:
        container_id, self.container_id = self.container_id, ""
        if container_id:
            try:
                self.docker.call(self.docker.client.remove_container(container_id, force=True))
            except (DockerError, TimeoutError) as error:
                return describe(error)
        return ""


class DockerCliLauncher(DockerApiLauncher):
    """`docker run -d`, then one inspect through the API."""

    name = DOCKER_CLI

    def launch(self, subnet: str | None = None) -> Sample:
        argv = ["docker", "run", "-d", "--network", self.network, "--label", f"{BENCH_LABEL}={self.run_id}"]
        started = time.perf_counter()
        try:
            done = subprocess.run([*argv, IMAGE, *COMMAND], capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            return Sample(None, describe(error))
        returned = time.perf_counter()
        if done.returncode != 0:
            return Sample(None, f"docker run failed: {done.stderr.strip()[-200:]}")
        self.container_id = done.stdout.strip().splitlines()[-1]
        try:
            running = self.docker.running(self.container_id)
        except (DockerError, TimeoutError) as error:
            return Sample(None, describe(error))
        elapsed = time.perf_counter() - started
        if not running:
            return Sample(None, "container not running after docker run")
        return Sample(elapsed, detail={"cli_ms": round(1000 * (returned - started), 1)})


# --------------------------------------------------------------------------- preparing


def preflight(docker: Docker, leftovers: Leftovers, allow_other_skiff: bool) -> dict[str, Any]:
    """Docker reachable, images present, no skiff that reconciles every skiff container; versions.

    skiff servers label their containers with their instance (`skiff.instance`) and reconcile only
    their own. Containers without that label come from a skiff that predates it, which takes every
    skiff container it does not know for a leftover: it would remove the bench's.
    """
    if not docker.call(docker.client.ping()):
        raise BenchError(f"no Docker engine answers on {DEFAULT_SOCKET}")
    for image in (IMAGE, PAUSE_IMAGE):
        if docker.call(docker.client.inspect_image(image)) is None:
            raise BenchError(f"image {image} is missing: run scripts/build-images.sh")
    others = docker.containers({MANAGED: None})
    unscoped = [c for c in others if INSTANCE not in (c.get("Labels") or {})]
    if unscoped and not allow_other_skiff:
        names = ", ".join(sorted(c.get("Names", ["?"])[0].lstrip("/") for c in unscoped)[:5])
        raise BenchError(
            f"{len(unscoped)} container(s) without a {INSTANCE} label are on this Docker daemon ({names}, "
            "...): they belong to a skiff that reconciles every skiff container on the daemon, and would "
            "remove the bench's. Stop that skiff first, or pass --allow-other-skiff to accept that."
        )
    if others:
        print(f"note: {len(others)} container(s) of other skiff servers share this Docker daemon", flush=True)
    leftovers.preexisting.update(c["Id"] for c in others)
    version = docker.call(docker.client.version())
    return {"docker": version.get("Version"), "docker_api": version.get("ApiVersion")}


def other_skiff(docker: Docker, leftovers: Leftovers) -> str:
    """Names of skiff containers on the daemon that are not the bench's server's, if any.

    They compete for the daemon and the CPUs; one without an instance label also belongs to a
    skiff that removes the bench's pause containers when it starts.
    """
    mine = set(leftovers.skiff_subnets) | set(leftovers.skiff_subnets.values())
    names = []
    try:
        for container in docker.containers({MANAGED: None}):
            labels = container.get("Labels") or {}
            if leftovers.skiff_instance:
                if labels.get(INSTANCE) == leftovers.skiff_instance:
                    continue
            elif labels.get(ECS_CLUSTER_LABEL) in leftovers.cluster_arns or labels.get(SUBNET) in mine:
                continue
            names.append(str(container.get("Names", ["?"])[0]).lstrip("/"))
    except (DockerError, TimeoutError):
        return ""
    return ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")


def skiff_instance(workdir: Path) -> str:
    """The instance id the bench's skiff server labels its containers with (it keeps it in its data
    directory, which `launch_spec` puts under `workdir`); empty for a skiff without one."""
    path = workdir / SKIFF / "data" / "instance-id"
    return path.read_text().strip() if path.exists() else ""


def create_bench_network(docker: Docker, run_id: str) -> str:
    """A user bridge network for the docker-api and docker-cli targets, on a /24 nothing else uses."""
    taken = taken_networks(docker)
    cidr = next((c for c in BENCH_NETWORKS if clear_of(c, taken)), None)
    if cidr is None:
        raise BenchError("no free /24 in 10.254.0.0/16 for the bench network")
    name = f"skiff-bench-{run_id}"
    gateway = str(next(ipaddress.IPv4Network(cidr).hosts()))
    docker.call(
        docker.client.create_network(name, subnet=cidr, gateway=gateway, labels={BENCH_LABEL: run_id})
    )
    return name


def ministack_subnet(launcher: EcsLauncher) -> str:
    """ministack's own default subnet if its EC2 has one; it does not check the id anyway."""
    try:
        found = launcher.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
        return str(found["Subnets"][0]["SubnetId"])
    except Exception:
        return "subnet-0bench00000000001"


@dataclass
class Prepared:
    results: dict[str, TargetResult]
    launchers: dict[str, Launcher]
    neighbours: Callable[[], str]  # names of another skiff's containers on the daemon, if any
    cold_subnet: str = ""
    load: list[float] = field(default_factory=list)  # the 1-minute load average at each round's start


def prepare(
    args: argparse.Namespace, servers: dict[str, Server], docker: Docker, leftovers: Leftovers, network: str
) -> Prepared:
    """One launcher per usable target, set up (cluster, task definition, subnets) before any timing."""
    results = {name: TargetResult(name, DESCRIPTIONS[name]) for name in TARGET_ORDER}
    launchers: dict[str, Launcher] = {}
    prepared = Prepared(results, launchers, functools.partial(other_skiff, docker, leftovers))
    for name in (SKIFF, MINISTACK):
        server = servers.get(name)
        if server is None:
            results[name].unavailable = "skipped (--skip-ministack)"
            continue
        if server.unavailable:
            results[name].unavailable = server.unavailable
            continue
        try:
            if name == SKIFF:
                skiff = SkiffLauncher(
                    name, server.endpoint, docker, leftovers, args.poll, args.launch_timeout
                )
                main_subnet, prepared.cold_subnet = skiff.pick_subnets(taken_networks(docker), 2)
                skiff.setup(main_subnet)
                launchers[name] = skiff
            else:
                peer = EcsLauncher(name, server.endpoint, docker, leftovers, args.poll, args.launch_timeout)
                peer.remove_before_stop = True
                peer.setup(ministack_subnet(peer))
                launchers[name] = peer
        except BenchError as error:
            results[name].unavailable = str(error)
        except Exception as error:
            results[name].unavailable = f"set-up failed: {describe(error)}"
    launchers[DOCKER_API] = DockerApiLauncher(docker, network, leftovers.run_id)
    if args.skip_cli:
        results[DOCKER_CLI].unavailable = "skipped (--skip-cli)"
    elif shutil.which("docker") is None:
        results[DOCKER_CLI].unavailable = "no docker CLI on PATH"
    else:
        launchers[DOCKER_CLI] = DockerCliLauncher(docker, network, leftovers.run_id)
    prepared.launchers = {name: launchers[name] for name in TARGET_ORDER if name in launchers}
    return prepared


# --------------------------------------------------------------------------- measuring


def show(label: str, sample: Sample, teardown_error: str) -> None:
    if sample.seconds is None:
        text = f"FAILED: {sample.error}"
    else:
        extras = "  ".join(f"{k} {v}" for k, v in sample.detail.items() if k in SHOWN_DETAIL)
        text = f"{sample.seconds:7.3f} s   {extras}"
    if teardown_error:
        text += f"   [teardown: {teardown_error}]"
    print(f"{label:<34} {text}", flush=True)


def launch_once(
    prepared: Prepared, launcher: Launcher, pause: float, label: str, subnet: str | None = None
) -> Sample:
    """One timed launch, then the untimed teardown and the pause.

    Another skiff on the daemon is looked for (untimed) before the launch, and again after a
    failure: if one is there, the sample says so.
    """
    others = prepared.neighbours()
    sample = launcher.launch(subnet)
    if sample.seconds is None:
        others = others or prepared.neighbours()
    problem = launcher.teardown(subnet)
    if problem:
        others = others or prepared.neighbours()
        sample.detail["teardown_error"] = problem
    if others:
        sample.detail["other_skiff_containers"] = others
        if sample.seconds is None:
            sample.error += f" (another skiff is on the Docker daemon: {others})"
    show(label, sample, problem)
    time.sleep(pause)
    return sample


def warm_up(prepared: Prepared, pause: float) -> dict[str, Sample]:
    """One uncounted launch per target; for skiff also the cold launch on a second, fresh subnet."""
    cold: dict[str, Sample] = {}
    for name, launcher in prepared.launchers.items():
        sample = launch_once(prepared, launcher, pause, f"warm-up   {name}")
        prepared.results[name].warmup = sample
        if name == SKIFF:
            cold[COLD_FIRST] = sample
            cold[COLD_SUBNET] = launch_once(
                prepared, launcher, pause, f"cold      {name} (fresh subnet)", prepared.cold_subnet
            )
    return cold


def run_rounds(prepared: Prepared, runs: int, pause: float) -> None:
    """Interleave the targets: A, B, C, A, B, C, ... A target failing repeatedly is dropped."""
    active = dict(prepared.launchers)
    failures = dict.fromkeys(active, 0)
    for number in range(1, runs + 1):
        prepared.load.append(round(os.getloadavg()[0], 2))
        for name, launcher in list(active.items()):
            sample = launch_once(prepared, launcher, pause, f"run {number:>2}/{runs}  {name}")
            prepared.results[name].samples.append(sample)
            failures[name] = failures[name] + 1 if sample.seconds is None else 0
            if failures[name] >= MAX_CONSECUTIVE_FAILURES:
                prepared.results[name].note = f"dropped after {MAX_CONSECUTIVE_FAILURES} failures in a row"
                print(f"{name}: {prepared.results[name].note}", flush=True)
                del active[name]


# --------------------------------------------------------------------------- reporting


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def ratio(numerator: Stats | None, denominator: Stats | None) -> float | None:
    if numerator is None or denominator is None or not denominator.median:
        return None
    return numerator.median / denominator.median


def compute_ratios(results: dict[str, TargetResult]) -> dict[str, float | None]:
    skiff = results[SKIFF].stats
    return {
        f"{SKIFF}/{name}": ratio(skiff, results[name].stats) for name in (DOCKER_API, DOCKER_CLI, MINISTACK)
    }


def median_phases(samples: Iterable[Sample]) -> dict[str, float]:
    """The median of each phase over the samples that report it."""
    collected: dict[str, list[float]] = {}
    for sample in samples:
        for key, value in (sample.detail.get("phases_ms") or {}).items():
            collected.setdefault(key, []).append(value)
    return {key: round(statistics.median(values), 1) for key, values in collected.items()}


def print_report(
    results: dict[str, TargetResult],
    cold: dict[str, Sample],
    ratios: dict[str, float | None],
    goal: float,
    load: list[float],
) -> None:
    header = (
        f"{'target':<26} {'what is timed':<38} {'median s':>9} {'p90 s':>7} {'min':>7} {'max':>7} "
        f"{'n':>3} {'err':>3}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for result in results.values():
        head = f"{result.name:<26} {result.description:<38}"
        stats = result.stats
        if result.unavailable:
            print(f"{head} unavailable: {result.unavailable}")
        elif stats is None:
            print(f"{head} no successful run ({result.first_error})")
        else:
            print(
                f"{head} {stats.median:9.3f} {stats.p90:7.3f} {stats.min:7.3f} {stats.max:7.3f} "
                f"{stats.n:3d} {result.errors:3d}"
            )
    for name, sample in cold.items():
        head = f"{name:<26} {COLD_DESCRIPTIONS[name]:<38}"
        if sample.seconds is None:
            print(f"{head} failed: {sample.error}")
        else:
            value = f"{sample.seconds:.3f}"
            print(f"{head} {value:>9} {'-':>7} {value:>7} {value:>7} {1:3d} {0:3d}")
    print("\nratios (median of skiff / median of the other; below 1 means skiff is faster):")
    for name, value in ratios.items():
        print(f"  {name:<22} {fmt(value, '.2f')}")
    to_ministack = ratios.get(f"{SKIFF}/{MINISTACK}")
    if to_ministack is not None:
        verdict = "met" if to_ministack <= goal else "NOT met"
        print(f"  goal skiff/ministack <= {goal:.2f}: {verdict} ({to_ministack:.3f})")
    phases_skiff = median_phases(results[SKIFF].samples)
    if phases_skiff:
        print(
            "\nwhere skiff's launch goes (median ms between the DescribeTasks timestamps;"
            " 'seen' = the poll that saw RUNNING):"
        )
        for key, value in phases_skiff.items():
            print(f"  {key:<34} {value:8.1f}")
    for name in (SKIFF, MINISTACK):
        detail = [s.detail.get("run_task_ms") for s in results[name].samples if s.seconds is not None]
        known = [v for v in detail if v is not None]
        if known:
            print(f"{name}: RunTask call itself, median {statistics.median(known):.1f} ms")
    if load:
        print(
            f"machine load (1-minute average) at the start of the rounds: min {min(load):.2f}, "
            f"median {statistics.median(load):.2f}, max {max(load):.2f} on {os.cpu_count()} CPUs"
        )
    for result in results.values():
        if result.first_error:
            print(f"first error, {result.name}: {result.first_error}")
        if result.note:
            print(f"note, {result.name}: {result.note}")
    disturbed = max((r.disturbed for r in results.values()), default=0)
    if disturbed:
        runs = max(len(r.samples) for r in results.values())
        print(
            f"other skiff servers' containers were on the Docker daemon during {disturbed} of {runs} rounds"
        )


def pull_mentions(log_path: Path | None) -> list[str]:
    """Lines of a server log that mention pulling an image (ministack must not need to: offline)."""
    if log_path is None or not log_path.exists():
        return []
    lines = log_path.read_text(errors="replace").splitlines()
    return [line.strip()[:300] for line in lines if re.search(r"\bpull", line, re.IGNORECASE)][:20]


def write_json(
    path: Path,
    args: argparse.Namespace,
    results: dict[str, TargetResult],
    cold: dict[str, Sample],
    ratios: dict[str, float | None],
    servers: dict[str, Server],
    docker_versions: dict[str, Any],
    leftovers: Leftovers,
    notes: dict[str, Any],
) -> None:
    def target_record(result: TargetResult) -> dict[str, Any]:
        stats = result.stats
        return {
            "description": result.description,
            "unavailable": result.unavailable or None,
            "stats": None if stats is None else vars(stats),
            "errors": result.errors,
            "runs_with_another_skiff": result.disturbed,
            "note": result.note or None,
            "warmup": result.warmup.record() if result.warmup else None,
            "median_phases_ms": median_phases(result.samples) or None,
            "samples": [s.record() for s in result.samples],
        }

    document = {
        "benchmark": "bench_launch",
        "timestamp": datetime.now(UTC).isoformat(),
        "settings": {
            k: getattr(args, k)
            for k in ("runs", "poll", "pause", "launch_timeout", "skip_ministack", "skip_cli", "peer_python")
        },
        "task": {**task_definition(), "launchType": "FARGATE"},
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            **docker_versions,
            "client_versions": package_versions(sys.executable, ("skiff", "boto3", "botocore")),
            "peer_versions": package_versions(args.peer_python, ("ministack", "docker", "botocore")),
        },
        "servers": {
            n: {"endpoint": s.endpoint or None, "unavailable": s.unavailable or None}
            for n, s in servers.items()
        },
        "targets": {name: target_record(result) for name, result in results.items()},
        "cold": {name: {"description": COLD_DESCRIPTIONS[name], **s.record()} for name, s in cold.items()},
        "ratios": ratios,
        "goal_skiff_over_ministack": args.goal,
        "skiff_instance": leftovers.skiff_instance or None,
        "leftovers_removed_at_exit": leftovers.removed,
        **notes,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="measured launches per target (default 15)")
    parser.add_argument(
        "--poll", type=float, default=0.02, help="DescribeTasks poll interval, s (default 0.02)"
    )
    parser.add_argument(
        "--pause", type=float, default=1.0, help="pause after each run's teardown, s (default 1)"
    )
    parser.add_argument("--launch-timeout", type=float, default=60.0, help="give up on one launch after, s")
    parser.add_argument("--goal", type=float, default=0.75, help="target for skiff/ministack medians")
    parser.add_argument("--skip-ministack", action="store_true", help="do not start ministack")
    parser.add_argument("--skip-cli", action="store_true", help="do not time the docker CLI")
    parser.add_argument("--ready-timeout", type=float, default=90.0, help="seconds to wait for a server")
    parser.add_argument(
        "--allow-other-skiff",
        action="store_true",
        help="run even though another skiff's containers are on the Docker daemon"
        " (the bench's skiff server removes them)",
    )
    parser.add_argument(
        "--peer-python",
        default=sys.executable,
        help="Python interpreter that runs ministack, e.g. from a separate venv (default: this one)",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.poll <= 0 or args.pause < 0 or args.launch_timeout <= 0:
        parser.error("--runs must be >= 1, --poll and --launch-timeout > 0, --pause >= 0")
    return args


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    leftovers = Leftovers(run_id=secrets.token_hex(4))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    # Every client of the daemon -- skiff, ministack, the docker CLI, this process -- uses the same socket.
    os.environ["DOCKER_HOST"] = f"unix://{DEFAULT_SOCKET}"
    pythons = {SKIFF: sys.executable}
    if not args.skip_ministack:
        pythons[MINISTACK] = args.peer_python
    extra_env = {SKIFF: {"SKIFF_TASK_CLEANUP_SECONDS": "2"}}
    try:
        with docker_session() as docker:
            docker_versions = preflight(docker, leftovers, args.allow_other_skiff)
            network = create_bench_network(docker, leftovers.run_id)
            with running_servers(
                pythons, workdir, args.ready_timeout, extra_env=extra_env, docker=True
            ) as servers:
                leftovers.skiff_instance = skiff_instance(workdir)
                prepared = prepare(args, servers, docker, leftovers, network)
                for result in prepared.results.values():
                    if result.unavailable:
                        print(f"  {result.name}: unavailable: {result.unavailable}", flush=True)
                print(
                    f"\n{args.runs} runs per target, DescribeTasks every {args.poll * 1000:g} ms\n",
                    flush=True,
                )
                cold = warm_up(prepared, args.pause)
                run_rounds(prepared, args.runs, args.pause)
        # The servers have stopped: their logs are complete.
        notes: dict[str, Any] = {
            "loadavg_per_round": prepared.load,
            "ministack_log_pull_lines": pull_mentions(servers.get(MINISTACK, Server("")).log_path),
        }
        for name, server in servers.items():
            if server.log_path is not None and server.log_path.exists():
                shutil.copyfile(server.log_path, RESULTS_DIR / f"bench_launch-{stamp}.{name}.log")
    finally:
        sweep(leftovers)
    results = prepared.results
    ratios = compute_ratios(results)
    print_report(results, cold, ratios, args.goal, prepared.load)
    print(f"\nremoved at exit: {leftovers.removed or 'nothing'}")
    path = RESULTS_DIR / f"bench_launch-{stamp}.json"
    write_json(path, args, results, cold, ratios, servers, docker_versions, leftovers, notes)
    print(f"results: {path} (server logs next to it)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    loopback_bypasses_proxies()
    signal.signal(signal.SIGTERM, interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="skiff-bench-launch-", ignore_cleanup_errors=True) as tmp:
            benchmark(args, Path(tmp))
    except BenchError as error:
        print(f"bench_launch: {error}", file=sys.stderr)
        return 2
    except DockerError as error:
        print(f"bench_launch: Docker failed: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; servers stopped, containers and networks removed", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
