"""Benchmark: what enforcing security groups costs a request from the host to a task.

Not a test. One skiff server (security groups enforced, no balancers) and four busybox httpd
servers serving a 13-byte file, loaded alternately by `wrk` (Debian package `wrk`) in the same run:

- `unguarded`: a plain `docker run` container on Docker's default bridge (no skiff chain matches it);
- `quota`: the same plain container with `--cpus 1`, the CPU quota the tasks get from their task
  definition's cpu 1024 (Fargate's vCPU as a CFS quota): what the quota alone costs;
- `one-rule`: an ECS task whose group has one ingress rule (tcp 8080 from 0.0.0.0/0);
- `fifty-rules`: an ECS task whose group has 50 other rules (tcp 9000-9049 from 0.0.0.0/0, all of
  which the host's connections are judged against) before the one that lets it in;
- `lifted`: the `one-rule` task again with skiff paused (SIGSTOP) and the jumps to its chains taken
  out for the run, then put back: the same path without the chains.

busybox httpd closes every connection after its reply, so each request is a new connection and
walks the chains (established packets return at the first rule). Reported per case: requests/s,
p50 and p99 (median over the rounds), and each guarded case's throughput and p50 against
`unguarded` (median over the rounds' back-to-back pairs), with the load average seen.

    .venv/bin/python bench/bench_sg.py [--seconds 5] [--rounds 3] [--connections 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_lb import APP, remove_containers, show, wait, wrk, wrk_arguments
from bench.servers import free_port, new_session, running_servers, save_results

CASES = ("unguarded", "quota", "one-rule", "fifty-rules", "lifted")


def guarded_task(ecs: Any, ec2: Any, subnet: dict[str, Any], definition: str, extra_rules: int) -> str:
    """A task in a new group with `extra_rules` non-matching rules ahead of tcp 8080; its address."""
    group = ec2.create_security_group(
        GroupName=f"bench-sg-{uuid.uuid4().hex[:6]}", Description="bench", VpcId=subnet["VpcId"]
    )["GroupId"]
    if extra_rules:
        others = [
            {
                "IpProtocol": "tcp",
                "FromPort": 9000 + n,
                "ToPort": 9000 + n,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
            for n in range(extra_rules)
        ]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=others)
    ec2.authorize_security_group_ingress(
        GroupId=group, IpProtocol="tcp", FromPort=8080, ToPort=8080, CidrIp="0.0.0.0/0"
    )
    network = {"awsvpcConfiguration": {"subnets": [subnet["SubnetId"]], "securityGroups": [group]}}
    task = ecs.run_task(
        cluster="bench-sg", taskDefinition=definition, launchType="FARGATE", networkConfiguration=network
    )["tasks"][0]
    running = wait(
        "the task RUNNING",
        lambda: [t for t in ecs.describe_tasks(cluster="bench-sg", tasks=[task["taskArn"]])["tasks"]
                 if t["lastStatus"] == "RUNNING"],
    )[0]  # fmt: skip
    details = {d["name"]: d["value"] for d in running["attachments"][0]["details"]}
    return str(details["privateIPv4Address"])


def unguarded_container(name: str, *limits: str) -> str:
    subprocess.run(
        ["docker", "run", "-d", "--name", name, *limits, "busybox:latest", "sh", "-c", APP],
        check=True,
        capture_output=True,
    )
    inspect = subprocess.run(
        ["docker", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return inspect.stdout.strip()


@contextlib.contextmanager
def chains_lifted(server_pid: int, tag: str) -> Iterator[None]:
    """The server's security group chains (`tag`) out of the path while the block runs: skiff
    paused (so it does not put them back), its jumps from INPUT, OUTPUT and DOCKER-USER deleted,
    restored after."""
    rules = subprocess.run(["iptables", "-w", "-S"], capture_output=True, text=True, check=True).stdout
    jumps = [
        line.split()[1:]
        for line in rules.splitlines()
        if line.startswith("-A ") and f" -j SKF-{tag}-" in line
        and line.split()[1] in ("INPUT", "OUTPUT", "DOCKER-USER")
    ]  # fmt: skip
    os.kill(server_pid, signal.SIGSTOP)
    try:
        for chain, *rule in jumps:
            subprocess.run(["iptables", "-w", "-D", chain, *rule], check=True)
        yield
    finally:
        for chain, *rule in jumps:
            subprocess.run(["iptables", "-w", "-I", chain, "1", *rule], check=False)
        os.kill(server_pid, signal.SIGCONT)


def answers(url: str) -> bool:
    return subprocess.run(["curl", "-sf", "-m", "1", url], capture_output=True, check=False).returncode == 0


def main() -> None:
    args = wrk_arguments("bench_sg", __doc__ or "")
    env = {"SKIFF_METADATA_PORT": str(free_port()), "SKIFF_TASK_CLEANUP_SECONDS": "2"}
    results: dict[str, list[dict[str, float]]] = {}
    plain = f"bench-sg-plain-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="skiff-bench-sg-") as workdir:
        data_dir = Path(workdir) / "skiff" / "data"
        try:
            with running_servers(
                {"skiff": sys.executable}, Path(workdir), 60, extra_env={"skiff": env}
            ) as servers:
                session = new_session()
                ecs, ec2 = (session.client(s, endpoint_url=servers["skiff"].endpoint) for s in ("ecs", "ec2"))
                subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
                    "Subnets"
                ][0]
                ecs.create_cluster(clusterName="bench-sg")
                definition = ecs.register_task_definition(
                    family="bench-sg", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                    cpu="1024", memory="2048",
                    containerDefinitions=[{"name": "app", "image": "busybox:latest",
                                           "command": ["sh", "-c", APP],
                                           "portMappings": [{"containerPort": 8080}], "stopTimeout": 2}],
                )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
                urls = {
                    "unguarded": f"http://{unguarded_container(plain)}:8080/",
                    "quota": f"http://{unguarded_container(plain + '-quota', '--cpus', '1')}:8080/",
                    "one-rule": f"http://{guarded_task(ecs, ec2, subnet, definition, 0)}:8080/",
                    "fifty-rules": f"http://{guarded_task(ecs, ec2, subnet, definition, 50)}:8080/",
                }
                urls["lifted"] = urls["one-rule"]
                process = servers["skiff"].process
                assert process is not None
                tag = (data_dir / "instance-id").read_text().strip()[:8]
                for case, url in urls.items():
                    wait(f"{case} answering", lambda url=url: answers(url), timeout=30)
                    print(f"{case:12} {url}", flush=True)
                for round_number in range(args.rounds):
                    order = CASES if round_number % 2 == 0 else tuple(reversed(CASES))
                    for case in order:
                        with (
                            chains_lifted(process.pid, tag) if case == "lifted" else contextlib.nullcontext()
                        ):
                            run = wrk(urls[case], args.seconds, args.connections, args.threads, close=True)
                        run["load"] = os.getloadavg()[0]
                        results.setdefault(case, []).append(run)
                        show("new-connections", case, run)
                for arn in ecs.list_tasks(cluster="bench-sg")["taskArns"]:
                    ecs.stop_task(cluster="bench-sg", task=arn)
                time.sleep(3)
        finally:
            subprocess.run(["docker", "rm", "-f", plain, plain + "-quota"], capture_output=True, check=False)
            instance = data_dir / "instance-id"
            if instance.exists():
                remove_containers(instance.read_text().strip())
    report(results, args)


def report(results: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    summary = {
        case: {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms")}
        for case, runs in results.items()
    }
    print(f"\nmedian of {args.rounds} rounds, {args.seconds:g} s each, {args.connections} connections:")
    for case, row in summary.items():
        print(f"{case:12} {row['rps']:9.0f} req/s  p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms")
    paired: dict[str, dict[str, float]] = {}
    for case in CASES[1:]:
        pairs = list(zip(results[case], results["unguarded"], strict=True))
        ratio = statistics.median(g["rps"] / u["rps"] for g, u in pairs)
        added = statistics.median(g["p50_ms"] - u["p50_ms"] for g, u in pairs)
        paired[case] = {"throughput_ratio": ratio, "added_p50_ms": added}
        print(f"{case}: throughput vs unguarded {ratio:.2f}, added p50 {added:+.2f} ms")
    loads = [r["load"] for runs in results.values() for r in runs]
    print(
        f"1-minute load average during the runs: {min(loads):.1f} to {max(loads):.1f} ({os.cpu_count()} CPUs)"
    )
    save_results("bench_sg", {"runs": results, "median": summary, "paired": paired})


if __name__ == "__main__":
    main()
