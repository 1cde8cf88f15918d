"""The life of a secret: create, describe, update, delete and restore, tags, and what is stored."""

from __future__ import annotations

import re

import pytest

from skiff.api.errors import AwsError
from skiff.security.sealing import Sealer, SealingError
from skiff.services.secretsmanager.backend import SecretsManagerBackend
from skiff.services.secretsmanager.records import SECRETS, VERSIONS, SecretValue
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.secretsmanager.conftest import START, Clock

DELETED = "You can't perform this operation on the secret because it was marked for deletion."


def test_create_makes_an_arn_with_a_random_suffix(sm: SecretsManagerBackend, scope: Scope) -> None:
    reply = sm.secrets.create(
        scope,
        {
            "Name": "prod/db",
            "SecretString": "pw",
            "Description": "database",
            "KmsKeyId": "alias/mine",
            "Tags": [{"Key": "team", "Value": "a"}],
        },
    )
    assert re.fullmatch(
        r"arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-[A-Za-z0-9]{6}", reply["ARN"]
    )
    assert reply["Name"] == "prod/db" and len(reply["VersionId"]) == 36
    described = sm.secrets.describe(scope, "prod/db")
    assert described == {
        "ARN": reply["ARN"],
        "Name": "prod/db",
        "Description": "database",
        "KmsKeyId": "alias/mine",
        "RotationEnabled": False,
        "LastChangedDate": START,
        "Tags": [{"Key": "team", "Value": "a"}],
        "VersionIdsToStages": {reply["VersionId"]: ["AWSCURRENT"]},
        "CreatedDate": START,
    }
    listed = sm.values.list_version_ids(scope, {"SecretId": "prod/db"})["Versions"]
    assert listed[0]["KmsKeyIds"] == ["alias/mine"]


def test_create_without_a_value_has_no_version(sm: SecretsManagerBackend, scope: Scope) -> None:
    reply = sm.secrets.create(scope, {"Name": "later"})
    assert "VersionId" not in reply
    assert sm.secrets.describe(scope, "later")["VersionIdsToStages"] == {}


def test_names_exist_once(sm: SecretsManagerBackend, scope: Scope) -> None:
    token = "t" * 32
    first = sm.secrets.create(scope, {"Name": "dup", "SecretString": "x", "ClientRequestToken": token})
    again = sm.secrets.create(scope, {"Name": "dup", "SecretString": "x", "ClientRequestToken": token})
    assert again == first
    with pytest.raises(AwsError) as info:
        sm.secrets.create(scope, {"Name": "dup", "SecretString": "y", "ClientRequestToken": token})
    assert info.value.code == "ResourceExistsException"
    assert info.value.message == "The operation failed because the secret dup already exists."
    other_region = Scope(scope.account, "eu-west-1")
    assert sm.secrets.create(other_region, {"Name": "dup"})["ARN"].startswith(
        "arn:aws:secretsmanager:eu-west-1"
    )


@pytest.mark.parametrize("name", ["has space", "colon:name", "star*", "x" * 513])
def test_invalid_names(sm: SecretsManagerBackend, scope: Scope, name: str) -> None:
    with pytest.raises(AwsError) as info:
        sm.secrets.create(scope, {"Name": name})
    assert info.value.code == "InvalidParameterException"


def test_update_without_a_value_changes_metadata_only(
    sm: SecretsManagerBackend, scope: Scope, clock: Clock
) -> None:
    created = sm.secrets.create(scope, {"Name": "u", "SecretString": "x"})
    clock.advance(minutes=5)
    reply = sm.secrets.update(scope, {"SecretId": "u", "Description": "new", "KmsKeyId": "alias/k"})
    assert "VersionId" not in reply
    described = sm.secrets.describe(scope, "u")
    assert described["Description"] == "new" and described["KmsKeyId"] == "alias/k"
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSCURRENT"]}
    assert described["LastChangedDate"] == clock.now


def test_delete_schedules_and_restore_undoes(sm: SecretsManagerBackend, scope: Scope, clock: Clock) -> None:
    arn = sm.secrets.create(scope, {"Name": "d", "SecretString": "x"})["ARN"]
    reply = sm.secrets.delete(scope, {"SecretId": "d", "RecoveryWindowInDays": 7})
    assert reply["DeletionDate"] == START.replace(day=8)
    described = sm.secrets.describe(scope, arn)
    assert described["DeletedDate"] == START
    for call in (
        lambda: sm.values.get(scope, "d"),
        lambda: sm.values.put(scope, {"SecretId": "d", "SecretString": "y"}),
        lambda: sm.secrets.update(scope, {"SecretId": "d", "Description": "z"}),
        lambda: sm.secrets.tag(scope, "d", [{"Key": "a", "Value": "b"}]),
    ):
        with pytest.raises(AwsError) as info:
            call()
        assert info.value.code == "InvalidRequestException" and info.value.message == DELETED
    with pytest.raises(AwsError) as info:
        sm.secrets.create(scope, {"Name": "d"})
    assert info.value.code == "InvalidRequestException"
    assert sm.secrets.restore(scope, "d") == {"ARN": arn, "Name": "d"}
    assert "DeletedDate" not in sm.secrets.describe(scope, "d")
    assert sm.values.get(scope, "d")["SecretString"] == "x"


def test_recovery_window_passes(
    sm: SecretsManagerBackend, scope: Scope, clock: Clock, store: SqliteStore
) -> None:
    arn = sm.secrets.create(scope, {"Name": "gone", "SecretString": "x"})["ARN"]
    sm.secrets.delete(scope, {"SecretId": "gone"})
    clock.advance(days=29, hours=23)
    assert sm.secrets.describe(scope, "gone")["ARN"] == arn
    clock.advance(hours=1)
    with pytest.raises(AwsError) as info:
        sm.secrets.describe(scope, "gone")
    assert info.value.code == "ResourceNotFoundException"
    assert store.get(SECRETS, arn) is None and list(store.scan(VERSIONS)) == []
    assert sm.secrets.create(scope, {"Name": "gone"})["ARN"] != arn


def test_force_delete_is_immediate(sm: SecretsManagerBackend, scope: Scope, store: SqliteStore) -> None:
    sm.secrets.create(scope, {"Name": "f", "SecretString": "x"})
    reply = sm.secrets.delete(scope, {"SecretId": "f", "ForceDeleteWithoutRecovery": True})
    assert reply["DeletionDate"] == START
    assert list(store.scan(SECRETS)) == [] and list(store.scan(VERSIONS)) == []
    sm.secrets.create(scope, {"Name": "f"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"RecoveryWindowInDays": 6},
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ),
        (
            {"RecoveryWindowInDays": 31},
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ),
        (
            {"RecoveryWindowInDays": 7, "ForceDeleteWithoutRecovery": True},
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        ),
    ],
)
def test_delete_checks_its_options(
    sm: SecretsManagerBackend, scope: Scope, params: dict[str, object], message: str
) -> None:
    sm.secrets.create(scope, {"Name": "o"})
    with pytest.raises(AwsError) as info:
        sm.secrets.delete(scope, {"SecretId": "o", **params})
    assert info.value.code == "InvalidParameterException" and info.value.message == message


def test_tags_merge_and_untag(sm: SecretsManagerBackend, scope: Scope) -> None:
    sm.secrets.create(scope, {"Name": "t", "Tags": [{"Key": "a", "Value": "1"}]})
    sm.secrets.tag(scope, "t", [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
    assert sm.secrets.describe(scope, "t")["Tags"] == [{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}]
    sm.secrets.untag(scope, "t", ["a", "zzz"])
    assert sm.secrets.describe(scope, "t")["Tags"] == [{"Key": "b", "Value": "3"}]
    sm.secrets.untag(scope, "t", ["b"])
    assert "Tags" not in sm.secrets.describe(scope, "t")
    with pytest.raises(AwsError):
        sm.secrets.tag(scope, "t", [{"Key": f"k{i}", "Value": ""} for i in range(51)])


def test_values_are_stored_only_sealed(sm: SecretsManagerBackend, scope: Scope, store: SqliteStore) -> None:
    arn = sm.secrets.create(scope, {"Name": "s", "SecretString": "correct horse battery staple"})["ARN"]
    sm.values.put(scope, {"SecretId": "s", "SecretBinary": b"binary-plaintext"})
    rows = [doc for _, doc in store.scan(VERSIONS)] + [doc for _, doc in store.scan(SECRETS)]
    text = repr(rows)
    assert "correct horse" not in text and "binary-plaintext" not in text
    assert all(row["Sealed"].startswith("sealed:v1:") for row in rows if "Sealed" in row)
    # a sealed value moved onto another version does not open; nor under another key
    first, second = (doc for _, doc in store.scan(VERSIONS))
    other = dict(second, Sealed=first["Sealed"])
    store.put(VERSIONS, f"{arn}|{second['VersionId']}", other, secret=arn)
    doc = store.get(SECRETS, arn)
    assert doc is not None
    with pytest.raises(SealingError):
        sm.records.open_value(doc, second["VersionId"])
    stranger = SecretsManagerBackend(store, Sealer(bytes(32)))
    with pytest.raises(SealingError):
        stranger.records.open_value(doc, first["VersionId"])


def test_secret_value_repr_hides_the_value() -> None:
    assert "hunter2" not in repr(SecretValue(string="hunter2"))
    assert "hunter2" not in repr(SecretValue(binary=b"hunter2"))
    with pytest.raises(ValueError):
        SecretValue()
