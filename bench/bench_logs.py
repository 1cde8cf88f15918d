"""Benchmark: the awslogs collector's throughput and lag, next to `docker logs`.

Not a test. On a skiff server of its own (fresh data dir, loopback):

* throughput -- a Fargate task whose container prints N lines as fast as it can (`seq 1 N`) with
  the awslogs driver; skiff's figure is N divided by the time from the container's start (Docker's
  StartedAt) until GetLogEvents shows the last line (polled every 20 ms), with the stream's stored
  bytes checked against what was printed (each line once). The baseline, in the same run, is
  `docker logs --timestamps` of the same container read to the end (median of 3), the rate Docker
  itself hands the lines out at. Goal: skiff >= 50% of `docker logs`.
* lag -- a container printing a line every 100 ms; a reader follows the stream with GetLogEvents'
  forward token every 20 ms and records, for each new event, the time it was first seen minus the
  event's timestamp (Docker's timestamp of the write). Goal: p50 <= 1 s.

    .venv/bin/python bench/bench_logs.py [--lines 200000] [--lag-seconds 10]

Results are printed and written to ``bench/results/bench_logs-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import free_port, new_session, running_servers, save_results
from skiff.runtime.labels import TASK_ARN

IMAGE = "busybox"
ROLE = "arn:aws:iam::000000000000:role/ecsTaskExecutionRole"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


class Bench:
    def __init__(self, endpoint: str) -> None:
        session = new_session()
        self.ecs = session.client("ecs", endpoint_url=endpoint)
        self.logs = session.client("logs", endpoint_url=endpoint)
        ec2 = session.client("ec2", endpoint_url=endpoint)
        self.subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
            "Subnets"
        ][0]
        session.client("iam", endpoint_url=endpoint).create_role(
            RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=json.dumps(TRUST)
        )
        self.ecs.create_cluster(clusterName="bench-logs")
        self.logs.create_log_group(logGroupName="/bench/logs")
        self.tasks: list[str] = []

    def run(self, family: str, script: str) -> tuple[str, str]:
        """(task ARN, stream name) of a one-container task printing what `script` prints."""
        arn = self.ecs.register_task_definition(
            family=family,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="1024",
            memory="2048",
            executionRoleArn=ROLE,
            containerDefinitions=[
                {
                    "name": "app",
                    "image": IMAGE,
                    "command": ["sh", "-c", script],
                    "stopTimeout": 2,
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": "/bench/logs",
                            "awslogs-region": "us-east-1",
                            "awslogs-stream-prefix": family,
                        },
                    },
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        task = self.ecs.run_task(
            cluster="bench-logs",
            taskDefinition=arn,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [self.subnet["SubnetId"]]}},
        )["tasks"][0]
        self.tasks.append(task["taskArn"])
        return task["taskArn"], f"{family}/app/{task['taskArn'].rsplit('/', 1)[-1]}"

    def runtime_id(self, task_arn: str) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            task = self.ecs.describe_tasks(cluster="bench-logs", tasks=[task_arn])["tasks"][0]
            runtime = task["containers"][0].get("runtimeId")
            if runtime and task["lastStatus"] in (
                "RUNNING",
                "DEACTIVATING",
                "STOPPING",
                "DEPROVISIONING",
                "STOPPED",
            ):
                return str(runtime)
            time.sleep(0.05)
        raise RuntimeError(f"task {task_arn} never ran")

    def stop(self, task_arn: str) -> None:
        self.ecs.stop_task(cluster="bench-logs", task=task_arn)


def started_at(container: str) -> float:
    text = subprocess.run(
        ["docker", "inspect", "-f", "{{.State.StartedAt}}", container],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    base, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(base + "+00:00").timestamp() + float("0." + (fraction or "0"))


def throughput(bench: Bench, lines: int) -> dict[str, Any]:
    task, stream = bench.run("chatty", f"seq 1 {lines}")
    container = bench.runtime_id(task)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            reply = bench.logs.get_log_events(logGroupName="/bench/logs", logStreamName=stream, limit=1)
        except bench.logs.exceptions.ResourceNotFoundException:
            reply = {"events": []}
        if reply["events"] and reply["events"][-1]["message"] == str(lines):
            break
        time.sleep(0.02)
    seen = time.time()
    skiff_seconds = seen - started_at(container)
    (described,) = bench.logs.describe_log_streams(logGroupName="/bench/logs", logStreamNamePrefix="chatty/")[
        "logStreams"
    ]
    expected_bytes = sum(len(str(i)) for i in range(1, lines + 1))
    docker_runs = []
    for _ in range(3):
        began = time.perf_counter()
        proc = subprocess.run(["docker", "logs", "--timestamps", container], capture_output=True, check=True)
        docker_runs.append(time.perf_counter() - began)
        assert proc.stdout.count(b"\n") == lines, "docker logs did not return every line"
    docker_seconds = statistics.median(docker_runs)
    return {
        "lines": lines,
        "skiff_seconds": skiff_seconds,
        "skiff_lines_per_second": lines / skiff_seconds,
        "docker_logs_seconds": docker_runs,
        "docker_logs_lines_per_second": lines / docker_seconds,
        "ratio": (lines / skiff_seconds) / (lines / docker_seconds),
        "stored_bytes": described["storedBytes"],
        "expected_bytes": expected_bytes,
    }


def lag(bench: Bench, seconds: float) -> dict[str, Any]:
    task, stream = bench.run("ticker", 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.1; done')
    bench.runtime_id(task)
    lags: list[float] = []
    token: str | None = None
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        try:
            kwargs: dict[str, Any] = {
                "logGroupName": "/bench/logs",
                "logStreamName": stream,
                "startFromHead": True,
            }
            if token:
                kwargs["nextToken"] = token
            reply = bench.logs.get_log_events(**kwargs)
        except bench.logs.exceptions.ResourceNotFoundException:
            time.sleep(0.02)
            continue
        now_ms = time.time() * 1000
        lags += [(now_ms - e["timestamp"]) / 1000 for e in reply["events"]]
        token = reply["nextForwardToken"]
        time.sleep(0.02)
    bench.stop(task)
    ordered = sorted(lags)
    return {
        "events": len(lags),
        "p50_seconds": statistics.median(ordered),
        "p90_seconds": ordered[int(len(ordered) * 0.9)],
        "max_seconds": ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--lag-seconds", type=float, default=10.0)
    args = parser.parse_args()
    env = {
        "SKIFF_METADATA_PORT": str(free_port()),
        "SKIFF_TASK_CLEANUP_SECONDS": "15",
        "SKIFF_REGISTRY": "off",
    }
    with (
        tempfile.TemporaryDirectory(prefix="skiff-bench-logs-") as workdir,
        running_servers({"skiff": sys.executable}, Path(workdir), 60, extra_env={"skiff": env}) as servers,
    ):
        bench = Bench(servers["skiff"].endpoint)
        result = {"throughput": throughput(bench, args.lines), "lag": lag(bench, args.lag_seconds)}
        wait_removed(bench.tasks)
    t, lagged = result["throughput"], result["lag"]
    rate = t["skiff_lines_per_second"]
    print(f"skiff awslogs: {t['lines']} lines in {t['skiff_seconds']:.2f} s = {rate:,.0f} lines/s")
    print(f"docker logs:   {t['docker_logs_lines_per_second']:,.0f} lines/s (median of 3)")
    print(
        f"ratio skiff / docker logs: {t['ratio']:.0%} (goal >= 50%); "
        f"stored bytes {t['stored_bytes']} of {t['expected_bytes']} printed"
    )
    print(
        f"lag write -> GetLogEvents over {lagged['events']} events: p50 {lagged['p50_seconds']:.3f} s, "
        f"p90 {lagged['p90_seconds']:.3f} s, max {lagged['max_seconds']:.3f} s (goal p50 <= 1 s)"
    )
    save_results("bench_logs", result)


def wait_removed(task_arns: list[str], timeout: float = 60) -> None:
    """Wait until skiff's cleanup removed the bench tasks' containers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [
            arn
            for arn in task_arns
            if subprocess.run(
                ["docker", "ps", "-aq", "--filter", f"label={TASK_ARN}={arn}"], capture_output=True, text=True
            ).stdout.strip()
        ]
        if not left:
            return
        time.sleep(1)
    print(f"warning: containers of {left} are still there", file=sys.stderr)


if __name__ == "__main__":
    main()
