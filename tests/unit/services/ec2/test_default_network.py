"""The default network: made once per region, on first use, with AWS's shape."""

from __future__ import annotations

from pathlib import Path

from skiff.services.ec2.backend import Ec2Backend
from skiff.services.ec2.zones import region_code, zones
from skiff.state.scope import Scope
from skiff.store import SqliteStore

from .conftest import ACCOUNT


def test_default_vpc_has_aws_shape(ec2: Ec2Backend, scope: Scope) -> None:
    vpc = ec2.ensure_default_vpc(scope)
    assert vpc is not None
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    assert vpc["IsDefault"] is True
    assert vpc["State"] == "available"
    assert vpc["InstanceTenancy"] == "default"
    assert vpc["OwnerId"] == ACCOUNT
    assert vpc["DhcpOptionsId"].startswith("dopt-")
    assert len(vpc["VpcId"]) == len("vpc-") + 17
    assert not any(key.startswith("_") for key in vpc)


def test_one_default_subnet_per_zone(ec2: Ec2Backend, scope: Scope) -> None:
    vpc = ec2.ensure_default_vpc(scope)
    assert vpc is not None
    subnets = ec2.subnets.describe(scope, None, [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    assert [s["AvailabilityZone"] for s in subnets] == [f"us-east-1{c}" for c in "abcdef"]
    assert [s["AvailabilityZoneId"] for s in subnets] == [f"use1-az{n}" for n in range(1, 7)]
    assert [s["CidrBlock"] for s in subnets] == [f"172.31.{16 * n}.0/20" for n in range(6)]
    assert all(s["DefaultForAz"] and s["MapPublicIpOnLaunch"] for s in subnets)
    assert all(s["AvailableIpAddressCount"] == 4091 for s in subnets)
    assert ec2.default_subnet_ids(scope) == [s["SubnetId"] for s in subnets]


def test_default_security_group(ec2: Ec2Backend, scope: Scope) -> None:
    vpc = ec2.ensure_default_vpc(scope)
    assert vpc is not None
    (group,) = ec2.groups.describe(scope, None, None, [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    assert group["GroupName"] == "default"
    assert group["Description"] == "default VPC security group"
    assert group["IpPermissions"] == [
        {
            "IpProtocol": "-1",
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [{"UserId": ACCOUNT, "GroupId": group["GroupId"]}],
        }
    ]
    assert group["IpPermissionsEgress"] == [
        {
            "IpProtocol": "-1",
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]


def test_default_vpc_routes_to_an_attached_internet_gateway(ec2: Ec2Backend, scope: Scope) -> None:
    vpc = ec2.ensure_default_vpc(scope)
    assert vpc is not None
    (gateway,) = ec2.gateways.describe(scope, None, [{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])
    (table,) = ec2.route_tables.describe(scope, None, [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])
    assert table["Associations"][0]["Main"] is True
    assert [(r.get("DestinationCidrBlock"), r["GatewayId"], r["State"]) for r in table["Routes"]] == [
        ("172.31.0.0/16", "local", "active"),
        ("0.0.0.0/0", gateway["InternetGatewayId"], "active"),
    ]


def test_made_once_and_stable(ec2: Ec2Backend, scope: Scope, store: SqliteStore) -> None:
    first = ec2.ensure_default_vpc(scope)
    assert ec2.ensure_default_vpc(scope) == first
    other = Ec2Backend(store)  # another backend over the same store (as ECS has)
    assert other.ensure_default_vpc(scope) == first
    assert len(ec2.vpcs.describe(scope, None, None)) == 1
    assert len(ec2.subnets.describe(scope, None, None)) == 6


def test_survives_a_restart(tmp_path: Path, scope: Scope) -> None:
    store = SqliteStore(tmp_path / "r.db")
    first = Ec2Backend(store).ensure_default_vpc(scope)
    subnet_ids = Ec2Backend(store).default_subnet_ids(scope)
    store.close()
    store = SqliteStore(tmp_path / "r.db")
    again = Ec2Backend(store)
    assert again.ensure_default_vpc(scope) == first
    assert again.default_subnet_ids(scope) == subnet_ids
    store.close()


def test_each_region_and_account_has_its_own(ec2: Ec2Backend) -> None:
    east = ec2.ensure_default_vpc(Scope(ACCOUNT, "us-east-1"))
    paris = ec2.ensure_default_vpc(Scope(ACCOUNT, "eu-west-3"))
    other_account = ec2.ensure_default_vpc(Scope("111111111111", "us-east-1"))
    assert east and paris and other_account
    assert len({east["VpcId"], paris["VpcId"], other_account["VpcId"]}) == 3
    assert other_account["OwnerId"] == "111111111111"
    subnets = ec2.subnets.describe(Scope(ACCOUNT, "eu-west-3"), None, None)
    assert [(s["AvailabilityZone"], s["AvailabilityZoneId"]) for s in subnets] == [
        ("eu-west-3a", "euw3-az1"),
        ("eu-west-3b", "euw3-az2"),
        ("eu-west-3c", "euw3-az3"),
    ]


def test_a_deleted_default_vpc_is_not_made_again(ec2: Ec2Backend, scope: Scope) -> None:
    vpc = ec2.ensure_default_vpc(scope)
    assert vpc is not None
    for subnet_id in ec2.default_subnet_ids(scope):
        ec2.delete_subnet(scope, subnet_id)
    (gateway,) = ec2.gateways.attached_to(scope, vpc["VpcId"])
    ec2.gateways.detach(scope, gateway["InternetGatewayId"], vpc["VpcId"])
    ec2.delete_vpc(scope, vpc["VpcId"])
    assert Ec2Backend(ec2.store).ensure_default_vpc(scope) is None
    assert ec2.vpcs.account_attributes(scope, ["default-vpc"]) == [
        {"AttributeName": "default-vpc", "AttributeValues": [{"AttributeValue": "none"}]}
    ]


def test_zone_names_and_ids() -> None:
    assert region_code("us-east-1") == "use1"
    assert region_code("ap-southeast-2") == "apse2"
    assert region_code("eu-central-1") == "euc1"
    assert region_code("us-gov-west-1") == "usgw1"
    assert [z.name for z in zones("us-east-1")] == [f"us-east-1{c}" for c in "abcdef"]
    assert [z.zone_id for z in zones("ap-northeast-1")] == ["apne1-az1", "apne1-az2", "apne1-az3"]
