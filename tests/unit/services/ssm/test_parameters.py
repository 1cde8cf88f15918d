"""Parameters: versions, overwrite, selectors, labels, history, tiers, patterns, tags, resolve."""

from __future__ import annotations

from typing import Any

import pytest

from skiff.api.errors import AwsError
from skiff.services.ssm.backend import SsmBackend
from skiff.services.ssm.parameters import TAGS_WITH_OVERWRITE
from skiff.services.ssm.records import VERSIONS
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.ssm.conftest import put


def value(ssm: SsmBackend, scope: Scope, reference: str, decrypt: bool = True) -> str:
    got: str = ssm.parameters.get(scope, reference, decrypt)["Value"]
    return got


def error_of(call: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        call()
    return info.value


def test_overwrite_makes_versions(ssm: SsmBackend, scope: Scope) -> None:
    assert put(ssm, scope, "/app/x", "one") == 1
    error = error_of(lambda: put(ssm, scope, "/app/x", "two"))
    assert error.code == "ParameterAlreadyExists"
    reply = ssm.parameters.put(scope, {"Name": "/app/x", "Value": "two", "Overwrite": True})
    assert reply == {"Version": 2, "Tier": "Standard"}
    got = ssm.parameters.get(scope, "/app/x", False)
    assert got["Value"] == "two" and got["Version"] == 2 and got["Type"] == "String"
    assert got["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/app/x"


def test_selectors_by_version_and_label(ssm: SsmBackend, scope: Scope) -> None:
    for i in range(3):
        ssm.parameters.put(scope, {"Name": "/s", "Value": f"v{i + 1}", "Type": "String", "Overwrite": True})
    assert value(ssm, scope, "/s:1") == "v1"
    got = ssm.parameters.get(scope, "/s:2", False)
    assert got["Selector"] == ":2" and got["Name"] == "/s" and got["Version"] == 2
    ssm.parameters.label(scope, {"Name": "/s", "ParameterVersion": 1, "Labels": ["prod"]})
    assert value(ssm, scope, "/s:prod") == "v1"
    assert ssm.parameters.get(scope, "/s:prod", False)["Selector"] == ":prod"
    assert value(ssm, scope, "arn:aws:ssm:us-east-1:000000000000:parameter/s:prod") == "v1"
    error = error_of(lambda: ssm.parameters.get(scope, "/s:9", False))
    assert error.code == "ParameterVersionNotFound"
    assert (
        error.message == "Systems Manager could not find version 9 of /s. Verify the version and try again."
    )
    assert error_of(lambda: ssm.parameters.get(scope, "/s:nolabel", False)).code == "ParameterVersionNotFound"
    assert error_of(lambda: ssm.parameters.get(scope, "/missing", False)).code == "ParameterNotFound"


def test_labels_move_between_versions(ssm: SsmBackend, scope: Scope) -> None:
    for i in range(3):
        ssm.parameters.put(scope, {"Name": "/l", "Value": f"v{i + 1}", "Type": "String", "Overwrite": True})
    reply = ssm.parameters.label(
        scope, {"Name": "/l", "ParameterVersion": 1, "Labels": ["blue", "1bad", "awsx"]}
    )
    assert reply == {"InvalidLabels": ["1bad", "awsx"], "ParameterVersion": 1}
    assert ssm.parameters.label(scope, {"Name": "/l", "Labels": ["blue"]})["ParameterVersion"] == 3
    history = ssm.parameters.history(scope, {"Name": "/l"})["Parameters"]
    assert [h.get("Labels") for h in history] == [[], [], ["blue"]]
    assert value(ssm, scope, "/l:blue") == "v3"
    removed = ssm.parameters.unlabel(
        scope, {"Name": "/l", "ParameterVersion": 3, "Labels": ["blue", "green"]}
    )
    assert removed == {"RemovedLabels": ["blue"], "InvalidLabels": ["green"]}
    assert error_of(lambda: ssm.parameters.get(scope, "/l:blue", False)).code == "ParameterVersionNotFound"
    error = error_of(
        lambda: ssm.parameters.label(scope, {"Name": "/l", "ParameterVersion": 7, "Labels": ["x"]})
    )
    assert error.code == "ParameterVersionNotFound"
    many = [f"l{i}" for i in range(11)]
    assert error_of(lambda: ssm.parameters.label(scope, {"Name": "/l", "Labels": many})).code == (
        "ParameterVersionLabelLimitExceeded"
    )


def test_history_pages_and_hides_secure_values(ssm: SsmBackend, scope: Scope) -> None:
    for i in range(5):
        ssm.parameters.put(
            scope, {"Name": "/h", "Value": f"secret-{i}", "Type": "SecureString", "Overwrite": True}
        )
    seen: list[int] = []
    token = None
    while True:
        params: dict[str, Any] = {"Name": "/h", "MaxResults": 2, **({"NextToken": token} if token else {})}
        page = ssm.parameters.history(scope, params)
        for entry in page["Parameters"]:
            assert entry["KeyId"] == "alias/aws/ssm"
            assert not entry["Value"].startswith("secret-")
        seen.extend(entry["Version"] for entry in page["Parameters"])
        token = page["NextToken"]
        if token is None:
            break
    assert seen == [1, 2, 3, 4, 5]
    decrypted = ssm.parameters.history(scope, {"Name": "/h", "WithDecryption": True})["Parameters"]
    assert [entry["Value"] for entry in decrypted] == [f"secret-{i}" for i in range(5)]


def test_secure_strings_are_sealed_and_shown_encrypted(
    ssm: SsmBackend, scope: Scope, store: SqliteStore
) -> None:
    put(ssm, scope, "/db/password", "hunter2", "SecureString", KeyId="alias/custom")
    encrypted = value(ssm, scope, "/db/password", decrypt=False)
    assert encrypted != "hunter2" and "hunter2" not in encrypted and "sealed" not in encrypted
    assert value(ssm, scope, "/db/password") == "hunter2"
    assert "hunter2" not in repr(list(store.scan(VERSIONS)))
    assert (
        ssm.records.metadata_view(scope, ssm.records.require(scope, "/db/password"))["KeyId"]
        == "alias/custom"
    )
    ssm.parameters.put(
        scope, {"Name": "/db/password", "Value": "plain-now", "Type": "String", "Overwrite": True}
    )
    meta = ssm.records.metadata_view(scope, ssm.records.require(scope, "/db/password"))
    assert meta["Type"] == "String" and "KeyId" not in meta
    assert value(ssm, scope, "/db/password:1") == "hunter2"


def test_overwrite_keeps_what_it_does_not_change(ssm: SsmBackend, scope: Scope) -> None:
    put(ssm, scope, "/k", "1", Description="the k", AllowedPattern=r"\d+")
    ssm.parameters.put(scope, {"Name": "/k", "Value": "22", "Overwrite": True})
    meta = ssm.records.metadata_view(scope, ssm.records.require(scope, "/k"))
    assert meta["Description"] == "the k" and meta["AllowedPattern"] == r"\d+" and meta["Version"] == 2
    error = error_of(lambda: ssm.parameters.put(scope, {"Name": "/k", "Value": "abc", "Overwrite": True}))
    assert error.code == "ParameterPatternMismatchException"
    assert error.message == r"Parameter value, cannot be validated against allowedPattern: \d+"
    assert "abc" not in error.message


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"Name": "/n", "Value": "v"},
            "ValidationException",
            "A parameter type is required when you create a parameter.",
        ),
        ({"Name": "/n", "Value": "", "Type": "String"}, "ValidationException", None),
        ({"Name": "/n", "Value": "v", "Type": "String", "KeyId": "alias/x"}, "ValidationException", None),
        (
            {"Name": "/n", "Value": "v", "Type": "String", "AllowedPattern": "("},
            "InvalidAllowedPatternException",
            None,
        ),
        (
            {"Name": "/n", "Value": "v", "Type": "String", "DataType": "Text"},
            "ValidationException",
            "The following data type is not supported: Text (Data type names are all lowercase.)",
        ),
        ({"Name": "/n", "Value": "x" * 4097, "Type": "String"}, "ValidationException", None),
        (
            {"Name": "/n", "Value": "x" * 8193, "Type": "String", "Tier": "Advanced"},
            "ValidationException",
            None,
        ),
        (
            {
                "Name": "/n",
                "Value": "v",
                "Type": "String",
                "Overwrite": True,
                "Tags": [{"Key": "a", "Value": "b"}],
            },
            "ValidationException",
            TAGS_WITH_OVERWRITE,
        ),
    ],
)
def test_put_refusals(
    ssm: SsmBackend, scope: Scope, params: dict[str, Any], code: str, message: str | None
) -> None:
    error = error_of(lambda: ssm.parameters.put(scope, params))
    assert error.code == code
    if message is not None:
        assert error.message == message


def test_tiers(ssm: SsmBackend, scope: Scope) -> None:
    big = "x" * 5000
    assert (
        ssm.parameters.put(
            scope, {"Name": "/t", "Value": big, "Type": "String", "Tier": "Intelligent-Tiering"}
        )["Tier"]
        == "Advanced"
    )
    assert (
        ssm.parameters.put(
            scope, {"Name": "/t2", "Value": "s", "Type": "String", "Tier": "Intelligent-Tiering"}
        )["Tier"]
        == "Standard"
    )
    again = ssm.parameters.put(scope, {"Name": "/t", "Value": "small", "Overwrite": True})
    assert again["Tier"] == "Advanced"
    error = error_of(
        lambda: ssm.parameters.put(scope, {"Name": "/t", "Value": "s", "Overwrite": True, "Tier": "Standard"})
    )
    assert error.code == "ValidationException" and "downgrade" in error.message


def test_one_level_names_with_and_without_slash_are_one_parameter(ssm: SsmBackend, scope: Scope) -> None:
    put(ssm, scope, "plain", "p")
    assert value(ssm, scope, "/plain") == "p"
    assert error_of(lambda: put(ssm, scope, "/plain", "q")).code == "ParameterAlreadyExists"
    assert ssm.parameters.get(scope, "/plain", False)["ARN"].endswith(":parameter/plain")


def test_oldest_version_goes_unless_labelled(ssm: SsmBackend, scope: Scope, store: SqliteStore) -> None:
    for i in range(100):
        ssm.parameters.put(scope, {"Name": "/v", "Value": str(i), "Type": "String", "Overwrite": True})
    ssm.parameters.put(scope, {"Name": "/v", "Value": "100", "Overwrite": True})
    history = ssm.parameters.history(scope, {"Name": "/v", "MaxResults": 50})
    assert history["Parameters"][0]["Version"] == 2
    assert len(list(store.scan(VERSIONS))) == 100
    ssm.parameters.label(scope, {"Name": "/v", "ParameterVersion": 2, "Labels": ["keep"]})
    error = error_of(lambda: ssm.parameters.put(scope, {"Name": "/v", "Value": "101", "Overwrite": True}))
    assert error.code == "ParameterMaxVersionLimitExceeded"
    assert value(ssm, scope, "/v") == "100"


def test_get_many_and_delete_many(ssm: SsmBackend, scope: Scope) -> None:
    put(ssm, scope, "/g/a", "a")
    put(ssm, scope, "/g/b", "b")
    reply = ssm.parameters.get_many(scope, ["/g/a", "/g/nope", "/g/b:1", "/g/b:5", "/g/a"], False)
    assert [p["Name"] for p in reply["Parameters"]] == ["/g/a", "/g/b"]
    assert reply["InvalidParameters"] == ["/g/nope", "/g/b:5"]
    assert ssm.parameters.delete_many(scope, ["/g/a", "/g/zzz"]) == {
        "DeletedParameters": ["/g/a"],
        "InvalidParameters": ["/g/zzz"],
    }
    ssm.parameters.delete(scope, "/g/b")
    assert error_of(lambda: ssm.parameters.delete(scope, "/g/b")).code == "ParameterNotFound"
    assert put(ssm, scope, "/g/b", "again") == 1


def test_tags(ssm: SsmBackend, scope: Scope) -> None:
    put(ssm, scope, "/tag/me", "v", Tags=[{"Key": "a", "Value": "1"}])
    name = ssm.parameters.tag_target(
        scope, "Parameter", "arn:aws:ssm:us-east-1:000000000000:parameter/tag/me"
    )
    ssm.parameters.add_tags(scope, name, [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": ""}])
    assert ssm.parameters.tags(scope, "/tag/me") == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": ""}]
    ssm.parameters.remove_tags(scope, "/tag/me", ["a"])
    assert ssm.parameters.tags(scope, "/tag/me") == [{"Key": "b", "Value": ""}]
    assert (
        error_of(lambda: ssm.parameters.tag_target(scope, "Document", "/tag/me")).code
        == "InvalidResourceType"
    )
    assert (
        error_of(lambda: ssm.parameters.tag_target(scope, "Parameter", "/nope")).code == "InvalidResourceId"
    )


def test_resolve_for_tasks(ssm: SsmBackend, scope: Scope) -> None:
    put(ssm, scope, "/task/pw", "s3cret", "SecureString")
    put(ssm, scope, "/task/pw", "s3cret-2", "SecureString", Overwrite=True)
    assert ssm.resolve(scope, "/task/pw") == "s3cret-2"
    assert ssm.resolve(scope, "/task/pw:1") == "s3cret"
    assert ssm.resolve(scope, "arn:aws:ssm:us-east-1:000000000000:parameter/task/pw") == "s3cret-2"
    other = Scope(scope.account, "eu-west-1")
    assert ssm.resolve(other, "arn:aws:ssm:us-east-1:000000000000:parameter/task/pw") == "s3cret-2"
    error = error_of(lambda: ssm.resolve(other, "/task/pw"))
    assert error.code == "ParameterNotFound" and error.message == "Parameter /task/pw not found."
    error = error_of(lambda: ssm.resolve(scope, "arn:aws:ssm:us-east-1:111111111111:parameter/task/pw"))
    assert error.code == "ParameterNotFound"
