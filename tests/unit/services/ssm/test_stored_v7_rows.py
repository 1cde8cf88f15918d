"""Parameter Store rows written at schema version 7 (tests/unit/store/fixtures/v7.sql) work after migrating.

The fixture's SecureString was sealed under the test key `bytes(range(32))`.
"""

from __future__ import annotations

from pathlib import Path

from skiff.security.sealing import Sealer
from skiff.services.ssm.backend import SsmBackend
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.ssm.conftest import TEST_KEY
from tests.unit.store.test_schema_versions import build_fixture

SCOPE = Scope("000000000000", "us-east-1")


def test_v7_parameters_are_served(tmp_path: Path) -> None:
    path = tmp_path / "v7.db"
    build_fixture(7, path)
    store = SqliteStore(path)
    ssm = SsmBackend(store, Sealer(TEST_KEY))
    assert ssm.parameters.get(SCOPE, "/fixture/plain", False)["Value"] == "plain-two"
    assert ssm.parameters.get(SCOPE, "/fixture/plain:stable", False)["Value"] == "plain-one"
    assert ssm.resolve(SCOPE, "/fixture/secure") == "fixture-secure-value"
    assert ssm.parameters.get(SCOPE, "/fixture/secure", False)["Value"] != "fixture-secure-value"
    names = [p["Name"] for p in ssm.queries.by_path(SCOPE, {"Path": "/fixture"})["Parameters"]]
    assert names == ["/fixture/plain", "/fixture/secure"]
    assert ssm.parameters.tags(SCOPE, "/fixture/plain") == [{"Key": "Environment", "Value": "Fixture"}]
    reply = ssm.parameters.put(SCOPE, {"Name": "/fixture/plain", "Value": "plain-three", "Overwrite": True})
    assert reply["Version"] == 3
    history = ssm.parameters.history(SCOPE, {"Name": "/fixture/plain"})["Parameters"]
    assert [(h["Version"], h["Labels"]) for h in history] == [(1, ["stable"]), (2, []), (3, [])]
    store.close()
