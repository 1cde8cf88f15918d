"""IAM users, access keys (sealed secrets), groups and their policies, and the directory that
hands them to the signature check and the evaluator."""

from __future__ import annotations

import re

import pytest

from skiff.api.errors import AwsError
from skiff.services.iam.access_keys import ACCESS_KEYS
from skiff.services.iam.backend import IamBackend
from skiff.services.iam.directory import IamDirectory
from skiff.state.principals import USER
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.iam.conftest import POLICY, TRUST

S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def _code(call: object) -> str:
    with pytest.raises(AwsError) as info:
        call()  # type: ignore[operator]
    return info.value.code


def test_users_and_their_keys(iam: IamBackend, scope: Scope, store: SqliteStore) -> None:
    user = iam.users.create(scope, {"UserName": "alice", "Path": "/team/"})
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", user["UserId"])
    assert user["Arn"] == "arn:aws:iam::000000000000:user/team/alice"
    assert _code(lambda: iam.users.create(scope, {"UserName": "ALICE"})) == "EntityAlreadyExistsException"
    key = iam.access_keys.create(scope, "alice")
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", key["AccessKeyId"]) and len(key["SecretAccessKey"]) == 40
    assert key["SecretAccessKey"] not in repr(store.get(ACCESS_KEYS, key["AccessKeyId"]))
    iam.access_keys.create(scope, "alice")
    assert _code(lambda: iam.access_keys.create(scope, "alice")) == "LimitExceededException"
    listed, _ = iam.access_keys.list_keys(scope, "alice", None, None)
    assert len(listed) == 2 and all("SecretAccessKey" not in k for k in listed)
    directory = IamDirectory(iam)
    secret = directory.signing_secret(key["AccessKeyId"])
    assert secret is not None and secret.secret == key["SecretAccessKey"] and secret.active
    assert secret.principal.kind == USER and secret.principal.arn == user["Arn"]
    iam.access_keys.update(scope, "alice", key["AccessKeyId"], "Inactive")
    inactive = directory.signing_secret(key["AccessKeyId"])
    assert inactive is not None and not inactive.active
    assert _code(lambda: iam.users.delete(scope, "alice")) == "DeleteConflictException"
    assert (
        _code(lambda: iam.access_keys.delete(scope, "alice", "AKIANOSUCHKEY0000000"))
        == "NoSuchEntityException"
    )
    for k in listed:
        iam.access_keys.delete(scope, "alice", k["AccessKeyId"])
    assert directory.signing_secret(key["AccessKeyId"]) is None
    iam.users.delete(scope, "alice")
    assert _code(lambda: iam.users.get(scope, "alice")) == "NoSuchEntityException"


def test_permissions_gather_user_group_and_boundary(iam: IamBackend, scope: Scope) -> None:
    iam.users.create(scope, {"UserName": "bob"})
    iam.user_policies.put_inline(scope, "bob", "own", POLICY)
    iam.groups.create(scope, "readers", None)
    iam.groups.add_user(scope, "readers", "bob")
    iam.group_policies.attach(scope, "readers", S3_READ)
    iam.users.set_boundary(scope, "bob", S3_READ)
    directory = IamDirectory(iam)
    principal = directory.principal_of("arn:aws:iam::000000000000:user/bob")
    assert principal is not None
    found = directory.permissions(principal)
    assert [source for source, _ in found.identity] == ["own", S3_READ]
    assert found.boundary is not None and "s3:Get*" in found.boundary
    assert iam.policies.get(scope, S3_READ)["AttachmentCount"] == 1
    assert iam.policies.get(scope, S3_READ)["PermissionsBoundaryUsageCount"] == 0  # AWS policies report 0
    assert _code(lambda: iam.groups.delete(scope, "readers")) == "DeleteConflictException"
    iam.groups.remove_user(scope, "readers", "bob")
    assert [s for s, _ in directory.permissions(principal).identity] == ["own"]
    assert _code(lambda: iam.groups.delete(scope, "readers")) == "DeleteConflictException"  # policy attached
    iam.group_policies.detach(scope, "readers", S3_READ)
    iam.groups.delete(scope, "readers")


def test_role_sessions_and_their_policies(iam: IamBackend, scope: Scope) -> None:
    role = iam.roles.create(scope, {"RoleName": "task", "AssumeRolePolicyDocument": TRUST})
    iam.role_policies.put_inline(scope, "task", "read", POLICY)
    directory = IamDirectory(iam)
    session = directory.role_session(role["Arn"], "t1")
    assert session is not None and session.arn == "arn:aws:sts::000000000000:assumed-role/task/t1"
    assert [s for s, _ in directory.permissions(session).identity] == ["read"]
    issued = iam.credentials.issue(scope, role["Arn"], "t1", 900, session_policy=POLICY)
    secret = directory.signing_secret(issued["AccessKeyId"])
    assert secret is not None and secret.secret == issued["SecretAccessKey"]
    assert secret.session_policy == POLICY and secret.token_digest is not None
    assert directory.signing_secret("ASIANOTISSUED0000000") is None
    assert directory.arn_of("role", "000000000000", "us-east-1", "task") == role["Arn"]


def test_reads_are_cached_until_iam_changes(iam: IamBackend, scope: Scope, store: SqliteStore) -> None:
    iam.users.create(scope, {"UserName": "carol"})
    directory = IamDirectory(iam)
    principal = directory.principal_of("arn:aws:iam::000000000000:user/carol")
    assert principal is not None
    assert directory.permissions(principal).identity == ()
    iam.user_policies.put_inline(scope, "carol", "p", POLICY)  # a write through IAM: seen at once
    assert [s for s, _ in directory.permissions(principal).identity] == ["p"]
    store.delete("iam_principal_inline_policies", "000000000000|user|carol|p")  # behind IAM's back
    assert [s for s, _ in directory.permissions(principal).identity] == ["p"]  # cached ...
    directory._permissions.clock = lambda: float("inf")  # ... until MAX_AGE has passed
    assert directory.permissions(principal).identity == ()
