"""Benchmark: HTTP requests per second and latency through a load balancer vs straight to the task.

Not a test. One skiff server (SKIFF_LB=on), an application load balancer with an HTTP :80
listener forwarding to a target group, and one ECS service task behind it: busybox httpd
serving a 13-byte file. `wrk` (Debian package `wrk`) loads, in the same run and alternately,
the balancer (its DNS name, through HAProxy) and the task's own address:port, for each mode:

- keep-alive: wrk keeps its connections (busybox httpd closes each one after the reply, so
  straight to the task every request is a new connection; through the balancer the client's
  connections stay and HAProxy opens one to the task per request);
- new connections: every request carries `Connection: close`, on both paths.

Reported per case: requests/s, p50 and p99 latency (wrk --latency), the median over the rounds;
and per mode the median over the rounds of balancer/direct throughput and of the added p50, each
round's two runs back to back (in alternating order), with the load average seen during the runs.
Goal: through the balancer ≥ 80% of direct throughput and ≤ 0.5 ms added p50.

    .venv/bin/python bench/bench_lb.py [--seconds 5] [--rounds 3] [--connections 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import free_port, new_session, open_default_group, running_servers, save_results
from skiff.lb.supervisor import Supervisor
from skiff.lb.task_access import TaskAccess
from skiff.net.hosts import HostsFile

APP = "mkdir -p /www && echo hello-skiff! > /www/index.html && exec httpd -f -p 8080 -h /www"
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wait(what: str, check: Any, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise RuntimeError(f"{what} did not happen within {timeout:.0f} s")


def set_up(endpoint: str) -> tuple[str, str]:
    """The balancer's DNS name and the task's address:port, once the target is healthy."""
    session = new_session()
    ecs, ec2, elb = (session.client(s, endpoint_url=endpoint) for s in ("ecs", "ec2", "elbv2"))
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    subnets.sort(key=lambda s: s["AvailabilityZone"])
    open_default_group(ec2, subnets[0]["VpcId"], (80, 8080))  # the host reaches the balancer and the task
    lb = elb.create_load_balancer(Name="bench-lb", Subnets=[s["SubnetId"] for s in subnets[:2]])[
        "LoadBalancers"
    ][0]
    group = elb.create_target_group(
        Name="bench-tg", Protocol="HTTP", Port=8080, TargetType="ip", VpcId=subnets[0]["VpcId"],
        HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )  # fmt: skip
    ecs.create_cluster(clusterName="bench-lb")
    definition = ecs.register_task_definition(
        family="bench-lb", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="1024", memory="2048",
        containerDefinitions=[{"name": "app", "image": "busybox:latest", "command": ["sh", "-c", APP],
                               "portMappings": [{"containerPort": 8080}], "stopTimeout": 2}],
    )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
    ecs.create_service(
        cluster="bench-lb", serviceName="bench", taskDefinition=definition, desiredCount=1,
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnets[0]["SubnetId"]]}},
        loadBalancers=[{"targetGroupArn": group, "containerName": "app", "containerPort": 8080}],
    )  # fmt: skip
    wait(
        "the target to be healthy",
        lambda: [h for h in elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
                 if h["TargetHealth"]["State"] == "healthy"],
    )  # fmt: skip
    target = elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"][0]["Target"]
    return str(lb["DNSName"]), f"{target['Id']}:{target['Port']}"


def tear_down(endpoint: str) -> None:
    ecs = new_session().client("ecs", endpoint_url=endpoint)
    ecs.update_service(cluster="bench-lb", service="bench", desiredCount=0)
    ecs.delete_service(cluster="bench-lb", service="bench", force=True)
    wait("the task to stop", lambda: not ecs.list_tasks(cluster="bench-lb")["taskArns"], timeout=60)
    time.sleep(3)  # SKIFF_TASK_CLEANUP_SECONDS=2: its containers go too


def remove_containers(instance: str) -> None:
    """The server's containers (the task may still be stopping, the warm pool's pause containers)."""
    found = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=skiff.instance={instance}"],
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    if found:
        subprocess.run(["docker", "rm", "-f", "-v", *found], capture_output=True, check=False)


def millis(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def wrk(url: str, seconds: float, connections: int, threads: int, close: bool) -> dict[str, float]:
    argv = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"]
    if close:
        argv += ["-H", "Connection: close"]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = millis(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = millis(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return {"rps": rate, "p50_ms": p50, "p99_ms": p99, "errors": float(errors)}


def show(mode: str, path: str, run: dict[str, float]) -> None:
    print(
        f"  {mode:16} {path:9} {run['rps']:9.0f} req/s  p50 {run['p50_ms']:.2f} ms  "
        f"p99 {run['p99_ms']:.2f} ms  errors {run['errors']:.0f}",
        flush=True,
    )


def wrk_arguments(name: str, doc: str) -> argparse.Namespace:
    """The command line of a wrk bench (seconds, rounds, connections, threads); exits without wrk."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)  # busybox httpd listens with a backlog of 9
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit(f"{name} needs wrk (apt-get install wrk)")
    return args


def main() -> None:
    args = wrk_arguments("bench_lb", __doc__ or "")
    env = {"SKIFF_METADATA_PORT": str(free_port()), "SKIFF_TASK_CLEANUP_SECONDS": "2", "SKIFF_LB": "on"}
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="skiff-bench-lb-") as workdir:
        data_dir = Path(workdir) / "skiff" / "data"
        try:
            with running_servers(
                {"skiff": sys.executable}, Path(workdir), 60, extra_env={"skiff": env}
            ) as servers:
                endpoint = servers["skiff"].endpoint
                dns, direct = set_up(endpoint)
                urls = {"balancer": f"http://{dns}/", "direct": f"http://{direct}/"}
                print(f"balancer {urls['balancer']}  task {urls['direct']}", flush=True)
                for round_number in range(args.rounds):
                    # the order alternates, so a burst of load from elsewhere hits both paths alike
                    order = ("direct", "balancer") if round_number % 2 == 0 else ("balancer", "direct")
                    for mode, close in (("keep-alive", False), ("new-connections", True)):
                        for path in order:
                            run = wrk(urls[path], args.seconds, args.connections, args.threads, close)
                            run["load"] = os.getloadavg()[0]
                            results.setdefault(f"{mode}/{path}", []).append(run)
                            show(mode, path, run)
                tear_down(endpoint)
        finally:
            Supervisor(data_dir).stop()
            instance = data_dir / "instance-id"
            if instance.exists():
                HostsFile(instance.read_text().strip()).set_section("elb", {})
                asyncio.run(TaskAccess(data_dir / "lb", instance.read_text().strip()).remove())
                remove_containers(instance.read_text().strip())
    summary: dict[str, dict[str, float]] = {}
    for case, runs in results.items():
        summary[case] = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")}
    print(f"\nmedian of {args.rounds} rounds, {args.seconds:g} s each, {args.connections} connections:")
    print(f"{'mode':16} {'path':9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for case, row in summary.items():
        mode, path = case.split("/")
        print(f"{mode:16} {path:9} {row['rps']:9.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f}")
    paired: dict[str, dict[str, float]] = {}
    for mode in ("keep-alive", "new-connections"):
        pairs = list(zip(results[f"{mode}/balancer"], results[f"{mode}/direct"], strict=True))
        # each round's two runs are back to back: their ratio is steadier than the medians' ratio
        ratio = statistics.median(b["rps"] / d["rps"] for b, d in pairs)
        added = statistics.median(b["p50_ms"] - d["p50_ms"] for b, d in pairs)
        paired[mode] = {"throughput_ratio": ratio, "added_p50_ms": added}
        print(f"{mode}: balancer/direct throughput {ratio:.2f} (goal ≥ 0.80), "
              f"added p50 {added:+.2f} ms (goal ≤ 0.5), median of the rounds' pairs")  # fmt: skip
    loads = [r["load"] for runs in results.values() for r in runs]
    cpus = os.cpu_count()
    print(f"1-minute load average during the runs: {min(loads):.1f} to {max(loads):.1f} ({cpus} CPUs)")
    report = {"runs": results, "median": summary, "paired": paired}
    save_results("bench_lb", report)


if __name__ == "__main__":
    main()
