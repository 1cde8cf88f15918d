"""STS through real boto3: GetCallerIdentity with plain keys and with AssumeRole credentials."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.api.iam.conftest import TRUST_TEXT, assert_error, unique


def test_caller_identity_of_plain_keys_is_the_account_root(sts: Any) -> None:
    identity = sts.get_caller_identity()
    assert identity["Account"] == "000000000000"
    assert identity["Arn"] == "arn:aws:iam::000000000000:root"
    assert identity["UserId"] == "000000000000"


def _client_with(endpoint: str, service: str, credentials: dict[str, Any]) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        config=Config(retries={"max_attempts": 1}),
    )


def test_assume_role_and_use_the_credentials(sts: Any, iam: Any, role: str, endpoint: str) -> None:
    role_doc = iam.get_role(RoleName=role)["Role"]
    reply = sts.assume_role(RoleArn=role_doc["Arn"], RoleSessionName="my-session", DurationSeconds=900)
    credentials = reply["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", credentials["AccessKeyId"])
    assert len(credentials["SecretAccessKey"]) == 40
    assert credentials["SessionToken"]
    expires_in = credentials["Expiration"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=880) < expires_in <= dt.timedelta(seconds=900)
    assumed_arn = f"arn:aws:sts::000000000000:assumed-role/{role}/my-session"
    assert reply["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role_doc['RoleId']}:my-session",
        "Arn": assumed_arn,
    }
    assert "PackedPolicySize" not in reply

    as_role = _client_with(endpoint, "sts", credentials)
    identity = as_role.get_caller_identity()
    assert identity["Arn"] == assumed_arn
    assert identity["UserId"] == f"{role_doc['RoleId']}:my-session"
    assert identity["Account"] == "000000000000"
    # the role remembers it was used
    assert iam.get_role(RoleName=role)["Role"]["RoleLastUsed"]["Region"] == "us-east-1"


def test_assume_role_of_a_missing_role_is_access_denied(sts: Any) -> None:
    arn = "arn:aws:iam::000000000000:role/no-such-role-here"
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=arn, RoleSessionName="s1")
    assert_error(
        info,
        "AccessDenied",
        403,
        "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole "
        f"on resource: {arn}",
    )


def test_assume_role_duration_limits(sts: Any, sts_unchecked: Any, iam: Any) -> None:
    name = unique("dur")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_TEXT)["Role"]["Arn"]
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=arn, RoleSessionName="ss", DurationSeconds=7200)
    assert_error(
        info,
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    with pytest.raises(ClientError) as info:
        sts_unchecked.assume_role(RoleArn=arn, RoleSessionName="ss", DurationSeconds=60)
    assert_error(info, "ValidationError", 400)
    iam.update_role(RoleName=name, MaxSessionDuration=7200)
    assert sts.assume_role(RoleArn=arn, RoleSessionName="ss", DurationSeconds=7200)["Credentials"]


def test_role_chaining_is_limited_to_an_hour(sts: Any, iam: Any, role: str, endpoint: str) -> None:
    arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    iam.update_role(RoleName=role, MaxSessionDuration=7200)
    # chaining needs the role to allow sts:AssumeRole and its trust to let the account in
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    may_assume = {"Version": "2012-10-17", "Statement": [{**allow, "Resource": arn}]}
    iam.put_role_policy(RoleName=role, PolicyName="chain", PolicyDocument=json.dumps(may_assume))
    trust = {"Version": "2012-10-17", "Statement": [{**allow, "Principal": {"AWS": "000000000000"}}]}
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))
    first = sts.assume_role(RoleArn=arn, RoleSessionName="first")["Credentials"]
    as_role = _client_with(endpoint, "sts", first)
    with pytest.raises(ClientError) as info:
        as_role.assume_role(RoleArn=arn, RoleSessionName="second", DurationSeconds=7200)
    assert_error(info, "ValidationError", 400)
    chained = as_role.assume_role(RoleArn=arn, RoleSessionName="second")
    assert chained["AssumedRoleUser"]["Arn"].endswith(f"/{role}/second")


def test_session_policy_reports_packed_size(sts: Any, iam: Any, role: str) -> None:
    arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    reply = sts.assume_role(RoleArn=arn, RoleSessionName="scoped", Policy=policy)
    assert 0 < reply["PackedPolicySize"] <= 100
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=arn, RoleSessionName="scoped", Policy="{not json")
    assert_error(info, "MalformedPolicyDocument", 400)


def test_cli_assume_role(aws: Callable[..., Any], iam: Any, role: str) -> None:
    arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    reply = json.loads(aws("sts", "assume-role", "--role-arn", arn, "--role-session-name", "cli").stdout)
    assert reply["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::000000000000:assumed-role/{role}/cli"
