"""Objects without HTTP: bodies on disk, digests, ranges, conditions, copies, corruption."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import zlib
from pathlib import Path
from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.s3.checksums import BLOCK
from skiff.services.s3.exceptions import BodyCorrupted, BucketNotFound, ObjectNotFound
from skiff.services.s3.provider import S3Provider

from .conftest import OTHER_ACCOUNT, SCOPE


def put(s3: S3Provider, bucket: str, key: str, data: bytes, **params: Any) -> dict[str, Any]:
    return s3.objects.put(SCOPE, bucket, key, data, params)


def get(s3: S3Provider, bucket: str, key: str, **params: Any) -> dict[str, Any]:
    return s3.objects.read(SCOPE, bucket, key, params, body=True)


def error_of(call: Any, *args: Any, **kwargs: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call(*args, **kwargs)
    return info.value


def body_files(s3: S3Provider) -> list[Path]:
    return sorted(p for p in s3.bodies.root.rglob("*") if p.is_file())


def test_put_and_get_round_trip(s3: S3Provider, bucket: str) -> None:
    data = b"hello world"
    reply = put(s3, bucket, "dir/../we ird?key#", data, ContentType="text/plain", Metadata={"a": "1"})
    assert reply["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = get(s3, bucket, "dir/../we ird?key#")
    assert got["Body"] == data and got["ContentLength"] == 11 and got["ETag"] == reply["ETag"]
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"a": "1"}
    assert isinstance(got["LastModified"], dt.datetime)
    assert "ChecksumCRC32" not in got
    # The body is stored by a generated id, never under its key.
    (path,) = body_files(s3)
    assert "we ird" not in str(path) and path.read_bytes() == data


def test_default_content_type_and_empty_body(s3: S3Provider, bucket: str) -> None:
    put(s3, bucket, "empty", b"")
    got = get(s3, bucket, "empty")
    assert got["Body"] == b"" and got["ContentLength"] == 0
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_overwrite_and_delete_remove_old_bodies(s3: S3Provider, bucket: str) -> None:
    put(s3, bucket, "k", b"one")
    put(s3, bucket, "k", b"two")
    assert [p.read_bytes() for p in body_files(s3)] == [b"two"]
    s3.objects.delete(SCOPE, bucket, "k", {})
    s3.objects.delete(SCOPE, bucket, "k", {})  # idempotent
    assert body_files(s3) == []
    assert error_of(get, s3, bucket, "k").code == "NoSuchKey"


@pytest.mark.parametrize(
    ("header", "expected", "content_range"),
    [
        ("bytes=0-4", b"01234", "bytes 0-4/10"),
        ("bytes=5-", b"56789", "bytes 5-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=8-100", b"89", "bytes 8-9/10"),
        ("bytes=-100", b"0123456789", "bytes 0-9/10"),
    ],
)
def test_ranges(s3: S3Provider, bucket: str, header: str, expected: bytes, content_range: str) -> None:
    put(s3, bucket, "digits", b"0123456789")
    got = get(s3, bucket, "digits", Range=header)
    assert got["Body"] == expected and got["ContentRange"] == content_range
    assert got["ContentLength"] == len(expected)


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=20-30", "bytes=-0"])
def test_unsatisfiable_ranges(s3: S3Provider, bucket: str, header: str) -> None:
    put(s3, bucket, "digits", b"0123456789")
    error = error_of(get, s3, bucket, "digits", Range=header)
    assert (error.code, error.status) == ("InvalidRange", 416)
    assert error.fields == {"RangeRequested": header, "ActualObjectSize": 10}


@pytest.mark.parametrize("header", ["bytes=5-2", "items=0-1", "bytes=0-1,3-4", "bytes=x"])
def test_ranges_s3_ignores(s3: S3Provider, bucket: str, header: str) -> None:
    put(s3, bucket, "digits", b"0123456789")
    got = get(s3, bucket, "digits", Range=header)
    assert got["Body"] == b"0123456789" and "ContentRange" not in got


def test_range_across_blocks_reads_only_what_it_needs(s3: S3Provider, bucket: str) -> None:
    data = os.urandom(2 * BLOCK + 100)
    put(s3, bucket, "big", data)
    start, end = BLOCK - 10, 2 * BLOCK + 5
    assert get(s3, bucket, "big", Range=f"bytes={start}-{end}")["Body"] == data[start : end + 1]
    # Damage the first block: a range inside the last block still reads, one touching it fails.
    (path,) = body_files(s3)
    with open(path, "r+b") as handle:
        handle.write(b"X")
    tail = get(s3, bucket, "big", Range=f"bytes={2 * BLOCK}-")
    assert tail["Body"] == data[2 * BLOCK :]
    error = error_of(get, s3, bucket, "big", Range="bytes=0-0")
    assert isinstance(error, BodyCorrupted)
    assert (error.code, error.status) == ("InternalError", 500)
    assert "X" not in error.message and str(path) not in error.message


def test_corrupted_or_missing_bodies_are_internal_errors(s3: S3Provider, bucket: str) -> None:
    put(s3, bucket, "env", b"A=1\n")
    (path,) = body_files(s3)
    path.write_bytes(b"A=2\n")
    assert isinstance(error_of(get, s3, bucket, "env"), BodyCorrupted)
    with pytest.raises(BodyCorrupted):
        s3.objects.get_object_bytes(SCOPE.account, bucket, "env")
    path.unlink()
    assert isinstance(error_of(get, s3, bucket, "env"), BodyCorrupted)


def test_content_md5_and_checksums_are_verified(s3: S3Provider, bucket: str) -> None:
    data = b"payload"
    good_md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    put(s3, bucket, "k", data, ContentMD5=good_md5)
    bad = error_of(put, s3, bucket, "k", data, ContentMD5=base64.b64encode(b"0" * 16).decode())
    assert (bad.code, bad.status) == ("BadDigest", 400)
    assert error_of(put, s3, bucket, "k", data, ContentMD5="nope").code == "InvalidDigest"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert error_of(put, s3, bucket, "k", data, ChecksumCRC32="AAAAAA==").code == "BadDigest"
    reply = put(s3, bucket, "k", data, ChecksumCRC32=crc)
    assert reply["ChecksumCRC32"] == crc and reply["ChecksumType"] == "FULL_OBJECT"
    assert get(s3, bucket, "k", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc
    assert "ChecksumCRC32" not in get(s3, bucket, "k")
    assert "ChecksumCRC32" not in get(s3, bucket, "k", ChecksumMode="ENABLED", Range="bytes=0-1")
    sha = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert put(s3, bucket, "s", data, ChecksumSHA256=sha)["ChecksumSHA256"] == sha
    # A failed write leaves the previous object and no stray body.
    assert get(s3, bucket, "k")["Body"] == data and len(body_files(s3)) == 2


def test_read_preconditions(s3: S3Provider, bucket: str) -> None:
    etag = put(s3, bucket, "k", b"x")["ETag"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert get(s3, bucket, "k", IfMatch=etag)["Body"] == b"x"
    assert error_of(get, s3, bucket, "k", IfMatch='"other"').status == 412
    assert error_of(get, s3, bucket, "k", IfNoneMatch=etag).status == 304
    assert error_of(get, s3, bucket, "k", IfModifiedSince=later).status == 304
    assert get(s3, bucket, "k", IfModifiedSince=earlier)["Body"] == b"x"
    assert error_of(get, s3, bucket, "k", IfUnmodifiedSince=earlier).status == 412
    # If-Match wins over If-Unmodified-Since; If-None-Match over If-Modified-Since.
    assert get(s3, bucket, "k", IfMatch=etag, IfUnmodifiedSince=earlier)["Body"] == b"x"
    assert get(s3, bucket, "k", IfNoneMatch='"other"', IfModifiedSince=later)["Body"] == b"x"


def test_conditional_writes(s3: S3Provider, bucket: str) -> None:
    etag = put(s3, bucket, "k", b"1", IfNoneMatch="*")["ETag"]
    assert error_of(put, s3, bucket, "k", b"2", IfNoneMatch="*").status == 412
    assert error_of(put, s3, bucket, "k", b"2", IfMatch='"nope"').status == 412
    assert error_of(put, s3, bucket, "missing", b"2", IfMatch=etag).code == "NoSuchKey"
    put(s3, bucket, "k", b"3", IfMatch=etag)
    assert get(s3, bucket, "k")["Body"] == b"3"


def test_delete_objects_quiet_and_per_key_errors(s3: S3Provider, bucket: str) -> None:
    put(s3, bucket, "a", b"1")
    put(s3, bucket, "b", b"2")
    reply = s3.objects.delete_many(
        SCOPE, bucket, {"Objects": [{"Key": "a"}, {"Key": "never"}, {"Key": "b", "VersionId": "v1"}]}
    )
    assert reply["Deleted"] == [{"Key": "a"}, {"Key": "never"}]
    assert reply["Errors"] == [
        {
            "Key": "b",
            "VersionId": "v1",
            "Code": "NoSuchVersion",
            "Message": "The specified version does not exist.",
        }
    ]
    quiet = s3.objects.delete_many(SCOPE, bucket, {"Objects": [{"Key": "b"}], "Quiet": True})
    assert quiet == {"Deleted": [], "Errors": []}
    assert body_files(s3) == []


def test_copy_object_copy_and_replace(s3: S3Provider, bucket: str) -> None:
    etag = put(s3, bucket, "src", b"data", ContentType="text/plain", Metadata={"m": "1"}, Tagging="t=1")[
        "ETag"
    ]
    copied = s3.copies.copy(SCOPE, bucket, "dst", {"CopySource": f"/{bucket}/src"})
    assert copied["CopyObjectResult"]["ETag"] == etag
    got = get(s3, bucket, "dst")
    assert got["Body"] == b"data" and got["Metadata"] == {"m": "1"} and got["ContentType"] == "text/plain"
    assert got["TagCount"] == 1
    s3.copies.copy(
        SCOPE,
        bucket,
        "dst",
        {"CopySource": f"{bucket}/src", "MetadataDirective": "REPLACE", "Metadata": {"n": "2"}},
    )
    got = get(s3, bucket, "dst")
    assert got["Metadata"] == {"n": "2"} and got["ContentType"] == "binary/octet-stream"
    # The copy shares the (immutable) body: deleting the source keeps the copy readable.
    s3.objects.delete(SCOPE, bucket, "src", {})
    assert get(s3, bucket, "dst")["Body"] == b"data"


def test_copy_object_errors(s3: S3Provider, bucket: str) -> None:
    etag = put(s3, bucket, "src key", b"data")["ETag"]
    assert error_of(s3.copies.copy, SCOPE, bucket, "x", {"CopySource": f"{bucket}/nope"}).code == "NoSuchKey"
    assert error_of(s3.copies.copy, SCOPE, bucket, "x", {"CopySource": "nobucket/k"}).code == "NoSuchBucket"
    same = error_of(s3.copies.copy, SCOPE, bucket, "src key", {"CopySource": f"{bucket}/src%20key"})
    assert same.code == "InvalidRequest"
    failed = error_of(
        s3.copies.copy,
        SCOPE,
        bucket,
        "x",
        {"CopySource": f"{bucket}/src%20key", "CopySourceIfNoneMatch": etag},
    )
    assert failed.status == 412


def test_part_number_reads_of_a_multipart_object(s3: S3Provider, bucket: str) -> None:
    upload = s3.multipart.create(SCOPE, bucket, "mp", {})["UploadId"]
    first, second = os.urandom(5 * 1024 * 1024), b"tail"
    parts = []
    for number, data in ((1, first), (2, second)):
        etag = s3.multipart.upload_part(SCOPE, bucket, "mp", {"UploadId": upload, "PartNumber": number}, data)
        parts.append({"PartNumber": number, "ETag": etag["ETag"]})
    s3.multipart.complete(SCOPE, bucket, "mp", {"UploadId": upload, "MultipartUpload": {"Parts": parts}})
    got = get(s3, bucket, "mp", PartNumber=2)
    assert got["Body"] == second and got["PartsCount"] == 2
    assert got["ContentRange"] == f"bytes {len(first)}-{len(first) + 3}/{len(first) + 4}"
    assert error_of(get, s3, bucket, "mp", PartNumber=3).code == "InvalidPartNumber"


def test_object_tags(s3: S3Provider, bucket: str) -> None:
    put(s3, bucket, "k", b"x", Tagging="a=1&b=")
    assert s3.objects.get_tags(SCOPE, bucket, "k", None) == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": ""},
    ]
    s3.objects.put_tags(SCOPE, bucket, "k", None, [{"Key": "c", "Value": "3"}])
    assert s3.objects.get_tags(SCOPE, bucket, "k", None) == [{"Key": "c", "Value": "3"}]
    too_many = [{"Key": str(i), "Value": ""} for i in range(11)]
    assert error_of(s3.objects.put_tags, SCOPE, bucket, "k", None, too_many).status == 400


def test_get_object_bytes_for_the_task_runtime(s3: S3Provider, bucket: str) -> None:
    put(s3, bucket, "app.env", b"A=1\nB=2\n")
    assert s3.objects.get_object_bytes(SCOPE.account, bucket, "app.env") == b"A=1\nB=2\n"
    with pytest.raises(ObjectNotFound, match="does not exist"):
        s3.objects.get_object_bytes(SCOPE.account, bucket, "missing.env")
    with pytest.raises(BucketNotFound):
        s3.objects.get_object_bytes(SCOPE.account, "missing-bucket", "app.env")
    with pytest.raises(BucketNotFound):
        s3.objects.get_object_bytes(OTHER_ACCOUNT.account, bucket, "app.env")


def test_another_accounts_bucket_is_access_denied(s3: S3Provider, bucket: str) -> None:
    error = error_of(s3.objects.put, OTHER_ACCOUNT, bucket, "k", b"", {})
    assert (error.code, error.status) == ("AccessDenied", 403)


def test_keys_longer_than_1024_bytes_are_refused(s3: S3Provider, bucket: str) -> None:
    put(s3, bucket, "é" * 512, b"")
    assert error_of(put, s3, bucket, "é" * 512 + "x", b"").code == "KeyTooLongError"
