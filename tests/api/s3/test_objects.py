"""S3 objects through real boto3: put/get/head/delete/copy, ranges, conditions, listing, errors."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import unique_bucket

ODD_KEYS = [
    "plain.txt",
    "with space",
    "plus+sign",
    "dir/nested/key",
    "ünïcödé",
    "percent%20",
    "q?a=b&c#d",
    "~tilde",
]


def client_error(call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response: dict[str, Any] = info.value.response
    return response


def test_put_get_head_with_metadata(s3: Any, bucket: str) -> None:
    data = b"A=1\nB=two\n"
    put = s3.put_object(
        Bucket=bucket, Key="env/app.env", Body=data, ContentType="text/plain", Metadata={"Owner": "me"}
    )
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="env/app.env")
    assert got["Body"].read() == data
    assert got["ContentLength"] == len(data) and got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"owner": "me"} and got["ETag"] == put["ETag"]
    assert isinstance(got["LastModified"], dt.datetime)
    head = s3.head_object(Bucket=bucket, Key="env/app.env")
    assert head["ContentLength"] == len(data) and head["Metadata"] == {"owner": "me"}


@pytest.mark.parametrize("key", ODD_KEYS)
def test_keys_with_any_characters(s3: Any, s3_virtual: Any, bucket: str, key: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    assert s3_virtual.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode()
    listed = s3.list_objects_v2(Bucket=bucket)  # boto3 asks for EncodingType=url and decodes it
    assert [c["Key"] for c in listed["Contents"]] == [key]
    assert [c["Key"] for c in s3.list_objects(Bucket=bucket)["Contents"]] == [key]


def test_no_such_key_error_body(s3: Any, bucket: str) -> None:
    reply = client_error(s3.get_object, Bucket=bucket, Key="missing/key")
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert reply["Error"]["Code"] == "NoSuchKey"
    assert reply["Error"]["Key"] == "missing/key"
    assert reply["Error"]["Message"] == "The specified key does not exist."
    assert reply["ResponseMetadata"]["RequestId"]
    head = client_error(s3.head_object, Bucket=bucket, Key="missing/key")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_ranges(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    part = s3.get_object(Bucket=bucket, Key="digits", Range="bytes=2-5")
    assert part["Body"].read() == b"2345"
    assert part["ContentRange"] == "bytes 2-5/10" and part["ContentLength"] == 4
    assert s3.get_object(Bucket=bucket, Key="digits", Range="bytes=-3")["Body"].read() == b"789"
    reply = client_error(s3.get_object, Bucket=bucket, Key="digits", Range="bytes=10-20")
    assert reply["Error"]["Code"] == "InvalidRange"
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 416


def test_conditional_gets(s3: Any, bucket: str) -> None:
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["ETag"]
    not_modified = client_error(s3.get_object, Bucket=bucket, Key="k", IfNoneMatch=etag)
    assert not_modified["ResponseMetadata"]["HTTPStatusCode"] == 304
    failed = client_error(s3.get_object, Bucket=bucket, Key="k", IfMatch='"0000"')
    assert failed["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert failed["Error"]["Code"] == "PreconditionFailed"
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    unchanged = client_error(s3.get_object, Bucket=bucket, Key="k", IfModifiedSince=future)
    assert unchanged["ResponseMetadata"]["HTTPStatusCode"] == 304
    assert s3.get_object(Bucket=bucket, Key="k", IfMatch=etag)["Body"].read() == b"x"


def test_content_md5_mismatch_is_bad_digest(s3: Any, bucket: str) -> None:
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    reply = client_error(s3.put_object, Bucket=bucket, Key="k", Body=b"data", ContentMD5=wrong)
    assert reply["Error"]["Code"] == "BadDigest"
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 400
    right = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", ContentMD5=right)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256", "SHA1"])
def test_flexible_checksums_are_stored_and_verified_by_botocore(s3: Any, bucket: str, algorithm: str) -> None:
    put = s3.put_object(Bucket=bucket, Key="c", Body=b"checked body", ChecksumAlgorithm=algorithm)
    value = put[f"Checksum{algorithm}"]
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == value
    assert got["Body"].read() == b"checked body"  # botocore checks the body against the checksum
    head = s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == value


def test_delete_object_is_idempotent(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="k")["ResponseMetadata"]["HTTPStatusCode"] in (200, 204)
    s3.delete_object(Bucket=bucket, Key="k")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_objects(s3: Any, bucket: str) -> None:
    for key in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    reply = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "nope"}, {"Key": "zzz"}]}
    )
    assert sorted(d["Key"] for d in reply["Deleted"]) == ["a", "zzz"]
    assert reply["Errors"][0]["Key"] == "b" and reply["Errors"][0]["Code"] == "NoSuchVersion"
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "b"}, {"Key": "c"}], "Quiet": True})
    assert "Deleted" not in quiet and "Errors" not in quiet
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_copy_object(s3: Any, bucket: str) -> None:
    other = unique_bucket("copy")
    s3.create_bucket(Bucket=other)
    etag = s3.put_object(Bucket=bucket, Key="src file", Body=b"payload", Metadata={"a": "1"})["ETag"]
    result = s3.copy_object(Bucket=other, Key="dst", CopySource={"Bucket": bucket, "Key": "src file"})
    assert result["CopyObjectResult"]["ETag"] == etag
    got = s3.get_object(Bucket=other, Key="dst")
    assert got["Body"].read() == b"payload" and got["Metadata"] == {"a": "1"}
    s3.copy_object(
        Bucket=other,
        Key="dst",
        CopySource=f"{bucket}/src file",
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        ContentType="text/x-new",
    )
    head = s3.head_object(Bucket=other, Key="dst")
    assert head["Metadata"] == {"b": "2"} and head["ContentType"] == "text/x-new"
    reply = client_error(s3.copy_object, Bucket=other, Key="x", CopySource={"Bucket": bucket, "Key": "nope"})
    assert reply["Error"]["Code"] == "NoSuchKey"
    same = client_error(s3.copy_object, Bucket=bucket, Key="src file", CopySource=f"{bucket}/src file")
    assert same["Error"]["Code"] == "InvalidRequest"


def test_list_objects_v2_prefix_delimiter_and_pagination(s3: Any, bucket: str) -> None:
    keys = [f"logs/2024/{i:02d}.log" for i in range(7)] + ["logs/readme", "other/x", "top"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    rolled = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["logs/", "other/"]
    assert [c["Key"] for c in rolled["Contents"]] == ["top"] and rolled["KeyCount"] == 3
    inner = s3.list_objects_v2(Bucket=bucket, Prefix="logs/", Delimiter="/")
    assert [p["Prefix"] for p in inner["CommonPrefixes"]] == ["logs/2024/"]
    assert [c["Key"] for c in inner["Contents"]] == ["logs/readme"]
    pages = list(
        s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3})
    )
    assert len(pages) == 4
    assert [c["Key"] for p in pages for c in p.get("Contents", [])] == sorted(keys)
    after = s3.list_objects_v2(Bucket=bucket, StartAfter="logs/readme")
    assert [c["Key"] for c in after["Contents"]] == ["other/x", "top"]


def test_list_objects_v1_paginates(s3: Any, bucket: str) -> None:
    keys = [f"k{i}" for i in range(5)] + ["d/1", "d/2"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}))
    assert [c["Key"] for p in pages for c in p.get("Contents", [])] == sorted(keys)
    rolled = list(
        s3.get_paginator("list_objects").paginate(
            Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2}
        )
    )
    assert [p["Prefix"] for page in rolled for p in page.get("CommonPrefixes", [])] == ["d/"]
    assert [c["Key"] for page in rolled for c in page.get("Contents", [])] == [f"k{i}" for i in range(5)]


def test_object_tagging(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="env=prod&team=a")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "team", "Value": "a"},
    ]
    assert s3.get_object(Bucket=bucket, Key="k")["TagCount"] == 2
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "x", "Value": "y"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == [{"Key": "x", "Value": "y"}]
    s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []


def test_virtual_host_style_objects(s3_virtual: Any, bucket: str) -> None:
    s3_virtual.put_object(Bucket=bucket, Key="vh/key", Body=b"virtual")
    assert s3_virtual.get_object(Bucket=bucket, Key="vh/key", Range="bytes=0-3")["Body"].read() == b"virt"
    assert [c["Key"] for c in s3_virtual.list_objects_v2(Bucket=bucket, Prefix="vh/")["Contents"]] == [
        "vh/key"
    ]
    reply = client_error(s3_virtual.get_object, Bucket=bucket, Key="nope")
    assert reply["Error"]["Code"] == "NoSuchKey"
    s3_virtual.delete_object(Bucket=bucket, Key="vh/key")
