"""Issue 11 end to end, the walkthrough's discovery part: namespace `local`, Cloud Map service
`random-quote`, an ECS service of random-quote tasks registered in it; from inside another task of
the VPC `http://random-quote.local:8080` answers, the name resolves to the healthy tasks' IPs,
SRV answers carry the port, scaling down takes stopped tasks out of the answers within one TTL,
and names outside the namespace (the host's hosts file, the host's upstream) still resolve.

Needs the `skiff/python:3` image (scripts/build-images.sh python).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

from skiff.net.bridges import gateway_of
from skiff.net.hosts import HostsFile
from tests.e2e.task_support import (
    TaskLab,
    boto_client,
    close_lab,
    docker,
    make_lab,
    remove_server_leftovers,
    server_subnets,
    start_e2e_server,
    summary,
    wait_until,
)

pytestmark = pytest.mark.e2e

PYTHON_IMAGE = "skiff/python:3"
TTL = 5
QUOTE_APP = """
import json, random, socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
QUOTES = ["Talk is cheap. Show me the code.", "Simplicity is prerequisite for reliability."]
class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"quote": random.choice(QUOTES), "host": socket.gethostname()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
"""
# Asked inside the client task: addresses of a name, through the task's own resolver (getaddrinfo).
RESOLVE = """
import json, socket, sys
try:
    found = sorted({a[4][0] for a in socket.getaddrinfo(sys.argv[1], None, socket.AF_INET)})
except socket.gaierror as exc:
    found = ["error", exc.errno]
print(json.dumps(found))
"""
# An SRV query by hand (the image has no dig) to the task's nameserver: (port, target) pairs.
SRV = """
import json, random, socket, struct, sys
name = sys.argv[1]
server = [l.split()[1] for l in open("/etc/resolv.conf") if l.startswith("nameserver")][0]
q = struct.pack("!HHHHHH", random.getrandbits(16), 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\\0" + struct.pack("!HH", 33, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3); s.sendto(q, (server, 53))
r = s.recv(4096)
count = struct.unpack_from("!H", r, 6)[0]
off = len(q)
def name_at(off):
    labels = []
    while True:
        n = r[off]
        if n & 0xC0:
            return labels, off + 2
        off += 1
        if n == 0:
            return labels, off
        labels.append(r[off:off + n].decode()); off += n
out = []
for _ in range(count):
    _, off = name_at(off)
    rtype, _, ttl, size = struct.unpack_from("!HHIH", r, off); off += 10
    if rtype == 33:
        _, _, port = struct.unpack_from("!HHH", r, off)
        target, _ = name_at(off + 6)
        out.append([port, ".".join(target), ttl])
    off += size
print(json.dumps({"server": server, "answers": out}))
"""


def exec_python(container: str, program: str, *args: str) -> Any:
    out = docker("exec", container, "python3", "-c", program, *args, timeout=60)
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def python_image() -> None:
    if subprocess.run(
        ["docker", "image", "inspect", PYTHON_IMAGE], capture_output=True, check=False
    ).returncode:
        pytest.skip(f"{PYTHON_IMAGE} is not built (scripts/build-images.sh python)")


@pytest.fixture(scope="module")
def sd(client_factory: Any) -> Iterator[Any]:
    with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
        yield client_factory("servicediscovery")


@pytest.fixture(scope="module")
def hosts_entry() -> Iterator[tuple[str, str]]:
    """A name only the host's hosts file knows (as skiff writes load balancer names there)."""
    hosts = HostsFile(f"e2e-discovery-{uuid.uuid4().hex[:6]}")
    name, address = f"internal-e2e-{uuid.uuid4().hex[:6]}.us-east-1.elb.amazonaws.com", "127.77.9.9"
    hosts.set_section("elb", {name: address})
    try:
        yield name, address
    finally:
        hosts.set_section("elb", {})


def test_random_quote_by_name_from_another_task(
    python_image: None, lab: TaskLab, sd: Any, hosts_entry: tuple[str, str]
) -> None:
    vpc = str(lab.subnets[0]["VpcId"])
    operation = sd.create_private_dns_namespace(Name="local", Vpc=vpc)["OperationId"]
    namespace = sd.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
    registry = sd.create_service(
        Name="random-quote",
        DnsConfig={
            "NamespaceId": namespace,
            "DnsRecords": [{"Type": "A", "TTL": TTL}, {"Type": "SRV", "TTL": TTL}],
        },
        HealthCheckCustomConfig={"FailureThreshold": 1},
    )["Service"]
    app = {
        "name": "random-quote",
        "image": PYTHON_IMAGE,
        "command": ["python3", "-c", QUOTE_APP],
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "stopTimeout": 2,
    }
    definition = lab.register([app], family=f"random-quote-{uuid.uuid4().hex[:6]}")
    service_name = f"random-quote-{uuid.uuid4().hex[:6]}"
    lab.ecs.create_service(
        cluster=lab.cluster,
        serviceName=service_name,
        taskDefinition=definition["taskDefinitionArn"],
        desiredCount=3,
        launchType="FARGATE",
        networkConfiguration=lab.network(),
        serviceRegistries=[
            {"registryArn": registry["Arn"], "containerName": "random-quote", "containerPort": 8080}
        ],
    )
    try:
        _check_walkthrough(lab, sd, service_name, registry, hosts_entry)
    finally:
        lab.ecs.update_service(cluster=lab.cluster, service=service_name, desiredCount=0)
        lab.ecs.delete_service(cluster=lab.cluster, service=service_name, force=True)
        for arn in lab.ecs.list_tasks(cluster=lab.cluster, serviceName=service_name)["taskArns"]:
            lab.task_arns.append(arn)


def _running_ips(lab: TaskLab, service_name: str) -> dict[str, str]:
    arns = lab.ecs.list_tasks(cluster=lab.cluster, serviceName=service_name)["taskArns"]
    lab.task_arns.extend(a for a in arns if a not in lab.task_arns)
    tasks = lab.describe_all(arns) if arns else []
    ips = {}
    for task in tasks:
        if task["lastStatus"] == "RUNNING":
            details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
            ips[task["taskArn"].rsplit("/", 1)[-1]] = details["privateIPv4Address"]
    return ips


def _check_walkthrough(
    lab: TaskLab, sd: Any, service_name: str, registry: dict[str, Any], hosts_entry: tuple[str, str]
) -> None:
    ips = wait_until(
        "3 random-quote tasks RUNNING",
        lambda: (found := _running_ips(lab, service_name)) and len(found) == 3 and found,
    )
    registered = wait_until(
        "the 3 tasks in Cloud Map",
        lambda: (
            (found := sd.discover_instances(NamespaceName="local", ServiceName="random-quote")["Instances"])
            and len(found) == 3
            and found
        ),
    )
    assert {i["InstanceId"]: i["Attributes"]["AWS_INSTANCE_IPV4"] for i in registered} == ips
    attributes = registered[0]["Attributes"]
    assert attributes["AWS_INSTANCE_PORT"] == "8080" and attributes["ECS_SERVICE_NAME"] == service_name
    assert attributes["ECS_CLUSTER_NAME"] == lab.cluster and attributes["AWS_INIT_HEALTH_STATUS"] == "HEALTHY"
    assert {"AVAILABILITY_ZONE", "REGION", "ECS_TASK_DEFINITION_FAMILY"} <= attributes.keys()

    # the client: another task in the VPC
    client_definition = lab.register(
        [{"name": "client", "image": PYTHON_IMAGE, "command": ["sleep", "3600"], "stopTimeout": 2}]
    )
    client = lab.wait_running(lab.run_one(client_definition)["taskArn"])
    container = client["containers"][0]["runtimeId"]
    resolv = docker("exec", container, "cat", "/etc/resolv.conf")
    assert f"nameserver {gateway_of(str(lab.subnets[0]['CidrBlock']))}" in resolv, resolv

    # http://random-quote.local:8080 answers, from one of the tasks
    page = docker("exec", container, "curl", "-sf", "--max-time", "5", "http://random-quote.local:8080/")
    assert json.loads(page)["quote"]
    assert sorted(exec_python(container, RESOLVE, "random-quote.local")) == sorted(ips.values())
    srv = exec_python(container, SRV, "random-quote.local")
    assert sorted(a[1] for a in srv["answers"]) == sorted(f"{t}.random-quote.local" for t in ips)
    assert {a[0] for a in srv["answers"]} == {8080} and {a[2] for a in srv["answers"]} == {TTL}
    assert exec_python(container, RESOLVE, "nothing-here.local")[0] == "error"  # NXDOMAIN

    # names outside the namespace: the host's hosts file and the host's upstream nameservers
    name, address = hosts_entry
    assert exec_python(container, RESOLVE, name) == [address]
    try:
        upstream = sorted({a[4][0] for a in socket.getaddrinfo("pypi.org", None, socket.AF_INET)})
    except socket.gaierror:
        upstream = None
    if upstream:
        assert exec_python(container, RESOLVE, "pypi.org") == upstream

    # scale down: stopped tasks leave the answers within one TTL (here: before they stop)
    lab.ecs.update_service(cluster=lab.cluster, service=service_name, desiredCount=1)
    started = time.monotonic()
    remaining = wait_until(
        "one task left", lambda: (found := _running_ips(lab, service_name)) and len(found) == 1 and found
    )
    answers = wait_until(
        "answers of the remaining task only",
        lambda: (
            (found := exec_python(container, RESOLVE, "random-quote.local")) == sorted(remaining.values())
            and found
        ),
        timeout=TTL + 30,
        interval=0.2,
    )
    assert answers == sorted(remaining.values())
    gone = [ip for ip in ips.values() if ip not in remaining.values()]
    for arn in lab.ecs.list_tasks(cluster=lab.cluster, serviceName=service_name, desiredStatus="STOPPED")[
        "taskArns"
    ]:
        task = lab.wait_stopped(arn)
        assert task["lastStatus"] == "STOPPED", summary(task)
        assert not set(exec_python(container, RESOLVE, "random-quote.local")) & set(gone)
    assert time.monotonic() - started < 60
    assert len(sd.discover_instances(NamespaceName="local", ServiceName="random-quote")["Instances"]) == 1


def test_names_still_resolve_after_kill_9(
    python_image: None, docker_ready: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """kill -9 and a new server on the same data dir: the adopted tasks' queries reach the new
    resolver (its rules point at its new port), and the name still answers."""
    data_dir = tmp_path_factory.mktemp("skiff-dns-restart")
    server = start_e2e_server(data_dir)
    lab = make_lab(server.endpoint)
    try:
        with mock.patch.dict(os.environ, {"AWS_DISABLE_HOST_PREFIX_INJECTION": "true"}):
            sd = boto_client(server.endpoint, "servicediscovery")
        vpc = str(lab.subnets[0]["VpcId"])
        operation = sd.create_private_dns_namespace(Name="restart.internal", Vpc=vpc)["OperationId"]
        namespace = sd.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
        registry = sd.create_service(
            Name="web", DnsConfig={"NamespaceId": namespace, "DnsRecords": [{"Type": "A", "TTL": TTL}]}
        )["Service"]
        definition = lab.register(
            [{"name": "app", "image": PYTHON_IMAGE, "command": ["sleep", "3600"], "stopTimeout": 2}]
        )
        lab.ecs.create_service(
            cluster=lab.cluster,
            serviceName="web",
            taskDefinition=definition["taskDefinitionArn"],
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration=lab.network(),
            serviceRegistries=[{"registryArn": registry["Arn"]}],
        )
        ips = wait_until("the web task RUNNING", lambda: _running_ips(lab, "web"))
        client = lab.wait_running(lab.run_one(definition)["taskArn"])
        container = client["containers"][0]["runtimeId"]
        wanted = sorted(ips.values())
        wait_until(
            "web.restart.internal", lambda: exec_python(container, RESOLVE, "web.restart.internal") == wanted
        )
        instance = (data_dir / "instance-id").read_text().strip()
        before = _dns_ports(instance)
        server.stop(kill=True)
        server = start_e2e_server(data_dir, server.port)
        wait_until(
            "web.restart.internal after the restart",
            lambda: exec_python(container, RESOLVE, "web.restart.internal") == wanted,
        )
        after = _dns_ports(instance)
        assert len(before) == len(after) == 1 and after != before, (before, after)  # its new port
    finally:
        with contextlib.suppress(Exception):
            lab.ecs.delete_service(cluster=lab.cluster, service="web", force=True)
            lab.task_arns.extend(lab.ecs.list_tasks(cluster=lab.cluster, serviceName="web")["taskArns"])
        close_lab(lab)
        subnets = server_subnets(server.endpoint)
        server.stop()
        remove_server_leftovers(subnets)
    assert "Traceback" not in server.log()


def _dns_ports(instance: str) -> set[str]:
    """The ports this server's DNS rules send tasks to."""
    rules = subprocess.run(
        ["iptables", "-w", "-t", "nat", "-S", "SKIFF-DNS"], capture_output=True, text=True
    ).stdout
    return {line.rsplit(":", 1)[-1] for line in rules.splitlines() if f"skiff-dns:{instance}" in line}
