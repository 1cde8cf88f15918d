"""S3 and signatures: presigned URLs until they expire, signed streaming uploads chunk by chunk,
and bucket policies as resource policies."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.api.auth.conftest import allow, client_for, deny, policy
from tests.conftest import CREDENTIALS


def _get(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def s3(client_factory: Callable[..., Any]) -> Any:
    return client_factory("s3", s3={"addressing_style": "path"})


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"auth-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="dir/file.txt", Body=b"presigned body")
    return name


@pytest.fixture(scope="module")
def s3v4(client_factory: Callable[..., Any]) -> Any:
    return client_factory("s3", s3={"addressing_style": "path"}, signature_version="s3v4")


@pytest.mark.parametrize("version", ["s3", "s3v4"])
def test_a_presigned_url_works_until_it_expires(s3: Any, s3v4: Any, bucket: str, version: str) -> None:
    signer = s3 if version == "s3" else s3v4  # boto3's default presigns with SigV2
    url = signer.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "dir/file.txt"}, ExpiresIn=2
    )
    assert _get(url) == (200, b"presigned body")
    tampered = url.replace("dir/file.txt", "dir/other.txt")
    status, body = _get(tampered)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    time.sleep(3)
    status, body = _get(url)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body and b"Request has expired" in body


def test_a_presigned_put_uploads(s3: Any, s3v4: Any, bucket: str) -> None:
    url = s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    assert _get(url, data=b"uploaded", method="PUT", headers={"Content-Type": ""})[0] == 200
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"


def _chunked(data: list[bytes], seed: str, key: bytes, amz_date: str, scope: str) -> bytes:
    """The signed chunk stream of `data`, each signature chained to the previous one."""
    empty = hashlib.sha256(b"").hexdigest()
    previous, out = seed, b""
    for chunk in [*data, b""]:
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty, hashlib.sha256(chunk).hexdigest()]
        )
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        out += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk + b"\r\n"
    return out


def _streaming_put(
    endpoint: str, bucket: str, key_name: str, data: list[bytes], tamper: bool = False
) -> tuple[int, bytes]:
    url = f"{endpoint}/{bucket}/{key_name}"
    total = sum(len(d) for d in data)
    headers = {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(total),
    }
    creds = Credentials(CREDENTIALS["AWS_ACCESS_KEY_ID"], CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    request = AWSRequest(method="PUT", url=url, headers=headers)
    signer = SigV4Auth(creds, "s3", "us-east-1")
    signer._normalize_url_path = lambda path: path  # type: ignore[method-assign]  # S3 signs the path as sent
    signer.add_auth(request)
    auth = request.headers["Authorization"]
    seed = auth.rsplit("Signature=", 1)[1]
    amz_date = request.headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    signing = signer._sign(("AWS4" + creds.secret_key).encode(), amz_date[:8])
    for part in ("us-east-1", "s3", "aws4_request"):
        signing = signer._sign(signing, part)
    body = _chunked(data, seed, signing, amz_date, scope)
    if tamper:
        body = body.replace(data[0], data[0].upper(), 1)
    return _get(url, data=body, headers=dict(request.headers.items()), method="PUT")


def test_signed_streaming_upload_is_verified_chunk_by_chunk(endpoint: str, s3: Any, bucket: str) -> None:
    parts = [b"a" * 8192, b"second chunk", b"third"]
    status, body = _streaming_put(endpoint, bucket, "streamed.txt", parts)
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="streamed.txt")["Body"].read() == b"".join(parts)
    status, body = _streaming_put(endpoint, bucket, "tampered.txt", parts, tamper=True)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="tampered.txt")


def test_a_bucket_policy_grants_and_denies(
    endpoint: str, s3: Any, bucket: str, make_user: Callable[..., Any]
) -> None:
    arn, key = make_user(None)
    as_user = client_for(endpoint, "s3", key)
    with pytest.raises(ClientError) as info:
        as_user.get_object(Bucket=bucket, Key="dir/file.txt")
    assert info.value.response["Error"]["Code"] == "AccessDenied"
    assert info.value.response["Error"]["Message"] == (
        f"User: {arn} is not authorized to perform: s3:GetObject on resource: "
        f'"arn:aws:s3:::{bucket}/dir/file.txt" because no identity-based policy allows the '
        "s3:GetObject action"
    )
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": arn},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(grant))
    assert as_user.get_object(Bucket=bucket, Key="dir/file.txt")["Body"].read() == b"presigned body"
    assert "Statement" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
    # an explicit deny in the bucket policy beats an identity allow
    _, reader = make_user(policy(allow("s3:*")))
    everyone = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/dir/*",
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(grant, everyone))
    with pytest.raises(ClientError) as info:
        client_for(endpoint, "s3", reader).get_object(Bucket=bucket, Key="dir/file.txt")
    assert info.value.response["Error"]["Message"].endswith(
        "with an explicit deny in a resource-based policy"
    )
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as info:
        s3.get_bucket_policy(Bucket=bucket)
    assert info.value.response["Error"]["Code"] == "NoSuchBucketPolicy"


def test_listing_conditions_on_prefix(
    endpoint: str, s3: Any, bucket: str, make_user: Callable[..., Any]
) -> None:
    only_dir = allow(
        "s3:ListBucket", f"arn:aws:s3:::{bucket}", Condition={"StringLike": {"s3:prefix": "dir/*"}}
    )
    _, key = make_user(policy(only_dir, deny("s3:DeleteBucket")))
    as_user = client_for(endpoint, "s3", key)
    assert [o["Key"] for o in as_user.list_objects_v2(Bucket=bucket, Prefix="dir/")["Contents"]] == [
        "dir/file.txt"
    ]
    with pytest.raises(ClientError):
        as_user.list_objects_v2(Bucket=bucket)
