"""ELBv2 backends without HTTP: actions and conditions in their full form, paging markers, the
zone of a target, and ECS's checks of a service's load balancers."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.ec2.backend import Ec2Backend
from skiff.services.elbv2.actions import check_conditions
from skiff.services.elbv2.ecs_links import load_balancer_checker
from skiff.services.elbv2.paging import page
from skiff.services.elbv2.provider import Elbv2Provider
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("000000000000", "us-east-1")


@pytest.fixture
def elb() -> Elbv2Provider:
    return Elbv2Provider(SqliteStore(":memory:"))


def _world(elb: Elbv2Provider) -> dict[str, Any]:
    ec2: Ec2Backend = elb.load_balancers.network.ec2
    vpc = ec2.ensure_default_vpc(SCOPE)
    assert vpc is not None
    subnets = sorted(ec2.subnets.in_vpc(SCOPE, vpc["VpcId"]), key=lambda s: s["AvailabilityZone"])
    lb = elb.load_balancers.create(SCOPE, {"Name": "lb", "Subnets": [s["SubnetId"] for s in subnets[:2]]})
    group = elb.target_groups.create(
        SCOPE, {"Name": "tg", "Protocol": "HTTP", "Port": 80, "TargetType": "ip", "VpcId": vpc["VpcId"]}
    )
    return {"vpc": vpc, "subnets": subnets, "lb": lb, "tg": group}


def test_conditions_are_written_in_full_and_limited_to_five_values() -> None:
    (path,) = check_conditions([{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/a*", "/b"]}}])
    assert path == {
        "Field": "path-pattern",
        "Values": ["/a*", "/b"],
        "PathPatternConfig": {"Values": ["/a*", "/b"]},
    }
    with pytest.raises(AwsError, match="only have '5' condition values"):
        check_conditions([{"Field": "host-header", "Values": [f"h{i}.example.com" for i in range(6)]}])
    with pytest.raises(AwsError, match="only have one 'path-pattern' condition"):
        check_conditions(
            [{"Field": "path-pattern", "Values": ["/a"]}, {"Field": "path-pattern", "Values": ["/b"]}]
        )
    with pytest.raises(AwsError, match="not a valid CIDR"):
        check_conditions([{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.300/8"]}}])
    headers = check_conditions(
        [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-A", "Values": ["1"]}},
         {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-B", "Values": ["2"]}}]
    )  # fmt: skip
    assert [h["HttpHeaderConfig"]["HttpHeaderName"] for h in headers] == ["X-A", "X-B"]


def test_markers_page_through_and_foreign_markers_are_refused() -> None:
    items = list(range(7))
    first, marker = page(items, {"PageSize": 3})
    second, marker2 = page(items, {"PageSize": 3, "Marker": marker})
    last, end = page(items, {"PageSize": 3, "Marker": marker2})
    assert (first, second, last, end) == ([0, 1, 2], [3, 4, 5], [6], None)
    with pytest.raises(AwsError) as excinfo:
        page(items, {"Marker": "garbage!"})
    assert excinfo.value.code == "ValidationError"


def test_a_target_takes_its_subnets_zone_and_a_group_serves_one_balancer(elb: Elbv2Provider) -> None:
    world = _world(elb)
    arn = world["tg"]["TargetGroupArn"]
    subnet = world["subnets"][1]
    address = str(ipaddress.ip_network(subnet["CidrBlock"]).network_address + 77)
    elb.targets.register(SCOPE, arn, [{"Id": address, "Port": 8080}])
    (target,) = records.targets_of(elb.target_groups.store, arn)
    assert target["zone"] == subnet["AvailabilityZone"]
    forward = [{"Type": "forward", "TargetGroupArn": arn}]
    http = {"Protocol": "HTTP", "Port": 80, "DefaultActions": forward}
    elb.listeners.create(SCOPE, {"LoadBalancerArn": world["lb"]["LoadBalancerArn"], **http})
    other = elb.load_balancers.create(
        SCOPE, {"Name": "other", "Subnets": [s["SubnetId"] for s in world["subnets"][:2]]}
    )
    with pytest.raises(AwsError) as excinfo:
        elb.listeners.create(SCOPE, {"LoadBalancerArn": other["LoadBalancerArn"], **http})
    assert excinfo.value.code == "TargetGroupAssociationLimitException"
    (health,) = elb.targets.health(SCOPE, arn, None, [])
    assert health["TargetHealth"]["Reason"] == "Elb.RegistrationInProgress"
    records.set_health(elb.target_groups.store, arn, address, 8080, "unhealthy", "Target.Timeout")
    (health,) = elb.targets.health(SCOPE, arn, None, [])
    assert health["TargetHealth"] == {
        "State": "unhealthy",
        "Reason": "Target.Timeout",
        "Description": "Request timed out",
    }


def test_ecs_checks_name_the_problem(elb: Elbv2Provider) -> None:
    world = _world(elb)
    check = load_balancer_checker(elb.target_groups)
    definition = {"containerDefinitions": [{"name": "app", "portMappings": [{"containerPort": 8080}]}]}
    arn = world["tg"]["TargetGroupArn"]
    entry = {"targetGroupArn": arn, "containerName": "app", "containerPort": 8080}
    with pytest.raises(AwsError, match="does not have an associated load balancer"):
        check(SCOPE, definition, [entry])
    forward = [{"Type": "forward", "TargetGroupArn": arn}]
    http = {"Protocol": "HTTP", "Port": 80, "DefaultActions": forward}
    elb.listeners.create(SCOPE, {"LoadBalancerArn": world["lb"]["LoadBalancerArn"], **http})
    check(SCOPE, definition, [entry])
    with pytest.raises(AwsError, match="used only once"):
        check(SCOPE, definition, [entry, entry])
    with pytest.raises(AwsError, match="Container Name can not be blank"):
        check(SCOPE, definition, [{**entry, "containerName": ""}])


def test_numbers_in_strings_are_ascii_digits(elb: Elbv2Provider) -> None:
    world = _world(elb)
    arn = world["tg"]["TargetGroupArn"]
    for params in ({"HealthCheckPort": "\u00b2"}, {"Matcher": {"HttpCode": "\u0662\u0660\u0660"}}):
        with pytest.raises(AwsError) as excinfo:
            elb.target_groups.modify(SCOPE, {"TargetGroupArn": arn, **params})
        assert excinfo.value.code == "ValidationError"
    with pytest.raises(AwsError) as excinfo:
        elb.target_groups.modify_attributes(
            SCOPE, arn, [{"Key": "deregistration_delay.timeout_seconds", "Value": "\u0661\u0660"}]
        )
    assert excinfo.value.code == "ValidationError"
