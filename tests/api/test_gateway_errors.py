"""Bad input at the HTTP level gets AWS-shaped 4xx replies, never a 5xx or a traceback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.signing import signed_headers

TARGET = "AmazonEC2ContainerServiceV20141113"


def post(endpoint: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(endpoint + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def ecs_call(endpoint: str, op: str, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"X-Amz-Target": f"{TARGET}.{op}", "Content-Type": "application/x-amz-json-1.1"}
    status, headers, raw = post(endpoint, body, signed_headers("POST", f"{endpoint}/", body, headers, "ecs"))
    return status, json.loads(raw), headers


def test_malformed_json(endpoint: str) -> None:
    status, body, headers = ecs_call(endpoint, "ListClusters", b"{not json")
    assert status == 400
    assert body["__type"] == "SerializationException"
    assert headers["x-amzn-RequestId"]


def test_unknown_operation(endpoint: str) -> None:
    status, body, _ = ecs_call(endpoint, "LaunchRockets", b"{}")
    assert (status, body["__type"]) == (400, "UnknownOperationException")


def test_wrong_member_type(endpoint: str) -> None:
    status, body, _ = ecs_call(endpoint, "ListClusters", json.dumps({"maxResults": "ten"}).encode())
    assert (status, body["__type"]) == (400, "SerializationException")
    assert "maxResults" in body["message"]


def test_missing_required_member(endpoint: str) -> None:
    status, body, _ = ecs_call(endpoint, "DeleteCluster", b"{}")
    assert (status, body["__type"]) == (400, "ValidationException")
    assert body["message"] == (
        "1 validation error detected: Value null at 'cluster' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_enum_and_several_errors(endpoint: str) -> None:
    payload = {"status": "SLEEPING", "sort": "UP"}
    status, body, _ = ecs_call(endpoint, "ListTaskDefinitions", json.dumps(payload).encode())
    assert (status, body["__type"]) == (400, "ValidationException")
    assert body["message"].startswith("2 validation errors detected: ")
    assert "Member must satisfy enum value set: [ACTIVE, INACTIVE, DELETE_IN_PROGRESS]" in body["message"]


def test_unimplemented_operation_is_a_client_error(endpoint: str) -> None:
    status, body, _ = ecs_call(endpoint, "ListContainerInstances", b"{}")
    assert status == 400
    assert body["__type"] == "UnsupportedOperation"


@pytest.mark.parametrize("body", [b"[]", b"null", b'"x"', b"\xff\xfe", b"{" * 5000])
def test_strange_bodies(endpoint: str, body: bytes) -> None:
    status, reply, _ = ecs_call(endpoint, "ListClusters", body)
    assert 400 <= status < 500
    assert reply["__type"]


def test_no_operation_at_all(endpoint: str) -> None:
    status, _, raw = post(endpoint, b"hello", {"Content-Type": "text/plain"})
    assert 400 <= status < 500
    assert raw


def test_query_protocol_missing_action(endpoint: str) -> None:
    auth = (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/iam/aws4_request, "
        "SignedHeaders=host, Signature=00"
    )
    status, _, raw = post(
        endpoint,
        b"Version=2010-05-08",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth},
    )
    assert status == 400
    assert b"<Code>MissingAction</Code>" in raw
