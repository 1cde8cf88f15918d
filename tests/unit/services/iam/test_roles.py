"""The role backend without HTTP: create, lookups, list, update, tags, delete guards."""

from __future__ import annotations

import re

import pytest

from skiff.api.errors import AwsError
from skiff.services.iam import roles as roles_module
from skiff.services.iam.backend import IamBackend
from skiff.state.scope import Scope
from tests.unit.services.iam.conftest import POLICY, TRUST


def _error(info: pytest.ExceptionInfo[AwsError]) -> tuple[str, str]:
    return info.value.code, info.value.message


def test_create_and_get(iam: IamBackend, scope: Scope) -> None:
    role = iam.roles.create(scope, {"RoleName": "App", "Path": "/x/y/", "AssumeRolePolicyDocument": TRUST})
    assert role["Arn"] == "arn:aws:iam::000000000000:role/x/y/App"
    assert re.fullmatch(r"AROA[A-Z0-9]{17}", role["RoleId"])
    assert role["MaxSessionDuration"] == 3600
    assert "RoleLastUsed" not in role
    got = iam.roles.get(scope, "app")
    assert got["RoleName"] == "App"
    assert got["RoleLastUsed"] == {}
    assert got["AssumeRolePolicyDocument"] == roles_module.documents.encode(TRUST)
    # the stored text is the text given
    stored = iam.roles.find(scope, "APP")
    assert stored is not None and stored["AssumeRolePolicyDocument"] == TRUST


def test_role_ids_differ(iam: IamBackend, scope: Scope) -> None:
    ids = {
        iam.roles.create(scope, {"RoleName": f"r{i}", "AssumeRolePolicyDocument": TRUST})["RoleId"]
        for i in range(5)
    }
    assert len(ids) == 5


def test_names_are_unique_regardless_of_case(iam: IamBackend, scope: Scope) -> None:
    iam.roles.create(scope, {"RoleName": "Web", "AssumeRolePolicyDocument": TRUST})
    with pytest.raises(AwsError) as info:
        iam.roles.create(scope, {"RoleName": "WEB", "AssumeRolePolicyDocument": TRUST})
    assert _error(info) == ("EntityAlreadyExistsException", "Role with name WEB already exists.")


def test_roles_are_per_account(iam: IamBackend, scope: Scope) -> None:
    iam.roles.create(scope, {"RoleName": "Mine", "AssumeRolePolicyDocument": TRUST})
    other = Scope("111111111111", "us-east-1")
    assert iam.roles.find(other, "Mine") is None
    assert iam.roles.list_roles(other, None, None, None)[0] == []
    # region does not matter to IAM
    assert iam.roles.find(Scope(scope.account, "eu-west-1"), "Mine") is not None


def test_find_by_arn_needs_the_right_path(iam: IamBackend, scope: Scope) -> None:
    arn = iam.roles.create(scope, {"RoleName": "P", "Path": "/a/", "AssumeRolePolicyDocument": TRUST})["Arn"]
    assert iam.roles.find_by_arn(arn) is not None
    assert iam.roles.find_by_arn("arn:aws:iam::000000000000:role/P") is None
    assert iam.roles.find_by_arn("arn:aws:iam::000000000000:role/b/P") is None
    assert iam.roles.find_by_arn("not an arn") is None


def test_list_with_prefix_and_markers(iam: IamBackend, scope: Scope) -> None:
    for name in ["d", "B", "a", "C"]:
        iam.roles.create(scope, {"RoleName": name, "Path": "/team/", "AssumeRolePolicyDocument": TRUST})
    iam.roles.create(scope, {"RoleName": "other", "AssumeRolePolicyDocument": TRUST})
    first, extra = iam.roles.list_roles(scope, "/team/", None, 3)
    assert [r["RoleName"] for r in first] == ["a", "B", "C"]
    assert extra["IsTruncated"] is True
    rest, extra = iam.roles.list_roles(scope, "/team/", extra["Marker"], 3)
    assert [r["RoleName"] for r in rest] == ["d"]
    assert extra == {"IsTruncated": False}
    everything, _ = iam.roles.list_roles(scope, None, None, None)
    assert len(everything) == 5
    with pytest.raises(AwsError) as info:
        iam.roles.list_roles(scope, None, "%%%", None)
    assert info.value.code == "InvalidInputException"


def test_missing_roles(iam: IamBackend, scope: Scope) -> None:
    for call in (
        lambda: iam.roles.get(scope, "nope"),
        lambda: iam.roles.delete(scope, "nope"),
        lambda: iam.roles.update(scope, "nope", "d", None),
        lambda: iam.roles.tag(scope, "nope", [{"Key": "a", "Value": "b"}]),
        lambda: iam.role_policies.attach(scope, "nope", "arn:aws:iam::aws:policy/AdministratorAccess"),
        lambda: iam.role_policies.put_inline(scope, "nope", "p", POLICY),
    ):
        with pytest.raises(AwsError) as info:
            call()
        assert _error(info) == ("NoSuchEntityException", "The role with name nope cannot be found.")


def test_update_and_trust_policy(iam: IamBackend, scope: Scope) -> None:
    iam.roles.create(scope, {"RoleName": "u", "AssumeRolePolicyDocument": TRUST, "Description": "one"})
    updated = iam.roles.update(scope, "u", None, 43200)
    assert (updated["Description"], updated["MaxSessionDuration"]) == ("one", 43200)
    with pytest.raises(AwsError) as info:
        iam.roles.update_trust_policy(scope, "u", POLICY)  # a Resource has no place in a trust policy
    assert _error(info) == ("MalformedPolicyDocumentException", "Has prohibited field Resource")


def test_tags(iam: IamBackend, scope: Scope) -> None:
    iam.roles.create(
        scope, {"RoleName": "t", "AssumeRolePolicyDocument": TRUST, "Tags": [{"Key": "a", "Value": "1"}]}
    )
    iam.roles.tag(scope, "t", [{"Key": f"k{i}", "Value": str(i)} for i in range(49)])
    tags, extra = iam.roles.list_tags(scope, "t", None, 10)
    assert [t["Key"] for t in tags] == ["a"] + [f"k{i}" for i in range(9)]
    assert extra["IsTruncated"] is True
    tags, extra = iam.roles.list_tags(scope, "t", extra["Marker"], 100)
    assert len(tags) == 40 and extra == {"IsTruncated": False}
    with pytest.raises(AwsError) as info:
        iam.roles.tag(scope, "t", [{"Key": "one-too-many", "Value": ""}])
    assert _error(info) == ("LimitExceededException", "Cannot exceed quota for TagsPerRole: 50")
    iam.roles.tag(scope, "t", [{"Key": "A", "Value": "replaced"}])  # same key, other case: a replacement
    iam.roles.untag(scope, "t", ["K0", "absent"])
    tags, _ = iam.roles.list_tags(scope, "t", None, None)
    assert len(tags) == 49 and tags[-1] == {"Key": "A", "Value": "replaced"}


def test_role_quota(iam: IamBackend, scope: Scope, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roles_module, "MAX_ROLES", 2)
    iam.roles.create(scope, {"RoleName": "q1", "AssumeRolePolicyDocument": TRUST})
    iam.roles.create(scope, {"RoleName": "q2", "AssumeRolePolicyDocument": TRUST})
    with pytest.raises(AwsError) as info:
        iam.roles.create(scope, {"RoleName": "q3", "AssumeRolePolicyDocument": TRUST})
    assert _error(info) == ("LimitExceededException", "Cannot exceed quota for RolesPerAccount: 2")


def test_permissions_boundary(iam: IamBackend, scope: Scope) -> None:
    boundary = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    iam.roles.create(
        scope, {"RoleName": "b", "AssumeRolePolicyDocument": TRUST, "PermissionsBoundary": boundary}
    )
    assert iam.roles.get(scope, "b")["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": boundary,
    }
    with pytest.raises(AwsError) as info:
        iam.roles.create(
            scope,
            {
                "RoleName": "c",
                "AssumeRolePolicyDocument": TRUST,
                "PermissionsBoundary": "arn:aws:iam::000000000000:policy/absent",
            },
        )
    assert info.value.code == "NoSuchEntityException"


def test_delete_is_refused_while_policies_remain(iam: IamBackend, scope: Scope) -> None:
    iam.roles.create(scope, {"RoleName": "del", "AssumeRolePolicyDocument": TRUST})
    iam.role_policies.attach(scope, "del", "arn:aws:iam::aws:policy/AdministratorAccess")
    iam.role_policies.put_inline(scope, "DEL", "inline", POLICY)
    with pytest.raises(AwsError) as info:
        iam.roles.delete(scope, "del")
    assert _error(info) == (
        "DeleteConflictException",
        "Cannot delete entity, must detach all policies first.",
    )
    iam.role_policies.detach(scope, "del", "arn:aws:iam::aws:policy/AdministratorAccess")
    with pytest.raises(AwsError) as info:
        iam.roles.delete(scope, "del")
    assert _error(info) == ("DeleteConflictException", "Cannot delete entity, must delete policies first.")
    iam.role_policies.delete_inline(scope, "del", "inline")
    iam.roles.delete(scope, "Del")
    assert iam.roles.find(scope, "del") is None
