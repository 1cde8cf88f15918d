"""Security groups through real boto3: create, both rule forms, rules listing, revoke, errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import assert_error

HTTPS = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def new_group(ec2: Any, vpc_id: str | None = None, **kwargs: Any) -> str:
    if vpc_id is None:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    name = f"g-{uuid.uuid4().hex[:8]}"
    return str(
        ec2.create_security_group(GroupName=name, Description="test", VpcId=vpc_id, **kwargs)["GroupId"]
    )


def group(ec2: Any, group_id: str) -> dict[str, Any]:
    return dict(ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0])


def test_create_and_describe(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    reply = ec2.create_security_group(
        GroupName="web",
        Description="web servers",
        VpcId=vpc_id,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "app", "Value": "web"}]}],
    )
    group_id = reply["GroupId"]
    assert group_id.startswith("sg-") and len(group_id) == 20
    assert reply["Tags"] == [{"Key": "app", "Value": "web"}]
    described = group(ec2, group_id)
    assert described["GroupName"] == "web"
    assert described["Description"] == "web servers"
    assert described["VpcId"] == vpc_id
    assert described["IpPermissions"] == []
    assert described["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    assert described["Tags"] == [{"Key": "app", "Value": "web"}]
    found = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["w*"]}]
    )["SecurityGroups"]
    assert [g["GroupId"] for g in found] == [group_id]

    with pytest.raises(ClientError) as info:
        ec2.create_security_group(GroupName="web", Description="again", VpcId=vpc_id)
    assert_error(
        info, "InvalidGroup.Duplicate", f"The security group 'web' already exists for VPC '{vpc_id}'"
    )
    with pytest.raises(ClientError) as info:
        ec2.create_security_group(GroupName="web", Description="x", VpcId="vpc-00000000000000000")
    assert_error(info, "InvalidVpcID.NotFound")
    with pytest.raises(ClientError) as info:
        ec2.describe_security_groups(GroupIds=["sg-00000000000000000"])
    assert_error(info, "InvalidGroup.NotFound", "The security group 'sg-00000000000000000' does not exist")


def test_old_and_new_rule_forms(ec2: Any) -> None:
    group_id = new_group(ec2)
    old = ec2.authorize_security_group_ingress(
        GroupId=group_id, IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
    )
    assert old["Return"] is True
    (rule,) = old["SecurityGroupRules"]
    assert rule["SecurityGroupRuleId"].startswith("sgr-")
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["CidrIpv4"]) == (
        "tcp",
        80,
        80,
        "0.0.0.0/0",
    )
    assert rule["IsEgress"] is False
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
        ],
    )
    ec2.authorize_security_group_egress(GroupId=group_id, IpPermissions=[HTTPS])
    described = group(ec2, group_id)
    assert [(p["IpProtocol"], p["FromPort"]) for p in described["IpPermissions"]] == [
        ("tcp", 80),
        ("udp", 53),
    ]
    assert described["IpPermissions"][1]["Ipv6Ranges"] == [{"CidrIpv6": "::/0"}]
    assert [p["IpProtocol"] for p in described["IpPermissionsEgress"]] == ["-1", "tcp"]
    found = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.from-port", "Values": ["53"]}])
    assert group_id in {g["GroupId"] for g in found["SecurityGroups"]}

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])
    assert sorted((r["IsEgress"], r["IpProtocol"]) for r in rules["SecurityGroupRules"]) == [
        (False, "tcp"),
        (False, "udp"),
        (True, "-1"),
        (True, "tcp"),
    ]

    with pytest.raises(ClientError) as info:
        ec2.authorize_security_group_ingress(
            GroupId=group_id, IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
        )
    assert_error(
        info,
        "InvalidPermission.Duplicate",
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists',
    )


def test_source_groups_and_prefix_lists(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    app, endpoint = new_group(ec2, vpc_id), new_group(ec2, vpc_id)
    ec2.authorize_security_group_ingress(
        GroupId=endpoint,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [{"GroupId": app}]}
        ],
    )
    (s3,) = ec2.describe_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.us-east-1.s3"]}]
    )["PrefixLists"]
    assert s3["PrefixListId"].startswith("pl-") and s3["Cidrs"]
    ec2.authorize_security_group_egress(
        GroupId=app,
        IpPermissions=[
            {
                **HTTPS,
                "IpRanges": [],
                "PrefixListIds": [{"PrefixListId": s3["PrefixListId"], "Description": "s3"}],
            }
        ],
    )
    pairs = group(ec2, endpoint)["IpPermissions"][0]["UserIdGroupPairs"]
    assert pairs == [{"UserId": "000000000000", "GroupId": app}]
    egress = group(ec2, app)["IpPermissionsEgress"]
    assert egress[1]["PrefixListIds"] == [{"Description": "s3", "PrefixListId": s3["PrefixListId"]}]
    with pytest.raises(ClientError) as info:
        ec2.delete_security_group(GroupId=app)
    assert_error(info, "DependencyViolation", f"resource {app} has a dependent object")
    with pytest.raises(ClientError) as info:
        ec2.authorize_security_group_ingress(
            GroupId=app,
            IpPermissions=[
                {**HTTPS, "IpRanges": [], "UserIdGroupPairs": [{"GroupId": "sg-00000000000000000"}]}
            ],
        )
    assert_error(info, "InvalidGroup.NotFound")


def test_revoke_and_delete(ec2: Any) -> None:
    group_id = new_group(ec2)
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[HTTPS])
    revoked = ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[HTTPS])
    assert revoked["Return"] is True
    assert [r["FromPort"] for r in revoked["RevokedSecurityGroupRules"]] == [443]
    assert group(ec2, group_id)["IpPermissions"] == []
    with pytest.raises(ClientError) as info:
        ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[HTTPS])
    assert_error(info, "InvalidPermission.NotFound")
    (egress,) = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])[
        "SecurityGroupRules"
    ]
    ec2.revoke_security_group_egress(GroupId=group_id, SecurityGroupRuleIds=[egress["SecurityGroupRuleId"]])
    assert group(ec2, group_id)["IpPermissionsEgress"] == []
    assert ec2.delete_security_group(GroupId=group_id)["GroupId"] == group_id
    with pytest.raises(ClientError) as info:
        ec2.delete_security_group(GroupId=group_id)
    assert_error(info, "InvalidGroup.NotFound")


def test_default_group_cannot_be_deleted(ec2: Any) -> None:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    (default,) = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "SecurityGroups"
    ]
    with pytest.raises(ClientError) as info:
        ec2.delete_security_group(GroupId=default["GroupId"])
    assert_error(info, "CannotDelete")
