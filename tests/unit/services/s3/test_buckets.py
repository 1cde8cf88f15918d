"""Buckets without HTTP: naming rules, regions, ownership, deletion, listing, tags."""

from __future__ import annotations

from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.s3.buckets import valid_bucket_name
from skiff.services.s3.provider import S3Provider
from skiff.state.scope import Scope

from .conftest import OTHER_ACCOUNT, SCOPE


def error_of(call: Any, *args: Any, **kwargs: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call(*args, **kwargs)
    return info.value


@pytest.mark.parametrize("name", ["abc", "my-bucket.logs", "a" * 63, "1bucket", "b-1"])
def test_valid_names(name: str) -> None:
    assert valid_bucket_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Upper",
        "under_score",
        "-start",
        "end-",
        "two..dots",
        "dot.-dash",
        "192.168.1.1",
        "xn--punycode",
        "sthree-x",
        "bucket-s3alias",
        "bucket--ol-s3",
        "bucket.mrap",
        "bucket--x-s3",
        "sp ace",
    ],
)
def test_invalid_names(s3: S3Provider, name: str) -> None:
    assert not valid_bucket_name(name)
    error = error_of(s3.buckets.create, SCOPE, name, None)
    assert (error.code, error.status, error.fields) == ("InvalidBucketName", 400, {"BucketName": name})


def test_creating_twice(s3: S3Provider) -> None:
    s3.buckets.create(SCOPE, "twice", None)
    assert s3.buckets.create(SCOPE, "twice", None)["Name"] == "twice"  # us-east-1: 200 again
    eu = Scope(SCOPE.account, "eu-west-1")
    s3.buckets.create(eu, "twice-eu", "eu-west-1")
    error = error_of(s3.buckets.create, eu, "twice-eu", "eu-west-1")
    assert (error.code, error.status) == ("BucketAlreadyOwnedByYou", 409)
    taken = error_of(s3.buckets.create, OTHER_ACCOUNT, "twice", None)
    assert (taken.code, taken.status) == ("BucketAlreadyExists", 409)


def test_location_constraints(s3: S3Provider) -> None:
    s3.buckets.create(SCOPE, "in-eu", "eu-central-1")
    assert s3.buckets.location(SCOPE, "in-eu") == "eu-central-1"
    s3.buckets.create(SCOPE, "in-us", None)
    assert s3.buckets.location(SCOPE, "in-us") is None
    assert error_of(s3.buckets.create, SCOPE, "bad-loc", "us-east-1").code == "InvalidLocationConstraint"
    assert error_of(s3.buckets.create, SCOPE, "bad-loc", "moon").code == "InvalidLocationConstraint"
    west = Scope(SCOPE.account, "us-west-2")
    assert error_of(s3.buckets.create, west, "no-loc", None).code == "IllegalLocationConstraintException"
    assert (
        error_of(s3.buckets.create, west, "other", "eu-west-1").code == "IllegalLocationConstraintException"
    )
    s3.buckets.create(SCOPE, "legacy-eu", "EU")
    assert s3.buckets.location(SCOPE, "legacy-eu") == "eu-west-1"


def test_delete_refuses_a_bucket_with_objects(s3: S3Provider, bucket: str) -> None:
    s3.objects.put(SCOPE, bucket, "k", b"x", {})
    error = error_of(s3.buckets.delete, SCOPE, bucket)
    assert (error.code, error.status, error.fields) == ("BucketNotEmpty", 409, {"BucketName": bucket})
    s3.objects.delete(SCOPE, bucket, "k", {})
    s3.multipart.create(SCOPE, bucket, "pending", {})
    s3.buckets.delete(SCOPE, bucket)  # unfinished uploads go with the bucket
    assert not (s3.bodies.root / SCOPE.account / bucket).exists()
    assert error_of(s3.buckets.delete, SCOPE, bucket).code == "NoSuchBucket"
    s3.buckets.create(SCOPE, bucket, None)
    assert s3.listing.list_uploads(SCOPE, bucket, {})["Uploads"] == []


def test_list_buckets_of_the_account(s3: S3Provider) -> None:
    for name in ("list-c", "list-a", "list-b", "other-x"):
        s3.buckets.create(SCOPE, name, None)
    s3.buckets.create(OTHER_ACCOUNT, "theirs", None)
    reply = s3.buckets.list_buckets(SCOPE)
    assert [b["Name"] for b in reply["Buckets"]] == ["list-a", "list-b", "list-c", "other-x"]
    assert len(reply["Owner"]["ID"]) == 64 and "ContinuationToken" not in reply
    first = s3.buckets.list_buckets(SCOPE, prefix="list-", max_buckets=2)
    assert [b["Name"] for b in first["Buckets"]] == ["list-a", "list-b"]
    rest = s3.buckets.list_buckets(SCOPE, prefix="list-", max_buckets=2, token=first["ContinuationToken"])
    assert [b["Name"] for b in rest["Buckets"]] == ["list-c"] and "ContinuationToken" not in rest


def test_bucket_tags(s3: S3Provider, bucket: str) -> None:
    error = error_of(s3.buckets.get_tags, SCOPE, bucket)
    assert (error.code, error.status) == ("NoSuchTagSet", 404)
    s3.buckets.put_tags(SCOPE, bucket, [{"Key": "team", "Value": "a"}])
    assert s3.buckets.get_tags(SCOPE, bucket) == [{"Key": "team", "Value": "a"}]
    assert error_of(s3.buckets.put_tags, SCOPE, bucket, [{"Key": "", "Value": ""}]).code == "InvalidTag"
    s3.buckets.delete_tags(SCOPE, bucket)
    assert error_of(s3.buckets.get_tags, SCOPE, bucket).code == "NoSuchTagSet"
