"""SigV4 recomputed as AWS defines it: AWS's published example, and any request botocore signs."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from skiff.api.http import HttpRequest
from skiff.auth import chunks
from skiff.auth.signature import (
    STREAMING_PAYLOAD,
    MalformedSignature,
    canonical_uri,
    expected_signature,
    parse,
    signing_key,
)

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
CREDS = Credentials("AKIDEXAMPLE", SECRET)


def _incoming(request: AWSRequest) -> HttpRequest:
    """What the gateway would see of a request botocore prepared."""
    prepared = request.prepare()
    url = urlsplit(prepared.url)
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    headers.setdefault("host", url.netloc)
    body = prepared.body or b""
    return HttpRequest(
        prepared.method,
        url.path or "/",
        url.query,
        headers,
        body if isinstance(body, bytes) else body.encode(),
    )


def test_aws_get_vanilla_example() -> None:
    """AWS's SigV4 test suite, get-vanilla: GET / on example.amazonaws.com."""
    request = HttpRequest(
        "GET", "/", "", {"host": "example.amazonaws.com", "x-amz-date": "20150830T123600Z"}, b""
    )
    request = HttpRequest(
        request.method,
        request.path,
        request.query_string,
        {
            **request.headers,
            "authorization": "AWS4-HMAC-SHA256 "
            "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        },
    )
    signed = parse(request, s3=False)
    assert signed is not None
    assert expected_signature(request, signed, SECRET, s3=False) == signed.signature


def test_aws_streaming_upload_example() -> None:
    """The S3 guide's chunked PUT example: seed signature, two data chunks and the final chunk."""
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    headers = {
        "host": "s3.amazonaws.com",
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": STREAMING_PAYLOAD,
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "content-length": "66824",
        "authorization": "AWS4-HMAC-SHA256 "
        "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class, "
        "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    }
    sigs = (
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    )
    body = (
        f"10000;chunk-signature={sigs[0]}\r\n".encode() + b"a" * 65536 + b"\r\n"
        + f"400;chunk-signature={sigs[1]}\r\n".encode() + b"a" * 1024 + b"\r\n"
        + f"0;chunk-signature={sigs[2]}\r\n\r\n".encode()
    )  # fmt: skip
    request = HttpRequest("PUT", "/examplebucket/chunkObject.txt", "", headers, body)
    signed = parse(request, s3=True)
    assert signed is not None
    assert expected_signature(request, signed, secret, s3=True) == signed.signature
    key = signing_key(secret, signed.date, signed.region, signed.service)
    chunks.verify(request.body, signed, key, trailer=False)
    with pytest.raises(chunks.ChunkSignatureMismatch):
        chunks.verify(body.replace(b"a" * 1024, b"b" * 1024), signed, key, trailer=False)
    with pytest.raises(chunks.ChunkSignatureMismatch):  # the chunks swapped: the chain breaks
        swapped = body.replace(sigs[0].encode(), sigs[1].encode(), 1)
        chunks.verify(swapped, signed, key, trailer=False)
    with pytest.raises(chunks.MalformedChunk):
        chunks.verify(body[:-40], signed, key, trailer=False)


def test_trailer_signature_is_checked() -> None:
    signed = parse(
        HttpRequest(
            "PUT",
            "/b/k",
            "",
            {
                "host": "h",
                "x-amz-date": "20240101T000000Z",
                "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                "authorization": f"AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/s3/aws4_request, "
                f"SignedHeaders=host, Signature={'1' * 64}",
            },
        ),
        s3=True,
    )
    assert signed is not None
    key = signing_key("secret", signed.date, signed.region, signed.service)
    empty = hashlib.sha256(b"").hexdigest()

    def sign(text: str) -> str:
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    first = sign(
        f"AWS4-HMAC-SHA256-PAYLOAD\n{signed.amz_date}\n{signed.scope}\n{'1' * 64}\n{empty}\n"
        + hashlib.sha256(b"data").hexdigest()
    )
    final = sign(f"AWS4-HMAC-SHA256-PAYLOAD\n{signed.amz_date}\n{signed.scope}\n{first}\n{empty}\n{empty}")
    trailer = b"x-amz-checksum-crc32:AAAAAA==\n"
    trailer_sig = sign(
        f"AWS4-HMAC-SHA256-TRAILER\n{signed.amz_date}\n{signed.scope}\n{final}\n{hashlib.sha256(trailer).hexdigest()}"
    )
    body = (
        f"4;chunk-signature={first}\r\ndata\r\n0;chunk-signature={final}\r\n".encode()
        + b"x-amz-checksum-crc32:AAAAAA==\r\n"
        + f"x-amz-trailer-signature:{trailer_sig}\r\n\r\n".encode()
    )
    chunks.verify(body, signed, key, trailer=True)
    with pytest.raises(chunks.ChunkSignatureMismatch):
        chunks.verify(body.replace(b"AAAAAA==", b"BBBBBB=="), signed, key, trailer=True)


_segment = st.text(
    st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="/?#"), min_size=1, max_size=8
)
_paths = st.lists(_segment, min_size=0, max_size=4).map(lambda parts: "/" + "/".join(parts))
_params = st.dictionaries(_segment, st.text(max_size=10), max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    path=_paths, params=_params, body=st.binary(max_size=64), service=st.sampled_from(["ecs", "iam", "s3"])
)
def test_any_request_botocore_signs_verifies(
    path: str, params: dict[str, str], body: bytes, service: str
) -> None:
    from urllib.parse import quote, urlencode

    url = (
        "https://skiff.test"
        + quote(path, safe="/~")
        + ("?" + urlencode(params, quote_via=quote) if params else "")
    )
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/x-amz-json-1.1"}
    )
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(CREDS, service, "eu-west-1").add_auth(request)
    incoming = _incoming(request)
    signed = parse(incoming, s3=service == "s3")
    assert signed is not None and signed.access_key_id == "AKIDEXAMPLE"
    assert expected_signature(incoming, signed, SECRET, s3=service == "s3") == signed.signature
    assert expected_signature(incoming, signed, SECRET + "x", s3=service == "s3") != signed.signature


@pytest.mark.parametrize("service", ["s3", "sts"])
def test_presigned_urls_verify(service: str) -> None:
    query_auth = S3SigV4QueryAuth if service == "s3" else SigV4QueryAuth
    request = AWSRequest(method="GET", url="https://skiff.test/bucket/a%20key.txt?versionId=3", headers={})
    query_auth(CREDS, service, "us-east-1", expires=60).add_auth(request)
    incoming = _incoming(request)
    signed = parse(incoming, s3=service == "s3")
    assert signed is not None and signed.presigned and signed.expires == 60
    assert expected_signature(incoming, signed, SECRET, s3=service == "s3") == signed.signature


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ecs/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AK/2024/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature="
        + "0" * 64,
        "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ecs/aws4_request, SignedHeaders=Host, Signature="
        + "0" * 64,
        "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host, "
        "Signature=zz",
        "AWS AKID:signature",
        "AWS4-HMAC-SHA256 Credential=AK/20240101/us-east-1/ecs/aws4_request, garbage",
    ],
)
def test_malformed_authorization_headers(authorization: str) -> None:
    request = HttpRequest("POST", "/", "", {"authorization": authorization, "x-amz-date": "20240101T000000Z"})
    with pytest.raises(MalformedSignature):
        parse(request, s3=False)


def test_canonical_uri() -> None:
    assert canonical_uri("/a/./b/../c//d/", s3=False) == "/a/c/d/"
    assert canonical_uri("/a%20b", s3=False) == "/a%2520b"  # encoded once more
    assert canonical_uri("/a%20b/../x", s3=True) == "/a%20b/../x"  # S3 signs the path as sent
    assert canonical_uri("", s3=False) == "/"
