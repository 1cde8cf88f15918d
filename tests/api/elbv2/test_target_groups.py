"""Target groups, targets and their health through boto3: defaults, checks, attributes, draining,
the group in use, and the reason codes DescribeTargetHealth reports."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _group(elb: Any, network: dict[str, Any], name: str, **extra: Any) -> dict[str, Any]:
    params = {
        "Name": name,
        "Protocol": "HTTP",
        "Port": 80,
        "TargetType": "ip",
        "VpcId": network["vpc"],
        **extra,
    }
    group: dict[str, Any] = elb.create_target_group(**params)["TargetGroups"][0]
    return group


def _ip(network: dict[str, Any], host: int) -> str:
    base = network["subnets"][0]["CidrBlock"].split("/")[0].rsplit(".", 1)[0]
    return f"{base}.{host}"


def test_health_check_defaults_follow_the_protocol(elb: Any, network: dict[str, Any]) -> None:
    http = _group(elb, network, "web-tg")
    assert http["TargetGroupArn"].split(":")[5].startswith("targetgroup/web-tg/")
    assert {k: http[k] for k in ("HealthCheckProtocol", "HealthCheckPort", "HealthCheckPath", "Matcher")} == {
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckPath": "/",
        "Matcher": {"HttpCode": "200"},
    }
    assert (http["HealthCheckIntervalSeconds"], http["HealthCheckTimeoutSeconds"]) == (30, 5)
    assert (http["HealthyThresholdCount"], http["UnhealthyThresholdCount"]) == (5, 2)
    assert http["LoadBalancerArns"] == [] and http["ProtocolVersion"] == "HTTP1"
    tcp = _group(elb, network, "tcp-tg", Protocol="TCP", Port=5432)
    assert (tcp["HealthCheckProtocol"], tcp["HealthCheckTimeoutSeconds"]) == ("TCP", 10)
    assert "HealthCheckPath" not in tcp and "Matcher" not in tcp
    assert _group(elb, network, "web-tg")["TargetGroupArn"] == http["TargetGroupArn"]
    with pytest.raises(ClientError) as excinfo:
        _group(elb, network, "web-tg", Port=8080)
    assert _error(excinfo) == (
        "DuplicateTargetGroupName",
        "A target group with the same name 'web-tg' exists, but with different settings",
    )
    modified = elb.modify_target_group(
        TargetGroupArn=http["TargetGroupArn"], HealthCheckPath="/health", Matcher={"HttpCode": "200-299"},
        HealthCheckIntervalSeconds=10, HealthCheckTimeoutSeconds=3,
    )["TargetGroups"][0]  # fmt: skip
    assert (modified["HealthCheckPath"], modified["Matcher"]) == ("/health", {"HttpCode": "200-299"})
    for params, message in [
        ({"HealthCheckTimeoutSeconds": 20, "HealthCheckIntervalSeconds": 10},
         "Health check interval must be greater than the timeout."),
        ({"HealthCheckPath": "health"}, "Health check path must begin with a '/' character"),
        ({"Matcher": {"HttpCode": "600"}},
         "Health check matcher HTTP code '600' must be within '200-499' range"),
    ]:  # fmt: skip
        with pytest.raises(ClientError) as excinfo:
            elb.modify_target_group(TargetGroupArn=http["TargetGroupArn"], **params)
        assert _error(excinfo) == ("ValidationError", message)
    with pytest.raises(ClientError) as excinfo:
        elb.create_target_group(Name="no-vpc", Protocol="HTTP", Port=80, TargetType="ip")
    assert _error(excinfo) == ("ValidationError", "A VPC ID must be specified")
    missing = http["TargetGroupArn"][:-16] + "0123456789abcdef"
    with pytest.raises(ClientError) as excinfo:
        elb.describe_target_groups(TargetGroupArns=[missing])
    assert _error(excinfo) == ("TargetGroupNotFound", "One or more target groups not found")


def test_attributes_have_aws_defaults_and_ranges(elb: Any, network: dict[str, Any]) -> None:
    arn = _group(elb, network, "attr-tg")["TargetGroupArn"]
    values = {
        a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
    }
    assert values["deregistration_delay.timeout_seconds"] == "300"
    assert (values["stickiness.enabled"], values["stickiness.type"]) == ("false", "lb_cookie")
    assert (
        values["load_balancing.algorithm.type"] == "round_robin"
        and values["slow_start.duration_seconds"] == "0"
    )
    changed = elb.modify_target_group_attributes(
        TargetGroupArn=arn,
        Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"},
            {"Key": "load_balancing.algorithm.type", "Value": "least_outstanding_requests"},
            {"Key": "stickiness.enabled", "Value": "true"},
        ],
    )["Attributes"]
    assert {"Key": "deregistration_delay.timeout_seconds", "Value": "5"} in changed
    for key, value in [("deregistration_delay.timeout_seconds", "3601"), ("stickiness.type", "source_ip")]:
        with pytest.raises(ClientError) as excinfo:
            elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[{"Key": key, "Value": value}])
        assert _error(excinfo)[0] == "ValidationError"
    with pytest.raises(ClientError) as excinfo:  # slow start and least outstanding requests do not mix
        elb.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": "slow_start.duration_seconds", "Value": "60"}]
        )
    assert _error(excinfo)[0] == "InvalidConfigurationRequest"


def test_targets_register_report_health_and_drain(elb: Any, network: dict[str, Any]) -> None:
    group = _group(elb, network, "drain-tg")
    arn = group["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "2"}]
    )
    first, second = _ip(network, 10), _ip(network, 11)
    elb.register_targets(
        TargetGroupArn=arn, Targets=[{"Id": first, "Port": 8080}, {"Id": second, "Port": 8080}]
    )
    health = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert [h["Target"]["Id"] for h in health] == sorted([first, second])
    assert health[0]["Target"]["AvailabilityZone"] == network["subnets"][0]["AvailabilityZone"]
    assert health[0]["HealthCheckPort"] == "8080"
    assert health[0]["TargetHealth"] == {
        "State": "unused",
        "Reason": "Target.NotInUse",
        "Description": "Target group is not configured to receive traffic from the load balancer",
    }
    subnets = [s["SubnetId"] for s in network["subnets"][:2]]
    lb = elb.create_load_balancer(Name="drain-lb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    listener = elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
    )["Listeners"][0]["ListenerArn"]
    assert elb.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]["LoadBalancerArns"] == [lb]
    health = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert health[0]["TargetHealth"] == {
        "State": "initial",
        "Reason": "Elb.RegistrationInProgress",
        "Description": "Target registration is in progress",
    }
    with pytest.raises(ClientError) as excinfo:
        elb.delete_target_group(TargetGroupArn=arn)
    assert _error(excinfo) == (
        "ResourceInUse",
        f"Target group '{arn}' is currently in use by a listener or a rule",
    )
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": first, "Port": 8080}])
    draining = elb.describe_target_health(TargetGroupArn=arn, Targets=[{"Id": first, "Port": 8080}])
    assert draining["TargetHealthDescriptions"][0]["TargetHealth"] == {
        "State": "draining",
        "Reason": "Target.DeregistrationInProgress",
        "Description": "Target deregistration is in progress",
    }
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
        if [h["Target"]["Id"] for h in found] == [second]:
            break
        time.sleep(0.25)
    assert [h["Target"]["Id"] for h in found] == [second]
    gone = elb.describe_target_health(TargetGroupArn=arn, Targets=[{"Id": first, "Port": 8080}])
    assert gone["TargetHealthDescriptions"][0]["TargetHealth"] == {
        "State": "unused",
        "Reason": "Target.NotRegistered",
        "Description": "Target is not registered to the target group",
    }
    elb.delete_listener(ListenerArn=listener)
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": second}])  # not in use: gone at once
    assert elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"] == []
    elb.delete_target_group(TargetGroupArn=arn)
    elb.delete_target_group(TargetGroupArn=arn)  # gone already: still a success
    elb.delete_load_balancer(LoadBalancerArn=lb)


def test_targets_must_be_addresses_elb_can_reach(elb: Any, network: dict[str, Any]) -> None:
    arn = _group(elb, network, "reach-tg")["TargetGroupArn"]
    cases = [
        ({"Id": "10.99.0.1"}, "ValidationError",
         "The Availability Zone is required for IP address '10.99.0.1' because it is not in the VPC"),
        ({"Id": "8.8.8.8", "AvailabilityZone": "all"}, "InvalidTarget",
         "The IP address '8.8.8.8' is outside the VPC and is not a private address"),
        ({"Id": "127.0.0.1"}, "InvalidTarget", "The IP address '127.0.0.1' cannot be used as a target"),
        ({"Id": "i-0123456789abcdef0"}, "ValidationError",
         "The IP address 'i-0123456789abcdef0' is not a valid IPv4 address"),
    ]  # fmt: skip
    for target, code, message in cases:
        with pytest.raises(ClientError) as excinfo:
            elb.register_targets(TargetGroupArn=arn, Targets=[target])
        assert _error(excinfo) == (code, message)
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.99.0.1", "AvailabilityZone": "all"}])
    (target,) = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert target["Target"] == {"Id": "10.99.0.1", "Port": 80, "AvailabilityZone": "all"}
    with pytest.raises(ClientError) as excinfo:
        elb.register_targets(
            TargetGroupArn=arn, Targets=[{"Id": _ip(network, 7), "Port": 1000 + i} for i in range(1001)]
        )
    assert _error(excinfo) == ("TooManyTargets", "You've reached the limit on the number of targets.")
    instances = _group(elb, network, "instance-tg", TargetType="instance")["TargetGroupArn"]
    with pytest.raises(ClientError) as excinfo:
        elb.register_targets(TargetGroupArn=instances, Targets=[{"Id": "i-0123456789abcdef0"}])
    assert _error(excinfo)[0] == "InvalidTarget"
