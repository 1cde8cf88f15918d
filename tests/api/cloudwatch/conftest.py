"""Fixtures of the CloudWatch API tests: a client in a region of their own, and calls over each
of the model's protocols (rpc-v2-cbor is what boto3 and the CLI speak; awsJson 1.0 and query are
built and read by botocore's own serializers and parsers)."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from tests.signing import signed_headers

REGION = "eu-north-1"
MODEL = botocore.session.get_session().get_service_model("cloudwatch")


@pytest.fixture(scope="module")
def cw(client_factory: Callable[..., Any]) -> Any:
    return client_factory("cloudwatch", region=REGION)


def call(
    endpoint: str, protocol: str, operation: str, params: dict[str, Any], region: str = REGION
) -> tuple[int, dict[str, Any], HeadersDict]:
    """One CloudWatch call over `protocol` (smithy-rpc-v2-cbor, json or query): status, parsed, headers."""
    op = MODEL.operation_model(operation)
    request = create_serializer(protocol, include_validation=False).serialize_to_request(params, op)
    url = urllib.parse.urlsplit(endpoint)
    body = request["body"]
    if isinstance(body, dict):
        body = urllib.parse.urlencode(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    headers = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in request["headers"].items()}
    if protocol == "query":
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    headers = signed_headers("POST", endpoint + request["url_path"], body, headers, "monitoring", region)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=30)
    try:
        conn.request("POST", request["url_path"], body=body, headers=headers)
        reply = conn.getresponse()
        raw, status, reply_headers = reply.read(), reply.status, HeadersDict(reply.getheaders())
    finally:
        conn.close()
    parser = create_parser(protocol)
    shape = op.output_shape if status < 300 else None
    parsed: dict[str, Any] = parser.parse(
        {"status_code": status, "headers": reply_headers, "body": raw}, shape
    )
    return status, parsed, reply_headers
