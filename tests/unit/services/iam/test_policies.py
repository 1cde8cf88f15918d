"""Managed policies and role attachments without HTTP."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from skiff.api.errors import AwsError
from skiff.services.iam import documents, managed
from skiff.services.iam.backend import IamBackend
from skiff.state.scope import Scope
from tests.unit.services.iam.conftest import POLICY, TRUST

EXECUTION = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_aws_managed_policies_have_valid_documents() -> None:
    assert len(managed.aws_policies()) == 7
    for policy in managed.aws_policies().values():
        documents.check_identity_policy(policy.document, documents.MANAGED_POLICY_SIZE)
        assert policy.arn.startswith(managed.AWS_POLICY_PREFIX)


def test_aws_policy_ids_are_stable_and_distinct(iam: IamBackend, scope: Scope) -> None:
    first = iam.policies.get(scope, EXECUTION)["PolicyId"]
    assert first == iam.policies.get(Scope("111111111111", "eu-west-1"), EXECUTION)["PolicyId"]
    ids = {iam.policies.get(scope, arn)["PolicyId"] for arn in managed.aws_policies()}
    assert len(ids) == 7


def test_execution_policy_version(iam: IamBackend, scope: Scope) -> None:
    version = iam.policies.get_version(scope, EXECUTION, "v1")
    document = json.loads(unquote(version["Document"]))
    assert document["Statement"][0]["Action"][0] == "ecr:GetAuthorizationToken"
    with pytest.raises(AwsError) as info:
        iam.policies.get_version(scope, EXECUTION, "v9")
    assert info.value.code == "NoSuchEntityException"


def test_create_policy_in_an_account(iam: IamBackend, scope: Scope) -> None:
    created = iam.policies.create(scope, {"PolicyName": "p", "PolicyDocument": POLICY})
    assert created["Arn"] == "arn:aws:iam::000000000000:policy/p"
    assert created["Path"] == "/"
    assert "Versions" not in created
    other = Scope("111111111111", "us-east-1")
    with pytest.raises(AwsError) as info:
        iam.policies.get(other, created["Arn"])
    assert info.value.code == "NoSuchEntityException"
    assert not iam.policies.exists(other, created["Arn"])
    # the other account may use the name
    iam.policies.create(other, {"PolicyName": "p", "PolicyDocument": POLICY})


def test_attachment_counts(iam: IamBackend, scope: Scope) -> None:
    for name in ("r1", "r2"):
        iam.roles.create(scope, {"RoleName": name, "AssumeRolePolicyDocument": TRUST})
        iam.role_policies.attach(scope, name, EXECUTION)
    assert iam.policies.get(scope, EXECUTION)["AttachmentCount"] == 2
    # counts are per account
    assert iam.policies.get(Scope("111111111111", "us-east-1"), EXECUTION)["AttachmentCount"] == 0
    attached, _ = iam.policies.list_policies(scope, {"OnlyAttached": True})
    assert [p["Arn"] for p in attached] == [EXECUTION]


def test_list_policies_scopes(iam: IamBackend, scope: Scope) -> None:
    iam.policies.create(scope, {"PolicyName": "Zed", "Path": "/z/", "PolicyDocument": POLICY})
    iam.policies.create(scope, {"PolicyName": "alpha", "PolicyDocument": POLICY})
    local, extra = iam.policies.list_policies(scope, {"Scope": "Local"})
    assert [p["PolicyName"] for p in local] == ["alpha", "Zed"]
    assert extra == {"IsTruncated": False}
    aws, _ = iam.policies.list_policies(scope, {"Scope": "AWS"})
    assert {p["Arn"] for p in aws} == set(managed.aws_policies())
    everything, _ = iam.policies.list_policies(scope, {})
    assert len(everything) == 9
    names = [p["PolicyName"].lower() for p in everything]
    assert names == sorted(names)
    assert [p["PolicyName"] for p in iam.policies.list_policies(scope, {"PathPrefix": "/z/"})[0]] == ["Zed"]
    service, _ = iam.policies.list_policies(scope, {"PathPrefix": "/service-role/"})
    assert [p["Arn"] for p in service] == [EXECUTION]
    assert iam.policies.list_policies(scope, {"PolicyUsageFilter": "PermissionsBoundary"})[0] == []


def test_list_policies_pages_cover_everything_once(iam: IamBackend, scope: Scope) -> None:
    for i in range(5):
        iam.policies.create(scope, {"PolicyName": f"AmazonECS_{i}", "PolicyDocument": POLICY})
    seen: list[str] = []
    marker = None
    while True:
        page, extra = iam.policies.list_policies(scope, {"MaxItems": 4, "Marker": marker})
        seen.extend(p["Arn"] for p in page)
        if not extra["IsTruncated"]:
            break
        marker = extra["Marker"]
    assert len(seen) == len(set(seen)) == 12


def test_delete_policy(iam: IamBackend, scope: Scope) -> None:
    arn = iam.policies.create(scope, {"PolicyName": "d", "PolicyDocument": POLICY})["Arn"]
    iam.roles.create(scope, {"RoleName": "r", "AssumeRolePolicyDocument": TRUST})
    iam.role_policies.attach(scope, "r", arn)
    with pytest.raises(AwsError) as info:
        iam.policies.delete(scope, arn, scope.root_arn)
    assert info.value.code == "DeleteConflictException"
    iam.role_policies.detach(scope, "r", arn)
    iam.policies.delete(scope, arn, scope.root_arn)
    with pytest.raises(AwsError) as info:
        iam.policies.delete(scope, arn, scope.root_arn)
    assert (info.value.code, info.value.message) == ("NoSuchEntityException", f"Policy {arn} was not found.")
    with pytest.raises(AwsError) as info:
        iam.policies.delete(scope, EXECUTION, scope.root_arn)
    assert (info.value.code, info.value.status) == ("AccessDenied", 403)


def test_attach_checks(iam: IamBackend, scope: Scope) -> None:
    iam.roles.create(scope, {"RoleName": "r", "AssumeRolePolicyDocument": TRUST})
    other = iam.policies.create(
        Scope("111111111111", "us-east-1"), {"PolicyName": "x", "PolicyDocument": POLICY}
    )
    with pytest.raises(AwsError) as info:
        iam.role_policies.attach(scope, "r", other["Arn"])  # another account's policy
    assert (info.value.code, info.value.message) == (
        "NoSuchEntityException",
        f"Policy {other['Arn']} does not exist or is not attachable.",
    )
    with pytest.raises(AwsError) as info:
        iam.role_policies.attach(scope, "r", "arn:aws:iam::aws:role/AdministratorAccess")
    assert info.value.code == "InvalidInputException"
    with pytest.raises(AwsError) as info:
        iam.role_policies.detach(scope, "r", EXECUTION)
    assert info.value.code == "NoSuchEntityException"


def test_inline_policies(iam: IamBackend, scope: Scope) -> None:
    iam.roles.create(scope, {"RoleName": "r", "AssumeRolePolicyDocument": TRUST})
    for name in ("b", "a", "c"):
        iam.role_policies.put_inline(scope, "r", name, POLICY)
    names, extra = iam.role_policies.list_inline(scope, "R", None, 2)
    assert names == ["a", "b"] and extra["IsTruncated"] is True
    names, extra = iam.role_policies.list_inline(scope, "r", extra["Marker"], 2)
    assert names == ["c"] and extra == {"IsTruncated": False}
    got = iam.role_policies.get_inline(scope, "R", "a")
    assert got["RoleName"] == "r" and unquote(got["PolicyDocument"]) == POLICY
    with pytest.raises(AwsError) as info:
        iam.role_policies.get_inline(scope, "r", "A")  # inline policy names are exact
    assert info.value.message == "The role policy with name A cannot be found."
