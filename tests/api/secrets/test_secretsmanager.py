"""Secrets Manager through real boto3: values and stages, lookups, listing, deletion, passwords."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.api.secrets.conftest import assert_error, unique

NOT_FOUND = "Secrets Manager can't find the specified secret."


def test_create_get_put_and_stages(sm: Any) -> None:
    name = unique("app/db")
    created = sm.create_secret(Name=name, SecretString='{"user":"admin"}', Description="db creds")
    assert re.fullmatch(
        rf"arn:aws:secretsmanager:us-east-1:000000000000:secret:{name}-[A-Za-z0-9]{{6}}", created["ARN"]
    )
    got = sm.get_secret_value(SecretId=name)
    assert got["SecretString"] == '{"user":"admin"}'
    assert got["VersionId"] == created["VersionId"] and got["VersionStages"] == ["AWSCURRENT"]
    assert isinstance(got["CreatedDate"], dt.datetime)
    put = sm.put_secret_value(SecretId=created["ARN"], SecretString='{"user":"root"}')
    assert put["VersionStages"] == ["AWSCURRENT"]
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert stages == {put["VersionId"]: ["AWSCURRENT"], created["VersionId"]: ["AWSPREVIOUS"]}
    previous = sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert previous["SecretString"] == '{"user":"admin"}'
    by_id = sm.get_secret_value(SecretId=name, VersionId=put["VersionId"])
    assert by_id["SecretString"] == '{"user":"root"}'
    updated = sm.update_secret(SecretId=name, SecretString="third")
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert stages == {updated["VersionId"]: ["AWSCURRENT"], put["VersionId"]: ["AWSPREVIOUS"]}
    versions = sm.list_secret_version_ids(SecretId=name, IncludeDeprecated=True)["Versions"]
    assert {v["VersionId"] for v in versions} == {
        created["VersionId"],
        put["VersionId"],
        updated["VersionId"],
    }


def test_binary_secret_round_trips(sm: Any) -> None:
    name = unique("bin")
    sm.create_secret(Name=name, SecretBinary=b"\x00\x01binary\xff")
    got = sm.get_secret_value(SecretId=name)
    assert got["SecretBinary"] == b"\x00\x01binary\xff" and "SecretString" not in got


def test_partial_arn_and_errors(sm: Any) -> None:
    name = unique("partial")
    arn = sm.create_secret(Name=name, SecretString="x")["ARN"]
    assert sm.get_secret_value(SecretId=arn[:-7])["ARN"] == arn
    with pytest.raises(ClientError) as info:
        sm.get_secret_value(SecretId=unique("missing"))
    assert_error(info, "ResourceNotFoundException", 400, NOT_FOUND)
    with pytest.raises(ClientError) as info:
        sm.get_secret_value(SecretId=name, VersionStage="AWSPENDING")
    assert_error(
        info,
        "ResourceNotFoundException",
        400,
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    )
    with pytest.raises(ClientError) as info:
        sm.create_secret(Name=name, SecretString="again")
    assert_error(
        info,
        "ResourceExistsException",
        400,
        f"The operation failed because the secret {name} already exists.",
    )
    with pytest.raises(ClientError) as info:
        sm.create_secret(Name="bad name", SecretString="x")
    assert_error(info, "InvalidParameterException")


def test_update_secret_version_stage_rolls_back(sm: Any) -> None:
    name = unique("roll")
    first = sm.create_secret(Name=name, SecretString="v1")["VersionId"]
    second = sm.put_secret_value(SecretId=name, SecretString="v2")["VersionId"]
    sm.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=first, RemoveFromVersionId=second
    )
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v1"
    assert sm.describe_secret(SecretId=name)["VersionIdsToStages"] == {
        first: ["AWSCURRENT"],
        second: ["AWSPREVIOUS"],
    }


def test_delete_restore_and_force(sm: Any) -> None:
    name = unique("del")
    sm.create_secret(Name=name, SecretString="x", Tags=[{"Key": "a", "Value": "b"}])
    deleted = sm.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    assert deleted["DeletionDate"] > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    described = sm.describe_secret(SecretId=name)
    assert "DeletedDate" in described and described["RotationEnabled"] is False
    with pytest.raises(ClientError) as info:
        sm.get_secret_value(SecretId=name)
    assert_error(
        info,
        "InvalidRequestException",
        400,
        "You can't perform this operation on the secret because it was marked for deletion.",
    )
    names = [s["Name"] for s in sm.list_secrets(Filters=[{"Key": "name", "Values": [name]}])["SecretList"]]
    assert names == []
    planned = sm.list_secrets(IncludePlannedDeletion=True, Filters=[{"Key": "name", "Values": [name]}])
    assert [s["Name"] for s in planned["SecretList"]] == [name]
    sm.restore_secret(SecretId=name)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "x"
    with pytest.raises(ClientError) as info:
        sm.delete_secret(SecretId=name, RecoveryWindowInDays=3)
    assert_error(info, "InvalidParameterException")
    sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    with pytest.raises(ClientError) as info:
        sm.describe_secret(SecretId=name)
    assert_error(info, "ResourceNotFoundException", 400, NOT_FOUND)


def test_list_filters_tags_and_paginator(client_factory: Any) -> None:
    sm = client_factory("secretsmanager", region="eu-central-1")
    prefix = unique("list")
    for i in range(5):
        sm.create_secret(Name=f"{prefix}/s{i}", SecretString=str(i), Tags=[{"Key": "idx", "Value": str(i)}])
    sm.tag_resource(SecretId=f"{prefix}/s0", Tags=[{"Key": "extra", "Value": "yes"}])
    sm.untag_resource(SecretId=f"{prefix}/s0", TagKeys=["idx"])
    assert sm.describe_secret(SecretId=f"{prefix}/s0")["Tags"] == [{"Key": "extra", "Value": "yes"}]
    paginator = sm.get_paginator("list_secrets")
    pages = list(
        paginator.paginate(
            Filters=[{"Key": "name", "Values": [prefix]}], SortOrder="desc", PaginationConfig={"PageSize": 2}
        )
    )
    names = [s["Name"] for page in pages for s in page["SecretList"]]
    assert len(pages) == 3 and names == [f"{prefix}/s{i}" for i in range(4, -1, -1)]
    tagged = sm.list_secrets(
        Filters=[{"Key": "tag-key", "Values": ["extra"]}, {"Key": "name", "Values": [prefix]}]
    )
    assert [s["Name"] for s in tagged["SecretList"]] == [f"{prefix}/s0"]
    batch = sm.batch_get_secret_value(SecretIdList=[f"{prefix}/s1", f"{prefix}/nope"])
    assert [v["SecretString"] for v in batch["SecretValues"]] == ["1"]
    assert batch["Errors"][0]["ErrorCode"] == "ResourceNotFoundException"
    by_filter = sm.batch_get_secret_value(Filters=[{"Key": "name", "Values": [prefix]}])
    assert sorted(v["SecretString"] for v in by_filter["SecretValues"]) == ["0", "1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("options", "check"),
    [
        ({}, lambda p: len(p) == 32),
        ({"PasswordLength": 12, "ExcludePunctuation": True}, lambda p: len(p) == 12 and p.isalnum()),
        ({"ExcludeCharacters": "abcdefghijklmnopqrstuvwxyz"}, lambda p: not any(c.islower() for c in p)),
        ({"IncludeSpace": True, "PasswordLength": 200}, lambda p: len(p) == 200),
    ],
)
def test_get_random_password(sm: Any, options: dict[str, Any], check: Any) -> None:
    assert check(sm.get_random_password(**options)["RandomPassword"])
