"""A role's attached managed policies and inline policies through real boto3."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.iam.conftest import TASK_EXECUTION_POLICY, assert_error, unique

S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
INLINE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}],
}


def test_attach_detach_and_list(iam: Any, role: str) -> None:
    iam.attach_role_policy(RoleName=role, PolicyArn=TASK_EXECUTION_POLICY)
    iam.attach_role_policy(RoleName=role, PolicyArn=S3_READ)
    iam.attach_role_policy(RoleName=role, PolicyArn=S3_READ)  # attaching twice is no change
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "AmazonECSTaskExecutionRolePolicy", "PolicyArn": TASK_EXECUTION_POLICY},
        {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyArn": S3_READ},
    ]
    by_path = iam.list_attached_role_policies(RoleName=role, PathPrefix="/service-role/")
    assert [p["PolicyArn"] for p in by_path["AttachedPolicies"]] == [TASK_EXECUTION_POLICY]
    first = iam.list_attached_role_policies(RoleName=role, MaxItems=1)
    assert first["IsTruncated"] is True
    second = iam.list_attached_role_policies(RoleName=role, MaxItems=1, Marker=first["Marker"])
    assert [p["PolicyArn"] for p in second["AttachedPolicies"]] == [S3_READ]
    iam.detach_role_policy(RoleName=role, PolicyArn=S3_READ)
    with pytest.raises(ClientError) as info:
        iam.detach_role_policy(RoleName=role, PolicyArn=S3_READ)
    assert_error(info, "NoSuchEntity", 404, f"Policy {S3_READ} was not found.")


def test_attach_unknown_policy(iam: Any, role: str) -> None:
    arn = "arn:aws:iam::aws:policy/NoSuchPolicyAnywhere"
    with pytest.raises(ClientError) as info:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert_error(info, "NoSuchEntity", 404, f"Policy {arn} does not exist or is not attachable.")
    with pytest.raises(ClientError) as info:
        iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:s3:::not-a-policy-arn")
    assert_error(info, "InvalidInput", 400, "ARN arn:aws:s3:::not-a-policy-arn is not valid.")
    with pytest.raises(ClientError) as info:
        iam.attach_role_policy(RoleName=unique("none"), PolicyArn=S3_READ)
    assert_error(info, "NoSuchEntity", 404)


def test_delete_role_with_policies_is_a_conflict(iam: Any, role: str) -> None:
    iam.attach_role_policy(RoleName=role, PolicyArn=TASK_EXECUTION_POLICY)
    with pytest.raises(ClientError) as info:
        iam.delete_role(RoleName=role)
    assert_error(info, "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
    iam.detach_role_policy(RoleName=role, PolicyArn=TASK_EXECUTION_POLICY)
    iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=json.dumps(INLINE))
    with pytest.raises(ClientError) as info:
        iam.delete_role(RoleName=role)
    assert_error(info, "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
    iam.delete_role_policy(RoleName=role, PolicyName="inline")
    iam.delete_role(RoleName=role)


def test_ten_attached_policies_at_most(iam: Any, role: str) -> None:
    arns = [
        iam.create_policy(PolicyName=unique("many"), PolicyDocument=json.dumps(INLINE))["Policy"]["Arn"]
        for _ in range(11)
    ]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    with pytest.raises(ClientError) as info:
        iam.attach_role_policy(RoleName=role, PolicyArn=arns[10])
    assert_error(info, "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerRole: 10")


def test_inline_policies(iam: Any, role: str) -> None:
    iam.put_role_policy(RoleName=role, PolicyName="b-read", PolicyDocument=json.dumps(INLINE))
    iam.put_role_policy(RoleName=role, PolicyName="a-read", PolicyDocument=json.dumps(INLINE))
    got = iam.get_role_policy(RoleName=role, PolicyName="b-read")
    assert (got["RoleName"], got["PolicyName"], got["PolicyDocument"]) == (role, "b-read", INLINE)
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["a-read", "b-read"]
    page = iam.list_role_policies(RoleName=role, MaxItems=1)
    assert page["PolicyNames"] == ["a-read"] and page["IsTruncated"] is True
    replaced = {**INLINE, "Statement": [{**INLINE["Statement"][0], "Action": "s3:PutObject"}]}
    iam.put_role_policy(RoleName=role, PolicyName="b-read", PolicyDocument=json.dumps(replaced))
    assert iam.get_role_policy(RoleName=role, PolicyName="b-read")["PolicyDocument"] == replaced
    iam.delete_role_policy(RoleName=role, PolicyName="b-read")
    with pytest.raises(ClientError) as info:
        iam.get_role_policy(RoleName=role, PolicyName="b-read")
    assert_error(info, "NoSuchEntity", 404, "The role policy with name b-read cannot be found.")
    with pytest.raises(ClientError) as info:
        iam.delete_role_policy(RoleName=role, PolicyName="b-read")
    assert_error(info, "NoSuchEntity", 404)


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"Effect": "Allow", "Resource": "*"}, "Policy statement must contain actions."),
        ({"Effect": "Allow", "Action": "s3:*"}, "Policy statement must contain resources."),
        (
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"},
            "Policy document should not specify a principal.",
        ),
        ({"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}, "Syntax errors in policy."),
    ],
)
def test_malformed_inline_policy(iam: Any, role: str, statement: dict[str, Any], message: str) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    with pytest.raises(ClientError) as info:
        iam.put_role_policy(RoleName=role, PolicyName="bad", PolicyDocument=document)
    assert_error(info, "MalformedPolicyDocument", 400, message)


def test_inline_policies_share_a_size_quota(iam: Any, role: str) -> None:
    big = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": [f"s3:Get{'x' * 40}{i}" for i in range(120)], "Resource": "*"}
        ],
    }
    iam.put_role_policy(RoleName=role, PolicyName="one", PolicyDocument=json.dumps(big))
    with pytest.raises(ClientError) as info:
        iam.put_role_policy(RoleName=role, PolicyName="two", PolicyDocument=json.dumps(big))
    assert_error(info, "LimitExceeded", 409, f"Maximum policy size of 10240 bytes exceeded for role {role}")
