"""The signature parser under fuzz: malformed Authorization headers, presigned-query fields and
streaming chunk headers, sent over real HTTP to a real server. Every reply is a 4xx (never a 5xx)
with the protocol's error shape, and the server logs no traceback (checked at session end)."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.signing import signed_headers

TARGET = "AmazonEC2ContainerServiceV20141113.ListClusters"
JSON = "application/x-amz-json-1.1"
# what HTTP lets a header value hold (aiohttp itself refuses control characters before skiff sees them)
_text = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x10FF, exclude_categories=("Cc", "Cs")), max_size=40
)
_token = st.sampled_from(
    ["", "=", ",", "/", " ", ";", "%", "AWS4-HMAC-SHA256", "Credential=", "SignedHeaders=", "Signature=",
     "aws4_request", "20240101", "20240101T000000Z", "us-east-1", "ecs", "s3", "host", "x-amz-date",
     "0" * 64, "test"]
)  # fmt: skip
_pieces = st.lists(st.one_of(_token, _text), max_size=12).map("".join)
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _send(
    endpoint: str, method: str, path: str, headers: dict[str, str], body: bytes
) -> tuple[int, bytes, str]:
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=15)
    try:
        has_host = any(name.lower() == "host" for name in headers)
        conn.putrequest(method, path, skip_host=has_host, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value.encode("utf-8", "surrogateescape"))
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        reply = conn.getresponse()
        return reply.status, reply.read(), reply.getheader("Content-Type") or ""
    finally:
        conn.close()


def _assert_client_error(status: int, body: bytes, content_type: str) -> None:
    assert 400 <= status < 500, (status, body[:300])
    if "json" in content_type:
        assert "__type" in json.loads(body)
    else:
        assert b"<Code>" in body, body[:300]


def _valid(endpoint: str) -> dict[str, str]:
    return signed_headers(
        "POST", f"{endpoint}/", b"{}", {"X-Amz-Target": TARGET, "Content-Type": JSON}, "ecs"
    )


@SETTINGS
@given(authorization=_pieces)
def test_malformed_authorization_headers(endpoint: str, authorization: str) -> None:
    headers = {**_valid(endpoint), "Authorization": authorization}
    _assert_client_error(*_send(endpoint, "POST", "/", headers, b"{}"))


@SETTINGS
@given(part=st.sampled_from(["Credential", "SignedHeaders", "Signature"]), value=_pieces, date=_pieces)
def test_one_field_of_a_valid_header_corrupted(endpoint: str, part: str, value: str, date: str) -> None:
    headers = _valid(endpoint)
    fields = dict(item.strip().split("=", 1) for item in headers["Authorization"].split(" ", 1)[1].split(","))
    fields[part] = value
    headers["Authorization"] = "AWS4-HMAC-SHA256 " + ", ".join(f"{k}={v}" for k, v in fields.items())
    headers["X-Amz-Date"] = date or headers["X-Amz-Date"]
    _assert_client_error(*_send(endpoint, "POST", "/", headers, b"{}"))


_QUERY_FIELDS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                 "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token", "AWSAccessKeyId",
                 "Signature", "Expires")  # fmt: skip


@SETTINGS
@given(fields=st.dictionaries(st.sampled_from(_QUERY_FIELDS), _pieces, min_size=1, max_size=8))
def test_malformed_presigned_query_fields(endpoint: str, fields: dict[str, str]) -> None:
    query = urllib.parse.urlencode(fields, quote_via=urllib.parse.quote)
    status, body, content_type = _send(
        endpoint, "GET", f"/fuzz-bucket/key?{query}", {"Host": "localhost"}, b""
    )
    _assert_client_error(status, body, content_type)


_chunk_header = st.one_of(
    _pieces,
    st.builds(
        lambda size, sig: f"{size};chunk-signature={sig}",
        st.sampled_from(["0", "4", "ffffffffffff", "-1", "zz", ""]),
        _pieces,
    ),
)


@SETTINGS
@given(
    chunks=st.lists(st.tuples(_chunk_header, st.binary(max_size=20)), max_size=4), tail=st.binary(max_size=30)
)
def test_malformed_chunk_headers(
    endpoint: str, s3_bucket: str, chunks: list[tuple[str, bytes]], tail: bytes
) -> None:
    body = (
        b"".join(h.encode("utf-8", "surrogateescape") + b"\r\n" + data + b"\r\n" for h, data in chunks) + tail
    )
    url = f"{endpoint}/{s3_bucket}/fuzzed"
    headers = signed_headers(
        "PUT",
        url,
        b"",
        {"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked"},
        "s3",
    )
    status, reply, content_type = _send(endpoint, "PUT", f"/{s3_bucket}/fuzzed", headers, body)
    _assert_client_error(status, reply, content_type)


@pytest.fixture(scope="module")
def s3_bucket(client_factory: Any) -> str:
    name = "fuzz-signatures"
    client_factory("s3").create_bucket(Bucket=name)
    return name
