"""Service scale-out: desiredCount 0 -> N on skiff, next to N sequential ``docker run -d``, and the
server's CPU while N tasks run idle.

This is a benchmark, not a test. In every round (interleaved, skiff first):

* ``skiff``      -- UpdateService ``desiredCount`` 0 -> N (default 20) on a service of one-container
  tasks (busybox ``sh -c 'sleep 3600'``, stopTimeout 2, cpu 256 / memory 512, FARGATE, awsvpc), from
  just before the request to the first DescribeServices (polled every 0.2 s) that shows
  ``runningCount`` N and one deployment, COMPLETED: what ``aws ecs wait services-stable`` waits for;
* ``docker-cli`` -- N sequential ``docker run -d --network <bench network> busybox sh -c 'sleep 3600'``
  on a user bridge network, from the first start to the last return.

Between runs everything is taken down untimed (the service scaled to 0 and its containers gone, the
pause pool full again; the docker containers removed). The medians and their ratio skiff/docker
are reported. Then, with N tasks running, the skiff server's CPU over ``--idle-seconds`` (default
30) of idle, from ``/proc/<pid>/stat`` (utime + stime), as a percentage of one core.

    .venv/bin/python bench/bench_scale.py [--tasks 20] [--rounds 3] [--idle-seconds 30]

Everything the bench starts is removed at the end, also on Ctrl-C, SIGTERM or error. Results are
printed and written to ``bench/results/bench_scale-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from skiff.agent.cgroups import TaskCgroups
from skiff.net.pause import PAUSE_IMAGE, POOL_SIZE
from skiff.runtime.docker import DEFAULT_SOCKET, DockerError
from skiff.runtime.labels import INSTANCE, ROLE

try:
    from bench.bench_launch import (
        BENCH_LABEL,
        COMMAND,
        IMAGE,
        BenchError,
        Docker,
        client_config,
        create_bench_network,
        docker_session,
        skiff_bridges,
        taken_networks,
        task_definition,
        wait_until,
    )
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
    from bench_launch import (  # type: ignore[no-redef,import-not-found]
        BENCH_LABEL,
        COMMAND,
        IMAGE,
        BenchError,
        Docker,
        client_config,
        create_bench_network,
        docker_session,
        skiff_bridges,
        taken_networks,
        task_definition,
        wait_until,
    )
    from servers import (  # type: ignore[no-redef,import-not-found]
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
DOCKER_CLI = "docker-cli"
FAMILY = "bench-scale"
SERVICE = "bench-scale"
FRESH_SERVICE = "bench-scale-fresh"
TEARDOWN_TIMEOUT = 90.0
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Sample:
    """One scale-out. `seconds` is None when it failed (`error` says why)."""

    seconds: float | None
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        return {"seconds": self.seconds, "error": self.error or None, **self.detail}


@dataclass
class Leftovers:
    """What this run may leave behind; all of it scoped to this run's id and server instance."""

    run_id: str
    instance: str = ""  # the bench server's skiff.instance label (from its data dir)
    task_ids: set[str] = field(default_factory=set)  # for the cgroups
    own_cidr: str = ""  # a VPC subnet of our own (when no default subnet was usable): its bridge
    removed: dict[str, int] = field(default_factory=dict)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# --------------------------------------------------------------------------- skiff


class SkiffScaler:
    """One service on the bench's skiff server, scaled 0 -> N (timed) and back to 0 (untimed)."""

    def __init__(
        self, server: Server, docker: Docker, leftovers: Leftovers, args: argparse.Namespace
    ) -> None:
        session = new_session()
        self.ecs = session.client("ecs", endpoint_url=server.endpoint, config=client_config())
        self.ec2 = session.client("ec2", endpoint_url=server.endpoint, config=client_config())
        self.docker = docker
        self.leftovers = leftovers
        self.tasks = args.tasks
        self.poll = args.poll
        self.timeout = args.scale_timeout
        self.cluster = f"{FAMILY}-{leftovers.run_id}"
        self.cluster_arn = ""
        self.subnet = ""
        self.service = SERVICE

    def setup(self) -> None:
        self.cluster_arn = self.ecs.create_cluster(clusterName=self.cluster)["cluster"]["clusterArn"]
        self.ecs.register_task_definition(**task_definition(FAMILY))
        self.subnet = self.pick_subnet()
        self.create_service(SERVICE, 0)

    def create_service(self, name: str, desired: int) -> None:
        """Create service `name` and wait until it runs `desired` tasks, its deployment COMPLETED."""
        self.service = name
        self.ecs.create_service(
            cluster=self.cluster,
            serviceName=name,
            taskDefinition=FAMILY,
            desiredCount=desired,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {"subnets": [self.subnet], "assignPublicIp": "DISABLED"}
            },
        )
        if not wait_until(lambda: self.stable(desired), TEARDOWN_TIMEOUT + self.timeout):
            raise BenchError(f"service {name} never reached a steady state at desiredCount {desired}")

    def pick_subnet(self) -> str:
        """A default subnet whose range no other kind of Docker network holds (skiff's own bridges
        are shared by every skiff on the host); else a VPC subnet of our own on a free range."""
        found = self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        others = self.foreign_networks()
        for subnet in found:
            mine = ipaddress.IPv4Network(subnet["CidrBlock"])
            if not any(mine.overlaps(other) for other in others):
                return str(subnet["SubnetId"])
        taken = taken_networks(self.docker)
        for third in range(256):
            cidr = ipaddress.IPv4Network(f"10.253.{third}.0/24")
            if not any(cidr.overlaps(other) for other in taken):
                vpc = self.ec2.create_vpc(CidrBlock="10.253.0.0/16")["Vpc"]["VpcId"]
                subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock=str(cidr))["Subnet"]
                self.leftovers.own_cidr = str(cidr)
                return str(subnet["SubnetId"])
        raise BenchError("no usable subnet: every default subnet's range is held and 10.253.0.0/16 is full")

    def foreign_networks(self) -> list[ipaddress.IPv4Network]:
        """Ranges of Docker networks that are not skiff's bridges, and of host routes."""
        shared = set()
        for network in self.docker.call(self.docker.client.list_networks({"skiff.managed": None})):
            for pool in (network.get("IPAM") or {}).get("Config") or []:
                shared.add(str(pool.get("Subnet", "")))
        return [n for n in taken_networks(self.docker) if str(n) not in shared]

    def describe_service(self) -> dict[str, Any]:
        service: dict[str, Any] = self.ecs.describe_services(cluster=self.cluster, services=[self.service])[
            "services"
        ][0]
        return service

    def stable(self, count: int, service: dict[str, Any] | None = None) -> bool:
        service = service or self.describe_service()
        deployments = service["deployments"]
        return bool(
            service["runningCount"] == count
            and len(deployments) == 1
            and deployments[0]["rolloutState"] == "COMPLETED"
        )

    def task_arns(self) -> list[str]:
        arns: list[str] = []
        for status in ("RUNNING", "STOPPED"):
            token = ""
            while True:
                extra = {"nextToken": token} if token else {}
                reply = self.ecs.list_tasks(
                    cluster=self.cluster, serviceName=self.service, desiredStatus=status, **extra
                )
                arns += reply["taskArns"]
                token = reply.get("nextToken") or ""
                if not token:
                    break
        self.leftovers.task_ids |= {arn.rsplit("/", 1)[-1] for arn in arns}
        return arns

    def running_tasks(self) -> list[dict[str, Any]]:
        arns = self.ecs.list_tasks(cluster=self.cluster, serviceName=self.service, desiredStatus="RUNNING")[
            "taskArns"
        ]
        found: list[dict[str, Any]] = []
        for start in range(0, len(arns), 100):
            found += self.ecs.describe_tasks(cluster=self.cluster, tasks=arns[start : start + 100])["tasks"]
        return found

    def scale_out(self) -> Sample:
        requested = time.time()
        started = time.perf_counter()
        try:
            self.ecs.update_service(cluster=self.cluster, service=self.service, desiredCount=self.tasks)
        except Exception as error:
            return Sample(None, f"UpdateService failed: {describe(error)}")
        returned = time.perf_counter()
        polls = 0
        while True:
            try:
                service = self.describe_service()
            except Exception as error:
                return Sample(None, f"DescribeServices failed: {describe(error)}")
            polls += 1
            if self.stable(self.tasks, service):
                elapsed = time.perf_counter() - started
                break
            if time.perf_counter() - started > self.timeout:
                return Sample(
                    None, f"not stable after {self.timeout:g} s (runningCount {service['runningCount']})"
                )
            time.sleep(self.poll)
        detail: dict[str, Any] = {"update_ms": round(1000 * (returned - started), 1), "polls": polls}
        with contextlib.suppress(Exception):
            started_at = [t["startedAt"].timestamp() for t in self.running_tasks() if t.get("startedAt")]
            if len(started_at) == self.tasks:
                detail["first_started_s"] = round(min(started_at) - requested, 3)
                detail["last_started_s"] = round(max(started_at) - requested, 3)
        return Sample(elapsed, detail=detail)

    def scale_in(self) -> str:
        """Back to 0, untimed: every task STOPPED, their containers removed, the pause pool full again."""
        try:
            self.ecs.update_service(cluster=self.cluster, service=self.service, desiredCount=0)
            self.task_arns()
            if not wait_until(lambda: self.stable(0) and not self.running_tasks(), TEARDOWN_TIMEOUT):
                return f"the service did not scale in within {TEARDOWN_TIMEOUT:g} s"
            if not wait_until(self.settled, TEARDOWN_TIMEOUT):
                return f"the tasks' containers were not removed within {TEARDOWN_TIMEOUT:g} s"
        except Exception as error:
            return describe(error)
        return ""

    def settled(self) -> bool:
        """No task container of this server is left, and the pause pool holds its idle containers."""
        mine = self.docker.containers({INSTANCE: self.leftovers.instance})
        tasks = [c for c in mine if (c.get("Labels") or {}).get(ROLE) == "task"]
        pauses = [c for c in mine if (c.get("Labels") or {}).get(ROLE) == "pause"]
        return not tasks and len(pauses) == POOL_SIZE and all(p.get("State") == "running" for p in pauses)

    def close(self) -> None:
        """Scale to 0 and delete the service (best effort; the sweep removes what is left)."""
        with contextlib.suppress(Exception):
            self.task_arns()
            self.ecs.delete_service(cluster=self.cluster, service=self.service, force=True)
            wait_until(lambda: self.describe_service()["status"] == "INACTIVE", 30)
            self.task_arns()


# --------------------------------------------------------------------------- docker


class DockerRuns:
    """N sequential `docker run -d` on the bench network (timed), then `docker rm -f` (untimed)."""

    def __init__(self, network: str, run_id: str, count: int) -> None:
        self.network = network
        self.run_id = run_id
        self.count = count
        self.ids: list[str] = []

    def run(self) -> Sample:
        argv = ["docker", "run", "-d", "--network", self.network, "--label", f"{BENCH_LABEL}={self.run_id}"]
        each: list[float] = []
        started = time.perf_counter()
        for _ in range(self.count):
            before = time.perf_counter()
            try:
                done = subprocess.run([*argv, IMAGE, *COMMAND], capture_output=True, text=True, timeout=120)
            except (OSError, subprocess.TimeoutExpired) as error:
                return Sample(None, describe(error))
            if done.returncode != 0:
                return Sample(None, f"docker run failed: {done.stderr.strip()[-200:]}")
            self.ids.append(done.stdout.strip().splitlines()[-1])
            each.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
        return Sample(elapsed, detail={"median_run_ms": round(1000 * statistics.median(each), 1)})

    def remove(self) -> str:
        ids, self.ids = self.ids, []
        if not ids:
            return ""
        done = subprocess.run(["docker", "rm", "-f", *ids], capture_output=True, text=True, timeout=120)
        return "" if done.returncode == 0 else done.stderr.strip()[-200:]


# --------------------------------------------------------------------------- CPU


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def idle_cpu(pid: int, seconds: float) -> dict[str, float]:
    """The process's CPU over `seconds` of wall time, as % of one core."""
    cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    cpu_after, wall_after = cpu_seconds(pid), time.monotonic()
    wall = wall_after - wall_before
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu_after - cpu_before, 3),
        "percent_of_one_core": round(100 * (cpu_after - cpu_before) / wall, 3),
    }


AFTER_ROUNDS = "after the rounds (service with history)"
FRESH = "fresh service (no history)"


def measure_idle(scaler: SkiffScaler, pid: int, args: argparse.Namespace, fresh: bool) -> dict[str, Any]:
    """N tasks RUNNING, then the server's CPU over --idle-seconds without a request from the bench.

    `fresh`: on a new service (nothing stopped in its history); else on the bench service, scaled
    out once more after the rounds (its history holds every task the rounds stopped)."""
    if fresh:
        try:
            scaler.create_service(FRESH_SERVICE, args.tasks)
        except Exception as error:
            return {"error": describe(error)}
    else:
        held = scaler.scale_out()
        if held.seconds is None:
            return {"error": held.error}
    history = len(scaler.task_arns())
    time.sleep(3.0)  # let the pause pool refill and the runners settle
    found: dict[str, Any] = idle_cpu(pid, args.idle_seconds)
    found["tasks_running"] = len(scaler.running_tasks())
    found["service_tasks"] = history
    return found


# --------------------------------------------------------------------------- clean-up


def sweep(leftovers: Leftovers) -> None:
    """Remove what this run left: containers of the bench's server instance and the bench's own
    containers, the bench network (and our own subnet's bridge), the tasks' cgroups. Never raises."""
    with signals_ignored(), docker_session() as docker:
        try:
            if not docker.call(docker.client.ping(), timeout=15):
                print("clean-up: the Docker engine does not answer; nothing removed", file=sys.stderr)
                return
            found = docker.containers({BENCH_LABEL: leftovers.run_id})
            if leftovers.instance:
                found += docker.containers({INSTANCE: leftovers.instance})
            for container in found:
                docker.call(docker.client.remove_container(container["Id"], force=True))
                leftovers.removed["containers"] = leftovers.removed.get("containers", 0) + 1
            networks = docker.call(docker.client.list_networks({BENCH_LABEL: leftovers.run_id}))
            if leftovers.own_cidr:
                networks += skiff_bridges(docker, [leftovers.own_cidr])
            for network in networks:
                docker.call(docker.client.remove_network(network["Id"]))
                leftovers.removed["networks"] = leftovers.removed.get("networks", 0) + 1
        except (DockerError, TimeoutError) as error:
            print(f"clean-up: {describe(error)}", file=sys.stderr)
    cgroups = TaskCgroups()
    for task_id in leftovers.task_ids:
        cgroups.remove(task_id)


# --------------------------------------------------------------------------- main


def show(label: str, sample: Sample, problem: str) -> None:
    if sample.seconds is None:
        text = f"FAILED: {sample.error}"
    else:
        text = f"{sample.seconds:7.3f} s   " + "  ".join(f"{k} {v}" for k, v in sample.detail.items())
    if problem:
        text += f"   [teardown: {problem}]"
    print(f"{label:<28} {text}", flush=True)


def preflight(docker: Docker) -> dict[str, Any]:
    if not docker.call(docker.client.ping()):
        raise BenchError(f"no Docker engine answers on {DEFAULT_SOCKET}")
    for image in (IMAGE, PAUSE_IMAGE):
        if docker.call(docker.client.inspect_image(image)) is None:
            raise BenchError(f"image {image} is missing: run scripts/build-images.sh")
    if shutil.which("docker") is None:
        raise BenchError("no docker CLI on PATH")
    version = docker.call(docker.client.version())
    others = docker.containers({"skiff.managed": None})
    return {
        "docker": version.get("Version"),
        "docker_api": version.get("ApiVersion"),
        "other_skiff_containers_at_start": len(others),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=20, help="desiredCount to scale to (default 20)")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted rounds first (default 1)")
    parser.add_argument("--poll", type=float, default=0.2, help="DescribeServices poll interval, s (0.2)")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="idle CPU window, s (default 30)")
    parser.add_argument(
        "--scale-timeout", type=float, default=180.0, help="give up on one scale-out after, s"
    )
    parser.add_argument("--ready-timeout", type=float, default=90.0, help="seconds to wait for the server")
    parser.add_argument("--goal-ratio", type=float, default=1.0, help="goal for skiff/docker medians")
    parser.add_argument("--goal-cpu", type=float, default=2.0, help="goal for idle CPU, %% of one core")
    args = parser.parse_args(argv)
    if args.tasks < 1 or args.rounds < 1 or args.warmup < 0 or args.poll <= 0 or args.idle_seconds <= 0:
        parser.error("--tasks and --rounds must be >= 1, --warmup >= 0, --poll and --idle-seconds > 0")
    return args


def benchmark(args: argparse.Namespace, workdir: Path) -> int:
    leftovers = Leftovers(run_id=secrets.token_hex(4))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DOCKER_HOST"] = f"unix://{DEFAULT_SOCKET}"
    samples: dict[str, list[Sample]] = {SKIFF: [], DOCKER_CLI: []}
    warmups: list[dict[str, Any]] = []
    idle: dict[str, dict[str, Any]] = {}
    try:
        with docker_session() as docker:
            environment = preflight(docker)
            network = create_bench_network(docker, leftovers.run_id)
            extra_env = {SKIFF: {"SKIFF_TASK_CLEANUP_SECONDS": "2"}}
            with running_servers(
                {SKIFF: sys.executable}, workdir, args.ready_timeout, extra_env=extra_env
            ) as servers:
                server = servers[SKIFF]
                if server.unavailable or server.process is None:
                    raise BenchError(f"skiff did not start: {server.unavailable}")
                leftovers.instance = (workdir / SKIFF / "data" / "instance-id").read_text().strip()
                scaler = SkiffScaler(server, docker, leftovers, args)
                runs = DockerRuns(network, leftovers.run_id, args.tasks)
                try:
                    scaler.setup()
                    print(f"\n{args.tasks} tasks, {args.warmup} warm-up + {args.rounds} rounds\n", flush=True)
                    for number in range(-args.warmup + 1, args.rounds + 1):
                        label = "warm-up" if number <= 0 else f"run {number}/{args.rounds}"
                        skiff = scaler.scale_out()
                        show(f"{label:<12} {SKIFF}", skiff, problem := scaler.scale_in())
                        skiff.detail["teardown_error"] = problem or None
                        plain = runs.run()
                        show(f"{label:<12} {DOCKER_CLI}", plain, problem := runs.remove())
                        plain.detail["teardown_error"] = problem or None
                        if number <= 0:
                            warmups.append({SKIFF: skiff.record(), DOCKER_CLI: plain.record()})
                        else:
                            samples[SKIFF].append(skiff)
                            samples[DOCKER_CLI].append(plain)
                    print(f"\nidle: {args.tasks} tasks running, measuring the server's CPU ...", flush=True)
                    idle[AFTER_ROUNDS] = measure_idle(scaler, server.process.pid, args, fresh=False)
                    scaler.close()  # INACTIVE: the scheduler no longer reads it
                    idle[FRESH] = measure_idle(scaler, server.process.pid, args, fresh=True)
                    for case, found in idle.items():
                        print(
                            f"  {case:<44} {found.get('percent_of_one_core', found.get('error'))}", flush=True
                        )
                finally:
                    scaler.close()
                    runs.remove()
                if server.log_path is not None and server.log_path.exists():
                    shutil.copyfile(server.log_path, RESULTS_DIR / f"bench_scale-{stamp}.skiff.log")
    finally:
        sweep(leftovers)
    return report(args, stamp, samples, warmups, idle, environment, leftovers)


def report(
    args: argparse.Namespace,
    stamp: str,
    samples: dict[str, list[Sample]],
    warmups: list[dict[str, Any]],
    idle: dict[str, dict[str, Any]],
    environment: dict[str, Any],
    leftovers: Leftovers,
) -> int:
    values = {name: [s.seconds for s in found if s.seconds is not None] for name, found in samples.items()}
    medians = {name: median(found) for name, found in values.items()}
    skiff_median, docker_median = medians[SKIFF], medians[DOCKER_CLI]
    ratio = skiff_median / docker_median if skiff_median and docker_median else None
    print(f"\n{'target':<12} {'what is timed':<52} {'median s':>9} {'min':>7} {'max':>7} {'n':>3} {'err':>3}")
    what = {
        SKIFF: f"UpdateService 0 -> {args.tasks}, DescribeServices stable",
        DOCKER_CLI: f"{args.tasks} sequential docker run -d, user bridge",
    }
    for name, found in values.items():
        errors = sum(1 for s in samples[name] if s.seconds is None)
        if found:
            print(
                f"{name:<12} {what[name]:<52} {statistics.median(found):9.3f} {min(found):7.3f} "
                f"{max(found):7.3f} {len(found):3d} {errors:3d}"
            )
        else:
            first = next((s.error for s in samples[name] if s.error), "")
            print(f"{name:<12} {what[name]:<52} no successful run ({first})")
    last_started = [s.detail["last_started_s"] for s in samples[SKIFF] if "last_started_s" in s.detail]
    if last_started:
        print(
            f"skiff: last task's startedAt after the request, median {statistics.median(last_started):.3f} s"
        )
    if ratio is not None:
        verdict = "met" if ratio <= args.goal_ratio else "NOT met"
        print(f"ratio skiff/docker: {ratio:.2f}   (goal <= {args.goal_ratio:.2f}: {verdict})")
    for case, figures in idle.items():
        if "percent_of_one_core" in figures:
            verdict = "met" if figures["percent_of_one_core"] <= args.goal_cpu else "NOT met"
            print(
                f"idle CPU, {case}: {figures['percent_of_one_core']:.2f} % of one core over "
                f"{figures['wall_s']:.0f} s, {figures['tasks_running']} tasks running, "
                f"{figures['service_tasks']} in its service's history (goal <= {args.goal_cpu:g}%: {verdict})"
            )
        else:
            print(f"idle CPU, {case}: not measured: {figures.get('error')}")
    print(f"removed at exit: {leftovers.removed or 'nothing'}")
    document = {
        "benchmark": "bench_scale",
        "timestamp": datetime.now(UTC).isoformat(),
        "settings": {
            k: getattr(args, k)
            for k in ("tasks", "rounds", "warmup", "poll", "idle_seconds", "scale_timeout")
        },
        "task": {**task_definition(FAMILY), "launchType": "FARGATE"},
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            **environment,
            "client_versions": package_versions(sys.executable, ("skiff", "boto3", "botocore")),
        },
        "medians_s": medians,
        "ratio_skiff_over_docker": ratio,
        "goal_ratio": args.goal_ratio,
        "idle_cpu": idle,
        "goal_idle_cpu_percent": args.goal_cpu,
        "samples": {name: [s.record() for s in found] for name, found in samples.items()},
        "warmup": warmups,
        "leftovers_removed_at_exit": leftovers.removed,
    }
    path = RESULTS_DIR / f"bench_scale-{stamp}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"results: {path} (server log next to it)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    loopback_bypasses_proxies()
    signal.signal(signal.SIGTERM, interrupt)
    try:
        with tempfile.TemporaryDirectory(prefix="skiff-bench-scale-", ignore_cleanup_errors=True) as tmp:
            return benchmark(args, Path(tmp))
    except BenchError as error:
        print(f"bench_scale: {error}", file=sys.stderr)
        return 2
    except DockerError as error:
        print(f"bench_scale: Docker failed: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; server stopped, containers and networks removed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
