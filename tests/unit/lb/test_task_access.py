"""Tasks' way to balancers: link-local twins of 127.77.A.B, the ports opened, the names tasks resolve."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from skiff.lb.dns_source import BalancerNames
from skiff.lb.manager import task_ports
from skiff.lb.model import DataPlane, Frontend
from skiff.lb.render import render_frontend
from skiff.lb.task_access import guard_position, task_address
from skiff.state import balancer_addresses
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.sqlite import SqliteStore

SCOPE = Scope("000000000000", "us-east-1")
FORWARD = {"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:0:targetgroup/a/1"}


def test_twins_keep_the_last_two_octets_and_avoid_reserved_ranges() -> None:
    assert task_address("127.77.0.1") == "169.254.0.1"
    assert task_address("127.77.12.200") == "169.254.12.200"
    assert task_address("127.77.169.4") is None  # 169.254.169.254 is instance metadata
    assert task_address("127.77.170.2") is None  # 169.254.170.2 is the task endpoint
    assert task_address("127.77.3.0") is None and task_address("127.77.3.255") is None
    assert task_address("127.78.0.1") is None  # the registry's range
    assert task_address("") is None and task_address("junk") is None


def test_both_addresses_are_bound_and_their_ports_opened() -> None:
    web = Frontend("l-1", "127.77.0.1", 80, "HTTP", (FORWARD,), task_address="169.254.0.1")
    tls = Frontend("l-2", "127.77.0.1", 443, "HTTP", (FORWARD,), task_address="169.254.0.1")
    other = Frontend("l-3", "127.77.0.2", 80, "HTTP", (FORWARD,))
    lines = render_frontend(web, DataPlane((web,), ()))
    assert "  bind 127.77.0.1:80" in lines and "  bind 169.254.0.1:80" in lines
    assert [line for line in render_frontend(other, DataPlane((other,), ())) if "bind" in line] == [
        "  bind 127.77.0.2:80"
    ]
    assert task_ports(DataPlane((web, tls, other), ())) == {"169.254.0.1": (80, 443)}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "skiff.db")
    yield s
    s.close()


def balancer(store: SqliteStore, name: str, scheme: str, vpc: str) -> dict[str, Any]:
    with store.transaction():
        doc = {
            "LoadBalancerArn": records.load_balancer_arn(SCOPE, "application", name, records.new_id()),
            "LoadBalancerName": name,
            "DNSName": records.dns_name(name, scheme, "us-east-1", 1234),
            "Scheme": scheme,
            "VpcId": vpc,
            "State": {"Code": "active"},
            "Type": "application",
            "_skiff": {
                "account": SCOPE.account,
                "region": SCOPE.region,
                "address": balancer_addresses.allocate(store),
            },
        }
        records.save_load_balancer(store, doc)
    return doc


def test_tasks_resolve_balancers_to_their_twins_internal_ones_in_their_vpc_only(store: SqliteStore) -> None:
    public = balancer(store, "web", "internet-facing", "vpc-1")
    private = balancer(store, "api", "internal", "vpc-1")
    names = BalancerNames(store)
    public_name = public["DNSName"] + "."
    private_name = private["DNSName"] + "."
    found = names.lookup("vpc-2", public_name, "A")
    assert found is not None
    assert [r.value for r in found.answers] == [task_address(records.address_of(public))]
    assert names.lookup(None, public_name, "A") is not None
    inside = names.lookup("vpc-1", private_name, "A")
    assert inside is not None and [r.value for r in inside.answers] == [
        task_address(records.address_of(private))
    ]
    assert names.lookup("vpc-2", private_name, "A") is None  # another VPC: not this source's answer
    aaaa = names.lookup("vpc-1", private_name, "AAAA")
    assert aaaa is not None and aaaa.answers == ()
    assert names.lookup("vpc-1", "elsewhere.example.com.", "A") is None
    before = names.version()
    balancer(store, "late", "internet-facing", "vpc-1")
    assert names.version() != before
    names.forget()
    assert names.lookup("vpc-1", public_name, "A") is not None


def test_the_accepts_go_just_ahead_of_the_host_guard() -> None:
    rules = "\n".join(
        [
            "-P INPUT ACCEPT",
            "-A INPUT -j SKF-abcdef12-IN",
            "-A INPUT -d 169.254.170.2/32 -i sk+ -p udp -j ACCEPT",
            "-A INPUT -i sk+ -j SKIFF-HOST",
            "-A INPUT -i sk+ -j SKIFF-HOSTS-OTHER",
        ]
    )
    assert guard_position(rules) == 3
    assert guard_position("-P INPUT ACCEPT\n-A INPUT -j SKF-abcdef12-IN") == 2
    assert guard_position("-P INPUT ACCEPT") == 1


def test_every_allocated_address_has_a_twin(store: SqliteStore) -> None:
    with store.transaction():
        for _ in range(300):
            assert task_address(balancer_addresses.allocate(store)) is not None


def test_addresses_other_servers_hold_are_skipped(store: SqliteStore) -> None:
    with store.transaction():
        first = balancer_addresses.allocate(store, taken={"127.77.0.2", "127.77.0.3"})
        second = balancer_addresses.allocate(store, taken={"127.77.0.2", "127.77.0.3"})
    assert (first, second) == ("127.77.0.1", "127.77.0.4")
