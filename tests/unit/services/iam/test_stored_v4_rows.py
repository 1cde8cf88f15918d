"""IAM rows written at schema version 4 (tests/unit/store/fixtures/v4.sql) work after migrating."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from skiff.services.iam.backend import IamBackend
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.services.iam.conftest import SEALER
from tests.unit.store.test_schema_versions import build_fixture

SCOPE = Scope("000000000000", "us-east-1")
EXECUTION = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_v4_iam_rows_are_served(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    build_fixture(4, path)
    store = SqliteStore(path)
    iam = IamBackend(store, SEALER)
    role = iam.roles.get(SCOPE, "fixturerole")
    assert role["RoleName"] == "FixtureRole"
    assert role["Tags"] == [{"Key": "Environment", "Value": "Fixture"}]
    assert "ecs-tasks.amazonaws.com" in unquote(role["AssumeRolePolicyDocument"])
    attached, _ = iam.role_policies.list_attached(SCOPE, "FixtureRole", {})
    assert attached == [{"PolicyName": "AmazonECSTaskExecutionRolePolicy", "PolicyArn": EXECUTION}]
    assert iam.policies.get(SCOPE, EXECUTION)["AttachmentCount"] == 1
    assert iam.role_policies.list_inline(SCOPE, "FixtureRole", None, None)[0] == ["read-bucket"]
    local, _ = iam.policies.list_policies(SCOPE, {"Scope": "Local"})
    assert [p["PolicyName"] for p in local] == ["fixture-policy"]
    assert "logs:*" in unquote(iam.policies.get_version(SCOPE, local[0]["Arn"], "v1")["Document"])
    identity = iam.credentials.identity_of("ASIAFIXTURE000000001")
    assert identity is not None
    assert identity["Arn"] == "arn:aws:sts::000000000000:assumed-role/FixtureRole/fixture-session"
    assert identity["UserId"] == "AROAFIXTURE0000000001:fixture-session"
    assert iam.credentials.verify(
        "ASIAFIXTURE000000001", "fixture-secret-key-0000000000000000000000", "fixture-session-token"
    )
    assert iam.credentials.identity_of("ASIAFIXTURE000000002") is None  # expired
    # reissuing the session clears its expired key
    iam.credentials.issue(SCOPE, "arn:aws:iam::000000000000:role/FixtureRole", "fixture-session", 900)
    assert iam.credentials.find("ASIAFIXTURE000000002") is None
    store.close()
