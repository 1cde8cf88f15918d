"""Listing without HTTP: prefixes, delimiters, markers, continuation tokens, url encoding."""

from __future__ import annotations

from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.s3.listing import page
from skiff.services.s3.provider import S3Provider

from .conftest import SCOPE

KEYS = ["a.txt", "dir/1", "dir/2", "dir/sub/3", "other/x", "z"]


def entries(keys: list[str]) -> list[tuple[str, str]]:
    return [(key, key) for key in sorted(keys)]


def test_page_rolls_keys_into_common_prefixes() -> None:
    found = page(entries(KEYS), delimiter="/")
    assert [k for k, _ in found.items] == ["a.txt", "z"]
    assert found.prefixes == ["dir/", "other/"]
    assert not found.truncated


def test_page_with_prefix_and_delimiter() -> None:
    found = page(entries(KEYS), prefix="dir/", delimiter="/")
    assert [k for k, _ in found.items] == ["dir/1", "dir/2"]
    assert found.prefixes == ["dir/sub/"]


def test_page_counts_prefixes_and_resumes_after_a_prefix() -> None:
    first = page(entries(KEYS), delimiter="/", limit=2)
    assert [k for k, _ in first.items] == ["a.txt"] and first.prefixes == ["dir/"]
    assert first.truncated and first.last == "dir/"
    second = page(entries(KEYS), delimiter="/", after=first.last, limit=2)
    assert second.prefixes == ["other/"] and [k for k, _ in second.items] == ["z"]
    assert not second.truncated


def test_page_is_not_truncated_when_the_rest_rolls_into_the_last_prefix() -> None:
    found = page(entries(["a", "b/1", "b/2"]), delimiter="/", limit=2)
    assert found.prefixes == ["b/"] and not found.truncated


def test_page_orders_by_code_point_which_is_utf8_byte_order() -> None:
    keys = ["é", "z", "Z", "~", "\U0001f600", "a"]
    found = page(entries(keys))
    ordered = [k for k, _ in found.items]
    assert ordered == sorted(keys, key=lambda k: k.encode("utf-8"))


def put_keys(s3: S3Provider, bucket: str, keys: list[str]) -> None:
    for key in keys:
        s3.objects.put(SCOPE, bucket, key, key.encode(), {})


def list_all_v2(s3: S3Provider, bucket: str, **params: Any) -> tuple[list[str], list[str], int]:
    keys: list[str] = []
    prefixes: list[str] = []
    pages = 0
    token = None
    while True:
        request = dict(params)
        if token:
            request["ContinuationToken"] = token
        reply = s3.listing.list_objects_v2(SCOPE, bucket, request)
        pages += 1
        keys += [c["Key"] for c in reply["Contents"]]
        prefixes += [p["Prefix"] for p in reply["CommonPrefixes"]]
        assert reply["KeyCount"] == len(reply["Contents"]) + len(reply["CommonPrefixes"])
        if not reply["IsTruncated"]:
            assert "NextContinuationToken" not in reply
            return keys, prefixes, pages
        token = reply["NextContinuationToken"]


def test_list_objects_v2_paginates_with_continuation_tokens(s3: S3Provider, bucket: str) -> None:
    keys = [f"k/{i:03d}" for i in range(25)]
    put_keys(s3, bucket, keys)
    found, prefixes, pages = list_all_v2(s3, bucket, MaxKeys=10)
    assert found == keys and prefixes == [] and pages == 3


def test_list_objects_v2_delimiter_pages_over_prefixes(s3: S3Provider, bucket: str) -> None:
    put_keys(s3, bucket, [f"p{i}/x" for i in range(5)] + ["top1", "top2"])
    found, prefixes, _ = list_all_v2(s3, bucket, Delimiter="/", MaxKeys=2)
    assert prefixes == [f"p{i}/" for i in range(5)]
    assert found == ["top1", "top2"]


def test_list_objects_v2_start_after_and_prefix(s3: S3Provider, bucket: str) -> None:
    put_keys(s3, bucket, KEYS)
    reply = s3.listing.list_objects_v2(SCOPE, bucket, {"Prefix": "dir/", "StartAfter": "dir/1"})
    assert [c["Key"] for c in reply["Contents"]] == ["dir/2", "dir/sub/3"]
    assert reply["StartAfter"] == "dir/1" and reply["Prefix"] == "dir/"


def test_list_objects_v2_url_encoding(s3: S3Provider, bucket: str) -> None:
    put_keys(s3, bucket, ["a b+c/d", "ü%"])
    reply = s3.listing.list_objects_v2(SCOPE, bucket, {"EncodingType": "url", "Delimiter": "/"})
    assert reply["CommonPrefixes"] == [{"Prefix": "a%20b%2Bc/"}]
    assert [c["Key"] for c in reply["Contents"]] == ["%C3%BC%25"]
    assert reply["EncodingType"] == "url" and reply["Delimiter"] == "/"


def test_list_objects_v2_rejects_a_forged_token(s3: S3Provider, bucket: str) -> None:
    with pytest.raises(AwsError) as info:
        s3.listing.list_objects_v2(SCOPE, bucket, {"ContinuationToken": "not-a-token!"})
    assert info.value.code == "InvalidArgument" and info.value.status == 400


def test_list_objects_v1_next_marker_only_with_a_delimiter(s3: S3Provider, bucket: str) -> None:
    put_keys(s3, bucket, KEYS)
    plain = s3.listing.list_objects(SCOPE, bucket, {"MaxKeys": 2})
    assert [c["Key"] for c in plain["Contents"]] == ["a.txt", "dir/1"]
    assert plain["IsTruncated"] and "NextMarker" not in plain
    assert plain["Contents"][0]["Owner"]["ID"]
    rolled = s3.listing.list_objects(SCOPE, bucket, {"MaxKeys": 2, "Delimiter": "/"})
    assert rolled["NextMarker"] == "dir/"
    rest = s3.listing.list_objects(SCOPE, bucket, {"Marker": "dir/", "Delimiter": "/"})
    assert rest["CommonPrefixes"] == [{"Prefix": "other/"}]
    assert [c["Key"] for c in rest["Contents"]] == ["z"] and not rest["IsTruncated"]


def test_listing_a_missing_bucket(s3: S3Provider) -> None:
    with pytest.raises(AwsError) as info:
        s3.listing.list_objects_v2(SCOPE, "no-such-bucket", {})
    assert (info.value.code, info.value.status) == ("NoSuchBucket", 404)
    assert info.value.fields == {"BucketName": "no-such-bucket"}


def test_list_multipart_uploads_by_key_then_upload(s3: S3Provider, bucket: str) -> None:
    ids = [s3.multipart.create(SCOPE, bucket, key, {})["UploadId"] for key in ("b", "a", "b", "c/d")]
    first = s3.listing.list_uploads(SCOPE, bucket, {"MaxUploads": 2})
    assert [u["Key"] for u in first["Uploads"]] == ["a", "b"]
    assert first["IsTruncated"] and first["NextKeyMarker"] == "b"
    assert first["NextUploadIdMarker"] == ids[0]
    rest = s3.listing.list_uploads(
        SCOPE, bucket, {"KeyMarker": "b", "UploadIdMarker": first["NextUploadIdMarker"], "Delimiter": "/"}
    )
    assert [u["UploadId"] for u in rest["Uploads"]] == [ids[2]]
    assert rest["CommonPrefixes"] == [{"Prefix": "c/"}] and not rest["IsTruncated"]
