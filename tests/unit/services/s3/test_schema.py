"""A schema-version-5 database (tests/unit/store/fixtures/v5.sql) still serves its S3 data."""

from __future__ import annotations

from pathlib import Path

from skiff.services.s3.provider import S3Provider
from skiff.store import SqliteStore
from tests.unit.store.test_schema_versions import build_fixture

from .conftest import SCOPE


def test_v5_s3_rows_survive_migration(tmp_path: Path) -> None:
    build_fixture(5, tmp_path / "v5.db")
    store = SqliteStore(tmp_path / "v5.db")
    s3 = S3Provider(store, tmp_path / "data")
    body = s3.bodies.object_path(SCOPE.account, "fixture-bucket", "0123456789abcdef0123456789abcdef")
    body.parent.mkdir(parents=True)
    body.write_bytes(b"hello\n")
    assert s3.objects.get_object_bytes(SCOPE.account, "fixture-bucket", "env/app.env") == b"hello\n"
    head = s3.objects.read(SCOPE, "fixture-bucket", "env/app.env", {"ChecksumMode": "ENABLED"}, body=False)
    assert head["Metadata"] == {"owner": "me"} and head["ChecksumCRC32"] == "NjowIA=="
    assert s3.buckets.get_tags(SCOPE, "fixture-bucket") == [{"Key": "a", "Value": "b"}]
    uploads = s3.listing.list_uploads(SCOPE, "fixture-bucket", {})["Uploads"]
    assert [u["UploadId"] for u in uploads] == ["fixtureupload"]
    parts = s3.multipart.list_parts(SCOPE, "fixture-bucket", "big.bin", {"UploadId": "fixtureupload"})[
        "Parts"
    ]
    assert [p["Size"] for p in parts] == [5]
    store.close()
