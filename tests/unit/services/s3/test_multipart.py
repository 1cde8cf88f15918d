"""Multipart uploads without HTTP: ETags, part rules, checksums, abort and cleanup."""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.s3.exceptions import BodyCorrupted
from skiff.services.s3.provider import S3Provider

from .conftest import SCOPE

MIB = 1024 * 1024


def upload(
    s3: S3Provider, bucket: str, key: str, parts: list[bytes], **create: Any
) -> tuple[str, list[dict[str, Any]]]:
    upload_id = s3.multipart.create(SCOPE, bucket, key, create)["UploadId"]
    listed = []
    for number, data in enumerate(parts, start=1):
        reply = s3.multipart.upload_part(
            SCOPE, bucket, key, {"UploadId": upload_id, "PartNumber": number}, data
        )
        assert reply["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        listed.append(
            {
                "PartNumber": number,
                "ETag": reply["ETag"],
                **{k: v for k, v in reply.items() if k.startswith("Checksum")},
            }
        )
    return upload_id, listed


def complete(
    s3: S3Provider, bucket: str, key: str, upload_id: str, parts: list[dict[str, Any]]
) -> dict[str, Any]:
    return s3.multipart.complete(
        SCOPE, bucket, key, {"UploadId": upload_id, "MultipartUpload": {"Parts": parts}}
    )


def error_of(call: Any, *args: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call(*args)
    return info.value


def test_complete_assembles_parts_with_the_multipart_etag(s3: S3Provider, bucket: str) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB + 7), b"last bit"]
    upload_id, listed = upload(
        s3, bucket, "big.bin", parts, ContentType="application/x-test", Metadata={"m": "v"}
    )
    reply = complete(s3, bucket, "big.bin", upload_id, listed)
    md5s = b"".join(hashlib.md5(p).digest() for p in parts)
    expected = f'"{hashlib.md5(md5s).hexdigest()}-3"'
    assert reply["ETag"] == expected and reply["Key"] == "big.bin" and reply["Bucket"] == bucket
    got = s3.objects.read(SCOPE, bucket, "big.bin", {}, body=True)
    assert got["Body"] == b"".join(parts) and got["ETag"] == expected
    assert got["ContentType"] == "application/x-test" and got["Metadata"] == {"m": "v"}
    # The upload and its part files are gone.
    assert (
        error_of(s3.multipart.list_parts, SCOPE, bucket, "big.bin", {"UploadId": upload_id}).code
        == "NoSuchUpload"
    )
    assert not (s3.bodies.root / SCOPE.account / bucket / "uploads" / upload_id).exists()


def test_parts_smaller_than_5_mib_are_refused_except_the_last(s3: S3Provider, bucket: str) -> None:
    upload_id, listed = upload(s3, bucket, "k", [b"small", b"also small"])
    error = error_of(complete, s3, bucket, "k", upload_id, listed)
    assert (error.code, error.status) == ("EntityTooSmall", 400)
    assert error.fields["MinSizeAllowed"] == 5 * MIB and error.fields["PartNumber"] == 1
    # A single small part is a valid upload.
    assert complete(s3, bucket, "k", upload_id, listed[:1])["ETag"].endswith('-1"')


def test_invalid_part_and_order(s3: S3Provider, bucket: str) -> None:
    upload_id, listed = upload(s3, bucket, "k", [os.urandom(5 * MIB), b"x"])
    assert error_of(complete, s3, bucket, "k", upload_id, listed[::-1]).code == "InvalidPartOrder"
    wrong = [listed[0], {"PartNumber": 2, "ETag": '"00000000000000000000000000000000"'}]
    assert error_of(complete, s3, bucket, "k", upload_id, wrong).code == "InvalidPart"
    missing = [*listed, {"PartNumber": 9, "ETag": listed[0]["ETag"]}]
    assert error_of(complete, s3, bucket, "k", upload_id, missing).code == "InvalidPart"
    assert error_of(complete, s3, bucket, "k", upload_id, []).code == "MalformedXML"
    # Nothing was consumed by the failures; unquoted ETags are accepted.
    unquoted = [{**p, "ETag": p["ETag"].strip('"')} for p in listed]
    assert complete(s3, bucket, "k", upload_id, unquoted)["ETag"].endswith('-2"')


def test_reuploading_a_part_replaces_it_and_list_parts_paginates(s3: S3Provider, bucket: str) -> None:
    upload_id, _ = upload(s3, bucket, "k", [b"a", b"b", b"c"])
    s3.multipart.upload_part(SCOPE, bucket, "k", {"UploadId": upload_id, "PartNumber": 2}, b"BB")
    first = s3.multipart.list_parts(SCOPE, bucket, "k", {"UploadId": upload_id, "MaxParts": 2})
    assert [(p["PartNumber"], p["Size"]) for p in first["Parts"]] == [(1, 1), (2, 2)]
    assert first["IsTruncated"] and first["NextPartNumberMarker"] == 2
    rest = s3.multipart.list_parts(SCOPE, bucket, "k", {"UploadId": upload_id, "PartNumberMarker": 2})
    assert [p["PartNumber"] for p in rest["Parts"]] == [3] and not rest["IsTruncated"]
    part_dir = s3.bodies.root / SCOPE.account / bucket / "uploads" / upload_id
    assert len(list(part_dir.iterdir())) == 3


def test_part_number_limits_and_unknown_uploads(s3: S3Provider, bucket: str) -> None:
    upload_id = s3.multipart.create(SCOPE, bucket, "k", {})["UploadId"]
    bad = error_of(
        s3.multipart.upload_part, SCOPE, bucket, "k", {"UploadId": upload_id, "PartNumber": 10001}, b""
    )
    assert bad.code == "InvalidArgument"
    other_key = error_of(
        s3.multipart.upload_part, SCOPE, bucket, "j", {"UploadId": upload_id, "PartNumber": 1}, b""
    )
    assert (other_key.code, other_key.status) == ("NoSuchUpload", 404)


def test_abort_removes_the_upload_and_its_parts(s3: S3Provider, bucket: str) -> None:
    upload_id, listed = upload(s3, bucket, "k", [b"a"])
    s3.multipart.abort(SCOPE, bucket, "k", upload_id)
    assert not (s3.bodies.root / SCOPE.account / bucket / "uploads" / upload_id).exists()
    assert error_of(s3.multipart.abort, SCOPE, bucket, "k", upload_id).code == "NoSuchUpload"
    assert error_of(complete, s3, bucket, "k", upload_id, listed).code == "NoSuchUpload"


def crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def test_composite_crc32_checksum(s3: S3Provider, bucket: str) -> None:
    parts = [os.urandom(5 * MIB), b"end"]
    upload_id, listed = upload(s3, bucket, "k", parts, ChecksumAlgorithm="CRC32")
    assert listed[1]["ChecksumCRC32"] == base64.b64encode(crc32(b"end")).decode()
    reply = complete(s3, bucket, "k", upload_id, listed)
    expected = base64.b64encode(crc32(b"".join(crc32(p) for p in parts))).decode() + "-2"
    assert reply["ChecksumCRC32"] == expected and reply["ChecksumType"] == "COMPOSITE"
    got = s3.objects.read(SCOPE, bucket, "k", {"ChecksumMode": "ENABLED"}, body=False)
    assert got["ChecksumCRC32"] == expected


def test_full_object_crc32_checksum(s3: S3Provider, bucket: str) -> None:
    parts = [os.urandom(5 * MIB), b"end"]
    upload_id, listed = upload(s3, bucket, "k", parts, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    reply = complete(s3, bucket, "k", upload_id, listed)
    assert reply["ChecksumCRC32"] == base64.b64encode(crc32(b"".join(parts))).decode()
    assert reply["ChecksumType"] == "FULL_OBJECT"


def test_a_part_checksum_of_another_algorithm_is_refused(s3: S3Provider, bucket: str) -> None:
    upload_id = s3.multipart.create(SCOPE, bucket, "k", {"ChecksumAlgorithm": "CRC32"})["UploadId"]
    sha = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    params = {"UploadId": upload_id, "PartNumber": 1, "ChecksumSHA256": sha}
    assert error_of(s3.multipart.upload_part, SCOPE, bucket, "k", params, b"x").code == "InvalidRequest"


def test_a_corrupted_part_fails_completion_and_keeps_the_upload(s3: S3Provider, bucket: str) -> None:
    upload_id, listed = upload(s3, bucket, "k", [b"abc"])
    part_dir = s3.bodies.root / SCOPE.account / bucket / "uploads" / upload_id
    (part_file,) = part_dir.iterdir()
    part_file.write_bytes(b"abd")
    with pytest.raises(BodyCorrupted):
        complete(s3, bucket, "k", upload_id, listed)
    assert s3.objects.find(bucket, "k") is None
    assert s3.multipart.list_parts(SCOPE, bucket, "k", {"UploadId": upload_id})["Parts"]
    assert not list((s3.bodies.root / SCOPE.account / bucket / "objects").rglob("*tmp*"))


def test_a_part_racing_an_abort_is_no_such_upload(s3: S3Provider, bucket: str, monkeypatch: Any) -> None:
    upload_id = s3.multipart.create(SCOPE, bucket, "k", {})["UploadId"]

    def abort_then_fail(*_: Any, **__: Any) -> Any:
        s3.multipart.abort(SCOPE, bucket, "k", upload_id)
        raise FileNotFoundError("the upload directory is gone")

    monkeypatch.setattr(s3.bodies, "write_bytes", abort_then_fail)
    error = error_of(
        s3.multipart.upload_part, SCOPE, bucket, "k", {"UploadId": upload_id, "PartNumber": 1}, b"x"
    )
    assert (error.code, error.status) == ("NoSuchUpload", 404)
