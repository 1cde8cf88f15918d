"""IAM roles through real boto3: create, get, list (pagination), update, tags, delete."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.iam.conftest import ECS_TASKS_TRUST, TRUST_TEXT, assert_error, unique


def test_create_role_returns_the_role(iam: Any) -> None:
    name = unique("create")
    role = iam.create_role(
        RoleName=name,
        Path="/service/",
        AssumeRolePolicyDocument=TRUST_TEXT,
        Description="for tests",
        Tags=[{"Key": "Environment", "Value": "Demo"}],
    )["Role"]
    assert role["RoleName"] == name
    assert role["Path"] == "/service/"
    assert role["Arn"] == f"arn:aws:iam::000000000000:role/service/{name}"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role["RoleId"])
    assert role["AssumeRolePolicyDocument"] == ECS_TASKS_TRUST
    assert role["Description"] == "for tests"
    assert role["MaxSessionDuration"] == 3600
    assert role["Tags"] == [{"Key": "Environment", "Value": "Demo"}]
    assert abs(role["CreateDate"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_get_role(iam: Any, role: str) -> None:
    got = iam.get_role(RoleName=role)["Role"]
    assert got["RoleName"] == role
    assert got["Path"] == "/"
    assert got["AssumeRolePolicyDocument"] == ECS_TASKS_TRUST
    assert got["RoleLastUsed"] == {}
    # names are unique regardless of case, and found regardless of case
    assert iam.get_role(RoleName=role.upper())["Role"]["RoleName"] == role


def test_trust_policy_text_is_kept_as_given(iam: Any) -> None:
    name = unique("text")
    text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"000000000000"}}}]}'  # noqa: E501
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=text)
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == json.loads(text)


def test_missing_role_is_no_such_entity(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.get_role(RoleName="absent-role")
    assert_error(info, "NoSuchEntity", 404, "The role with name absent-role cannot be found.")


def test_duplicate_role_is_entity_already_exists(iam: Any, role: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName=role.upper(), AssumeRolePolicyDocument=TRUST_TEXT)
    assert_error(info, "EntityAlreadyExists", 409, f"Role with name {role.upper()} already exists.")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "This policy contains invalid Json"),
        ('{"Version": "2012-10-17"}', "Syntax errors in policy."),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*", '
            '"Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}',
            "Has prohibited field Resource",
        ),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}',
            "Missing required field Principal",
        ),
    ],
)
def test_malformed_trust_policy(iam: Any, document: str, message: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_role(RoleName=unique("bad"), AssumeRolePolicyDocument=document)
    assert_error(info, "MalformedPolicyDocument", 400, message)


def test_invalid_names_and_durations_are_validation_errors(iam_unchecked: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam_unchecked.create_role(RoleName="bad name!", AssumeRolePolicyDocument=TRUST_TEXT)
    assert_error(info, "ValidationError", 400)
    with pytest.raises(ClientError) as info:
        iam_unchecked.create_role(
            RoleName=unique("d"), AssumeRolePolicyDocument=TRUST_TEXT, MaxSessionDuration=60
        )
    assert_error(info, "ValidationError", 400)


def test_duplicate_tag_keys_are_invalid_input(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_role(
            RoleName=unique("tags"),
            AssumeRolePolicyDocument=TRUST_TEXT,
            Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}],
        )
    assert_error(info, "InvalidInput", 400)


def test_list_roles_paginates_with_markers(iam: Any) -> None:
    path = f"/{unique('page')}/"
    names = sorted(unique("p") for _ in range(5))
    for name in names:
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST_TEXT)
    seen: list[str] = []
    kwargs: dict[str, Any] = {"PathPrefix": path, "MaxItems": 2}
    pages = 0
    while True:
        reply = iam.list_roles(**kwargs)
        assert len(reply["Roles"]) <= 2
        seen.extend(r["RoleName"] for r in reply["Roles"])
        pages += 1
        if not reply["IsTruncated"]:
            assert "Marker" not in reply
            break
        kwargs["Marker"] = reply["Marker"]
    assert pages == 3
    assert seen == names
    listed = iam.list_roles(PathPrefix=path)["Roles"][0]
    assert "Tags" not in listed and "RoleLastUsed" not in listed
    assert listed["AssumeRolePolicyDocument"] == ECS_TASKS_TRUST


def test_list_roles_paginator(iam: Any) -> None:
    path = f"/{unique('pager')}/"
    for _ in range(3):
        iam.create_role(RoleName=unique("q"), Path=path, AssumeRolePolicyDocument=TRUST_TEXT)
    pages = list(iam.get_paginator("list_roles").paginate(PathPrefix=path, PaginationConfig={"PageSize": 1}))
    assert [len(page["Roles"]) for page in pages] == [1, 1, 1]


def test_list_roles_rejects_a_bad_marker(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.list_roles(Marker="not a marker!")
    assert_error(info, "InvalidInput", 400)


def test_update_role(iam: Any, role: str) -> None:
    iam.update_role(RoleName=role, Description="updated", MaxSessionDuration=7200)
    got = iam.get_role(RoleName=role)["Role"]
    assert (got["Description"], got["MaxSessionDuration"]) == ("updated", 7200)
    described = iam.update_role_description(RoleName=role, Description="again")["Role"]
    assert described["Description"] == "again"
    with pytest.raises(ClientError) as info:
        iam.update_role(RoleName=unique("none"), Description="x")
    assert_error(info, "NoSuchEntity", 404)


def test_update_assume_role_policy(iam: Any, role: str) -> None:
    trust = {**ECS_TASKS_TRUST, "Statement": [{**ECS_TASKS_TRUST["Statement"][0], "Sid": "Changed"}]}
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))
    assert iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"] == trust


def test_role_tags(iam: Any, role: str) -> None:
    iam.tag_role(RoleName=role, Tags=[{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}])
    iam.tag_role(RoleName=role, Tags=[{"Key": "K1", "Value": "new"}])
    assert iam.list_role_tags(RoleName=role)["Tags"] == [
        {"Key": "k2", "Value": "v2"},
        {"Key": "K1", "Value": "new"},
    ]
    iam.untag_role(RoleName=role, TagKeys=["k2"])
    reply = iam.list_role_tags(RoleName=role)
    assert reply["Tags"] == [{"Key": "K1", "Value": "new"}]
    assert reply["IsTruncated"] is False
    with pytest.raises(ClientError) as info:
        iam.tag_role(RoleName=role, Tags=[{"Key": f"t{i}", "Value": ""} for i in range(50)])
    assert_error(info, "LimitExceeded", 409)
    with pytest.raises(ClientError) as info:
        iam.list_role_tags(RoleName=unique("none"))
    assert_error(info, "NoSuchEntity", 404)


def test_delete_role(iam: Any, role: str) -> None:
    iam.delete_role(RoleName=role)
    with pytest.raises(ClientError) as info:
        iam.get_role(RoleName=role)
    assert_error(info, "NoSuchEntity", 404)
    with pytest.raises(ClientError) as info:
        iam.delete_role(RoleName=role)
    assert_error(info, "NoSuchEntity", 404, f"The role with name {role} cannot be found.")
    # the name is free again, with a new id
    again = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST_TEXT)["Role"]
    assert again["RoleName"] == role
