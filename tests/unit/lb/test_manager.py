"""The data path end to end without containers: balancer records → real HAProxy → local HTTP
servers standing in for tasks (127.0.0.x addresses), health written back into the records."""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skiff.lb.manager import LoadBalancing
from skiff.net.hosts import HostsFile
from skiff.state import balancer_addresses
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store import SqliteStore

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/haproxy").exists(), reason="haproxy is not installed")

SCOPE = Scope("000000000000", "us-east-1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Named(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 200 if not self.path.startswith("/missing") else 404
        body = f"{self.server.server_name_}:{self.path}".encode()  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def serve(address: str, name: str) -> tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer((address, 0), Named)
    server.server_name_ = name  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "skiff.db")
    yield s
    s.close()


def balancer(store: SqliteStore, name: str) -> dict[str, Any]:
    arn = records.load_balancer_arn(SCOPE, "application", name, records.new_id())
    with store.transaction():
        doc = {
            "LoadBalancerArn": arn,
            "LoadBalancerName": name,
            "DNSName": records.dns_name(name, "internet-facing", "us-east-1", 1234),
            "State": {"Code": "provisioning"},
            "Type": "application",
            "_skiff": {
                "account": SCOPE.account,
                "region": SCOPE.region,
                "address": balancer_addresses.allocate(store),
            },
        }
        records.save_load_balancer(store, doc)
    return doc


def target_group(store: SqliteStore, name: str, **settings: Any) -> dict[str, Any]:
    doc = {
        "TargetGroupArn": records.target_group_arn(SCOPE, name, records.new_id()),
        "TargetGroupName": name,
        "Protocol": "HTTP",
        "Port": 80,
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckPath": "/",
        "HealthCheckIntervalSeconds": 1,
        "HealthCheckTimeoutSeconds": 1,
        "HealthyThresholdCount": 2,
        "UnhealthyThresholdCount": 2,
        "Matcher": {"HttpCode": "200"},
        "_skiff": {"account": SCOPE.account, "region": SCOPE.region, "attributes": {}},
        **settings,
    }
    records.save_target_group(store, doc)
    return doc


def listener(
    store: SqliteStore, lb: dict[str, Any], port: int, actions: list[dict[str, Any]]
) -> dict[str, Any]:
    arn = records.listener_arn(lb["LoadBalancerArn"], records.new_id())
    doc = {
        "ListenerArn": arn,
        "LoadBalancerArn": lb["LoadBalancerArn"],
        "Port": port,
        "Protocol": "HTTP",
        "DefaultActions": actions,
        "_skiff": {"account": SCOPE.account, "region": SCOPE.region},
    }
    records.save_listener(store, doc)
    records.save_rule(
        store,
        {
            "RuleArn": records.rule_arn(arn, records.new_id()),
            "Priority": "default",
            "Conditions": [],
            "Actions": actions,
            "IsDefault": True,
            "_skiff": {"listener": arn, "account": SCOPE.account, "region": SCOPE.region},
        },
    )
    return doc


def rule(
    store: SqliteStore, listener_doc: dict[str, Any], priority: int, conditions: list[Any], actions: list[Any]
) -> None:
    arn = listener_doc["ListenerArn"]
    records.save_rule(
        store,
        {
            "RuleArn": records.rule_arn(arn, records.new_id()),
            "Priority": str(priority),
            "Conditions": conditions,
            "Actions": actions,
            "IsDefault": False,
            "_skiff": {"listener": arn, "account": SCOPE.account, "region": SCOPE.region},
        },
    )


def register(store: SqliteStore, group: dict[str, Any], address: str, port: int) -> None:
    records.save_target(store, records.new_target(group["TargetGroupArn"], address, port))


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def answer_of(url: str) -> str | None:
    try:
        return get(url)[1]
    except OSError:
        return None


async def until(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


def health_of(store: SqliteStore, group: dict[str, Any]) -> dict[str, str]:
    return {
        f"{t['id']}:{t['port']}": t["health"]["state"]
        for t in records.targets_of(store, group["TargetGroupArn"])
    }


def test_balancer_routes_checks_drains_and_is_adopted(store: SqliteStore, tmp_path: Path) -> None:
    asyncio.run(scenario(store, tmp_path))


async def scenario(store: SqliteStore, tmp_path: Path) -> None:
    hosts = HostsFile("lbtest", tmp_path / "hosts")
    lb = balancer(store, "web")
    web = target_group(store, "web-tg")
    quotes = target_group(store, "quote-tg")
    unused = target_group(store, "spare-tg")
    failing = target_group(store, "open-tg", Matcher={"HttpCode": "201"})  # its target answers 200
    a, a_port = serve("127.0.0.2", "a")
    b, b_port = serve("127.0.0.3", "b")
    q, q_port = serve("127.0.0.4", "q")
    o, o_port = serve("127.0.0.7", "o")
    port = free_port()
    front = listener(store, lb, port, [{"Type": "forward", "TargetGroupArn": web["TargetGroupArn"]}])
    rule(
        store,
        front,
        10,
        [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/quote*"]}}],
        [{"Type": "forward", "TargetGroupArn": quotes["TargetGroupArn"]}],
    )
    rule(
        store,
        front,
        5,
        [
            {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
            {"Field": "path-pattern", "Values": ["/fixed"]},
        ],
        [
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {
                    "StatusCode": "418",
                    "ContentType": "text/plain",
                    "MessageBody": "teapot's",
                },
            }
        ],
    )
    rule(
        store,
        front,
        20,
        [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/open*"]}}],
        [{"Type": "forward", "TargetGroupArn": failing["TargetGroupArn"]}],
    )
    register(store, failing, "127.0.0.7", o_port)
    register(store, web, "127.0.0.2", a_port)
    register(store, web, "127.0.0.3", b_port)
    register(store, quotes, "127.0.0.4", q_port)
    register(store, quotes, "127.0.0.5", free_port())  # nobody listens: unhealthy
    register(store, unused, "127.0.0.6", 80)
    lbs = LoadBalancing(store, tmp_path, hosts=hosts, interval=0.2)
    again: LoadBalancing | None = None
    await lbs.start()
    try:
        base = f"http://{lb['_skiff']['address']}:{port}"
        await until(lambda: set(health_of(store, web).values()) == {"healthy"})
        await until(lambda: "unhealthy" in health_of(store, quotes).values())
        assert health_of(store, unused) == {"127.0.0.6:80": "unused"}
        quote_targets = records.targets_of(store, quotes["TargetGroupArn"])
        failed = next(t for t in quote_targets if t["id"] == "127.0.0.5")
        assert failed["health"]["reason"] == "Target.FailedHealthChecks"
        assert records.load_load_balancer(store, lb["LoadBalancerArn"])["State"]["Code"] == "active"
        assert hosts.section("elb") == {lb["DNSName"]: lb["_skiff"]["address"]}
        answers = {get(base + "/")[1] for _ in range(6)}
        assert answers == {"a:/", "b:/"}
        assert get(base + "/quote/1") == (200, "q:/quote/1")
        assert get(base + "/fixed") == (418, "teapot's")
        # every target of a group unhealthy: ELB fails open, the requests go to them all the same
        await until(lambda: health_of(store, failing) == {f"127.0.0.7:{o_port}": "unhealthy"})
        mismatch = records.targets_of(store, failing["TargetGroupArn"])[0]["health"]
        assert mismatch["reason"] == "Target.ResponseCodeMismatch"
        assert mismatch["description"] == "Health checks failed with these codes: [200]"
        await until(lambda: answer_of(base + "/open") == "o:/open")
        assert {get(base + "/quote/2")[1] for _ in range(4)} == {"q:/quote/2"}  # a healthy one left: no
        # draining: b gets no new requests, then goes once the delay has passed
        records.start_draining(store, web["TargetGroupArn"], "127.0.0.3", b_port, records.now())
        await asyncio.sleep(1.0)
        assert {get(base + "/")[1] for _ in range(6)} == {"a:/"}
        # a new skiff adopts the running HAProxy, which never stopped serving
        await lbs.stop()
        assert get(base + "/")[1] == "a:/"
        again = LoadBalancing(store, tmp_path, hosts=hosts, interval=0.2)
        await again.start()
        await asyncio.sleep(1.0)
        assert again.supervisor.pid == lbs.supervisor.pid
        assert again.datapath.reloads == 0
        assert get(base + "/")[1] == "a:/"
        # HAProxy killed under skiff: the next pass starts it again on the same configuration
        again.supervisor.stop()
        await until(lambda: again.supervisor.recorded_pid() is not None and answer_of(base + "/") == "a:/")
        await again.stop()
    finally:
        for running in (lbs, again):  # a pass still running would start HAProxy again
            if running is not None:
                await running.stop()
        await lbs.reset()
        for server in (a, b, q, o):
            server.shutdown()
