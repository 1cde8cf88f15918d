"""The default network through real boto3: present on first call, stable, one per region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def default_vpc(ec2: Any) -> dict[str, Any]:
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return dict(vpc)


def test_default_vpc_exists_and_is_stable(client_factory: Callable[..., Any]) -> None:
    ec2 = client_factory("ec2", region="ca-central-1")
    first = default_vpc(ec2)
    assert first["CidrBlock"] == "172.31.0.0/16"
    assert first["IsDefault"] is True
    assert first["State"] == "available"
    assert first["OwnerId"] == "000000000000"
    assert first["VpcId"].startswith("vpc-") and len(first["VpcId"]) == 21
    assert default_vpc(ec2) == first
    assert ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"] == [first]
    attributes = {
        a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]]
        for a in ec2.describe_account_attributes()["AccountAttributes"]
    }
    assert attributes["supported-platforms"] == ["VPC"]
    assert attributes["default-vpc"] == [first["VpcId"]]


def test_default_subnets_one_per_zone(ec2: Any) -> None:
    vpc = default_vpc(ec2)
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert [s["AvailabilityZone"] for s in subnets] == [f"us-east-1{c}" for c in "abcdef"]
    assert [s["CidrBlock"] for s in subnets] == [f"172.31.{16 * n}.0/20" for n in range(6)]
    assert {s["VpcId"] for s in subnets} == {vpc["VpcId"]}
    assert all(s["MapPublicIpOnLaunch"] and s["State"] == "available" for s in subnets)
    assert all(s["AvailableIpAddressCount"] <= 4091 for s in subnets)
    assert all(s["SubnetId"].startswith("subnet-") and len(s["SubnetId"]) == 24 for s in subnets)
    again = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert [s["SubnetId"] for s in again] == [s["SubnetId"] for s in subnets]
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"], z["State"]) for z in zones] == [
        (f"us-east-1{c}", f"use1-az{n}", "available") for n, c in enumerate("abcdef", 1)
    ]


def test_default_security_group(ec2: Any) -> None:
    vpc = default_vpc(ec2)
    (group,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    assert group["Description"] == "default VPC security group"
    assert group["GroupId"].startswith("sg-") and len(group["GroupId"]) == 20
    assert group["IpPermissions"][0]["IpProtocol"] == "-1"
    assert group["IpPermissions"][0]["UserIdGroupPairs"][0]["GroupId"] == group["GroupId"]
    assert group["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    by_name = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
    assert [g["GroupId"] for g in by_name] == [group["GroupId"]]


def test_regions_have_their_own_default_network(client_factory: Callable[..., Any]) -> None:
    west = client_factory("ec2", region="eu-west-3")
    south = client_factory("ec2", region="ap-southeast-2")
    west_vpc, south_vpc = default_vpc(west), default_vpc(south)
    assert west_vpc["VpcId"] != south_vpc["VpcId"]
    zones = [s["AvailabilityZone"] for s in west.describe_subnets()["Subnets"] if s["DefaultForAz"]]
    assert zones == ["eu-west-3a", "eu-west-3b", "eu-west-3c"]
    ids = [z["ZoneId"] for z in south.describe_availability_zones()["AvailabilityZones"]]
    assert ids == ["apse2-az1", "apse2-az2", "apse2-az3"]
    assert west_vpc["VpcId"] not in {v["VpcId"] for v in south.describe_vpcs()["Vpcs"]}
