"""EC2 rows written at schema version 3 (tests/unit/store/fixtures/v3.sql) work after migrating."""

from __future__ import annotations

from pathlib import Path

from skiff.services.ec2.backend import Ec2Backend
from skiff.state.scope import Scope
from skiff.store import SqliteStore
from tests.unit.store.test_schema_versions import build_fixture

SCOPE = Scope("000000000000", "eu-north-1")


def test_v3_ec2_rows_are_served(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    build_fixture(3, path)
    store = SqliteStore(path)
    ec2 = Ec2Backend(store)
    (vpc,) = ec2.vpcs.describe(SCOPE, ["vpc-0f1a7e0000000000a"], None)
    assert vpc["Tags"] == [{"Key": "Environment", "Value": "Fixture"}]
    subnet = ec2.subnet(SCOPE, "subnet-0f1a7e0000000000a")
    assert subnet["AvailableIpAddressCount"] == 250
    assert ec2.allocate_ip(SCOPE, "subnet-0f1a7e0000000000a") == "10.9.1.5"
    (group,) = ec2.groups.describe(SCOPE, ["sg-0f1a7e0000000000a"], None, None)
    assert group["IpPermissions"][0]["FromPort"] == 80
    # the region's default network is made on first use, next to the stored VPC
    assert ec2.ensure_default_vpc(SCOPE) is not None
    assert len(ec2.vpcs.describe(SCOPE, None, None)) == 2
    store.close()
