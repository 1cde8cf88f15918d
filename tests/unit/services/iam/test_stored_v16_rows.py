"""IAM rows written at schema version 16 (tests/unit/store/fixtures/v16.sql) work after migrating."""

from __future__ import annotations

from pathlib import Path

from skiff.services.iam.backend import IamBackend
from skiff.services.iam.directory import IamDirectory
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.iam.conftest import SEALER
from tests.unit.store.test_schema_versions import build_fixture

SCOPE = Scope("000000000000", "us-east-1")


def test_v16_users_groups_and_policies_are_served(tmp_path: Path) -> None:
    build_fixture(16, tmp_path / "v16.db")
    store = SqliteStore(tmp_path / "v16.db")
    iam = IamBackend(store, SEALER)
    assert iam.users.get(SCOPE, "fixtureuser")["UserId"] == "AIDAFIXTURE0000000001"
    assert [g["GroupName"] for g in iam.groups.groups_of(SCOPE, "FixtureUser")] == ["FixtureGroup"]
    directory = IamDirectory(iam)
    principal = directory.principal_of("arn:aws:iam::000000000000:user/FixtureUser")
    assert principal is not None
    sources = [source for source, _ in directory.permissions(principal).identity]
    assert sources == ["describe-ecs", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
    listed, _ = iam.access_keys.list_keys(SCOPE, "FixtureUser", None, None)
    assert [k["AccessKeyId"] for k in listed] == ["AKIAFIXTURE000000001"]
    # the fixture's sealed secret was not sealed with this key: the key verifies nothing
    assert directory.signing_secret("AKIAFIXTURE000000001") is None
    store.close()
