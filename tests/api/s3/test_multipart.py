"""Multipart uploads through real boto3: the low-level calls and boto3's own transfer manager."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def client_error(call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response: dict[str, Any] = info.value.response
    return response


def test_multipart_upload_by_hand(s3: Any, bucket: str) -> None:
    created = s3.create_multipart_upload(Bucket=bucket, Key="big/file", ContentType="application/x-big")
    upload_id = created["UploadId"]
    parts_data = [os.urandom(5 * MIB), os.urandom(1000)]
    parts = []
    for number, data in enumerate(parts_data, start=1):
        reply = s3.upload_part(
            Bucket=bucket, Key="big/file", UploadId=upload_id, PartNumber=number, Body=data
        )
        assert reply["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        parts.append({"PartNumber": number, "ETag": reply["ETag"]})
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big/file", upload_id)]
    listed = s3.list_parts(Bucket=bucket, Key="big/file", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, 5 * MIB), (2, 1000)]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="big/file", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    expected = hashlib.md5(b"".join(hashlib.md5(d).digest() for d in parts_data)).hexdigest()
    assert done["ETag"] == f'"{expected}-2"'
    got = s3.get_object(Bucket=bucket, Key="big/file")
    assert got["Body"].read() == b"".join(parts_data)
    assert got["ETag"] == done["ETag"] and got["ContentType"] == "application/x-big"
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_completion_errors(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    etags = [
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=n, Body=b"tiny")["ETag"]
        for n in (1, 2)
    ]
    parts = [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags, strict=True)]
    small = client_error(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
    )
    assert small["Error"]["Code"] == "EntityTooSmall"
    order = client_error(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts[::-1]},
    )
    assert order["Error"]["Code"] == "InvalidPartOrder"
    wrong = client_error(
        s3.complete_multipart_upload,
        Bucket=bucket,
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"ffffffffffffffffffffffffffffffff"'}]},
    )
    assert wrong["Error"]["Code"] == "InvalidPart"
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    gone = client_error(s3.list_parts, Bucket=bucket, Key="k", UploadId=upload_id)
    assert gone["Error"]["Code"] == "NoSuchUpload"
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_transfer_manager_upload_and_ranged_download(s3: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(12 * MIB + 123))
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    s3.upload_file(str(source), bucket, "managed.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="managed.bin")
    assert head["ETag"].endswith('-3"') and head["ContentLength"] == source.stat().st_size
    target = tmp_path / "target.bin"
    s3.download_file(bucket, "managed.bin", str(target), Config=config)  # ranged GETs in parallel
    assert target.read_bytes() == source.read_bytes()
    part = s3.get_object(Bucket=bucket, Key="managed.bin", PartNumber=3)
    assert part["PartsCount"] == 3 and part["Body"].read() == source.read_bytes()[10 * MIB :]
