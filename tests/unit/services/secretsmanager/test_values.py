"""Secret values: stage moves on every new value, selectors, tokens, stage updates, resolve."""

from __future__ import annotations

import pytest

from skiff.api.errors import AwsError
from skiff.services.secretsmanager.backend import SecretsManagerBackend
from skiff.state.scope import Scope

TOKEN_A = "a" * 32
TOKEN_B = "b" * 32
TOKEN_C = "c" * 32


def create(sm: SecretsManagerBackend, scope: Scope, name: str = "app/db", value: str = "one") -> str:
    arn: str = sm.secrets.create(scope, {"Name": name, "SecretString": value, "ClientRequestToken": TOKEN_A})[
        "ARN"
    ]
    return arn


def stages(sm: SecretsManagerBackend, scope: Scope, secret_id: str) -> dict[str, list[str]]:
    described: dict[str, list[str]] = sm.secrets.describe(scope, secret_id)["VersionIdsToStages"]
    return described


def test_every_new_value_moves_current_and_previous(sm: SecretsManagerBackend, scope: Scope) -> None:
    create(sm, scope)
    assert stages(sm, scope, "app/db") == {TOKEN_A: ["AWSCURRENT"]}
    sm.values.put(scope, {"SecretId": "app/db", "SecretString": "two", "ClientRequestToken": TOKEN_B})
    assert stages(sm, scope, "app/db") == {TOKEN_B: ["AWSCURRENT"], TOKEN_A: ["AWSPREVIOUS"]}
    sm.secrets.update(scope, {"SecretId": "app/db", "SecretString": "three", "ClientRequestToken": TOKEN_C})
    assert stages(sm, scope, "app/db") == {TOKEN_C: ["AWSCURRENT"], TOKEN_B: ["AWSPREVIOUS"]}
    assert sm.values.get(scope, "app/db")["SecretString"] == "three"
    assert sm.values.get(scope, "app/db", version_stage="AWSPREVIOUS")["SecretString"] == "two"
    assert sm.values.get(scope, "app/db", version_id=TOKEN_A)["SecretString"] == "one"
    listed = sm.values.list_version_ids(scope, {"SecretId": "app/db"})["Versions"]
    assert [v["VersionId"] for v in listed] == [TOKEN_C, TOKEN_B]
    deprecated = sm.values.list_version_ids(scope, {"SecretId": "app/db", "IncludeDeprecated": True})
    assert [v["VersionId"] for v in deprecated["Versions"]] == [TOKEN_C, TOKEN_B, TOKEN_A]
    assert "VersionStages" not in deprecated["Versions"][2]


def test_put_with_explicit_stages_leaves_current(sm: SecretsManagerBackend, scope: Scope) -> None:
    create(sm, scope)
    reply = sm.values.put(
        scope,
        {
            "SecretId": "app/db",
            "SecretString": "next",
            "ClientRequestToken": TOKEN_B,
            "VersionStages": ["AWSPENDING"],
        },
    )
    assert reply["VersionStages"] == ["AWSPENDING"]
    assert stages(sm, scope, "app/db") == {TOKEN_B: ["AWSPENDING"], TOKEN_A: ["AWSCURRENT"]}
    assert sm.values.get(scope, "app/db")["SecretString"] == "one"
    assert sm.values.get(scope, "app/db", version_stage="AWSPENDING")["SecretString"] == "next"


def test_binary_values(sm: SecretsManagerBackend, scope: Scope) -> None:
    sm.secrets.create(scope, {"Name": "blob", "SecretBinary": b"\x00\xffkey"})
    got = sm.values.get(scope, "blob")
    assert got["SecretBinary"] == b"\x00\xffkey" and "SecretString" not in got
    assert sm.resolve(scope, "blob", None, None) == (None, b"\x00\xffkey")


def test_secret_ids_name_full_arn_and_partial_arn(sm: SecretsManagerBackend, scope: Scope) -> None:
    arn = create(sm, scope, "svc/api-key")
    partial = arn[: -len("-XXXXXX")]
    assert partial.endswith(":secret:svc/api-key")
    for secret_id in ("svc/api-key", arn, partial):
        assert sm.values.get(scope, secret_id)["ARN"] == arn
    for wrong in (
        arn.replace("us-east-1", "eu-west-1"),
        arn.replace("000000000000", "111111111111"),
        partial + "-nope00",
        "arn:aws:secretsmanager:us-east-1:000000000000:parameter:svc/api-key",
        "svc/api",
    ):
        with pytest.raises(AwsError) as info:
            sm.values.get(scope, wrong)
        assert info.value.code == "ResourceNotFoundException"
        assert info.value.message == "Secrets Manager can't find the specified secret."


def test_a_name_that_looks_suffixed_is_found_by_its_own_arn(sm: SecretsManagerBackend, scope: Scope) -> None:
    arn = create(sm, scope, "plain-abcdef")
    partial = "arn:aws:secretsmanager:us-east-1:000000000000:secret:plain-abcdef"
    assert sm.values.get(scope, partial)["ARN"] == arn


def test_missing_versions_and_stages_use_aws_texts(sm: SecretsManagerBackend, scope: Scope) -> None:
    sm.secrets.create(scope, {"Name": "empty"})
    with pytest.raises(AwsError) as info:
        sm.values.get(scope, "empty")
    assert info.value.code == "ResourceNotFoundException"
    assert info.value.message == (
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"
    )
    create(sm, scope)
    with pytest.raises(AwsError) as info:
        sm.values.get(scope, "app/db", version_id="f" * 32)
    assert (
        info.value.message
        == f"Secrets Manager can't find the specified secret value for VersionId: {'f' * 32}"
    )
    with pytest.raises(AwsError) as info:
        sm.values.get(scope, "app/db", version_id=TOKEN_A, version_stage="AWSPREVIOUS")
    assert info.value.code == "InvalidRequestException"
    assert (
        sm.values.get(scope, "app/db", version_id=TOKEN_A, version_stage="AWSCURRENT")["VersionId"] == TOKEN_A
    )


def test_repeated_token_is_idempotent_but_cannot_change_a_version(
    sm: SecretsManagerBackend, scope: Scope
) -> None:
    create(sm, scope)
    again = sm.values.put(scope, {"SecretId": "app/db", "SecretString": "one", "ClientRequestToken": TOKEN_A})
    assert again["VersionId"] == TOKEN_A and again["VersionStages"] == ["AWSCURRENT"]
    with pytest.raises(AwsError) as info:
        sm.values.put(scope, {"SecretId": "app/db", "SecretString": "changed", "ClientRequestToken": TOKEN_A})
    assert info.value.code == "ResourceExistsException"
    assert "changed" not in info.value.message
    assert sm.values.get(scope, "app/db")["SecretString"] == "one"


def test_put_needs_exactly_one_value(sm: SecretsManagerBackend, scope: Scope) -> None:
    create(sm, scope)
    with pytest.raises(AwsError) as info:
        sm.values.put(scope, {"SecretId": "app/db"})
    assert info.value.code == "InvalidRequestException"
    with pytest.raises(AwsError) as info:
        sm.values.put(scope, {"SecretId": "app/db", "SecretString": "s3cr3t", "SecretBinary": b"x"})
    assert info.value.code == "InvalidParameterException"
    assert "s3cr3t" not in info.value.message


def test_update_secret_version_stage(sm: SecretsManagerBackend, scope: Scope) -> None:
    create(sm, scope)
    sm.values.put(scope, {"SecretId": "app/db", "SecretString": "two", "ClientRequestToken": TOKEN_B})
    with pytest.raises(AwsError) as info:
        sm.values.update_stage(
            scope, {"SecretId": "app/db", "VersionStage": "AWSCURRENT", "MoveToVersionId": TOKEN_A}
        )
    assert info.value.code == "InvalidParameterException"
    assert info.value.message == (
        "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to "
        f"version {TOKEN_B}, so you must explicitly reference that version in RemoveFromVersionId."
    )
    sm.values.update_stage(
        scope,
        {
            "SecretId": "app/db",
            "VersionStage": "AWSCURRENT",
            "MoveToVersionId": TOKEN_A,
            "RemoveFromVersionId": TOKEN_B,
        },
    )
    assert stages(sm, scope, "app/db") == {TOKEN_A: ["AWSCURRENT"], TOKEN_B: ["AWSPREVIOUS"]}
    sm.values.update_stage(scope, {"SecretId": "app/db", "VersionStage": "blue", "MoveToVersionId": TOKEN_B})
    assert stages(sm, scope, "app/db") == {TOKEN_A: ["AWSCURRENT"], TOKEN_B: ["AWSPREVIOUS", "blue"]}
    sm.values.update_stage(
        scope, {"SecretId": "app/db", "VersionStage": "blue", "RemoveFromVersionId": TOKEN_B}
    )
    assert stages(sm, scope, "app/db") == {TOKEN_A: ["AWSCURRENT"], TOKEN_B: ["AWSPREVIOUS"]}
    with pytest.raises(AwsError) as info:
        sm.values.update_stage(
            scope, {"SecretId": "app/db", "VersionStage": "AWSCURRENT", "RemoveFromVersionId": TOKEN_A}
        )
    assert info.value.code == "InvalidParameterException"
    with pytest.raises(AwsError) as info:
        sm.values.update_stage(
            scope, {"SecretId": "app/db", "VersionStage": "blue", "RemoveFromVersionId": TOKEN_A}
        )
    assert info.value.code == "InvalidParameterException"
    with pytest.raises(AwsError) as info:
        sm.values.update_stage(
            scope, {"SecretId": "app/db", "VersionStage": "x", "MoveToVersionId": "9" * 32}
        )
    assert info.value.code == "ResourceNotFoundException"


def test_resolve_for_tasks(sm: SecretsManagerBackend, scope: Scope) -> None:
    arn = create(sm, scope)
    sm.values.put(scope, {"SecretId": "app/db", "SecretString": "two", "ClientRequestToken": TOKEN_B})
    assert sm.resolve(scope, arn, None, None) == ("two", None)
    assert sm.resolve(scope, "app/db", "AWSPREVIOUS", None) == ("one", None)
    assert sm.resolve(scope, "app/db", None, TOKEN_A) == ("one", None)
    with pytest.raises(AwsError) as info:
        sm.resolve(scope, "app/db", "AWSPENDING", None)
    assert (
        info.value.message
        == "Secrets Manager can't find the specified secret value for staging label: AWSPENDING"
    )
    with pytest.raises(AwsError) as info:
        sm.resolve(scope, "missing", None, None)
    assert info.value.code == "ResourceNotFoundException"


def test_old_deprecated_versions_are_pruned(sm: SecretsManagerBackend, scope: Scope) -> None:
    create(sm, scope)
    for i in range(105):
        sm.values.put(scope, {"SecretId": "app/db", "SecretString": f"v{i}"})
    listed = sm.values.list_version_ids(
        scope, {"SecretId": "app/db", "IncludeDeprecated": True, "MaxResults": 100}
    )
    assert len(listed["Versions"]) == 100 and listed["NextToken"] is None
    assert TOKEN_A not in [v["VersionId"] for v in listed["Versions"]]
    assert sm.values.get(scope, "app/db")["SecretString"] == "v104"
    assert sm.values.get(scope, "app/db", version_stage="AWSPREVIOUS")["SecretString"] == "v103"


def test_version_list_pages(sm: SecretsManagerBackend, scope: Scope) -> None:
    create(sm, scope)
    for i in range(4):
        sm.values.put(scope, {"SecretId": "app/db", "SecretString": f"v{i}", "VersionStages": [f"s{i}"]})
    seen: list[str] = []
    token = None
    while True:
        params = {"SecretId": "app/db", "MaxResults": 2, **({"NextToken": token} if token else {})}
        page = sm.values.list_version_ids(scope, params)
        seen.extend(v["VersionId"] for v in page["Versions"])
        token = page["NextToken"]
        if token is None:
            break
    assert len(seen) == 5 and len(set(seen)) == 5 and seen[-1] == TOKEN_A
    with pytest.raises(AwsError) as info:
        sm.values.list_version_ids(scope, {"SecretId": "app/db", "NextToken": "garbage!"})
    assert info.value.code == "InvalidNextTokenException"
