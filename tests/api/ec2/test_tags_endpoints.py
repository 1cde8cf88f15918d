"""Tags on any resource, prefix lists, VPC endpoints and network interfaces through boto3."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import assert_error


def test_tags(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    mark = uuid.uuid4().hex[:8]
    ec2.create_tags(
        Resources=[vpc_id, subnet_id], Tags=[{"Key": mark, "Value": "1"}, {"Key": "Name", "Value": "x"}]
    )
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": mark, "Value": "2"}])
    described = ec2.describe_tags(Filters=[{"Name": "key", "Values": [mark]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"], t["Value"]) for t in described) == sorted(
        [(vpc_id, "vpc", "2"), (subnet_id, "subnet", "1")]
    )
    by_type = ec2.describe_tags(
        Filters=[{"Name": "key", "Values": [mark]}, {"Name": "resource-type", "Values": ["subnet"]}]
    )
    assert [t["ResourceId"] for t in by_type["Tags"]] == [subnet_id]
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": mark, "Value": "wrong"}])
    assert {"Key": mark, "Value": "2"} in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"]
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": mark}])
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"] == [{"Key": "Name", "Value": "x"}]
    ec2.delete_tags(Resources=[vpc_id])
    assert "Tags" not in ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]

    with pytest.raises(ClientError) as info:
        ec2.create_tags(Resources=["vpc-00000000000000000"], Tags=[{"Key": "a", "Value": "b"}])
    assert_error(info, "InvalidVpcID.NotFound")
    with pytest.raises(ClientError) as info:
        ec2.create_tags(Resources=["not-an-id"], Tags=[{"Key": "a", "Value": "b"}])
    assert_error(info, "InvalidID")
    with pytest.raises(ClientError) as info:
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "aws:reserved", "Value": "b"}])
    assert_error(info, "InvalidParameterValue")


def test_prefix_lists(client_factory: Any) -> None:
    ec2 = client_factory("ec2", region="eu-central-1")
    lists = ec2.describe_prefix_lists()["PrefixLists"]
    assert sorted(p["PrefixListName"] for p in lists) == [
        "com.amazonaws.eu-central-1.dynamodb",
        "com.amazonaws.eu-central-1.s3",
    ]
    assert all(p["PrefixListId"].startswith("pl-") for p in lists)
    with pytest.raises(ClientError) as info:
        ec2.describe_prefix_lists(PrefixListIds=["pl-00000000"])
    assert_error(info, "InvalidPrefixListID.NotFound")


def test_vpc_endpoints(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.5.0/24")["Subnet"]["SubnetId"]
    (main,) = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    gateway = ec2.create_vpc_endpoint(
        VpcEndpointType="Gateway",
        VpcId=vpc_id,
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=[main["RouteTableId"]],
    )["VpcEndpoint"]
    assert gateway["VpcEndpointId"].startswith("vpce-")
    assert gateway["State"] == "available"
    assert gateway["RouteTableIds"] == [main["RouteTableId"]]
    routes = ec2.describe_route_tables(RouteTableIds=[main["RouteTableId"]])["RouteTables"][0]["Routes"]
    assert routes[-1]["GatewayId"] == gateway["VpcEndpointId"]
    assert routes[-1]["DestinationPrefixListId"].startswith("pl-")

    with pytest.raises(ClientError) as info:
        ec2.create_vpc_endpoint(
            VpcEndpointType="Interface",
            VpcId=vpc_id,
            ServiceName="com.amazonaws.us-east-1.logs",
            SubnetIds=[subnet_id],
        )
    assert_error(info, "InvalidParameter")  # private DNS needs the VPC's DNS attributes
    interface = ec2.create_vpc_endpoint(
        VpcEndpointType="Interface",
        VpcId=vpc_id,
        ServiceName="com.amazonaws.us-east-1.logs",
        SubnetIds=[subnet_id],
        PrivateDnsEnabled=False,
    )["VpcEndpoint"]
    (eni_id,) = interface["NetworkInterfaceIds"]
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    assert eni["SubnetId"] == subnet_id and eni["VpcId"] == vpc_id
    assert eni["PrivateIpAddress"] == "10.0.5.4"
    assert eni["Groups"][0]["GroupName"] == "default"
    assert eni["TagSet"] == []
    assert ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"] == 250

    found = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "vpc-endpoint-type", "Values": ["Gateway"]}]
    )["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in found] == [gateway["VpcEndpointId"]]
    found = ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name", "Values": ["*.logs"]}])[
        "VpcEndpoints"
    ]
    assert interface["VpcEndpointId"] in {e["VpcEndpointId"] for e in found}

    with pytest.raises(ClientError) as info:
        ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName="com.amazonaws.us-east-1.nothing")
    assert_error(info, "InvalidServiceName")
    with pytest.raises(ClientError) as info:
        ec2.delete_subnet(SubnetId=subnet_id)
    assert_error(info, "DependencyViolation")
    with pytest.raises(ClientError) as info:
        ec2.delete_vpc(VpcId=vpc_id)
    assert_error(info, "DependencyViolation")

    reply = ec2.delete_vpc_endpoints(
        VpcEndpointIds=[gateway["VpcEndpointId"], interface["VpcEndpointId"], "vpce-00000000000000000"]
    )
    assert [u["ResourceId"] for u in reply["Unsuccessful"]] == ["vpce-00000000000000000"]
    assert (
        ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])[
            "NetworkInterfaces"
        ]
        == []
    )
    routes = ec2.describe_route_tables(RouteTableIds=[main["RouteTableId"]])["RouteTables"][0]["Routes"]
    assert [r["GatewayId"] for r in routes] == ["local"]
    with pytest.raises(ClientError) as info:
        ec2.describe_vpc_endpoints(VpcEndpointIds=[gateway["VpcEndpointId"]])
    assert_error(info, "InvalidVpcEndpointId.NotFound")
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)
