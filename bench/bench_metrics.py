"""Benchmark: what the stats collector costs, and CloudWatch API calls per second.

Not a test. Run as root with Docker, alone (under the e2e lock). On a skiff server of its own
(fresh data dir, loopback, `SKIFF_METRICS_PERIOD_SECONDS=--period`, LB and registry off):

* server overhead -- the skiff process's CPU (utime + stime from /proc, as a share of one core)
  and dockerd's over `--window` seconds, first with no task, then with `--tasks` RUNNING Fargate
  tasks (busybox `sleep`, each with its pause container): the difference is what supervising them
  costs, the collector's passes (every period) included.
* one pass, in this process -- the collector itself (`StatsCollector.collect`, skiff/agent/stats.py)
  against the same Docker and the same containers, `--passes` times: wall time and CPU of this
  process per pass, and dockerd's CPU per pass; the first pass asks for full samples (Docker waits
  a second for its `precpu_stats`), later ones one-shot. Also, for comparison, the same passes if
  every request were a full (non one-shot) sample.
* `--insights enabled|enhanced` creates the cluster with that containerInsights setting (the
  in-process passes see it too): the Container Insights series, and with `enhanced` the per-task and
  per-container ones, are written each pass as well (datapoints per pass are printed).
* API -- one client, calls one after another for `--api-seconds` each: PutMetricData (20 values
  of one metric per call) and GetMetricData (one MetricStat, the last hour at 60 s), calls/s.

    .venv/bin/python bench/bench_metrics.py [--tasks 10] [--period 5] [--window 30] [--insights enhanced]

Results are printed and written to ``bench/results/bench_metrics-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import free_port, new_session, running_servers, save_results
from skiff.agent.stats import CLUSTERS, StatsCollector
from skiff.runtime.docker import DockerClient
from skiff.store import SqliteStore

CLUSTER = "bench-metrics"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its reaped children), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICKS


def dockerd_pid() -> int:
    return int(
        subprocess.run(["pidof", "dockerd"], capture_output=True, text=True, check=True).stdout.split()[0]
    )


def share(pids: dict[str, int], seconds: float) -> dict[str, float]:
    """Each process's CPU over `seconds` of wall time, in percent of one core."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    time.sleep(seconds)
    return {name: (cpu_seconds(pid) - before[name]) / seconds * 100 for name, pid in pids.items()}


class Bench:
    def __init__(self, endpoint: str, insights: str = "disabled") -> None:
        session = new_session()
        self.ecs = session.client("ecs", endpoint_url=endpoint)
        self.cloudwatch = session.client("cloudwatch", endpoint_url=endpoint)
        ec2 = session.client("ec2", endpoint_url=endpoint)
        self.subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
            "Subnets"
        ][0]
        settings = [{"name": "containerInsights", "value": insights}]
        self.cluster = self.ecs.create_cluster(clusterName=CLUSTER, settings=settings)["cluster"]
        self.tasks: list[str] = []

    def run(self, count: int) -> list[dict[str, Any]]:
        arn = self.ecs.register_task_definition(
            family="bench-metrics", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "busybox", "command": ["sleep", "3600"],
                                   "stopTimeout": 2, "linuxParameters": {"initProcessEnabled": True}}],
        )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
        network = {"awsvpcConfiguration": {"subnets": [self.subnet["SubnetId"]]}}
        while len(self.tasks) < count:
            reply = self.ecs.run_task(
                cluster=CLUSTER, taskDefinition=arn, launchType="FARGATE", networkConfiguration=network,
                count=min(10, count - len(self.tasks)),
            )  # fmt: skip
            self.tasks += [t["taskArn"] for t in reply["tasks"]]
        deadline = time.monotonic() + 180
        while True:
            described = self.describe()
            if all(t["lastStatus"] == "RUNNING" for t in described):
                return described
            assert time.monotonic() < deadline, [t["lastStatus"] for t in described]
            time.sleep(1)

    def describe(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for i in range(0, len(self.tasks), 100):
            found += self.ecs.describe_tasks(cluster=CLUSTER, tasks=self.tasks[i : i + 100])["tasks"]
        return found

    def stop_all(self) -> None:
        for arn in self.tasks:
            self.ecs.stop_task(cluster=CLUSTER, task=arn)

    # -- API rates --------------------------------------------------------------------------------
    def put_rate(self, seconds: float) -> float:
        calls, start = 0, time.monotonic()
        while time.monotonic() - start < seconds:
            now = dt.datetime.now(dt.UTC)
            self.cloudwatch.put_metric_data(
                Namespace="Bench", MetricData=[
                    {"MetricName": "Load", "Dimensions": [{"Name": "Host", "Value": "a"}], "Value": float(i),
                     "Timestamp": now, "Unit": "Count"} for i in range(20)
                ],
            )  # fmt: skip
            calls += 1
        return calls / (time.monotonic() - start)

    def get_rate(self, seconds: float) -> float:
        calls, start = 0, time.monotonic()
        metric = {"Namespace": "Bench", "MetricName": "Load", "Dimensions": [{"Name": "Host", "Value": "a"}]}
        query = {"Id": "load", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Average"}}
        while time.monotonic() - start < seconds:
            now = dt.datetime.now(dt.UTC)
            reply = self.cloudwatch.get_metric_data(
                MetricDataQueries=[query], StartTime=now - dt.timedelta(hours=1), EndTime=now
            )
            assert reply["MetricDataResults"][0]["Values"], reply
            calls += 1
        return calls / (time.monotonic() - start)


def task_docs(described: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records for an in-process collector: the tasks as DescribeTasks shows them, with the pause
    container Docker runs each in (from the app container's network mode)."""
    docs = []
    for task in described:
        cid = task["containers"][0]["runtimeId"]
        mode = subprocess.run(
            ["docker", "inspect", "-f", "{{.HostConfig.NetworkMode}}", cid],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        pause = mode.split(":", 1)[1] if mode.startswith("container:") else None
        internal = {
            "account": "000000000000",
            "region": "us-east-1",
            "definition": {"family": "bench-metrics"},
            "pause_id": pause,
        }
        docs.append({**task, "_skiff": internal})
    return docs


async def passes(
    docs: list[dict[str, Any]], count: int, data_dir: Path, *, one_shot: bool, cluster: dict[str, Any]
) -> dict[str, Any]:
    """`count` collector passes over `docs`: per pass wall time, this process's CPU, dockerd's CPU.
    `cluster` (as CreateCluster returned it) is the collector's cluster record: its settings count."""
    store = SqliteStore(data_dir / f"collector-{one_shot}.db")
    store.put(CLUSTERS, cluster["clusterArn"], cluster, account="000000000000", region="us-east-1",
              name=cluster["clusterName"], status="ACTIVE")  # fmt: skip
    docker = DockerClient()
    collector = StatsCollector(store, docker, lambda: docs, period=60)
    dockerd, me = dockerd_pid(), os.getpid()
    rows = []
    try:
        for n in range(count):
            if not one_shot:
                collector.forget()  # every sample a full one
            wall, cpu, daemon = time.monotonic(), cpu_seconds(me), cpu_seconds(dockerd)
            written = await collector.collect()
            rows.append(
                {
                    "wall_ms": (time.monotonic() - wall) * 1000,
                    "cpu_ms": (cpu_seconds(me) - cpu) * 1000,
                    "dockerd_cpu_ms": (cpu_seconds(dockerd) - daemon) * 1000,
                    "datapoints": written,
                    "first": n == 0,
                }
            )
            await asyncio.sleep(1)
    finally:
        await docker.close()
        store.close()
    later = [r for r in rows if not r["first"]] or rows

    def median(key: str) -> float:
        values = sorted(r[key] for r in later)
        return float(values[len(values) // 2])

    return {"first": rows[0],
            "median_later": {k: median(k) for k in ("wall_ms", "cpu_ms", "dockerd_cpu_ms", "datapoints")},
            "requests": collector.requests, "passes": rows}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--period", type=int, default=5)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--passes", type=int, default=6)
    parser.add_argument("--api-seconds", type=float, default=10.0)
    parser.add_argument("--insights", choices=("disabled", "enabled", "enhanced"), default="disabled")
    args = parser.parse_args()
    env = {
        "SKIFF_METADATA_PORT": str(free_port()),
        "SKIFF_TASK_CLEANUP_SECONDS": "5",
        "SKIFF_REGISTRY": "off",
        "SKIFF_LB": "off",
        "SKIFF_METRICS_PERIOD_SECONDS": str(args.period),
    }
    result: dict[str, Any] = {
        "tasks": args.tasks,
        "period_seconds": args.period,
        "window_seconds": args.window,
        "insights": args.insights,
    }
    with (
        tempfile.TemporaryDirectory(prefix="skiff-bench-metrics-") as workdir,
        running_servers({"skiff": sys.executable}, Path(workdir), 60, extra_env={"skiff": env}) as servers,
    ):
        server = servers["skiff"]
        assert server.process is not None, server.unavailable
        bench = Bench(server.endpoint, args.insights)
        pids = {"skiff": server.process.pid, "dockerd": dockerd_pid()}
        time.sleep(args.period)
        result["idle"] = share(pids, args.window)
        print(
            f"no task:  skiff {result['idle']['skiff']:.2f} %, "
            f"dockerd {result['idle']['dockerd']:.2f} % of a core"
        )
        described = bench.run(args.tasks)
        time.sleep(2 * args.period)
        result["loaded"] = share(pids, args.window)
        print(
            f"{args.tasks} tasks:    skiff {result['loaded']['skiff']:.2f} %, "
            f"dockerd {result['loaded']['dockerd']:.2f} % of a core (a pass every {args.period} s)"
        )
        docs = task_docs(described)
        for one_shot in (True, False):
            label = "one-shot" if one_shot else "full"
            measured = asyncio.run(
                passes(docs, args.passes, Path(workdir), one_shot=one_shot, cluster=bench.cluster)
            )
            result[f"pass_{label}"] = measured
            m = measured["median_later"]
            print(
                f"one pass over {args.tasks} tasks ({2 * args.tasks} containers), {label}: "
                f"wall {m['wall_ms']:.0f} ms, "
                f"collector CPU {m['cpu_ms']:.1f} ms, dockerd CPU {m['dockerd_cpu_ms']:.1f} ms, "
                f"{m['datapoints']:.0f} datapoints "
                f"(first pass: wall {measured['first']['wall_ms']:.0f} ms)"
            )
        bench.stop_all()
        result["put_metric_data_calls_per_second"] = bench.put_rate(args.api_seconds)
        result["get_metric_data_calls_per_second"] = bench.get_rate(args.api_seconds)
        print(
            f"PutMetricData (20 values/call): {result['put_metric_data_calls_per_second']:.0f} calls/s; "
            f"GetMetricData (1 query, 1 h at 60 s): {result['get_metric_data_calls_per_second']:.0f} calls/s"
        )
        deadline = time.monotonic() + 60
        while any(t["lastStatus"] != "STOPPED" for t in bench.describe()) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(6)  # the cleanup removes the containers
    save_results("bench_metrics", result)


if __name__ == "__main__":
    main()
