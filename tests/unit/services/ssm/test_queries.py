"""GetParametersByPath and DescribeParameters: paths, filters, pages."""

from __future__ import annotations

from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.ssm.backend import SsmBackend
from skiff.state.scope import Scope
from tests.unit.services.ssm.conftest import put


@pytest.fixture
def tree(ssm: SsmBackend, scope: Scope) -> SsmBackend:
    put(ssm, scope, "/app/url", "http://app")
    put(ssm, scope, "/app/db/user", "admin", Tags=[{"Key": "team", "Value": "data"}])
    put(ssm, scope, "/app/db/password", "pw", "SecureString", KeyId="alias/db")
    put(ssm, scope, "/app/db/hosts", "a,b", "StringList")
    put(ssm, scope, "/apple", "fruit")
    put(ssm, scope, "top", "level")
    ssm.parameters.put(scope, {"Name": "/app/url", "Value": "http://app2", "Overwrite": True})
    ssm.parameters.label(scope, {"Name": "/app/url", "ParameterVersion": 1, "Labels": ["old"]})
    return ssm


def by_path(ssm: SsmBackend, scope: Scope, path: str, **params: Any) -> list[str]:
    reply = ssm.queries.by_path(scope, {"Path": path, **params})
    return [p["Name"] for p in reply["Parameters"]]


def describe(ssm: SsmBackend, scope: Scope, **params: Any) -> list[str]:
    return [p["Name"] for p in ssm.queries.describe(scope, {"MaxResults": 50, **params})["Parameters"]]


def test_one_level_and_recursive(tree: SsmBackend, scope: Scope) -> None:
    assert by_path(tree, scope, "/app") == ["/app/url"]
    assert by_path(tree, scope, "/app/") == ["/app/url"]
    assert by_path(tree, scope, "/app", Recursive=True) == [
        "/app/db/hosts",
        "/app/db/password",
        "/app/db/user",
        "/app/url",
    ]
    assert by_path(tree, scope, "/app/db") == ["/app/db/hosts", "/app/db/password", "/app/db/user"]
    assert by_path(tree, scope, "/") == ["/apple", "top"]
    assert len(by_path(tree, scope, "/", Recursive=True)) == 6
    assert by_path(tree, scope, "/aws/service/ecs") == []


def test_by_path_values_and_decryption(tree: SsmBackend, scope: Scope) -> None:
    plain = {p["Name"]: p["Value"] for p in tree.queries.by_path(scope, {"Path": "/app/db"})["Parameters"]}
    assert plain["/app/db/user"] == "admin" and plain["/app/db/password"] != "pw"
    decrypted = tree.queries.by_path(scope, {"Path": "/app/db", "WithDecryption": True})["Parameters"]
    assert {p["Name"]: p["Value"] for p in decrypted}["/app/db/password"] == "pw"


def test_by_path_filters(tree: SsmBackend, scope: Scope) -> None:
    secure = [{"Key": "Type", "Values": ["SecureString"]}]
    assert by_path(tree, scope, "/app", Recursive=True, ParameterFilters=secure) == ["/app/db/password"]
    tagged = [{"Key": "tag:team", "Values": ["data"]}]
    assert by_path(tree, scope, "/app", Recursive=True, ParameterFilters=tagged) == ["/app/db/user"]
    keyed = [{"Key": "KeyId", "Option": "BeginsWith", "Values": ["alias/d"]}]
    assert by_path(tree, scope, "/app", Recursive=True, ParameterFilters=keyed) == ["/app/db/password"]
    labelled = tree.queries.by_path(
        scope, {"Path": "/app", "ParameterFilters": [{"Key": "Label", "Values": ["old"]}]}
    )
    assert [(p["Name"], p["Value"], p["Version"]) for p in labelled["Parameters"]] == [
        ("/app/url", "http://app", 1)
    ]


def test_by_path_pages(tree: SsmBackend, scope: Scope) -> None:
    seen: list[str] = []
    token = None
    while True:
        params: dict[str, Any] = {"Path": "/", "Recursive": True, "MaxResults": 4}
        if token:
            params["NextToken"] = token
        page = tree.queries.by_path(scope, params)
        seen.extend(p["Name"] for p in page["Parameters"])
        token = page["NextToken"]
        if token is None:
            break
    assert seen == by_path(tree, scope, "/", Recursive=True)
    with pytest.raises(AwsError) as info:
        tree.queries.by_path(scope, {"Path": "/", "NextToken": "nope!"})
    assert info.value.code == "InvalidNextToken"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Path": "app"}, "ValidationException"),
        ({"Path": "/app", "ParameterFilters": [{"Key": "Name", "Values": ["x"]}]}, "InvalidFilterKey"),
        ({"Path": "/app", "ParameterFilters": [{"Key": "Type", "Values": ["Bad"]}]}, "InvalidFilterValue"),
        (
            {
                "Path": "/app",
                "ParameterFilters": [{"Key": "Type", "Option": "Contains", "Values": ["String"]}],
            },
            "InvalidFilterOption",
        ),
    ],
)
def test_by_path_refusals(tree: SsmBackend, scope: Scope, params: dict[str, Any], code: str) -> None:
    with pytest.raises(AwsError) as info:
        tree.queries.by_path(scope, params)
    assert info.value.code == code


def test_describe_filters(tree: SsmBackend, scope: Scope) -> None:
    assert describe(tree, scope) == [
        "/app/db/hosts",
        "/app/db/password",
        "/app/db/user",
        "/app/url",
        "/apple",
        "top",
    ]
    begins = [{"Key": "Name", "Option": "BeginsWith", "Values": ["/app/db"]}]
    assert describe(tree, scope, ParameterFilters=begins) == [
        "/app/db/hosts",
        "/app/db/password",
        "/app/db/user",
    ]
    assert describe(tree, scope, ParameterFilters=[{"Key": "Name", "Values": ["/top"]}]) == ["top"]
    contains = [{"Key": "Name", "Option": "Contains", "Values": ["pp"]}]
    assert len(describe(tree, scope, ParameterFilters=contains)) == 5
    path = [{"Key": "Path", "Values": ["/app"]}]
    assert describe(tree, scope, ParameterFilters=path) == ["/app/url"]
    recursive = [{"Key": "Path", "Option": "Recursive", "Values": ["/app/db"]}]
    assert len(describe(tree, scope, ParameterFilters=recursive)) == 3
    types = [{"Key": "Type", "Values": ["StringList", "SecureString"]}]
    assert describe(tree, scope, ParameterFilters=types) == ["/app/db/hosts", "/app/db/password"]
    assert describe(tree, scope, ParameterFilters=[{"Key": "tag:team"}]) == ["/app/db/user"]
    assert describe(tree, scope, ParameterFilters=[{"Key": "Tier", "Values": ["Advanced"]}]) == []
    legacy = [{"Key": "Name", "Values": ["/app/d"]}, {"Key": "Type", "Values": ["String"]}]
    assert describe(tree, scope, Filters=legacy) == ["/app/db/user"]
    metadata = tree.queries.describe(scope, {"ParameterFilters": [{"Key": "Name", "Values": ["/app/url"]}]})
    entry = metadata["Parameters"][0]
    assert entry["Version"] == 2 and entry["ARN"].endswith(":parameter/app/url") and "Value" not in entry


def test_describe_pages_and_refusals(tree: SsmBackend, scope: Scope) -> None:
    first = tree.queries.describe(scope, {"MaxResults": 4})
    assert len(first["Parameters"]) == 4 and first["NextToken"]
    rest = tree.queries.describe(scope, {"MaxResults": 4, "NextToken": first["NextToken"]})
    assert [p["Name"] for p in rest["Parameters"]] == ["/apple", "top"] and rest["NextToken"] is None
    assert len(tree.queries.describe(scope, {})["Parameters"]) == 6
    for params, code in (
        (
            {
                "Filters": [{"Key": "Name", "Values": ["a"]}],
                "ParameterFilters": [{"Key": "Type", "Values": ["String"]}],
            },
            "ValidationException",
        ),
        ({"ParameterFilters": [{"Key": "Label", "Values": ["x"]}]}, "InvalidFilterKey"),
        ({"ParameterFilters": [{"Key": "Type"}]}, "InvalidFilterValue"),
        (
            {"ParameterFilters": [{"Key": "Path", "Option": "Equals", "Values": ["/a"]}]},
            "InvalidFilterOption",
        ),
        ({"ParameterFilters": [{"Key": "Path", "Values": ["/aws/x"]}]}, "ValidationException"),
        (
            {
                "ParameterFilters": [
                    {"Key": "Type", "Values": ["String"]},
                    {"Key": "Type", "Values": ["String"]},
                ]
            },
            "InvalidFilterKey",
        ),
    ):
        with pytest.raises(AwsError) as info:
            tree.queries.describe(scope, params)
        assert info.value.code == code, params
