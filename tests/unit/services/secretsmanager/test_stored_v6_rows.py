"""Secrets Manager rows written at schema version 6 (tests/unit/store/fixtures/v6.sql) work after migrating.

The fixture's values were sealed under the test key `bytes(range(32))`.
"""

from __future__ import annotations

from pathlib import Path

from skiff.security.sealing import Sealer
from skiff.services.secretsmanager.backend import SecretsManagerBackend
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.secretsmanager.conftest import TEST_KEY
from tests.unit.store.test_schema_versions import build_fixture

SCOPE = Scope("000000000000", "us-east-1")
ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:fixture/db-AbCdEf"
V1 = "fixture-version-0000000000000001"
V2 = "fixture-version-0000000000000002"


def test_v6_secrets_are_served(tmp_path: Path) -> None:
    path = tmp_path / "v6.db"
    build_fixture(6, path)
    store = SqliteStore(path)
    sm = SecretsManagerBackend(store, Sealer(TEST_KEY))
    described = sm.secrets.describe(SCOPE, "fixture/db")
    assert described["ARN"] == ARN and described["KmsKeyId"] == "alias/fixture"
    assert described["VersionIdsToStages"] == {V2: ["AWSCURRENT"], V1: ["AWSPREVIOUS"]}
    assert sm.values.get(SCOPE, ARN[: -len("-AbCdEf")])["SecretString"] == "fixture-new-value"
    assert sm.resolve(SCOPE, "fixture/db", "AWSPREVIOUS", None) == ("fixture-old-value", None)
    listed = sm.listing.list(SCOPE, {"IncludePlannedDeletion": True, "SortBy": "name"})["SecretList"]
    assert [entry["Name"] for entry in listed] == ["fixture/db", "fixture/retired"]
    assert sm.secrets.restore(SCOPE, "fixture/retired")["Name"] == "fixture/retired"
    put = sm.values.put(SCOPE, {"SecretId": "fixture/db", "SecretString": "third"})
    assert sm.secrets.describe(SCOPE, "fixture/db")["VersionIdsToStages"] == {
        put["VersionId"]: ["AWSCURRENT"],
        V2: ["AWSPREVIOUS"],
    }
    store.close()
