"""ELBv2 records: ARNs and names, addresses, listeners and rules in order, targets draining."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from skiff.state import balancer_addresses
from skiff.state import balancers as b
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("123456789012", "eu-west-1")


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "s.db")


def _lb(store: SqliteStore, name: str, scheme: str = "internet-facing") -> dict:  # type: ignore[type-arg]
    with store.transaction():
        address = balancer_addresses.allocate(store)
        arn = b.load_balancer_arn(SCOPE, "application", name, b.new_id())
        doc = {
            "LoadBalancerArn": arn,
            "LoadBalancerName": name,
            "DNSName": b.dns_name(name, scheme, SCOPE.region, 1234567890),
            "Type": "application",
            "Scheme": scheme,
            "State": {"Code": "provisioning"},
            b.INTERNAL: {"account": SCOPE.account, "region": SCOPE.region, "address": address},
        }
        b.save_load_balancer(store, doc)
    return doc


def _tg(store: SqliteStore, name: str, protocol: str = "HTTP") -> dict:  # type: ignore[type-arg]
    doc = {
        "TargetGroupArn": b.target_group_arn(SCOPE, name, b.new_id()),
        "TargetGroupName": name,
        "Protocol": protocol,
        "Port": 80,
        "HealthCheckPort": "traffic-port",
        b.INTERNAL: {"account": SCOPE.account, "region": SCOPE.region, "attributes": {}},
    }
    b.save_target_group(store, doc)
    return doc


def test_arns_and_dns_names() -> None:
    lb = b.load_balancer_arn(SCOPE, "network", "my-lb", "50dc6c495c0c9188")
    assert lb == "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/my-lb/50dc6c495c0c9188"
    assert b.kind_of(lb) == "network"
    listener = b.listener_arn(lb, "aaaa")
    assert listener.endswith(":listener/net/my-lb/50dc6c495c0c9188/aaaa") and b.kind_of(listener) == "network"
    assert b.rule_arn(listener, "bbbb").endswith(":listener-rule/net/my-lb/50dc6c495c0c9188/aaaa/bbbb")
    assert (
        b.dns_name("My-LB", "internet-facing", "us-west-2", 424835706)
        == "my-lb-424835706.us-west-2.elb.amazonaws.com"
    )
    assert b.dns_name("x", "internal", "us-east-1", 1).startswith("internal-x-1.")
    assert len(b.new_id()) == 16


def test_balancers_get_distinct_addresses_and_are_found_by_name(store: SqliteStore) -> None:
    first, second = _lb(store, "one"), _lb(store, "two")
    assert b.address_of(first) == "127.77.0.1" and b.address_of(second) == "127.77.0.2"
    assert b.load_balancer_named(store, SCOPE, "ONE") == first
    assert b.load_balancer_named(store, Scope("123456789012", "us-east-1"), "one") is None
    assert sorted(d["LoadBalancerName"] for d in b.load_balancers(store, SCOPE)) == ["one", "two"]
    before = b.generation(store)
    assert b.set_load_balancer_state(store, first["LoadBalancerArn"], "active")
    assert b.load_load_balancer(store, first["LoadBalancerArn"])["State"] == {"Code": "active"}  # type: ignore[index]
    assert b.generation(store) > before
    assert not b.set_load_balancer_state(store, "arn:nope", "active")
    assert b.load_balancer_attribute(first, "idle_timeout.timeout_seconds") == "60"
    b.delete_load_balancer(store, first["LoadBalancerArn"])
    assert b.address_of(_lb(store, "three")) == "127.77.0.3"  # not reused at once


def test_target_group_attributes_have_aws_defaults(store: SqliteStore) -> None:
    http, tcp = _tg(store, "web"), _tg(store, "raw", "TCP")
    assert b.deregistration_delay(http) == 300
    assert b.target_group_attribute(http, "load_balancing.algorithm.type") == "round_robin"
    assert b.target_group_attribute(tcp, "stickiness.type") == "source_ip"
    http[b.INTERNAL]["attributes"]["deregistration_delay.timeout_seconds"] = "0"
    b.save_target_group(store, http)
    assert b.deregistration_delay(b.target_group_named(store, SCOPE, "WEB")) == 0  # type: ignore[arg-type]
    target = b.new_target(http["TargetGroupArn"], "10.0.0.5", 8080)
    assert b.traffic_port(http, target) == 8080 and b.health_check_port(http, target) == 8080
    http["HealthCheckPort"] = "9000"
    assert b.health_check_port(http, target) == 9000


def test_rules_in_priority_order_and_forward_groups(store: SqliteStore) -> None:
    lb, web, api = _lb(store, "lb"), _tg(store, "web"), _tg(store, "api")
    listener = {
        "ListenerArn": b.listener_arn(lb["LoadBalancerArn"], b.new_id()),
        "LoadBalancerArn": lb["LoadBalancerArn"],
        "Port": 80,
        "Protocol": "HTTP",
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": web["TargetGroupArn"]}],
        b.INTERNAL: {"account": SCOPE.account, "region": SCOPE.region},
    }
    b.save_listener(store, listener)
    arn = listener["ListenerArn"]
    internal = {"listener": arn, "account": SCOPE.account, "region": SCOPE.region}
    default = {
        "RuleArn": b.rule_arn(arn, "d"),
        "Priority": "default",
        "IsDefault": True,
        "Conditions": [],
        "Actions": listener["DefaultActions"],
        b.INTERNAL: internal,
    }
    weighted = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": api["TargetGroupArn"], "Weight": 3},
                {"TargetGroupArn": web["TargetGroupArn"]},
            ]
        },
    }
    r10 = {
        "RuleArn": b.rule_arn(arn, "a"),
        "Priority": "10",
        "IsDefault": False,
        "Actions": [weighted],
        "Conditions": [{"Field": "path-pattern", "Values": ["/quote*"]}],
        b.INTERNAL: internal,
    }
    r2 = {**r10, "RuleArn": b.rule_arn(arn, "b"), "Priority": "2", "Actions": [{"Type": "fixed-response"}]}
    for rule in (default, r10, r2):
        b.save_rule(store, rule)
    assert [r["Priority"] for r in b.rules_of(store, arn)] == ["2", "10", "default"]
    assert b.forward_groups(weighted) == [(api["TargetGroupArn"], 3), (web["TargetGroupArn"], 1)]
    assert b.forward_groups({"Type": "redirect"}) == []
    assert b.balancers_of_target_group(store, api["TargetGroupArn"]) == [lb["LoadBalancerArn"]]
    b.delete_rule(store, r10["RuleArn"])
    assert b.balancers_of_target_group(store, api["TargetGroupArn"]) == []
    assert b.balancers_of_target_group(store, web["TargetGroupArn"]) == [lb["LoadBalancerArn"]]
    b.save_tags(store, arn, [{"Key": "k", "Value": "v"}])
    b.delete_load_balancer(store, lb["LoadBalancerArn"])
    assert b.listeners_of(store, lb["LoadBalancerArn"]) == [] and b.rules_of(store, arn) == []
    assert b.tags_of(store, arn) == []


def test_targets_register_report_health_drain_and_expire(store: SqliteStore) -> None:
    tg = _tg(store, "web")
    arn = tg["TargetGroupArn"]
    b.save_target(store, b.new_target(arn, "10.0.0.5", 8080, "eu-west-1a"))
    b.save_target(store, b.new_target(arn, "10.0.0.6", 8080))
    (first, _) = sorted(b.targets_of(store, arn), key=lambda t: t["id"])
    assert first["health"] == {
        "state": "initial",
        "reason": "Elb.RegistrationInProgress",
        "description": "Target registration is in progress",
    }
    before = b.generation(store)
    changed = b.set_health(store, arn, "10.0.0.5", 8080, "unhealthy", "Target.ResponseCodeMismatch", "404")
    assert changed is not None
    assert changed["health"]["description"] == "Health checks failed with these codes: [404]"
    assert b.generation(store) == before  # health is no structural change
    assert b.set_health(store, arn, "10.9.9.9", 1, "healthy") is None
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    b.start_draining(store, arn, "10.0.0.5", 8080, t0 + dt.timedelta(seconds=5))
    assert b.load_target(store, arn, "10.0.0.5", 8080)["state"] == "draining"  # type: ignore[index]
    assert b.expire_drained(store, t0) == []
    gone = b.expire_drained(store, t0 + dt.timedelta(seconds=5))
    assert [t["id"] for t in gone] == ["10.0.0.5"]
    assert [t["id"] for t in b.targets_of(store, arn)] == ["10.0.0.6"]
    assert b.remove_target(store, arn, "10.0.0.6", 8080) and not b.remove_target(store, arn, "10.0.0.6", 8080)
    b.save_target(store, b.new_target(arn, "10.0.0.7", 80))
    b.delete_target_group(store, arn)
    assert b.targets_of(store, arn) == [] and b.load_target_group(store, arn) is None
