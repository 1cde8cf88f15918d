"""VPCs and subnets through real boto3: create, describe with ids and filters, errors, delete."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import assert_error


def new_vpc(ec2: Any, cidr: str = "10.0.0.0/16", **kwargs: Any) -> dict[str, Any]:
    return dict(ec2.create_vpc(CidrBlock=cidr, **kwargs)["Vpc"])


def test_create_vpc(ec2: Any) -> None:
    vpc = new_vpc(
        ec2,
        "10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "demo"}]}],
    )
    assert vpc["VpcId"].startswith("vpc-") and len(vpc["VpcId"]) == 21
    assert vpc["CidrBlock"] == "10.1.0.0/16"
    assert vpc["IsDefault"] is False
    assert vpc["InstanceTenancy"] == "default"
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}
    assert vpc["Tags"] == [{"Key": "Name", "Value": "demo"}]
    (described,) = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
    assert described == vpc
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    assert [g["GroupName"] for g in groups["SecurityGroups"]] == ["default"]
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    assert len(tables) == 1
    assert tables[0]["Routes"] == [
        {
            "DestinationCidrBlock": "10.1.0.0/16",
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
    ]


def test_vpc_filters_with_wildcards(ec2: Any) -> None:
    mark = uuid.uuid4().hex[:8]
    first = new_vpc(
        ec2,
        "10.20.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "run", "Value": f"{mark}-a"}]}],
    )
    second = new_vpc(
        ec2,
        "10.21.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "run", "Value": f"{mark}-b"}]}],
    )

    def ids(filters: list[dict[str, Any]]) -> set[str]:
        return {v["VpcId"] for v in ec2.describe_vpcs(Filters=filters)["Vpcs"]}

    assert ids([{"Name": "tag:run", "Values": [f"{mark}-*"]}]) == {first["VpcId"], second["VpcId"]}
    assert ids(
        [{"Name": "tag:run", "Values": [f"{mark}-?"]}, {"Name": "cidr-block", "Values": ["10.21.*"]}]
    ) == {second["VpcId"]}
    assert ids(
        [{"Name": "vpc-id", "Values": [first["VpcId"]]}, {"Name": "state", "Values": ["available"]}]
    ) == {first["VpcId"]}
    assert first["VpcId"] not in ids([{"Name": "is-default", "Values": ["true"]}])
    with pytest.raises(ClientError) as info:
        ec2.describe_vpcs(Filters=[{"Name": "colour", "Values": ["blue"]}])
    assert_error(info, "InvalidParameterValue", "The filter 'colour' is invalid")


def test_vpc_errors(ec2: Any) -> None:
    with pytest.raises(ClientError) as info:
        ec2.describe_vpcs(VpcIds=["vpc-00000000000000000"])
    assert_error(info, "InvalidVpcID.NotFound", "The vpc ID 'vpc-00000000000000000' does not exist")
    with pytest.raises(ClientError) as info:
        ec2.delete_vpc(VpcId="vpc-00000000000000000")
    assert_error(info, "InvalidVpcID.NotFound")
    with pytest.raises(ClientError) as info:
        ec2.create_vpc(CidrBlock="10.0.0.0/33")
    assert_error(
        info,
        "InvalidParameterValue",
        "Value (10.0.0.0/33) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
    )
    with pytest.raises(ClientError) as info:
        ec2.create_vpc(CidrBlock="10.0.0.0/12")
    assert_error(info, "InvalidVpc.Range", "The CIDR '10.0.0.0/12' is invalid.")
    with pytest.raises(ClientError) as info:
        ec2.create_vpc(CidrBlock="10.0.0.0/16", DryRun=True)
    assert info.value.response["Error"]["Code"] == "DryRunOperation"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


def test_vpc_attributes(ec2: Any) -> None:
    vpc_id = new_vpc(ec2)["VpcId"]
    attribute = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert attribute["EnableDnsHostnames"] == {"Value": False}
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"] == {
        "Value": True
    }
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"] == {
        "Value": True
    }


def test_subnets(ec2: Any) -> None:
    vpc_id = new_vpc(ec2, "10.30.0.0/16")["VpcId"]
    first = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.0.0/24")["Subnet"]
    assert first["AvailabilityZone"] == "us-east-1a"  # the first zone by default
    assert first["AvailableIpAddressCount"] == 251
    assert first["DefaultForAz"] is False and first["MapPublicIpOnLaunch"] is False
    assert first["SubnetArn"] == f"arn:aws:ec2:us-east-1:000000000000:subnet/{first['SubnetId']}"
    second = ec2.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.30.1.0/24",
        AvailabilityZoneId="use1-az3",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "tier", "Value": "private"}]}],
    )["Subnet"]
    assert second["AvailabilityZone"] == "us-east-1c"
    assert second["Tags"] == [{"Key": "tier", "Value": "private"}]

    def ids(**kwargs: Any) -> list[str]:
        return [s["SubnetId"] for s in ec2.describe_subnets(**kwargs)["Subnets"]]

    mine = [{"Name": "vpc-id", "Values": [vpc_id]}]
    assert ids(Filters=mine) == [first["SubnetId"], second["SubnetId"]]
    assert ids(Filters=[*mine, {"Name": "availability-zone", "Values": ["us-east-1c"]}]) == [
        second["SubnetId"]
    ]
    assert ids(Filters=[*mine, {"Name": "cidr-block", "Values": ["10.30.0.*"]}]) == [first["SubnetId"]]
    assert ids(Filters=[*mine, {"Name": "tag-key", "Values": ["tier"]}]) == [second["SubnetId"]]
    assert ids(SubnetIds=[second["SubnetId"]]) == [second["SubnetId"]]

    ec2.modify_subnet_attribute(SubnetId=first["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    assert ids(Filters=[*mine, {"Name": "map-public-ip-on-launch", "Values": ["true"]}]) == [
        first["SubnetId"]
    ]

    with pytest.raises(ClientError) as info:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.0.128/25")
    assert_error(info, "InvalidSubnet.Conflict", "The CIDR '10.30.0.128/25' conflicts with another subnet")
    with pytest.raises(ClientError) as info:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.31.0.0/24")
    assert_error(info, "InvalidSubnet.Range", "The CIDR '10.31.0.0/24' is invalid.")
    with pytest.raises(ClientError) as info:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.9.0/24", AvailabilityZone="us-east-1z")
    assert_error(info, "InvalidParameterValue")
    with pytest.raises(ClientError) as info:
        ec2.create_subnet(VpcId="vpc-00000000000000000", CidrBlock="10.30.9.0/24")
    assert_error(info, "InvalidVpcID.NotFound")
    with pytest.raises(ClientError) as info:
        ec2.describe_subnets(SubnetIds=["subnet-00000000000000000"])
    assert_error(info, "InvalidSubnetID.NotFound", "The subnet ID 'subnet-00000000000000000' does not exist")

    with pytest.raises(ClientError) as info:
        ec2.delete_vpc(VpcId=vpc_id)
    assert_error(info, "DependencyViolation", f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
    ec2.delete_subnet(SubnetId=first["SubnetId"])
    ec2.delete_subnet(SubnetId=second["SubnetId"])
    with pytest.raises(ClientError) as info:
        ec2.delete_subnet(SubnetId=second["SubnetId"])
    assert_error(info, "InvalidSubnetID.NotFound")
    ec2.delete_vpc(VpcId=vpc_id)
    with pytest.raises(ClientError) as info:
        ec2.describe_vpcs(VpcIds=[vpc_id])
    assert_error(info, "InvalidVpcID.NotFound")


def test_pagination(ec2: Any) -> None:
    seen: list[str] = []
    kwargs: dict[str, Any] = {"MaxResults": 5}
    while True:
        reply = ec2.describe_subnets(**kwargs)
        assert len(reply["Subnets"]) <= 5
        seen.extend(s["SubnetId"] for s in reply["Subnets"])
        if not reply.get("NextToken"):
            break
        kwargs["NextToken"] = reply["NextToken"]
    assert len(seen) == len(set(seen)) >= 6
    assert set(seen) == {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
