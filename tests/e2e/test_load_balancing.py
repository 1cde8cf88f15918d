"""Issue 10 end to end, the walkthrough's load-balancer part, on real HAProxy and real containers.

An application load balancer over two default subnets, a target group of busybox httpd tasks
answering their hostname, a listener on :80: `curl http://$DNSNAME/` (verbatim, the name from
/etc/hosts) alternates between two tasks' hostnames; a `/quote*` rule sends to a second target
group; a task that binds 127.0.0.1 only fails its ELB checks and is replaced, its service never
steady; scaling to 1 under a steady request loop loses no request (the target drains first); an
HTTPS listener answers with the imported certificate and HTTP redirects to it; while skiff is
killed (-9) the balancer keeps answering, and the restarted skiff adopts the same HAProxy.

One server of the module's own (SKIFF_LB=on); HAProxy, which outlives skiff by design, is
stopped at the end. Run under the e2e lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from skiff.lb.supervisor import Supervisor
from tests.conftest import SkiffServer, start_server
from tests.e2e.task_support import (
    CLEANUP_SECONDS,
    TaskLab,
    boto_client,
    container_def,
    logs,
    module_server,
    open_default_group,
    opened_lab,
    summary,
)
from tests.e2e.task_support import wait_until as support_wait_until

pytestmark = pytest.mark.e2e

HOSTNAME_APP = (
    "mkdir -p /www && hostname > /www/index.html && echo quote-$(hostname) > /www/quote"
    " && exec httpd -f -p {bind}8080 -h /www"
)


wait_until = functools.partial(support_wait_until, timeout=90.0)


def curl(*args: str) -> str:
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "5", *args], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, f"curl {' '.join(args)}: {out.stderr}"
    return out.stdout


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return str(reply.read().decode().strip())


ENV = {"SKIFF_LB": "on", "SKIFF_TASK_CLEANUP_SECONDS": CLEANUP_SECONDS}


@pytest.fixture(scope="module")
def server(docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SkiffServer]:
    """The module's server; the kill test replaces its process with a restarted one."""
    with module_server(tmp_path_factory.mktemp("skiff-lb"), ENV) as server:
        yield server


@pytest.fixture(scope="module")
def lab(server: SkiffServer) -> Iterator[TaskLab]:
    with opened_lab(server.endpoint, default_subnets_only=True) as lab:
        yield lab


def self_signed(name: str) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class Walkthrough:
    def __init__(self, lab: TaskLab, endpoint: str) -> None:
        self.lab = lab
        self.elb = boto_client(endpoint, "elbv2")
        self.services: list[str] = []

    def target_group(self, name: str) -> str:
        arn: str = self.elb.create_target_group(
            Name=name,
            Protocol="HTTP",
            Port=8080,
            TargetType="ip",
            VpcId=self.lab.subnets[0]["VpcId"],
            HealthCheckIntervalSeconds=5,
            HealthCheckTimeoutSeconds=2,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=2,
        )["TargetGroups"][0]["TargetGroupArn"]
        self.elb.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "3"}]
        )
        return arn

    def service(self, name: str, target_group: str, desired: int, bind: str = "") -> None:
        container = {
            "name": "hostname-app",
            "image": "busybox:latest",
            "command": ["sh", "-c", HOSTNAME_APP.format(bind=bind)],
            "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
            "stopTimeout": 2,
        }
        definition = self.lab.register([container], family=f"hostname-app-{uuid.uuid4().hex[:6]}")
        self.lab.ecs.create_service(
            cluster=self.lab.cluster,
            serviceName=name,
            taskDefinition=definition["taskDefinitionArn"],
            desiredCount=desired,
            launchType="FARGATE",
            deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200},
            networkConfiguration=self.lab.network(),
            loadBalancers=[
                {"targetGroupArn": target_group, "containerName": "hostname-app", "containerPort": 8080}
            ],
        )
        self.services.append(name)

    def describe(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.lab.ecs.describe_services(cluster=self.lab.cluster, services=[name])[
            "services"
        ][0]
        return found

    def stable(self, name: str, timeout: float = 90.0) -> None:
        """services-stable, and the deployment completed: every task's target healthy."""
        self.lab.ecs.get_waiter("services_stable").wait(
            cluster=self.lab.cluster,
            services=[name],
            WaiterConfig={"Delay": 1, "MaxAttempts": int(timeout)},
        )
        wait_until(
            f"{name}'s deployment to complete",
            lambda: self.describe(name)["deployments"][0]["rolloutState"] == "COMPLETED",
            timeout=timeout,
        )

    def health(self, target_group: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.elb.describe_target_health(TargetGroupArn=target_group)[
            "TargetHealthDescriptions"
        ]
        return found

    def close(self) -> None:
        for name in self.services:
            with contextlib.suppress(Exception):
                self.lab.ecs.delete_service(cluster=self.lab.cluster, service=name, force=True)
            with contextlib.suppress(Exception):
                self.lab.task_arns += self.lab.ecs.list_tasks(cluster=self.lab.cluster, serviceName=name)[
                    "taskArns"
                ]


@pytest.fixture(scope="module")
def walk(server: SkiffServer, lab: TaskLab) -> Iterator[dict[str, Any]]:
    """The walkthrough's balancer, target groups, listener, rules and services, stable."""
    walkthrough = Walkthrough(lab, server.endpoint)
    try:
        yield _set_up(walkthrough, lab)
    finally:
        walkthrough.close()


def _set_up(walk: Walkthrough, lab: TaskLab) -> dict[str, Any]:
    elb = walk.elb
    subnets = [s["SubnetId"] for s in lab.subnets[:2]]
    open_default_group(lab.ec2, lab.subnets[0]["VpcId"], (80, 443, 8080))  # the walkthrough's rule
    balancer = elb.create_load_balancer(Name="demo-balancer", Type="application", Subnets=subnets)[
        "LoadBalancers"
    ][0]
    lb_arn = balancer["LoadBalancerArn"]
    web = walk.target_group("hostname-app-tg")
    quotes = walk.target_group("quote-tg")
    sloppy = walk.target_group("sloppy-tg")
    listener = elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": web}],
    )["Listeners"][0]
    for priority, path, group in ((10, "/quote*", quotes), (20, "/sloppy*", sloppy)):
        elb.create_rule(
            ListenerArn=listener["ListenerArn"],
            Priority=priority,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": [path]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": group}],
        )
    walk.service("hostname-app-service", web, 2)
    walk.service("quote-service", quotes, 1)
    walk.service("sloppy-service", sloppy, 1, bind="127.0.0.1:")  # the walkthrough's classic mistake
    walk.stable("hostname-app-service")
    walk.stable("quote-service")
    described = elb.describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"][0]
    return {"walk": walk, "lb": described, "web": web, "quotes": quotes, "sloppy": sloppy}


def test_curl_alternates_between_two_tasks_and_quote_goes_to_its_group(walk: dict[str, Any]) -> None:
    w: Walkthrough = walk["walk"]
    assert walk["lb"]["State"]["Code"] == "active"
    name = walk["lb"]["DNSName"]
    assert [h["TargetHealth"]["State"] for h in w.health(walk["web"])] == ["healthy", "healthy"]
    answers = [curl(f"http://{name}/").strip() for _ in range(4)]  # verbatim, the name from /etc/hosts
    assert len(set(answers)) == 2, answers
    assert answers[0] == answers[2] and answers[1] == answers[3], answers
    assert all(a.startswith("ip-") for a in answers)
    quote = get(f"http://{name}/quote")
    assert quote.startswith("quote-ip-") and quote[len("quote-") :] not in answers
    messages = [e["message"] for e in w.describe("hostname-app-service")["events"]]
    group = re.escape(f"(target-group {walk['web']})")
    said = re.escape("(service hostname-app-service) registered ") + r"(\d+) targets in " + group
    assert sum(int(m.group(1)) for m in (re.fullmatch(said, e) for e in messages) if m) == 2, messages


def test_scaling_in_under_a_steady_loop_loses_no_request(walk: dict[str, Any], lab: TaskLab) -> None:
    w: Walkthrough = walk["walk"]
    name, web = walk["lb"]["DNSName"], walk["web"]
    failures: list[str] = []
    served = [0]
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                get(f"http://{name}/")
                served[0] += 1
            except (urllib.error.URLError, OSError) as exc:
                failures.append(repr(exc))
            time.sleep(0.02)

    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    try:
        lab.ecs.update_service(cluster=lab.cluster, service="hostname-app-service", desiredCount=1)
        wait_until(
            "one task left behind the balancer",
            lambda: (
                len(lab.ecs.list_tasks(cluster=lab.cluster, serviceName="hostname-app-service")["taskArns"])
                == 1
                and len(w.health(web)) == 1
            ),
        )
        time.sleep(1)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert failures == [], failures[:5]
    assert served[0] > 20
    messages = [e["message"] for e in w.describe("hostname-app-service")["events"]]
    assert f"(service hostname-app-service) deregistered 1 targets in (target-group {web})" in messages


def test_a_task_bound_to_localhost_fails_elb_checks_and_never_steadies(
    walk: dict[str, Any], lab: TaskLab
) -> None:
    w: Walkthrough = walk["walk"]
    sloppy = walk["sloppy"]

    def failed() -> bool:
        events = [e["message"] for e in w.describe("sloppy-service")["events"]]
        return any(f"failed ELB health checks in (target-group {sloppy})" in m for m in events)

    wait_until("the sloppy task failing its ELB checks", failed, timeout=60)
    service = w.describe("sloppy-service")
    assert service["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert not any("steady state" in e["message"] for e in service["events"])
    stopped = lab.ecs.list_tasks(cluster=lab.cluster, serviceName="sloppy-service", desiredStatus="STOPPED")
    reasons = {t["stoppedReason"] for t in lab.describe_all(stopped["taskArns"])}
    assert f"Task failed ELB health checks in (target-group {sloppy})" in reasons
    lab.ecs.update_service(cluster=lab.cluster, service="sloppy-service", desiredCount=0)


def test_https_with_the_imported_certificate_and_http_redirects(
    walk: dict[str, Any], server: SkiffServer, tmp_path: Path
) -> None:
    w: Walkthrough = walk["walk"]
    name, web, lb_arn = walk["lb"]["DNSName"], walk["web"], walk["lb"]["LoadBalancerArn"]
    certificate, key = self_signed(name)
    acm = boto_client(server.endpoint, "acm")
    cert_arn = acm.import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    w.elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": cert_arn}],
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        DefaultActions=[{"Type": "forward", "TargetGroupArn": web}],
    )
    w.elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[
            {
                "Type": "redirect",
                "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
            }
        ],
    )
    ca = tmp_path / "cert.pem"
    ca.write_bytes(certificate)

    def answers() -> bool:
        probe = ["curl", "-s", "--max-time", "2", "--cacert", str(ca), f"https://{name}/"]
        return subprocess.run(probe, capture_output=True, check=False).returncode == 0

    wait_until("the HTTPS listener", answers, timeout=20)
    assert curl("--cacert", str(ca), f"https://{name}/").strip().startswith("ip-")
    headers = curl("-I", f"http://{name}:8080/x?y=1")
    assert headers.startswith("HTTP/1.1 301"), headers
    assert f"location: https://{name}/x?y=1" in headers.lower(), headers


def test_an_internal_balancer_answers_tasks_of_its_vpc_by_name(walk: dict[str, Any], lab: TaskLab) -> None:
    w: Walkthrough = walk["walk"]
    subnets = [s["SubnetId"] for s in lab.subnets[:2]]
    internal = w.elb.create_load_balancer(Name="private-lb", Scheme="internal", Subnets=subnets)[
        "LoadBalancers"
    ][0]
    group = w.target_group("private-tg")  # a target group serves one balancer: the web task again
    w.elb.register_targets(TargetGroupArn=group, Targets=[h["Target"] for h in w.health(walk["web"])])
    w.elb.create_listener(
        LoadBalancerArn=internal["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group}],
    )
    name = internal["DNSName"]
    assert name.startswith("internal-")
    wait_until("the internal balancer on the host", lambda: answer_of(f"http://{name}/"), timeout=20)
    probe = (
        f"for i in $(seq 1 40); do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {name} 80 | tail -n 1"
        " | grep ip- && exit 0; sleep 0.5; done; exit 1"
    )
    client = container_def("client", probe, essential=True)
    task = lab.run_one(lab.register([client]))
    done = lab.wait_for(
        task["taskArn"], lambda t: t["lastStatus"] == "STOPPED", "the client's exit", timeout=60
    )
    entry = done["containers"][0]
    assert entry.get("exitCode") == 0, (
        summary(done),
        logs(entry.get("runtimeId", "")) if entry.get("runtimeId") else "",
    )


def answer_of(url: str) -> str | None:
    try:
        return get(url)
    except OSError:
        return None


def test_the_data_path_answers_while_skiff_is_killed_and_is_adopted(
    walk: dict[str, Any], server: SkiffServer
) -> None:
    w: Walkthrough = walk["walk"]
    name = walk["lb"]["DNSName"]
    pid = Supervisor(server.data_dir).recorded_pid()
    assert pid is not None
    server.stop(kill=True)
    assert get(f"http://{name}/").startswith("ip-")
    again = start_server(server.data_dir, port=server.port, env=ENV)
    server.process = again.process  # the module's fixture stops the restarted one
    wait_until("the restarted server to adopt HAProxy", lambda: "adopted HAProxy" in again.log(), timeout=30)
    assert Supervisor(server.data_dir).recorded_pid() == pid
    assert get(f"http://{name}/").startswith("ip-")
    assert [h["TargetHealth"]["State"] for h in w.health(walk["web"])] == ["healthy"]
