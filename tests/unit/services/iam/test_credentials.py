"""The issued-credentials registry: issue once, identify, expire, keep no secrets."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from skiff.api.errors import AwsError
from skiff.services.iam.backend import IamBackend
from skiff.services.iam.credentials import CREDENTIALS
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.iam.conftest import SEALER, TRUST

NOW = dt.datetime(2030, 1, 1, 12, 0, 0, 500, tzinfo=dt.UTC)


@pytest.fixture
def role(iam: IamBackend, scope: Scope) -> dict[str, str]:
    return iam.roles.create(
        scope, {"RoleName": "TaskRole", "Path": "/ecs/", "AssumeRolePolicyDocument": TRUST}
    )


def test_issue_returns_the_secrets_once(iam: IamBackend, scope: Scope, role: dict[str, str]) -> None:
    issued = iam.credentials.issue(scope, role["Arn"], "task-1", 3600, now=NOW)
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", issued["AccessKeyId"])
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", issued["SecretAccessKey"])
    assert len(issued["SessionToken"]) > 100
    assert issued["Expiration"] == dt.datetime(2030, 1, 1, 13, 0, 0, tzinfo=dt.UTC)
    assert issued["RoleArn"] == role["Arn"]
    assert issued["AssumedRoleId"] == f"{role['RoleId']}:task-1"
    assert issued["AssumedRoleArn"] == "arn:aws:sts::000000000000:assumed-role/TaskRole/task-1"


def test_the_store_keeps_no_secret(
    iam: IamBackend, scope: Scope, role: dict[str, str], store: SqliteStore
) -> None:
    issued = iam.credentials.issue(scope, role["Arn"], "task-1", 3600)
    raw = repr(store.get(CREDENTIALS, issued["AccessKeyId"]))
    assert issued["SecretAccessKey"] not in raw
    assert issued["SessionToken"] not in raw
    found = iam.credentials.find(issued["AccessKeyId"])
    assert found is not None and "SecretDigest" not in found and "TokenDigest" not in found
    assert iam.credentials.verify(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
    assert iam.credentials.verify(issued["AccessKeyId"], issued["SecretAccessKey"], None)
    assert not iam.credentials.verify(issued["AccessKeyId"], "x" * 40, None)
    assert not iam.credentials.verify(issued["AccessKeyId"], issued["SecretAccessKey"], "other")
    assert not iam.credentials.verify("ASIANOTISSUED0000000", issued["SecretAccessKey"], None)


def test_identity_of(iam: IamBackend, scope: Scope, role: dict[str, str]) -> None:
    issued = iam.credentials.issue(scope, role["Arn"], "sess", 900, now=NOW)
    identity = iam.credentials.identity_of(issued["AccessKeyId"], now=NOW + dt.timedelta(seconds=899))
    assert identity == {
        "Account": "000000000000",
        "RoleArn": role["Arn"],
        "RoleId": role["RoleId"],
        "RoleName": "TaskRole",
        "SessionName": "sess",
        "Expiration": NOW.replace(microsecond=0) + dt.timedelta(seconds=900),
        "Arn": "arn:aws:sts::000000000000:assumed-role/TaskRole/sess",
        "UserId": f"{role['RoleId']}:sess",
    }
    assert iam.credentials.identity_of(issued["AccessKeyId"], now=NOW + dt.timedelta(seconds=900)) is None
    assert iam.credentials.identity_of("AKIAIOSFODNN7EXAMPLE") is None


def test_reissuing_a_session_forgets_its_expired_keys(
    iam: IamBackend, scope: Scope, role: dict[str, str]
) -> None:
    old = iam.credentials.issue(scope, role["Arn"], "task-1", 900, now=NOW)
    other = iam.credentials.issue(scope, role["Arn"], "task-2", 900, now=NOW)
    live = iam.credentials.issue(scope, role["Arn"], "task-1", 3600, now=NOW + dt.timedelta(seconds=600))
    assert iam.credentials.find(old["AccessKeyId"]) is not None  # not expired yet
    iam.credentials.issue(scope, role["Arn"], "task-1", 3600, now=NOW + dt.timedelta(seconds=1200))
    assert iam.credentials.find(old["AccessKeyId"]) is None
    assert iam.credentials.find(live["AccessKeyId"]) is not None
    assert iam.credentials.find(other["AccessKeyId"]) is not None  # another session


def test_issue_needs_a_role_of_the_account(iam: IamBackend, scope: Scope, role: dict[str, str]) -> None:
    with pytest.raises(AwsError) as info:
        iam.credentials.issue(scope, "arn:aws:iam::000000000000:role/ecs/Absent", "s1", 900)
    assert (info.value.code, info.value.message) == (
        "NoSuchEntityException",
        "The role with name Absent cannot be found.",
    )
    with pytest.raises(AwsError) as info:
        iam.credentials.issue(Scope("111111111111", "us-east-1"), role["Arn"], "s1", 900)
    assert info.value.code == "NoSuchEntityException"
    with pytest.raises(AwsError) as info:
        iam.credentials.issue(scope, "arn:aws:s3:::bucket", "s1", 900)
    assert info.value.code == "InvalidInputException"
    with pytest.raises(ValueError):
        iam.credentials.issue(scope, role["Arn"], "s1", 60)


def test_credentials_survive_a_restart(tmp_path: Path, scope: Scope) -> None:
    path = tmp_path / "restart.db"
    store = SqliteStore(path)
    iam = IamBackend(store, SEALER)
    arn = iam.roles.create(scope, {"RoleName": "r", "AssumeRolePolicyDocument": TRUST})["Arn"]
    key = iam.credentials.issue(scope, arn, "s1", 900)["AccessKeyId"]
    store.close()
    reopened = SqliteStore(path)
    identity = IamBackend(reopened, SEALER).credentials.identity_of(key)
    assert identity is not None and identity["Arn"].endswith("/r/s1")
    reopened.close()
