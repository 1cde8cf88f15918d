"""Issue 10 item 5 end to end: security groups enforced on real containers, HAProxy and iptables.

One server of the module's own (SKIFF_LB=on). A busybox httpd task on :8080 in a group with no
ingress is unreachable from the host, from another task and from the balancer (its target turns
unhealthy); a rule allowing the balancer's group makes it healthy and reachable through the
balancer, still not directly; a CIDR rule opens it to the host and its revocation closes it again
within about a second; the balancer's own group guards its addresses. A task in a private subnet
(route table without an internet gateway, no public IP) cannot reach an address outside the host
(a network namespace of the test's own, which a public task reaches) but reaches 169.254.170.2.
kill -9 and a restart: the chains stay, are rebuilt and stale ones of the data dir are swept; at
the end the reset withdraws every chain of the data dir. Run under the e2e lock.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SkiffServer, start_server
from tests.e2e.task_support import (
    CLEANUP_SECONDS,
    TaskLab,
    boto_client,
    container_def,
    detail,
    docker,
    module_server,
    opened_lab,
    wait_until,
)

pytestmark = pytest.mark.e2e

ENV = {"SKIFF_LB": "on", "SKIFF_TASK_CLEANUP_SECONDS": CLEANUP_SECONDS}
APP = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www"
OUTSIDE = ("198.18.77.1", "198.18.77.2")  # host side, namespace side (a benchmarking range)
OUTSIDE_PORT = 8099


def host_reaches(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


def task_http(container: str, url: str) -> str:
    """The reply a task's container gets for GET `url` (busybox nc, 2 s; its wget crashes), ""
    without one. `url` may name $VARIABLES of the container's environment. The request's stdin
    stays open a second: busybox nc shuts the socket at stdin's end, and a server may see that
    before it answers."""
    script = (
        f'u="{url}"; u="${{u#http://}}"; hp="${{u%%/*}}"; path="/${{u#*/}}"; h="${{hp%:*}}"; p="${{hp##*:}}";'
        ' [ "$p" = "$hp" ] && p=80;'
        ' (printf "GET $path HTTP/1.0\\r\\nHost: $h\\r\\n\\r\\n"; sleep 1) | nc -w 2 "$h" "$p"'
    )
    out = subprocess.run(
        ["docker", "exec", container, "sh", "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return out.stdout


def task_status(container: str, url: str) -> str:
    """The HTTP status code a task gets from `url`, "" without an answer."""
    words = task_http(container, url).split()
    return words[1] if len(words) > 1 and words[0].startswith("HTTP/") else ""


def task_reaches(container: str, url: str) -> bool:
    return task_status(container, url) == "200"


def chains_of(tag: str) -> set[str]:
    out = subprocess.run(["iptables", "-w", "-S"], capture_output=True, text=True, check=True).stdout
    return {line.split()[1] for line in out.splitlines() if line.startswith("-N SK") and f"-{tag}-" in line}


def tag_of(data_dir: Path) -> str:
    return (data_dir / "instance-id").read_text().strip()[:8]


@pytest.fixture(scope="module")
def server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    data_dir = tmp_path_factory.mktemp("skiff-sg")
    with module_server(data_dir, ENV) as server:
        yield server
        left: set[str] = set()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(
                urllib.request.Request(f"{server.endpoint}/_skiff/reset", method="POST"), timeout=60
            )
            left = chains_of(tag_of(data_dir))
    assert not left, f"the reset left security group chains: {left}"
    assert not chains_of(tag_of(data_dir)), "the stopped server's chains stay"


@pytest.fixture(scope="module")
def lab(server: SkiffServer) -> Iterator[TaskLab]:
    with opened_lab(server.endpoint, default_subnets_only=True) as lab:
        yield lab


@pytest.fixture(scope="module")
def outside() -> Iterator[str]:
    """An HTTP listener outside the host's own addresses: a network namespace behind a veth pair."""
    name = f"sksg{uuid.uuid4().hex[:6]}"
    host_if, ns_if = f"{name}h", f"{name}n"
    steps = [
        ["ip", "netns", "add", name],
        ["ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if],
        ["ip", "link", "set", ns_if, "netns", name],
        ["ip", "addr", "add", f"{OUTSIDE[0]}/30", "dev", host_if],
        ["ip", "link", "set", host_if, "up"],
        ["ip", "netns", "exec", name, "ip", "addr", "add", f"{OUTSIDE[1]}/30", "dev", ns_if],
        ["ip", "netns", "exec", name, "ip", "link", "set", ns_if, "up"],
        ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
    ]
    listener = None
    try:
        for step in steps:
            subprocess.run(step, check=True, capture_output=True)
        listener = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                name,
                "busybox",
                "httpd",
                "-f",
                "-p",
                f"{OUTSIDE[1]}:{OUTSIDE_PORT}",
                "-h",
                "/",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            "the outside listener", lambda: host_reaches(f"http://{OUTSIDE[1]}:{OUTSIDE_PORT}/etc/hostname")
        )
        yield f"http://{OUTSIDE[1]}:{OUTSIDE_PORT}/etc/hostname"
    finally:
        if listener is not None:
            listener.kill()
            listener.wait()
        subprocess.run(["ip", "link", "del", host_if], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)


class World:
    def __init__(self, lab: TaskLab, endpoint: str) -> None:
        self.lab = lab
        self.ec2 = lab.ec2
        self.elb = boto_client(endpoint, "elbv2")
        self.vpc = lab.subnets[0]["VpcId"]

    def group(self, name: str) -> str:
        group_id: str = self.ec2.create_security_group(
            GroupName=f"{name}-{uuid.uuid4().hex[:6]}", Description=name, VpcId=self.vpc
        )["GroupId"]
        return group_id

    def task(
        self, command: str, groups: list[str] | None, subnet: str | None = None, public: bool = True
    ) -> dict[str, Any]:
        definition = self.lab.register([container_def("app", command, essential=True)])
        network: dict[str, Any] = {
            "subnets": [subnet or self.lab.subnet_id],
            "assignPublicIp": "ENABLED" if public else "DISABLED",
        }
        if groups is not None:
            network["securityGroups"] = groups
        task = self.lab.run_one(definition, networkConfiguration={"awsvpcConfiguration": network})
        return self.lab.wait_running(task["taskArn"])

    def health(self, tg: str) -> list[str]:
        return [
            h["TargetHealth"]["State"]
            for h in self.elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
        ]


def container_of(task: dict[str, Any]) -> str:
    return str(task["containers"][0]["runtimeId"])


@pytest.fixture(scope="module")
def world(server: SkiffServer, lab: TaskLab) -> dict[str, Any]:
    w = World(lab, server.endpoint)
    app_sg, lb_sg = w.group("app"), w.group("balancer")
    w.ec2.authorize_security_group_ingress(
        GroupId=lb_sg, IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
    )
    app = w.task(APP, [app_sg])
    client = w.task("sleep 3600", None)  # the VPC's default group
    ip = detail(app, "privateIPv4Address")
    subnets = [s["SubnetId"] for s in lab.subnets[:2]]
    balancer = w.elb.create_load_balancer(
        Name=f"sg-{uuid.uuid4().hex[:6]}", Subnets=subnets, SecurityGroups=[lb_sg]
    )["LoadBalancers"][0]
    tg = w.elb.create_target_group(
        Name=f"sg-{uuid.uuid4().hex[:6]}", Protocol="HTTP", Port=8080, TargetType="ip", VpcId=w.vpc,
        HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    listener = w.elb.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"], Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )["Listeners"][0]  # fmt: skip
    pong = {"StatusCode": "200", "ContentType": "text/plain", "MessageBody": "pong"}
    w.elb.create_rule(
        ListenerArn=listener["ListenerArn"], Priority=1,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/ping"]}}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": pong}],
    )  # fmt: skip
    w.elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip, "Port": 8080}])
    return {
        "w": w, "app_sg": app_sg, "lb_sg": lb_sg, "app": app, "client": client, "ip": ip, "tg": tg,
        "lb": balancer, "url": f"http://{ip}:8080/", "lb_url": f"http://{balancer['DNSName']}/",
    }  # fmt: skip


def test_a_closed_group_refuses_the_host_other_tasks_and_the_balancer(world: dict[str, Any]) -> None:
    w: World = world["w"]
    assert not host_reaches(world["url"])
    assert not task_reaches(container_of(world["client"]), world["url"])
    wait_until("the target unhealthy", lambda: w.health(world["tg"]) == ["unhealthy"], timeout=30)
    # the app answers inside its own namespace: only the group keeps others out
    assert task_reaches(container_of(world["app"]), "http://127.0.0.1:8080/")


def test_the_balancers_group_opens_the_task_to_the_balancer_only(world: dict[str, Any]) -> None:
    w: World = world["w"]
    permission = [
        {
            "IpProtocol": "tcp",
            "FromPort": 8080,
            "ToPort": 8080,
            "UserIdGroupPairs": [{"GroupId": world["lb_sg"]}],
        }
    ]
    w.ec2.authorize_security_group_ingress(GroupId=world["app_sg"], IpPermissions=permission)
    try:
        wait_until("the target healthy", lambda: w.health(world["tg"]) == ["healthy"], timeout=30)
        hostname = urllib.request.urlopen(world["lb_url"], timeout=5).read().decode().strip()
        assert hostname.startswith("ip-") and hostname == f"ip-{world['ip'].replace('.', '-')}"
        assert not host_reaches(world["url"])
        assert not task_reaches(container_of(world["client"]), world["url"])
    finally:
        w.ec2.revoke_security_group_ingress(GroupId=world["app_sg"], IpPermissions=permission)
    wait_until("the target unhealthy again", lambda: w.health(world["tg"]) == ["unhealthy"], timeout=30)


def test_a_cidr_rule_opens_and_its_revocation_closes_within_a_second(world: dict[str, Any]) -> None:
    w: World = world["w"]
    rule = {
        "GroupId": world["app_sg"],
        "IpProtocol": "tcp",
        "FromPort": 8080,
        "ToPort": 8080,
        "CidrIp": "0.0.0.0/0",
    }
    w.ec2.authorize_security_group_ingress(**rule)
    opened = time.monotonic()
    wait_until(
        "the host reaching the task", lambda: host_reaches(world["url"], 0.3), timeout=1.5, interval=0.05
    )
    took = time.monotonic() - opened
    assert task_reaches(container_of(world["client"]), world["url"])
    w.ec2.revoke_security_group_ingress(**rule)
    closed = time.monotonic()
    wait_until("the host refused", lambda: not host_reaches(world["url"], 0.3), timeout=1.5, interval=0.05)
    assert took < 1.5 and time.monotonic() - closed < 1.5
    assert not task_reaches(container_of(world["client"]), world["url"])


def test_the_balancers_group_guards_its_addresses(world: dict[str, Any]) -> None:
    w: World = world["w"]
    twin = "http://169.254." + ".".join(_address(world["lb"]).split(".")[2:]) + "/ping"
    ping = world["lb_url"] + "ping"  # a fixed response of the listener: the balancer itself answers
    assert _http_status(ping) == 200
    assert task_status(container_of(world["client"]), twin) == "200"
    rule = {
        "GroupId": world["lb_sg"],
        "IpProtocol": "tcp",
        "FromPort": 80,
        "ToPort": 80,
        "CidrIp": "0.0.0.0/0",
    }
    w.ec2.revoke_security_group_ingress(**rule)
    try:
        wait_until("the balancer refusing the host", lambda: _http_status(ping) is None, timeout=3)
        assert task_status(container_of(world["client"]), twin) == ""
    finally:
        w.ec2.authorize_security_group_ingress(**rule)
    wait_until("the balancer answering again", lambda: _http_status(ping) == 200, timeout=3)


def _address(balancer: dict[str, Any]) -> str:
    for line in Path("/etc/hosts").read_text().splitlines():
        words = line.split()
        if len(words) >= 2 and words[1] == balancer["DNSName"].lower():
            return words[0]
    raise AssertionError(f"{balancer['DNSName']} is not in /etc/hosts")


def _http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


def test_a_private_subnet_reaches_only_the_endpoint_and_its_vpc(world: dict[str, Any], outside: str) -> None:
    w: World = world["w"]
    public = w.task("sleep 3600", None)
    assert task_reaches(container_of(public), outside), "a public task should reach the outside listener"
    table = w.ec2.create_route_table(VpcId=w.vpc)["RouteTable"]["RouteTableId"]
    subnet = w.ec2.create_subnet(
        VpcId=w.vpc, CidrBlock="172.31.250.0/24", AvailabilityZone=w.lab.subnets[0]["AvailabilityZone"]
    )["Subnet"]
    w.ec2.associate_route_table(RouteTableId=table, SubnetId=subnet["SubnetId"])
    private = w.task("sleep 3600", None, subnet=subnet["SubnetId"], public=False)
    box = container_of(private)
    assert not task_reaches(box, outside), (
        private,
        subprocess.run(["iptables", "-L", "-v", "-n"], capture_output=True, text=True).stdout,
    )
    metadata = task_http(box, "$ECS_CONTAINER_METADATA_URI_V4")
    assert metadata.split()[:2] == ["HTTP/1.0", "200"], metadata
    assert json.loads(metadata.replace("\r\n", "\n").split("\n\n", 1)[1])["Name"] == "app", metadata
    for task in (public, private):
        w.lab.stop(task["taskArn"])
        w.lab.wait_stopped(task["taskArn"])  # their chains go with them, before the next test looks


def test_kill_9_and_restart_keep_rebuild_and_sweep_the_chains(
    world: dict[str, Any], server: SkiffServer
) -> None:
    tag = tag_of(server.data_dir)
    live_enis = lambda: len([c for c in chains_of(tag) if c.startswith("SKEI-")]) == 2  # noqa: E731
    wait_until("chains for the world's two tasks only", live_enis, timeout=5)
    before = chains_of(tag)
    assert any(c.startswith("SKEI-") for c in before) and any(c.startswith("SKBH-") for c in before), before
    server.stop(kill=True)
    assert chains_of(tag) == before, "the chains went with the server"
    assert not host_reaches(world["url"]), "the task is open while skiff is down"
    stale = f"SKGI-{tag}-0000000000"
    subprocess.run(["iptables", "-w", "-N", stale], check=True)
    again = start_server(server.data_dir, port=server.port, env=ENV)
    server.process = again.process
    wait_until("the stale chain swept", lambda: stale not in chains_of(tag), timeout=10)
    assert chains_of(tag) == before
    assert not host_reaches(world["url"])
    assert _http_status(world["lb_url"] + "ping") == 200
    docker("ps")  # Docker still answers: nothing of the restart broke it
