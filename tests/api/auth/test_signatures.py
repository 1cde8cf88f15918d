"""Signature checks on real requests: each failure gets the error AWS gives, per protocol."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import sqlite3
import time
import urllib.parse
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.api.auth.conftest import allow, client_for, policy
from tests.conftest import CREDENTIALS, SkiffServer
from tests.signing import signed_headers

ROOT = {
    "AccessKeyId": CREDENTIALS["AWS_ACCESS_KEY_ID"],
    "SecretAccessKey": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
}


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _send(endpoint: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def test_a_wrong_secret_is_refused_per_protocol(endpoint: str) -> None:
    wrong = {**ROOT, "SecretAccessKey": "not-the-secret"}
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "ecs", wrong).list_clusters()
    code, status, message = _error(info)
    assert (code, status) == ("InvalidSignatureException", 400)
    assert message.startswith(
        "The request signature we calculated does not match the signature you provided."
    )
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "sts", wrong).get_caller_identity()
    assert _error(info)[:2] == ("SignatureDoesNotMatch", 403)
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "s3", wrong).list_buckets()
    assert _error(info)[:2] == ("SignatureDoesNotMatch", 403)


def test_a_tampered_body_no_longer_matches(endpoint: str) -> None:
    body = json.dumps({"maxResults": 5}).encode()
    headers = {
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
        "Content-Type": "application/x-amz-json-1.1",
    }
    signed = signed_headers("POST", f"{endpoint}/", body, headers, "ecs")
    assert _send(endpoint, signed, body)[0] == 200
    status, raw = _send(endpoint, signed, json.dumps({"maxResults": 6}).encode())
    assert status == 400 and json.loads(raw)["__type"] == "InvalidSignatureException"
    tampered = {**signed, "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListTaskDefinitions"}
    status, raw = _send(endpoint, tampered, body)
    assert json.loads(raw)["__type"] == "InvalidSignatureException"


def test_an_unknown_key_is_refused(endpoint: str) -> None:
    unknown = {"AccessKeyId": "AKIAUNKNOWNUNKNOWN00", "SecretAccessKey": "x" * 40}
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "ecs", unknown).list_clusters()
    assert _error(info) == (
        "UnrecognizedClientException",
        400,
        "The security token included in the request is invalid.",
    )
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "iam", unknown).list_roles()
    assert _error(info) == (
        "InvalidClientTokenId",
        403,
        "The security token included in the request is invalid.",
    )
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "s3", unknown).list_buckets()
    assert _error(info)[:2] == ("InvalidAccessKeyId", 403)


def test_an_unsigned_request_is_refused(endpoint: str) -> None:
    status, raw = _send(
        endpoint,
        {
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
            "Content-Type": "application/x-amz-json-1.1",
        },
        b"{}",
    )
    assert status == 400 and json.loads(raw)["__type"] == "MissingAuthenticationTokenException"


def test_an_expired_session_gets_expired_token(
    skiff_server: SkiffServer, client_factory: Callable[..., Any], make_user: Callable[..., Any]
) -> None:
    endpoint = skiff_server.endpoint
    iam, sts = client_factory("iam"), client_factory("sts")
    trust = policy({"Effect": "Allow", "Principal": {"AWS": "000000000000"}, "Action": "sts:AssumeRole"})
    role = iam.create_role(
        RoleName=f"expiring-{make_user()[0].rsplit('/', 1)[1]}", AssumeRolePolicyDocument=trust
    )
    iam.put_role_policy(
        RoleName=role["Role"]["RoleName"], PolicyName="p", PolicyDocument=policy(allow("ecs:List*"))
    )
    credentials = sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="short", DurationSeconds=900)[
        "Credentials"
    ]
    as_role = client_for(endpoint, "ecs", credentials)
    assert "clusterArns" in as_role.list_clusters()
    # time passes: the session's expiry moves into the past in the server's own database (as
    # 15 minutes of waiting would), and the very same credentials are refused
    with sqlite3.connect(skiff_server.data_dir / "skiff.db") as db:
        db.execute(
            "UPDATE iam_credentials SET doc = json_set(doc, '$.Expiration.\"$dt\"', ?) WHERE pk = ?",
            ((dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat(), credentials["AccessKeyId"]),
        )
    time.sleep(1.2)  # a change skiff did not make itself is seen within a second (changes.MAX_AGE)
    with pytest.raises(ClientError) as info:
        as_role.list_clusters()
    assert _error(info) == (
        "ExpiredTokenException",
        400,
        "The security token included in the request is expired",
    )
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "sts", credentials).get_caller_identity()
    assert _error(info)[:2] == ("ExpiredToken", 403)
    wrong_token = {**credentials, "SessionToken": "bm90LXRoZS10b2tlbg=="}
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "ecs", wrong_token).list_clusters()
    assert _error(info)[0] == "UnrecognizedClientException"


@pytest.mark.parametrize("minutes", [-20, 20])
def test_a_twenty_minute_skew_is_refused(endpoint: str, minutes: int) -> None:
    skewed = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)
    with mock.patch("botocore.auth.get_current_datetime", return_value=skewed.replace(tzinfo=None)):
        with pytest.raises(ClientError) as info:
            client_for(endpoint, "ecs", ROOT).list_clusters()
        code, status, message = _error(info)
        assert (code, status) == ("InvalidSignatureException", 400)
        assert message.startswith("Signature expired:" if minutes < 0 else "Signature not yet current:")
        assert "15 min." in message
        with pytest.raises(ClientError) as info:
            client_for(endpoint, "s3", ROOT).list_buckets()
        assert _error(info)[:2] == ("RequestTimeTooSkewed", 403)
        with pytest.raises(ClientError) as info:
            client_for(endpoint, "ec2", ROOT).describe_vpcs()
        assert _error(info)[:2] == ("RequestExpired", 400)
    # ten minutes is within the window
    near = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    with mock.patch("botocore.auth.get_current_datetime", return_value=near.replace(tzinfo=None)):
        assert "clusterArns" in client_for(endpoint, "ecs", ROOT).list_clusters()


def test_keys_that_verify(endpoint: str, make_user: Callable[..., Any]) -> None:
    _, key = make_user(policy(allow("ecs:ListClusters")))
    assert "clusterArns" in client_for(endpoint, "ecs", key).list_clusters()
    creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    body = b"{}"
    headers = {
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters",
        "Content-Type": "application/x-amz-json-1.1",
    }
    assert (
        _send(
            endpoint, signed_headers("POST", f"{endpoint}/", body, headers, "ecs", credentials=creds), body
        )[0]
        == 200
    )
