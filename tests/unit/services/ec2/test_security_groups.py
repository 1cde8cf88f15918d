"""Security group rules without HTTP: both request forms, duplicates, revocation, references."""

from __future__ import annotations

from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.ec2.backend import Ec2Backend
from skiff.services.ec2.prefix_lists import prefix_list_id
from skiff.services.ec2.rules import normalize_protocol, permissions_from_params
from skiff.state.scope import Scope
from skiff.store.base import Document

HTTP = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def new_group(ec2: Ec2Backend, scope: Scope, name: str = "web") -> tuple[Document, Document]:
    vpc = ec2.vpcs.require(scope, ec2.create_vpc(scope, "10.0.0.0/16", [], None)["VpcId"])
    return vpc, ec2.groups.create(scope, vpc, name, "test group", [])


def view(ec2: Ec2Backend, scope: Scope, group: Document) -> Document:
    return ec2.groups.view(scope, group)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("tcp", "tcp"), ("6", "tcp"), ("UDP", "udp"), ("-1", "-1"), ("1", "icmp"), ("50", "50")],
)
def test_protocols(given: str, stored: str) -> None:
    assert normalize_protocol(given) == stored


@pytest.mark.parametrize("given", ["bogus", "\u00b2", "\u0663", "256"])
def test_unknown_protocol(given: str) -> None:
    """Words, non-ASCII digits (str.isdigit() accepts them, int() may not) and numbers past 255."""
    with pytest.raises(AwsError) as info:
        normalize_protocol(given)
    assert info.value.code == "InvalidParameterValue"


def test_old_top_level_form() -> None:
    assert permissions_from_params(
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "10.0.0.0/8"}
    ) == [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    with pytest.raises(AwsError) as info:
        permissions_from_params({})
    assert info.value.code == "MissingParameter"


def test_new_groups_allow_all_egress_only(ec2: Ec2Backend, scope: Scope) -> None:
    _, group = new_group(ec2, scope)
    described = view(ec2, scope, group)
    assert described["IpPermissions"] == []
    assert described["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]


def test_authorize_groups_rules_into_permissions(ec2: Ec2Backend, scope: Scope) -> None:
    _, group = new_group(ec2, scope)
    rules = ec2.groups.authorize(
        scope,
        group,
        False,
        [{**HTTP, "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8", "Description": "inside"}]}],
        [],
    )
    assert [r["CidrIpv4"] for r in rules] == ["0.0.0.0/0", "10.0.0.0/8"]
    assert all(r["SecurityGroupRuleId"].startswith("sgr-") and r["IsEgress"] is False for r in rules)
    assert view(ec2, scope, group)["IpPermissions"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 80,
            "ToPort": 80,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8", "Description": "inside"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]


def test_duplicates_are_refused_with_aws_text(ec2: Ec2Backend, scope: Scope) -> None:
    _, group = new_group(ec2, scope)
    ec2.groups.authorize(scope, group, False, [HTTP], [])
    with pytest.raises(AwsError) as info:
        ec2.groups.authorize(
            scope, group, False, [{**HTTP, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "x"}]}], []
        )
    assert info.value.code == "InvalidPermission.Duplicate"
    assert info.value.message == (
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists'
    )
    with pytest.raises(AwsError) as info:
        ec2.groups.authorize(
            scope, group, True, [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}], []
        )
    assert info.value.message == 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists'
    # the same rule as ingress elsewhere is fine, and so is egress with the same ports
    ec2.groups.authorize(scope, group, True, [HTTP], [])


@pytest.mark.parametrize(
    ("permission", "code"),
    [
        ({"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, "InvalidParameterValue"),
        (
            {"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            "InvalidParameterValue",
        ),
        ({**HTTP, "IpRanges": [{"CidrIp": "10.0.0.1/8"}]}, "InvalidParameterValue"),
        ({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}, "MissingParameter"),
        (
            {**HTTP, "IpRanges": [], "UserIdGroupPairs": [{"GroupId": "sg-00000000000000000"}]},
            "InvalidGroup.NotFound",
        ),
        (
            {**HTTP, "IpRanges": [], "PrefixListIds": [{"PrefixListId": "pl-00000000"}]},
            "InvalidPrefixListID.NotFound",
        ),
    ],
)
def test_bad_permissions(ec2: Ec2Backend, scope: Scope, permission: dict[str, Any], code: str) -> None:
    _, group = new_group(ec2, scope)
    with pytest.raises(AwsError) as info:
        ec2.groups.authorize(scope, group, False, [permission], [])
    assert info.value.code == code


def test_peers_groups_and_prefix_lists(ec2: Ec2Backend, scope: Scope) -> None:
    vpc, web = new_group(ec2, scope)
    db = ec2.groups.create(scope, vpc, "db", "database", [])
    s3 = prefix_list_id(scope.region, "s3")
    ec2.groups.authorize(
        scope, db, False, [{**HTTP, "IpRanges": [], "UserIdGroupPairs": [{"GroupName": "web"}]}], []
    )
    ec2.groups.authorize(
        scope, web, True, [{**HTTP, "IpRanges": [], "PrefixListIds": [{"PrefixListId": s3}]}], []
    )
    ingress = view(ec2, scope, db)["IpPermissions"][0]
    assert ingress["UserIdGroupPairs"] == [{"UserId": scope.account, "GroupId": web["GroupId"]}]
    egress = view(ec2, scope, web)["IpPermissionsEgress"]
    assert {"PrefixListId": s3} in egress[1]["PrefixListIds"]
    with pytest.raises(AwsError) as info:
        ec2.delete_security_group(scope, web["GroupId"], None)
    assert info.value.code == "DependencyViolation"
    assert info.value.message == f"resource {web['GroupId']} has a dependent object"
    ec2.groups.revoke(
        scope, db, False, [{**HTTP, "IpRanges": [], "UserIdGroupPairs": [{"GroupId": web["GroupId"]}]}], None
    )
    assert ec2.delete_security_group(scope, web["GroupId"], None) == web["GroupId"]


def test_revoke(ec2: Ec2Backend, scope: Scope) -> None:
    _, group = new_group(ec2, scope)
    (rule,) = ec2.groups.authorize(scope, group, False, [HTTP], [])
    ssh = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    revoked, unknown = ec2.groups.revoke(scope, group, False, [HTTP, ssh], None)
    assert [r["SecurityGroupRuleId"] for r in revoked] == [rule["SecurityGroupRuleId"]]
    assert unknown[0]["FromPort"] == 22
    with pytest.raises(AwsError) as info:
        ec2.groups.revoke(scope, group, False, [HTTP], None)
    assert info.value.code == "InvalidPermission.NotFound"
    (egress,) = ec2.groups.describe_rules(scope, None, [{"Name": "group-id", "Values": [group["GroupId"]]}])
    ec2.groups.revoke(scope, group, True, [], [egress["SecurityGroupRuleId"]])
    assert view(ec2, scope, group)["IpPermissionsEgress"] == []


def test_names(ec2: Ec2Backend, scope: Scope) -> None:
    vpc, group = new_group(ec2, scope)
    for name, code in (
        ("web", "InvalidGroup.Duplicate"),
        ("default", "InvalidParameterValue"),
        ("sg-x", "InvalidParameterValue"),
    ):
        with pytest.raises(AwsError) as info:
            ec2.groups.create(scope, vpc, name, "again", [])
        assert info.value.code == code
    with pytest.raises(AwsError) as info:
        ec2.groups.create(scope, vpc, "web", "again", [])
    assert info.value.message == f"The security group 'web' already exists for VPC '{vpc['VpcId']}'"
    (default,) = ec2.groups.describe(
        scope,
        None,
        None,
        [{"Name": "group-name", "Values": ["default"]}, {"Name": "vpc-id", "Values": [vpc["VpcId"]]}],
    )
    with pytest.raises(AwsError) as info:
        ec2.delete_security_group(scope, default["GroupId"], None)
    assert info.value.code == "CannotDelete"
    assert group["GroupId"] in {g["GroupId"] for g in ec2.groups.in_vpc(scope, vpc["VpcId"])}
