"""Benchmark: task metadata `/v4/<id>/task` requests per second from inside one task.

Not a test. A task running skiff's python image loads its own metadata endpoint for a fixed time
with keep-alive connections (several processes, as a sidecar would), then does the same against
a path the endpoint answers with a plain 404 (its floor: the HTTP and redirect path alone).
The per-task rate limit is switched off for the run (SKIFF_METADATA_RATE_LIMIT=0). The ECS
agent's own endpoint was measured at about 4,000 requests a second.

    .venv/bin/python bench/bench_metadata.py [--seconds 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import REPO_ROOT, free_port, new_session, running_servers, save_results

IMAGE = "skiff/python:3"
MARK = "SKIFF-BENCH "
LOAD = r"""
import http.client, json, multiprocessing, os, sys, time
SECONDS, WORKERS = float(sys.argv[1]), int(sys.argv[2])
path = os.environ["ECS_CONTAINER_METADATA_URI_V4"].split("169.254.170.2", 1)[1]
def worker(target, seconds, queue):
    conn = http.client.HTTPConnection("169.254.170.2", 80, timeout=5)
    done = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        conn.request("GET", target)
        reply = conn.getresponse()
        reply.read()
        done += 1
        errors += reply.status not in (200, 404)
    queue.put((done, errors))
def run(target):
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(target, SECONDS, queue)) for _ in range(WORKERS)]
    start = time.monotonic()
    [p.start() for p in procs]
    results = [queue.get() for _ in procs]
    [p.join() for p in procs]
    elapsed = time.monotonic() - start
    return {"rps": sum(r[0] for r in results) / elapsed, "errors": sum(r[1] for r in results)}
out = {"task": run(path + "/task"), "floor_404": run("/bench-floor-404")}
print("SKIFF-BENCH " + json.dumps(out), flush=True)
time.sleep(600)
"""


def ensure_image() -> None:
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode != 0:
        subprocess.run(["bash", str(REPO_ROOT / "scripts" / "build-images.sh"), "python"], check=True)


def measure(endpoint: str, seconds: float, workers: int) -> dict[str, Any]:
    session = new_session()
    ecs = session.client("ecs", endpoint_url=endpoint)
    ec2 = session.client("ec2", endpoint_url=endpoint)
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    ecs.create_cluster(clusterName="bench-metadata")
    definition = ecs.register_task_definition(
        family="bench-metadata",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="1024",
        memory="2048",
        containerDefinitions=[
            {
                "name": "load",
                "image": IMAGE,
                "command": ["python3", "-c", LOAD, str(seconds), str(workers)],
                "stopTimeout": 2,
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    task = ecs.run_task(
        cluster="bench-metadata",
        taskDefinition=definition,
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet["SubnetId"]]}},
    )["tasks"][0]
    try:
        deadline = time.monotonic() + 2 * seconds + 90
        while time.monotonic() < deadline:
            described = ecs.describe_tasks(cluster="bench-metadata", tasks=[task["taskArn"]])["tasks"][0]
            runtime = described["containers"][0].get("runtimeId")
            if described["lastStatus"] == "STOPPED":
                raise RuntimeError(f"the load task stopped: {described.get('stoppedReason')}")
            if runtime:
                out = subprocess.run(["docker", "logs", runtime], capture_output=True, text=True).stdout
                for line in out.splitlines():
                    if line.startswith(MARK):
                        result: dict[str, Any] = json.loads(line[len(MARK) :])
                        return result
            time.sleep(0.5)
        raise RuntimeError("no result from the load task")
    finally:
        ecs.stop_task(cluster="bench-metadata", task=task["taskArn"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    ensure_image()
    env = {
        "SKIFF_METADATA_RATE_LIMIT": "0",
        "SKIFF_METADATA_PORT": str(free_port()),
        "SKIFF_TASK_CLEANUP_SECONDS": "2",
    }
    with (
        tempfile.TemporaryDirectory(prefix="skiff-bench-md-") as workdir,
        running_servers({"skiff": sys.executable}, Path(workdir), 60, extra_env={"skiff": env}) as servers,
    ):
        result = measure(servers["skiff"].endpoint, args.seconds, args.workers)
    task, floor = result["task"], result["floor_404"]
    print(f"metadata /v4/<id>/task from inside a task: {task['rps']:.0f} req/s ({task['errors']} errors)")
    print(f"same client against a 404 path (floor):     {floor['rps']:.0f} req/s")
    print(f"ratio task/floor: {task['rps'] / floor['rps']:.2f}; ECS agent reference: ~4000 req/s")
    save_results("bench_metadata", result)


if __name__ == "__main__":
    main()
