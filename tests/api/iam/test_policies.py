"""Managed policies through real boto3: AWS's, and customer managed ones."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.iam.conftest import TASK_EXECUTION_POLICY, assert_error, unique

DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream"], "Resource": "*"}],
}
AWS_MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
    "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess",
    "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess",
}


def test_aws_managed_policies_are_listed(iam: Any) -> None:
    policies = iam.list_policies(Scope="AWS")["Policies"]
    assert {p["Arn"] for p in policies} >= AWS_MANAGED
    assert all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in policies)
    execution = next(p for p in policies if p["PolicyName"] == "AmazonECSTaskExecutionRolePolicy")
    assert execution["Path"] == "/service-role/"
    assert execution["IsAttachable"] is True
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", execution["PolicyId"])


def test_task_execution_policy_document(iam: Any) -> None:
    policy = iam.get_policy(PolicyArn=TASK_EXECUTION_POLICY)["Policy"]
    assert policy["DefaultVersionId"] == "v1"
    version = iam.get_policy_version(PolicyArn=TASK_EXECUTION_POLICY, VersionId=policy["DefaultVersionId"])
    document = version["PolicyVersion"]["Document"]
    assert version["PolicyVersion"]["IsDefaultVersion"] is True
    assert document["Statement"] == [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ]


def test_create_get_and_delete_policy(iam: Any) -> None:
    name = unique("pol")
    created = iam.create_policy(
        PolicyName=name,
        Path="/team/",
        PolicyDocument=json.dumps(DOCUMENT),
        Description="test policy",
        Tags=[{"Key": "a", "Value": "b"}],
    )["Policy"]
    arn = created["Arn"]
    assert arn == f"arn:aws:iam::000000000000:policy/team/{name}"
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", created["PolicyId"])
    assert (created["DefaultVersionId"], created["AttachmentCount"]) == ("v1", 0)
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["Description"] == "test policy"
    assert got["Tags"] == [{"Key": "a", "Value": "b"}]
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == DOCUMENT
    with pytest.raises(ClientError) as info:
        iam.get_policy_version(PolicyArn=arn, VersionId="v2")
    assert_error(info, "NoSuchEntity", 404)
    with pytest.raises(ClientError) as info:
        iam.create_policy(PolicyName=name.upper(), PolicyDocument=json.dumps(DOCUMENT))
    assert_error(
        info,
        "EntityAlreadyExists",
        409,
        f"A policy called {name.upper()} already exists. Duplicate names are not allowed.",
    )
    iam.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError) as info:
        iam.get_policy(PolicyArn=arn)
    assert_error(info, "NoSuchEntity", 404, f"Policy {arn} was not found.")


def test_attachment_count_and_delete_conflict(iam: Any, role: str) -> None:
    arn = iam.create_policy(PolicyName=unique("att"), PolicyDocument=json.dumps(DOCUMENT))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    attached = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert arn in {p["Arn"] for p in attached}
    with pytest.raises(ClientError) as info:
        iam.delete_policy(PolicyArn=arn)
    assert_error(info, "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)


def test_aws_managed_policies_cannot_be_deleted(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.delete_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert_error(info, "AccessDenied", 403)


def test_list_policies_scopes_prefix_and_pages(iam: Any) -> None:
    path = f"/{unique('lp')}/"
    names = sorted(unique("lp") for _ in range(3))
    for name in names:
        iam.create_policy(PolicyName=name, Path=path, PolicyDocument=json.dumps(DOCUMENT))
    local = iam.list_policies(Scope="Local", PathPrefix=path)["Policies"]
    assert [p["PolicyName"] for p in local] == names
    assert "Description" not in local[0] and "Tags" not in local[0]
    assert iam.list_policies(Scope="AWS", PathPrefix=path)["Policies"] == []
    everything = iam.list_policies()["Policies"]
    assert {p["Arn"] for p in local} | AWS_MANAGED <= {p["Arn"] for p in everything}
    seen: list[str] = []
    kwargs: dict[str, Any] = {"Scope": "Local", "PathPrefix": path, "MaxItems": 2}
    while True:
        reply = iam.list_policies(**kwargs)
        seen.extend(p["PolicyName"] for p in reply["Policies"])
        if not reply["IsTruncated"]:
            break
        kwargs["Marker"] = reply["Marker"]
    assert seen == names
    paged = iam.get_paginator("list_policies").paginate(Scope="AWS", PaginationConfig={"PageSize": 3})
    assert {p["Arn"] for page in paged for p in page["Policies"]} >= AWS_MANAGED


def test_malformed_policies(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_policy(PolicyName=unique("bad"), PolicyDocument="{")
    assert_error(info, "MalformedPolicyDocument", 400, "This policy contains invalid Json")
    with pytest.raises(ClientError) as info:
        iam.create_policy(
            PolicyName=unique("bad"),
            PolicyDocument=json.dumps({"Version": "2011-01-01", "Statement": DOCUMENT["Statement"]}),
        )
    assert_error(info, "MalformedPolicyDocument", 400, "The policy failed legacy parsing")
    with pytest.raises(ClientError) as info:
        iam.get_policy(PolicyArn="arn:aws:iam::000000000000:user/not-a-policy")
    assert_error(info, "InvalidInput", 400)
