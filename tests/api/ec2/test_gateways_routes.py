"""Internet gateways and route tables through real boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import assert_error


def test_internet_gateway_lifecycle(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "gw"}]}]
    )["InternetGateway"]
    gateway_id = gateway["InternetGatewayId"]
    assert gateway_id.startswith("igw-") and gateway["Attachments"] == []
    assert gateway["Tags"] == [{"Key": "Name", "Value": "gw"}]
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    found = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    assert [g["InternetGatewayId"] for g in found["InternetGateways"]] == [gateway_id]
    with pytest.raises(ClientError) as info:
        ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert_error(info, "Resource.AlreadyAssociated")
    with pytest.raises(ClientError) as info:
        ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    assert_error(info, "DependencyViolation")
    with pytest.raises(ClientError) as info:
        ec2.delete_vpc(VpcId=vpc_id)
    assert_error(info, "DependencyViolation")
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    with pytest.raises(ClientError) as info:
        ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert_error(info, "Gateway.NotAttached")
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    with pytest.raises(ClientError) as info:
        ec2.describe_internet_gateways(InternetGatewayIds=[gateway_id])
    assert_error(
        info, "InvalidInternetGatewayID.NotFound", f"The internetGateway ID '{gateway_id}' does not exist"
    )
    ec2.delete_vpc(VpcId=vpc_id)


def test_route_tables(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.2.0.0/24")["Subnet"]["SubnetId"]
    gateway_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]
    table_id = table["RouteTableId"]
    assert table_id.startswith("rtb-") and table["Associations"] == []
    with pytest.raises(ClientError) as info:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    assert_error(info, "InvalidParameterValue")  # not attached to this VPC
    ec2.attach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)[
        "Return"
    ]
    with pytest.raises(ClientError) as info:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway_id)
    assert_error(info, "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.")
    association = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    assert association["AssociationId"].startswith("rtbassoc-")
    assert association["AssociationState"] == {"State": "associated"}
    with pytest.raises(ClientError) as info:
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    assert_error(info, "Resource.AlreadyAssociated")
    found = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    (described,) = found["RouteTables"]
    assert described["RouteTableId"] == table_id
    assert described["Routes"][1] == {
        "DestinationCidrBlock": "0.0.0.0/0",
        "GatewayId": gateway_id,
        "Origin": "CreateRoute",
        "State": "active",
    }
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert routes[1]["State"] == "blackhole"
    with pytest.raises(ClientError) as info:
        ec2.delete_route_table(RouteTableId=table_id)
    assert_error(
        info, "DependencyViolation", f"The routeTable '{table_id}' has dependencies and cannot be deleted."
    )
    ec2.disassociate_route_table(AssociationId=association["AssociationId"])
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    ec2.delete_route_table(RouteTableId=table_id)
    with pytest.raises(ClientError) as info:
        ec2.describe_route_tables(RouteTableIds=[table_id])
    assert_error(info, "InvalidRouteTableID.NotFound", f"The routeTable ID '{table_id}' does not exist")
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    with pytest.raises(ClientError) as info:
        ec2.delete_route_table(RouteTableId=main[0]["RouteTableId"])
    assert_error(info, "DependencyViolation")
