"""Load balancers through boto3: creation rules and texts, idempotence, states, subnets, groups,
attributes, tags and pagination."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _subnet_ids(network: dict[str, Any], count: int = 2) -> list[str]:
    return [s["SubnetId"] for s in network["subnets"][:count]]


def test_an_application_load_balancer_is_created_provisioning_then_active(
    elb: Any, network: dict[str, Any]
) -> None:
    created = elb.create_load_balancer(
        Name="web-lb", Subnets=_subnet_ids(network), Tags=[{"Key": "Environment", "Value": "Demo"}]
    )["LoadBalancers"][0]
    arn = created["LoadBalancerArn"]
    assert arn.startswith("arn:aws:elasticloadbalancing:eu-north-1:000000000000:loadbalancer/app/web-lb/")
    assert created["State"]["Code"] == "provisioning"
    assert created["DNSName"].startswith("web-lb-") and created["DNSName"].endswith(
        ".eu-north-1.elb.amazonaws.com"
    )
    assert (created["Type"], created["Scheme"], created["VpcId"]) == (
        "application",
        "internet-facing",
        network["vpc"],
    )
    assert created["SecurityGroups"] == [network["group"]]
    assert [z["SubnetId"] for z in created["AvailabilityZones"]] == _subnet_ids(network)
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[arn], WaiterConfig={"Delay": 1})
    described = elb.describe_load_balancers(Names=["web-lb"])["LoadBalancers"][0]
    assert described["State"] == {"Code": "active"} and described["DNSName"] == created["DNSName"]
    again = elb.create_load_balancer(Name="web-lb", Subnets=_subnet_ids(network))["LoadBalancers"][0]
    assert again["LoadBalancerArn"] == arn  # the same settings: the same balancer
    with pytest.raises(ClientError) as excinfo:
        elb.create_load_balancer(Name="web-lb", Subnets=_subnet_ids(network), Scheme="internal")
    assert _error(excinfo) == (
        "DuplicateLoadBalancerName",
        "A load balancer with the same name 'web-lb' exists, but with different settings",
    )
    tags = elb.describe_tags(ResourceArns=[arn])["TagDescriptions"][0]["Tags"]
    assert tags == [{"Key": "Environment", "Value": "Demo"}]
    internal = elb.create_load_balancer(Name="inside", Subnets=_subnet_ids(network), Scheme="internal")
    assert internal["LoadBalancers"][0]["DNSName"].startswith("internal-inside-")
    elb.delete_load_balancer(LoadBalancerArn=internal["LoadBalancers"][0]["LoadBalancerArn"])


def test_creation_refuses_what_elb_refuses(elb: Any, network: dict[str, Any]) -> None:
    cases = [
        (dict(Name="one-zone", Subnets=_subnet_ids(network, 1)), "ValidationError",
         "At least two subnets in two different Availability Zones must be specified"),
        (dict(Name="no-subnets"), "ValidationError",
         "At least two subnets in two different Availability Zones must be specified"),
        (dict(Name="bad-subnet", Subnets=["subnet-0000000000000000f", _subnet_ids(network)[0]]),
         "SubnetNotFound",
         "The subnet ID 'subnet-0000000000000000f' is not valid"),
        (dict(Name="-dash", Subnets=_subnet_ids(network)), "ValidationError",
         "Load balancer name '-dash' cannot begin or end with '-' character"),
        (dict(Name="internal-x", Subnets=_subnet_ids(network)), "ValidationError",
         "Load balancer name 'internal-x' cannot begin with 'internal-'"),
        (dict(Name="x" * 33, Subnets=_subnet_ids(network)), "ValidationError",
         f"Load balancer name '{'x' * 33}' cannot be longer than '32' characters"),
        (dict(Name="bad-group", Subnets=_subnet_ids(network), SecurityGroups=["sg-0000000000000000f"]),
         "InvalidSecurityGroup", "The security group 'sg-0000000000000000f' does not exist"),
    ]  # fmt: skip
    for params, code, message in cases:
        with pytest.raises(ClientError) as excinfo:
            elb.create_load_balancer(**params)
        assert _error(excinfo) == (code, message), params
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as excinfo:
        elb.describe_load_balancers(
            LoadBalancerArns=[
                "arn:aws:elasticloadbalancing:eu-north-1:000000000000:loadbalancer/app/x/0123456789abcdef"
            ]
        )
    assert _error(excinfo) == ("LoadBalancerNotFound", "One or more load balancers not found")
    with pytest.raises(ClientError) as excinfo:
        elb.describe_load_balancers(Names=["nope"])
    assert _error(excinfo) == ("LoadBalancerNotFound", "Load balancers '[nope]' not found")


def test_a_network_load_balancer_takes_one_subnet_and_no_groups(elb: Any, network: dict[str, Any]) -> None:
    nlb = elb.create_load_balancer(Name="tcp-lb", Type="network", Subnets=_subnet_ids(network, 1))[
        "LoadBalancers"
    ][0]
    assert nlb["LoadBalancerArn"].split(":")[5].startswith("loadbalancer/net/tcp-lb/")
    assert "SecurityGroups" not in nlb
    with pytest.raises(ClientError) as excinfo:
        elb.set_security_groups(LoadBalancerArn=nlb["LoadBalancerArn"], SecurityGroups=[network["group"]])
    assert _error(excinfo)[0] == "ValidationError"
    attributes = {
        a["Key"]: a["Value"]
        for a in elb.describe_load_balancer_attributes(LoadBalancerArn=nlb["LoadBalancerArn"])["Attributes"]
    }
    assert attributes["load_balancing.cross_zone.enabled"] == "false"
    elb.delete_load_balancer(LoadBalancerArn=nlb["LoadBalancerArn"])


def test_subnets_groups_ip_type_and_attributes_change(elb: Any, ec2: Any, network: dict[str, Any]) -> None:
    arn = elb.create_load_balancer(Name="changing", Subnets=_subnet_ids(network))["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    zones = elb.set_subnets(LoadBalancerArn=arn, Subnets=_subnet_ids(network, 3))["AvailabilityZones"]
    assert [z["SubnetId"] for z in zones] == _subnet_ids(network, 3)
    group = ec2.create_security_group(GroupName="lb-sg", Description="lb", VpcId=network["vpc"])["GroupId"]
    assert elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[group])["SecurityGroupIds"] == [group]
    assert (
        elb.set_ip_address_type(LoadBalancerArn=arn, IpAddressType="dualstack")["IpAddressType"]
        == "dualstack"
    )
    described = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    assert (described["SecurityGroups"], described["IpAddressType"]) == ([group], "dualstack")
    defaults = {
        a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    }
    assert (
        defaults["idle_timeout.timeout_seconds"] == "60"
        and defaults["deletion_protection.enabled"] == "false"
    )
    changed = elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[
            {"Key": "idle_timeout.timeout_seconds", "Value": "120"},
            {"Key": "deletion_protection.enabled", "Value": "true"},
        ],
    )["Attributes"]
    assert {"Key": "idle_timeout.timeout_seconds", "Value": "120"} in changed
    with pytest.raises(ClientError) as excinfo:
        elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": "no.such", "Value": "1"}]
        )
    assert _error(excinfo) == ("ValidationError", "Load balancer attribute key 'no.such' is not recognized")
    with pytest.raises(ClientError) as excinfo:
        elb.delete_load_balancer(LoadBalancerArn=arn)
    assert _error(excinfo)[0] == "OperationNotPermitted"
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}]
    )
    elb.delete_load_balancer(LoadBalancerArn=arn)
    with pytest.raises(ClientError) as excinfo:
        elb.describe_load_balancers(LoadBalancerArns=[arn])
    assert _error(excinfo)[0] == "LoadBalancerNotFound"


def test_describe_pages_with_marker_and_page_size(elb: Any, network: dict[str, Any]) -> None:
    names = [f"page-{i}" for i in range(5)]
    for name in names:
        elb.create_load_balancer(Name=name, Subnets=_subnet_ids(network))
    seen: list[str] = []
    for page in elb.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": 2}):
        assert len(page["LoadBalancers"]) <= 2
        seen += [lb["LoadBalancerName"] for lb in page["LoadBalancers"]]
    assert [n for n in seen if n.startswith("page-")] == names
    with pytest.raises(ClientError) as excinfo:
        elb.describe_load_balancers(Marker="not-a-marker")
    assert _error(excinfo)[0] == "ValidationError"
    limits = {limit["Name"]: limit["Max"] for limit in elb.describe_account_limits()["Limits"]}
    assert (
        limits["application-load-balancers"] == "50"
        and limits["targets-per-application-load-balancer"] == "1000"
    )
