"""Benchmark: `docker push`, then pulls, of a ~50 MB image through skiff's ECR registry, side by
side with the same against a bare `docker-registry` on this machine.

Not a test. Each round builds a fresh image offline (busybox plus `--megabytes` of random bytes,
so every layer really travels), pushes it to a bare distribution registry (plain HTTP on
127.0.0.1, docker treats loopback as insecure) and to skiff's registry (TLS front with logins and
ECR's rules, then the same registry binary on a unix socket), removes it locally, and pulls it:
`docker pull` from the bare registry, `docker pull` through skiff, and a Fargate task's pull
through skiff (pullStartedAt → pullStoppedAt of DescribeTasks). Medians over the rounds.

    .venv/bin/python bench/bench_registry.py [--rounds 3] [--megabytes 50]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import free_port, new_session, running_servers, save_results
from skiff.registry.publishing import RegistryPublishing
from skiff.registry.supervisor import BINARY, RegistrySupervisor
from skiff.security.ca import LocalCA

HOST = "000000000000.dkr.ecr.us-east-1.amazonaws.com"
ROLE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def sh(*argv: str, stdin: str | None = None) -> str:
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed: {done.stderr.strip()[-400:]}")
    return done.stdout


def timed(*argv: str) -> float:
    start = time.perf_counter()
    sh(*argv)
    return time.perf_counter() - start


@contextlib.contextmanager
def bare_registry(workdir: Path) -> Iterator[str]:
    port = free_port()
    config = workdir / "bare.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n"
        f'    rootdirectory: "{workdir / "bare-storage"}"\n  delete:\n    enabled: true\n'
        f'http:\n  addr: "127.0.0.1:{port}"\n'
    )
    process = subprocess.Popen(
        [BINARY, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(["curl", "-sf", f"http://127.0.0.1:{port}/v2/"], capture_output=True).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("the bare registry did not start")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def build(workdir: Path, tag: str, megabytes: int) -> None:
    context = workdir / "context"
    context.mkdir(exist_ok=True)
    (context / "blob.bin").write_bytes(os.urandom(megabytes << 20))
    (context / "Dockerfile").write_text(
        'FROM busybox:latest\nCOPY blob.bin /blob.bin\nCMD ["sleep", "3600"]\n'
    )
    sh("docker", "build", "-q", "-t", tag, str(context))


def remove_image(*tags: str) -> None:
    subprocess.run(["docker", "rmi", "-f", *tags], capture_output=True, check=False, timeout=120)


def task_pull(clients: dict[str, Any], image: str, role: str, subnet: str) -> float:
    ecs = clients["ecs"]
    definition = ecs.register_task_definition(
        family="bench-registry", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
        memory="512", executionRoleArn=role,
        containerDefinitions=[{"name": "app", "image": image, "stopTimeout": 2}],
    )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
    task = ecs.run_task(
        cluster="bench-registry", taskDefinition=definition, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}},
    )["tasks"][0]  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            found = ecs.describe_tasks(cluster="bench-registry", tasks=[task["taskArn"]])["tasks"][0]
            if found["lastStatus"] == "STOPPED":
                raise RuntimeError(f"the task stopped: {found.get('stoppedReason')}")
            if found.get("pullStoppedAt"):
                return float((found["pullStoppedAt"] - found["pullStartedAt"]).total_seconds())
            time.sleep(0.2)
        raise RuntimeError("the task did not pull")
    finally:
        ecs.stop_task(cluster="bench-registry", task=task["taskArn"])


def run_rounds(endpoint: str, workdir: Path, rounds: int, megabytes: int) -> dict[str, list[float]]:
    session = new_session()
    clients = {s: session.client(s, endpoint_url=endpoint) for s in ("ecs", "ec2", "ecr", "iam")}
    clients["ecr"].create_repository(repositoryName="bench")
    clients["ecs"].create_cluster(clusterName="bench-registry")
    role = clients["iam"].create_role(RoleName="benchExecution", AssumeRolePolicyDocument=ROLE)["Role"]["Arn"]
    subnet = clients["ec2"].describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
        "Subnets"
    ][0]
    password = clients["ecr"].get_authorization_token()["authorizationData"][0]["authorizationToken"]
    sh("docker", "login", "-u", "AWS", "--password-stdin", HOST,
       stdin=base64.b64decode(password).decode().split(":", 1)[1])  # fmt: skip
    results: dict[str, list[float]] = {
        k: [] for k in ("bare_push", "skiff_push", "bare_pull", "skiff_pull", "task_pull")
    }
    with bare_registry(workdir) as bare:
        for round_number in range(rounds):
            source = f"bench-registry-src:{round_number}"
            bare_tag, skiff_tag = f"{bare}/bench:{round_number}", f"{HOST}/bench:{round_number}"
            build(workdir, source, megabytes)
            sh("docker", "tag", source, bare_tag)
            sh("docker", "tag", source, skiff_tag)
            results["bare_push"].append(timed("docker", "push", bare_tag))
            results["skiff_push"].append(timed("docker", "push", skiff_tag))
            remove_image(source, bare_tag, skiff_tag)
            results["bare_pull"].append(timed("docker", "pull", bare_tag))
            remove_image(bare_tag)
            results["skiff_pull"].append(timed("docker", "pull", skiff_tag))
            remove_image(skiff_tag)
            results["task_pull"].append(task_pull(clients, skiff_tag, role, subnet["SubnetId"]))
            time.sleep(1)
            remove_image(skiff_tag)
            print(
                f"  round {round_number + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in results.items()),
                flush=True,
            )
    subprocess.run(["docker", "logout", HOST], capture_output=True, check=False)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    env = {"SKIFF_REGISTRY": "on", "SKIFF_TASK_CLEANUP_SECONDS": "2", "SKIFF_METADATA_PORT": str(free_port())}
    with tempfile.TemporaryDirectory(prefix="skiff-bench-ecr-") as name:
        workdir = Path(name)
        data_dir = workdir / "skiff" / "data"
        try:
            with running_servers({"skiff": sys.executable}, workdir, 60, extra_env={"skiff": env}) as servers:
                deadline = time.monotonic() + 30
                log_path = servers["skiff"].log_path
                while log_path is not None and "registry front on" not in log_path.read_text(
                    errors="replace"
                ):
                    if time.monotonic() > deadline:
                        raise RuntimeError("skiff's registry did not start")
                    time.sleep(0.1)
                results = run_rounds(servers["skiff"].endpoint, workdir, args.rounds, args.megabytes)
        finally:
            RegistrySupervisor(data_dir).stop()
            instance = (
                (data_dir / "instance-id").read_text().strip() if (data_dir / "instance-id").exists() else ""
            )
            if instance:
                RegistryPublishing(data_dir, instance, LocalCA.for_data_dir(data_dir)).withdraw()
    median = {k: statistics.median(v) for k, v in results.items()}
    mb = args.megabytes
    print(f"\n{mb} MB image, median of {args.rounds} rounds:")
    print(f"  docker push: skiff {median['skiff_push']:.2f}s  bare registry {median['bare_push']:.2f}s  "
          f"ratio {median['skiff_push'] / median['bare_push']:.2f}")  # fmt: skip
    print(f"  docker pull: skiff {median['skiff_pull']:.2f}s  bare registry {median['bare_pull']:.2f}s  "
          f"ratio {median['skiff_pull'] / median['bare_pull']:.2f}")  # fmt: skip
    print(f"  a task's pull through skiff: {median['task_pull']:.2f}s  "
          f"(ratio to a bare docker pull {median['task_pull'] / median['bare_pull']:.2f})")  # fmt: skip
    save_results("bench_registry", {"megabytes": mb, "runs": results, "median": median})


if __name__ == "__main__":
    main()
