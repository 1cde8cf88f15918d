"""ListSecrets filters, sorting and pages; BatchGetSecretValue."""

from __future__ import annotations

from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.secretsmanager.backend import SecretsManagerBackend
from skiff.services.secretsmanager.listing import words
from skiff.state.scope import Scope
from tests.unit.services.secretsmanager.conftest import Clock


@pytest.fixture
def catalogue(sm: SecretsManagerBackend, scope: Scope, clock: Clock) -> SecretsManagerBackend:
    entries: list[dict[str, Any]] = [
        {
            "Name": "prod/DatabaseSecret",
            "Description": "Main DB credentials",
            "Tags": [{"Key": "env", "Value": "prod"}],
        },
        {
            "Name": "prod/api",
            "Description": "payment API key",
            "Tags": [{"Key": "env", "Value": "production"}],
        },
        {"Name": "dev/databaseSecret", "Description": "dev db", "Tags": [{"Key": "owner", "Value": "me"}]},
        {"Name": "retired", "Description": "old one"},
    ]
    for entry in entries:
        clock.advance(seconds=1)
        sm.secrets.create(scope, {**entry, "SecretString": entry["Name"] + "-value"})
    sm.secrets.delete(scope, {"SecretId": "retired"})
    return sm


def names(sm: SecretsManagerBackend, scope: Scope, **params: Any) -> list[str]:
    return [entry["Name"] for entry in sm.listing.list(scope, params)["SecretList"]]


def test_words_split_like_aws() -> None:
    assert words("credsDatabase#892") == ["creds", "database", "892"]
    assert words("My_Secret") == ["my", "secret"]
    assert words("HTTPServer2") == ["http", "server", "2"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"Key": "name", "Values": ["prod/"]}], ["prod/DatabaseSecret", "prod/api"]),
        ([{"Key": "name", "Values": ["Prod/"]}], []),
        ([{"Key": "name", "Values": ["!prod/"]}], ["dev/databaseSecret"]),
        ([{"Key": "description", "Values": ["main"]}], ["prod/DatabaseSecret"]),
        ([{"Key": "description", "Values": ["CREDENTIALS"]}], ["prod/DatabaseSecret"]),
        ([{"Key": "tag-key", "Values": ["env"]}], ["prod/DatabaseSecret", "prod/api"]),
        ([{"Key": "tag-value", "Values": ["prod"]}], ["prod/DatabaseSecret", "prod/api"]),
        ([{"Key": "tag-value", "Values": ["production", "me"]}], ["prod/api", "dev/databaseSecret"]),
        ([{"Key": "all", "Values": ["database"]}], ["prod/DatabaseSecret", "dev/databaseSecret"]),
        ([{"Key": "all", "Values": ["payment"]}], ["prod/api"]),
        (
            [{"Key": "name", "Values": ["prod/"]}, {"Key": "tag-value", "Values": ["production"]}],
            ["prod/api"],
        ),
        ([{"Key": "primary-region", "Values": ["us-east-1"]}], []),
    ],
)
def test_filters(
    catalogue: SecretsManagerBackend, scope: Scope, filters: list[dict[str, Any]], expected: list[str]
) -> None:
    assert names(catalogue, scope, Filters=filters) == expected


def test_planned_deletion_and_sorting(catalogue: SecretsManagerBackend, scope: Scope) -> None:
    assert "retired" not in names(catalogue, scope)
    everything = names(catalogue, scope, IncludePlannedDeletion=True)
    assert everything == ["prod/DatabaseSecret", "prod/api", "dev/databaseSecret", "retired"]
    assert names(catalogue, scope, IncludePlannedDeletion=True, SortOrder="desc") == everything[::-1]
    assert names(catalogue, scope, SortBy="name") == ["dev/databaseSecret", "prod/DatabaseSecret", "prod/api"]
    entry = catalogue.listing.list(scope, {"IncludePlannedDeletion": True, "SortBy": "name"})["SecretList"][
        -1
    ]
    assert "DeletedDate" in entry and "SecretVersionsToStages" in entry


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_cover_everything_once(catalogue: SecretsManagerBackend, scope: Scope, order: str) -> None:
    expected = names(catalogue, scope, IncludePlannedDeletion=True, SortOrder=order)
    seen: list[str] = []
    token = None
    while True:
        params: dict[str, Any] = {"IncludePlannedDeletion": True, "SortOrder": order, "MaxResults": 1}
        if token:
            params["NextToken"] = token
        page = catalogue.listing.list(scope, params)
        seen.extend(entry["Name"] for entry in page["SecretList"])
        token = page["NextToken"]
        if token is None:
            break
    assert seen == expected
    with pytest.raises(AwsError) as info:
        catalogue.listing.list(scope, {"NextToken": "%%%"})
    assert info.value.code == "InvalidNextTokenException"


def test_batch_get_by_ids_reports_errors(catalogue: SecretsManagerBackend, scope: Scope) -> None:
    reply = catalogue.listing.batch_get(
        scope, {"SecretIdList": ["prod/api", "missing", "retired", "prod/api"]}
    )
    assert [v["SecretString"] for v in reply["SecretValues"]] == ["prod/api-value"]
    assert reply["Errors"] == [
        {
            "SecretId": "missing",
            "ErrorCode": "ResourceNotFoundException",
            "Message": "Secrets Manager can't find the specified secret.",
        },
        {
            "SecretId": "retired",
            "ErrorCode": "InvalidRequestException",
            "Message": "You can't perform this operation on the secret because it was marked for deletion.",
        },
    ]


def test_batch_get_by_filters_pages(catalogue: SecretsManagerBackend, scope: Scope) -> None:
    filters = [{"Key": "name", "Values": ["prod/", "dev/"]}]
    first = catalogue.listing.batch_get(scope, {"Filters": filters, "MaxResults": 2})
    assert [v["Name"] for v in first["SecretValues"]] == ["dev/databaseSecret", "prod/DatabaseSecret"]
    second = catalogue.listing.batch_get(scope, {"Filters": filters, "NextToken": first["NextToken"]})
    assert [v["SecretString"] for v in second["SecretValues"]] == ["prod/api-value"]
    assert second["NextToken"] is None and second["Errors"] == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"SecretIdList": ["a"], "Filters": [{"Key": "name", "Values": ["a"]}]},
        {"SecretIdList": ["a"], "MaxResults": 2},
    ],
)
def test_batch_get_argument_rules(sm: SecretsManagerBackend, scope: Scope, params: dict[str, Any]) -> None:
    with pytest.raises(AwsError) as info:
        sm.listing.batch_get(scope, params)
    assert info.value.code == "InvalidParameterException"
