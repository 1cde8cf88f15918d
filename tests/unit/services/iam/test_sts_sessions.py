"""STS's caller identities and AssumeRole over the IAM backends, without HTTP."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from skiff.api.errors import AwsError
from skiff.services.iam.backend import IamBackend
from skiff.services.iam.credentials import CREDENTIALS
from skiff.services.sts.sessions import SessionBackend, packed_policy_percent
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.iam.conftest import TRUST


@pytest.fixture
def sessions(iam: IamBackend) -> SessionBackend:
    return SessionBackend(iam.roles, iam.credentials)


@pytest.fixture
def role_arn(iam: IamBackend, scope: Scope) -> str:
    return str(iam.roles.create(scope, {"RoleName": "R", "AssumeRolePolicyDocument": TRUST})["Arn"])


def test_plain_keys_are_the_account_root(sessions: SessionBackend, scope: Scope) -> None:
    root = {"UserId": "000000000000", "Account": "000000000000", "Arn": "arn:aws:iam::000000000000:root"}
    assert sessions.caller_identity(scope, "AKIAIOSFODNN7EXAMPLE") == root
    assert sessions.caller_identity(scope, None) == root


def test_assumed_role_identity(
    sessions: SessionBackend, scope: Scope, role_arn: str, iam: IamBackend
) -> None:
    reply = sessions.assume_role(scope, None, {"RoleArn": role_arn, "RoleSessionName": "s1"})
    key = reply["Credentials"]["AccessKeyId"]
    role_id = iam.roles.get(scope, "R")["RoleId"]
    assert sessions.caller_identity(scope, key) == {
        "UserId": f"{role_id}:s1",
        "Account": "000000000000",
        "Arn": "arn:aws:sts::000000000000:assumed-role/R/s1",
    }
    expires_in = reply["Credentials"]["Expiration"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=59) < expires_in <= dt.timedelta(hours=1)
    assert iam.roles.get(scope, "R")["RoleLastUsed"]["Region"] == "us-east-1"


def test_expired_credentials_are_refused(
    sessions: SessionBackend, scope: Scope, role_arn: str, store: SqliteStore
) -> None:
    key = sessions.assume_role(scope, None, {"RoleArn": role_arn, "RoleSessionName": "s1"})["Credentials"][
        "AccessKeyId"
    ]
    record = store.get(CREDENTIALS, key)
    assert record is not None
    record["Expiration"] = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    store.put(CREDENTIALS, key, record, account="000000000000", principal=record["AssumedRoleArn"], expires=0)
    with pytest.raises(AwsError) as info:
        sessions.caller_identity(scope, key)
    assert (info.value.code, info.value.status) == ("ExpiredToken", 403)


def test_missing_role_is_access_denied(sessions: SessionBackend, scope: Scope, role_arn: str) -> None:
    for arn in ("arn:aws:iam::000000000000:role/Nope", "arn:aws:iam::000000000000:role/path/R"):
        with pytest.raises(AwsError) as info:
            sessions.assume_role(scope, None, {"RoleArn": arn, "RoleSessionName": "s1"})
        assert (info.value.code, info.value.status) == ("AccessDenied", 403)
        assert info.value.message == (
            "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on "
            f"resource: {arn}"
        )
    with pytest.raises(AwsError) as info:
        sessions.assume_role(
            Scope("111111111111", "us-east-1"), None, {"RoleArn": role_arn, "RoleSessionName": "s"}
        )
    assert info.value.code == "AccessDenied"


def test_durations(sessions: SessionBackend, scope: Scope, role_arn: str, iam: IamBackend) -> None:
    with pytest.raises(AwsError) as info:
        sessions.assume_role(
            scope, None, {"RoleArn": role_arn, "RoleSessionName": "s1", "DurationSeconds": 3601}
        )
    assert info.value.code == "ValidationError"
    iam.roles.update(scope, "R", None, 14400)
    first = sessions.assume_role(
        scope, None, {"RoleArn": role_arn, "RoleSessionName": "s1", "DurationSeconds": 14400}
    )
    chained_key = first["Credentials"]["AccessKeyId"]
    with pytest.raises(AwsError) as info:
        sessions.assume_role(
            scope, chained_key, {"RoleArn": role_arn, "RoleSessionName": "s2", "DurationSeconds": 3601}
        )
    assert info.value.message == (
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    )
    with pytest.raises(AwsError) as info:
        sessions.assume_role(
            scope, chained_key, {"RoleArn": "arn:aws:iam::000000000000:role/X", "RoleSessionName": "s2"}
        )
    assert info.value.message.startswith(
        "User: arn:aws:sts::000000000000:assumed-role/R/s1 is not authorized"
    )


def test_session_policy_and_packed_size(sessions: SessionBackend, scope: Scope, role_arn: str) -> None:
    assert packed_policy_percent({}) is None
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    reply = sessions.assume_role(
        scope,
        None,
        {"RoleArn": role_arn, "RoleSessionName": "s1", "Policy": policy, "SourceIdentity": "me"},
    )
    assert 1 <= reply["PackedPolicySize"] <= 5
    assert reply["SourceIdentity"] == "me"
    with pytest.raises(AwsError) as info:
        sessions.assume_role(scope, None, {"RoleArn": role_arn, "RoleSessionName": "s1", "Policy": "[]"})
    assert info.value.code == "MalformedPolicyDocumentException"
    huge = {"Tags": [{"Key": "k" * 128, "Value": "v" * 256} for _ in range(50)]}
    assert (packed_policy_percent(huge) or 0) > 100
    with pytest.raises(AwsError) as info:
        sessions.assume_role(scope, None, {"RoleArn": role_arn, "RoleSessionName": "s1", **huge})
    assert info.value.code == "PackedPolicyTooLargeException"
