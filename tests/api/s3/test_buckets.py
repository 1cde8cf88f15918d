"""S3 buckets through real boto3: create, head, location, list, delete, tags, and their errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import unique_bucket


def client_error(call: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response: dict[str, Any] = info.value.response
    return response


def test_create_head_locate_list_and_delete(s3: Any) -> None:
    name = unique_bucket()
    created = s3.create_bucket(Bucket=name)
    assert created["Location"] == f"/{name}"
    head = s3.head_bucket(Bucket=name)
    assert head["BucketRegion"] == "us-east-1"
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    listed = s3.list_buckets()
    mine = [b for b in listed["Buckets"] if b["Name"] == name]
    assert len(mine) == 1 and mine[0]["CreationDate"].year >= 2024
    assert len(listed["Owner"]["ID"]) == 64
    s3.delete_bucket(Bucket=name)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_create_in_another_region(client_factory: Callable[..., Any]) -> None:
    eu = client_factory("s3", region="eu-west-1")
    name = unique_bucket()
    eu.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    again = client_error(
        eu.create_bucket, Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert again["Error"]["Code"] == "BucketAlreadyOwnedByYou"
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert again["Error"]["BucketName"] == name
    missing = client_error(eu.create_bucket, Bucket=unique_bucket())
    assert missing["Error"]["Code"] == "IllegalLocationConstraintException"


def test_creating_an_own_bucket_again_in_us_east_1_succeeds(s3: Any, bucket: str) -> None:
    assert s3.create_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("name", ["ab", "a..b", "192.168.0.1", "-abc", "abc-", "xn--abc", "a" * 64])
def test_invalid_bucket_names(s3: Any, name: str) -> None:
    reply = client_error(s3.create_bucket, Bucket=name)
    assert reply["Error"]["Code"] == "InvalidBucketName"
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_no_such_bucket_error_body(s3: Any) -> None:
    name = unique_bucket("missing")
    reply = client_error(s3.list_objects_v2, Bucket=name)
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 404
    error = reply["Error"]
    assert error["Code"] == "NoSuchBucket"
    assert error["Message"] == "The specified bucket does not exist"
    assert error["BucketName"] == name
    assert reply["ResponseMetadata"]["RequestId"]


def test_head_bucket_of_a_missing_bucket_is_a_bare_404(s3: Any) -> None:
    reply = client_error(s3.head_bucket, Bucket=unique_bucket("missing"))
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert reply["Error"]["Code"] == "404"  # no body to read a code from, as with AWS


def test_delete_bucket_not_empty(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    reply = client_error(s3.delete_bucket, Bucket=bucket)
    assert reply["Error"]["Code"] == "BucketNotEmpty"
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 409
    s3.delete_object(Bucket=bucket, Key="k")
    s3.delete_bucket(Bucket=bucket)
    assert client_error(s3.delete_bucket, Bucket=bucket)["Error"]["Code"] == "NoSuchBucket"


def test_bucket_tagging(s3: Any, bucket: str) -> None:
    reply = client_error(s3.get_bucket_tagging, Bucket=bucket)
    assert reply["Error"]["Code"] == "NoSuchTagSet"
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "infra"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "infra"}]
    s3.delete_bucket_tagging(Bucket=bucket)
    assert client_error(s3.get_bucket_tagging, Bucket=bucket)["Error"]["Code"] == "NoSuchTagSet"


def test_virtual_host_style_buckets(s3_virtual: Any, s3: Any) -> None:
    hosts: list[str] = []
    s3_virtual.meta.events.register(
        "before-send.s3", lambda request, **_: hosts.append(request.headers["Host"])
    )
    name = unique_bucket("vh")
    s3_virtual.create_bucket(Bucket=name)
    s3_virtual.head_bucket(Bucket=name)
    assert hosts and all(h.startswith(f"{name}.localhost:") for h in hosts)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    reply = client_error(s3_virtual.head_bucket, Bucket=unique_bucket("vh-missing"))
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3_virtual.delete_bucket(Bucket=name)
