"""Benchmark: how fast auto scaling answers a sustained load step, at the shortened metric period.

Not a test. One skiff server (SKIFF_LB=on, SKIFF_METRICS_PERIOD_SECONDS=--period, 3 by default),
an application load balancer with an HTTP :80 listener to a target group, and an ECS service of
busybox httpd tasks behind it, with an ALBRequestCountPerTarget target tracking policy (min 1,
max --max). Each round starts at one healthy task, then a request loop through the balancer
steps from nothing to --rate requests/s and holds it; measured from the step:

- decision: the scaling activity's StartTime (the AlarmHigh alarm's third breaching period);
- first RUNNING: the first DescribeServices (polled every 0.2 s) with runningCount above 1;
- all healthy: every task of the desired count RUNNING and its target healthy;
- steady: that, with the desired count then unchanged for --hold periods (the time reported is
  when it was first reached, not the end of the hold).

The policy's target value is set so that the rate asks for --expect tasks (per period of the
shortened cadence: RequestCountPerTarget is the Sum over the evaluated period). Between rounds the
load stops, the policy and target go, the service returns to one task (untimed). Medians over the
rounds are printed and written to bench/results/bench_autoscaling-<timestamp>.json.

    .venv/bin/python bench/bench_autoscaling.py [--rounds 3] [--period 3] [--rate 25] [--expect 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import free_port, new_session, open_default_group, running_servers, save_results
from skiff.lb.supervisor import Supervisor
from skiff.lb.task_access import TaskAccess
from skiff.net.hosts import HostsFile

APP = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"
CLUSTER, SERVICE = "bench-as", "web"
RESOURCE = f"service/{CLUSTER}/{SERVICE}"
DIMENSION = "ecs:service:DesiredCount"


def wait(what: str, check: Any, timeout: float = 120.0, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(interval)
    raise RuntimeError(f"{what} did not happen within {timeout:.0f} s")


class Load(threading.Thread):
    """GETs at `rate` per second until stopped."""

    def __init__(self, url: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.url, self.rate = url, rate
        self.stopped = threading.Event()
        self.sent = self.failed = 0

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=5) as reply:
                    reply.read()
            except urllib.error.HTTPError:
                pass
            except OSError:
                self.failed += 1
            self.sent += 1
            ahead = started + self.sent / self.rate - time.monotonic()
            if ahead > 0:
                self.stopped.wait(ahead)


class Bench:
    def __init__(self, endpoint: str) -> None:
        session = new_session()
        self.ecs, self.ec2, self.elb, self.aas = (
            session.client(s, endpoint_url=endpoint)
            for s in ("ecs", "ec2", "elbv2", "application-autoscaling")
        )
        self.dns = self.lb_dim = self.tg_dim = self.group = ""

    def set_up(self) -> None:
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
            "Subnets"
        ]
        subnets.sort(key=lambda s: s["AvailabilityZone"])
        open_default_group(self.ec2, subnets[0]["VpcId"], (80,))  # the request loop reaches the balancer
        lb = self.elb.create_load_balancer(Name="bench-as", Subnets=[s["SubnetId"] for s in subnets[:2]])[
            "LoadBalancers"
        ][0]
        self.group = self.elb.create_target_group(
            Name="bench-as-tg", Protocol="HTTP", Port=8080, TargetType="ip", VpcId=subnets[0]["VpcId"],
            HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
        )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
        self.elb.modify_target_group_attributes(
            TargetGroupArn=self.group,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "2"}],
        )
        self.elb.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.group}],
        )  # fmt: skip
        self.dns = lb["DNSName"]
        self.lb_dim = lb["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
        self.tg_dim = self.group.rsplit(":", 1)[1]
        self.ecs.create_cluster(clusterName=CLUSTER)
        definition = self.ecs.register_task_definition(
            family="bench-as", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "busybox:latest", "command": ["sh", "-c", APP],
                                   "portMappings": [{"containerPort": 8080}], "stopTimeout": 2}],
        )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
        self.ecs.create_service(
            cluster=CLUSTER, serviceName=SERVICE, taskDefinition=definition, desiredCount=1,
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnets[0]["SubnetId"]]}},
            loadBalancers=[{"targetGroupArn": self.group, "containerName": "app", "containerPort": 8080}],
        )  # fmt: skip

    def service(self) -> dict[str, Any]:
        found: dict[str, Any] = self.ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
        return found

    def healthy(self) -> int:
        health = self.elb.describe_target_health(TargetGroupArn=self.group)["TargetHealthDescriptions"]
        return sum(1 for h in health if h["TargetHealth"]["State"] == "healthy")

    def settled(self, count: int) -> bool:
        s = self.service()
        return s["desiredCount"] == s["runningCount"] == count and self.healthy() == count

    def reset(self) -> None:
        """One task, healthy, no scaling target (untimed)."""
        for policy in self.aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]:
            self.aas.delete_scaling_policy(
                PolicyName=policy["PolicyName"], ServiceNamespace="ecs", ResourceId=RESOURCE,
                ScalableDimension=DIMENSION,
            )  # fmt: skip
        if self.aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]:
            self.aas.deregister_scalable_target(
                ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION
            )
        self.ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=1)
        wait("one healthy task", lambda: self.settled(1), timeout=180)
        time.sleep(3)  # the drained targets gone

    def round(self, args: argparse.Namespace) -> dict[str, float]:
        self.reset()
        self.aas.register_scalable_target(
            ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
            MinCapacity=1, MaxCapacity=args.max,
        )  # fmt: skip
        # the rate asks for `expect` tasks: per period `rate * period` requests, target = that / expect,
        # a little above so `expect` tasks sit under it
        per_period = args.rate * args.period
        target = per_period / (args.expect - 0.5)
        self.aas.put_scaling_policy(
            PolicyName="requests", ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": target,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ALBRequestCountPerTarget",
                    "ResourceLabel": f"{self.lb_dim}/{self.tg_dim}",
                },
            },
        )  # fmt: skip
        load = Load(f"http://{self.dns}/", args.rate)
        step, wall = time.monotonic(), datetime.now(UTC)
        load.start()
        marks: dict[str, float] = {}
        last_desired, changed_at, steady_since = 1, step, None
        try:
            while time.monotonic() - step < args.timeout:
                s = self.service()
                now = time.monotonic()
                if s["runningCount"] > 1 and "first_running" not in marks:
                    marks["first_running"] = now - step
                if s["desiredCount"] != last_desired:
                    last_desired, changed_at, steady_since = s["desiredCount"], now, None
                settled = last_desired > 1 and s["runningCount"] == last_desired == self.healthy()
                if settled and "all_healthy" not in marks:
                    marks["all_healthy"] = now - step
                if settled and steady_since is None:
                    steady_since = now
                if not settled:
                    steady_since = None
                if (
                    steady_since is not None
                    and now - max(changed_at, steady_since) >= args.hold * args.period
                ):
                    marks["steady"] = steady_since - step
                    break
                time.sleep(0.2)
        finally:
            load.stopped.set()
            load.join(timeout=10)
        found = self.aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=RESOURCE)
        firsts = sorted(a["StartTime"] for a in found["ScalingActivities"] if a["StartTime"] >= wall)
        if firsts:
            marks["decision"] = (firsts[0] - wall).total_seconds()
        marks["tasks"] = float(last_desired)
        marks["activities"] = float(len(firsts))
        marks["failed_requests"] = float(load.failed)
        return marks


def remove_containers(instance: str) -> None:
    found = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=skiff.instance={instance}"],
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    if found:
        subprocess.run(["docker", "rm", "-f", "-v", *found], capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--period", type=int, default=3, help="SKIFF_METRICS_PERIOD_SECONDS")
    parser.add_argument("--rate", type=float, default=25.0, help="requests per second of the step")
    parser.add_argument("--expect", type=int, default=3, help="tasks the rate should ask for")
    parser.add_argument("--max", type=int, default=5, help="the target's MaxCapacity")
    parser.add_argument("--hold", type=int, default=5, help="periods without change that count as steady")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a round may take")
    args = parser.parse_args()
    env = {
        "SKIFF_METADATA_PORT": str(free_port()),
        "SKIFF_TASK_CLEANUP_SECONDS": "2",
        "SKIFF_LB": "on",
        "SKIFF_METRICS_PERIOD_SECONDS": str(args.period),
    }
    rounds: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="skiff-bench-as-") as workdir:
        data_dir = Path(workdir) / "skiff" / "data"
        try:
            with running_servers(
                {"skiff": sys.executable}, Path(workdir), 60, extra_env={"skiff": env}
            ) as servers:
                bench = Bench(servers["skiff"].endpoint)
                bench.set_up()
                for number in range(args.rounds):
                    marks = bench.round(args)
                    rounds.append(marks)
                    print(
                        f"round {number + 1}: " + "  ".join(f"{k} {v:.1f}" for k, v in marks.items()),
                        flush=True,
                    )
                bench.ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)
                wait("the tasks to stop", lambda: not bench.ecs.list_tasks(cluster=CLUSTER)["taskArns"], 60)
                time.sleep(3)
        finally:
            Supervisor(data_dir).stop()
            instance = data_dir / "instance-id"
            if instance.exists():
                name = instance.read_text().strip()
                HostsFile(name).set_section("elb", {})
                asyncio.run(TaskAccess(data_dir / "lb", name).remove())
                remove_containers(name)
    keys = ("decision", "first_running", "all_healthy", "steady", "tasks")
    median = {
        k: statistics.median(r[k] for r in rounds if k in r) for k in keys if any(k in r for r in rounds)
    }
    print(f"\nmedian of {len(rounds)} rounds (period {args.period} s, step to {args.rate:g} req/s, "
          f"expecting {args.expect} tasks):")  # fmt: skip
    for key, value in median.items():
        print(f"  {key:14} {value:6.1f}" + (" s" if key != "tasks" else ""))
    report = {"args": vars(args), "rounds": rounds, "median": median}
    save_results("bench_autoscaling", report)


if __name__ == "__main__":
    main()
