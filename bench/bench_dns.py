"""Benchmark: DNS queries per second for a Cloud Map name from inside a task.

Not a test. A task running skiff's python image sends A queries over UDP to its resolver (the
nameserver in its resolv.conf: the subnet gateway, redirected to skiff's resolver) for a fixed
time, keeping a window of queries in flight, and counts the answers. Side by side in the same
run: the same client inside the task for a name outside the namespace (forwarded through the
host's resolver path to the host's nameserver), and the same client on the host asking the host's
own nameserver directly for that name (the host resolver path without skiff). Goal: 5,000 q/s
for the registered name.

    .venv/bin/python bench/bench_dns.py [--seconds 5] [--window 32]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import REPO_ROOT, free_port, new_session, running_servers, save_results
from skiff.net.hosts import HostsFile

IMAGE = "skiff/python:3"
MARK = "SKIFF-BENCH "
LOAD = r"""
import json, random, socket, struct, sys, time
def load(name, server, seconds, window):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.2)
    tail = labels + b"\0\1\0\1"
    def send():
        sock.sendto(struct.pack("!HHHHHH", random.getrandbits(16), 0x0100, 1, 0, 0, 0) + tail, server)
    answered = failed = 0
    end = time.monotonic() + seconds
    for _ in range(window):
        send()
    start = time.monotonic()
    while time.monotonic() < end:
        try:
            reply = sock.recv(4096)
        except socket.timeout:
            for _ in range(window):
                send()
            continue
        rcode = reply[3] & 0xF
        answered += rcode in (0, 3)
        failed += rcode not in (0, 3)
        send()
    return {"qps": answered / (time.monotonic() - start), "failed": failed}
if __name__ == "__main__":
    mode, seconds, window = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    if mode == "task":
        ns = [l.split()[1] for l in open("/etc/resolv.conf") if l.startswith("nameserver")][0]
        out = {"nameserver": ns,
               "registered": load(sys.argv[4], (ns, 53), seconds, window),
               "hosts_file": load(sys.argv[6], (ns, 53), seconds, window),
               "forwarded": load(sys.argv[5], (ns, 53), seconds, min(window, 4))}
        print("SKIFF-BENCH " + json.dumps(out), flush=True)
        time.sleep(600)
    else:
        print(json.dumps(load(sys.argv[4], (sys.argv[5], 53), seconds, min(window, 4))))
"""


def host_nameserver() -> str:
    for line in Path("/etc/resolv.conf").read_text().splitlines():
        if line.startswith("nameserver"):
            return line.split()[1]
    raise RuntimeError("the host has no nameserver")


def ensure_image() -> None:
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode != 0:
        subprocess.run(["bash", str(REPO_ROOT / "scripts" / "build-images.sh"), "python"], check=True)


def records(endpoint: str, vpc: str) -> str:
    os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
    sd = new_session().client("servicediscovery", endpoint_url=endpoint)
    operation = sd.create_private_dns_namespace(Name="bench", Vpc=vpc)["OperationId"]
    namespace = sd.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
    service = sd.create_service(
        Name="random-quote", DnsConfig={"NamespaceId": namespace, "DnsRecords": [{"Type": "A", "TTL": 60}]}
    )["Service"]
    for index in range(3):
        sd.register_instance(
            ServiceId=service["Id"],
            InstanceId=f"i{index}",
            Attributes={"AWS_INSTANCE_IPV4": f"172.31.9.{index + 1}"},
        )
    return "random-quote.bench"


def measure(endpoint: str, seconds: float, window: int, forwarded: str, hosts_name: str) -> dict[str, Any]:
    session = new_session()
    ecs = session.client("ecs", endpoint_url=endpoint)
    ec2 = session.client("ec2", endpoint_url=endpoint)
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    name = records(endpoint, subnet["VpcId"])
    ecs.create_cluster(clusterName="bench-dns")
    definition = ecs.register_task_definition(
        family="bench-dns",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="1024",
        memory="2048",
        containerDefinitions=[
            {
                "name": "load",
                "image": IMAGE,
                "command": [
                    "python3",
                    "-c",
                    LOAD,
                    "task",
                    str(seconds),
                    str(window),
                    name,
                    forwarded,
                    hosts_name,
                ],
                "stopTimeout": 2,
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    task = ecs.run_task(
        cluster="bench-dns",
        taskDefinition=definition,
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet["SubnetId"]]}},
    )["tasks"][0]
    try:
        deadline = time.monotonic() + 2 * seconds + 90
        while time.monotonic() < deadline:
            described = ecs.describe_tasks(cluster="bench-dns", tasks=[task["taskArn"]])["tasks"][0]
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
        ecs.stop_task(cluster="bench-dns", task=task["taskArn"])
        deadline = time.monotonic() + 30  # let the server stop it before the server goes
        while time.monotonic() < deadline:
            found = ecs.describe_tasks(cluster="bench-dns", tasks=[task["taskArn"]])["tasks"]
            if not found or found[0]["lastStatus"] == "STOPPED":
                break
            time.sleep(0.3)
        time.sleep(3)  # SKIFF_TASK_CLEANUP_SECONDS=2: the stopped task's containers go too


def on_host(seconds: float, window: int, name: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", LOAD, "host", str(seconds), str(window), name, host_nameserver()],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def getaddrinfo_rate(name: str, seconds: float) -> float:
    """The host's own resolver path for a hosts-file name: glibc's getaddrinfo, in process."""
    done, end = 0, time.monotonic() + seconds
    start = time.monotonic()
    while time.monotonic() < end:
        socket.getaddrinfo(name, None, socket.AF_INET)
        done += 1
    return done / (time.monotonic() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--forwarded", default="pypi.org", help="a name the host's nameserver answers")
    args = parser.parse_args()
    ensure_image()
    env = {"SKIFF_METADATA_PORT": str(free_port()), "SKIFF_TASK_CLEANUP_SECONDS": "2"}
    hosts = HostsFile("bench-dns")
    hosts_name = "internal-bench-1.us-east-1.elb.amazonaws.com"
    hosts.set_section("elb", {hosts_name: "127.77.0.99"})
    try:
        with (
            tempfile.TemporaryDirectory(prefix="skiff-bench-dns-") as workdir,
            running_servers(
                {"skiff": sys.executable}, Path(workdir), 60, extra_env={"skiff": env}
            ) as servers,
        ):
            result = measure(servers["skiff"].endpoint, args.seconds, args.window, args.forwarded, hosts_name)
        result["host"] = on_host(args.seconds, args.window, args.forwarded)
        result["host_getaddrinfo"] = getaddrinfo_rate(hosts_name, args.seconds)
    finally:
        hosts.set_section("elb", {})
    registered, forwarded, host = result["registered"], result["forwarded"], result["host"]
    print(f"inside a task, Cloud Map name via {result['nameserver']}: {registered['qps']:.0f} q/s "
          f"({registered['failed']} failed)")  # fmt: skip
    print(f"inside a task, {args.forwarded} forwarded to the host's nameserver: {forwarded['qps']:.0f} q/s "
          f"({forwarded['failed']} failed)")  # fmt: skip
    print(f"inside a task, a hosts-file name (skiff's hosts path): {result['hosts_file']['qps']:.0f} q/s")
    print(f"on the host, {args.forwarded} from the host's nameserver directly: {host['qps']:.0f} q/s")
    print(f"on the host, the hosts-file name through getaddrinfo: {result['host_getaddrinfo']:.0f} lookups/s")
    print(f"ratio registered / host resolver: {registered['qps'] / max(host['qps'], 1):.2f}; goal 5000 q/s")
    save_results("bench_dns", result)


if __name__ == "__main__":
    main()
