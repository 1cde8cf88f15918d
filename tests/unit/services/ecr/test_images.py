"""Images as the registry recorded them: listing, describing, resolving ids, deleting by tag or digest."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from skiff.api.errors import AwsError
from skiff.services.ecr.images import ImageBackend
from skiff.services.ecr.repositories import RepositoryBackend
from skiff.state import ecr
from skiff.state.scope import Scope
from skiff.store import SqliteStore

SCOPE = Scope("123456789012", "us-east-1")
D1, D2 = "sha256:" + "1" * 64, "sha256:" + "2" * 64


class FakeRegistry:
    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    async def ensure_host(self, account: str, region: str) -> None:
        self.calls.append(("host", region))

    async def remove_image(self, account: str, region: str, name: str, digest: str) -> None:
        self.calls.append(("remove", name, digest))

    async def untag_image(self, account: str, region: str, name: str, digest: str, keep: list[str]) -> None:
        self.calls.append(("untag", name, digest, *keep))


@pytest.fixture
def backend(tmp_path: Path) -> tuple[ImageBackend, FakeRegistry]:
    repositories = RepositoryBackend(SqliteStore(tmp_path / "s.db"))
    registry = FakeRegistry()
    repositories.registry = registry
    asyncio.run(repositories.create(SCOPE, {"repositoryName": "app"}))
    arn = ecr.repository_arn(SCOPE.account, SCOPE.region, "app")
    ecr.record_push(repositories.store, arn, D1, "v1", b'{"layers":[{"size":5}]}', "application/x")
    ecr.record_push(repositories.store, arn, D1, "latest", b"{}", "application/x")
    ecr.record_push(repositories.store, arn, D2, None, b"{}", "application/x")
    return ImageBackend(repositories), registry


def test_list_describe_and_get(backend: tuple[ImageBackend, FakeRegistry]) -> None:
    images, _ = backend
    ids, _ = images.list_ids(SCOPE, {"repositoryName": "app"})
    assert {(i["imageDigest"], i.get("imageTag")) for i in ids} == {(D1, "v1"), (D1, "latest"), (D2, None)}
    untagged, _ = images.list_ids(SCOPE, {"repositoryName": "app", "filter": {"tagStatus": "UNTAGGED"}})
    assert untagged == [{"imageDigest": D2}]
    (detail,), _ = images.describe(SCOPE, {"repositoryName": "app", "imageIds": [{"imageTag": "v1"}]})
    assert (
        detail["imageDigest"] == D1
        and detail["imageSizeInBytes"] == 5
        and detail["imageTags"] == ["v1", "latest"]
    )
    got = images.batch_get(SCOPE, {"repositoryName": "app", "imageIds": [
        {"imageTag": "latest"}, {"imageDigest": D2, "imageTag": "v1"}, {}]})  # fmt: skip
    assert got["images"][0]["imageManifest"] == '{"layers":[{"size":5}]}'
    assert [f["failureCode"] for f in got["failures"]] == [
        "ImageTagDoesNotMatchDigest",
        "MissingDigestAndTag",
    ]
    with pytest.raises(AwsError) as missing:
        images.describe(SCOPE, {"repositoryName": "app", "imageIds": [{"imageDigest": "sha256:" + "9" * 64}]})
    assert missing.value.code == "ImageNotFoundException"


def test_delete_by_tag_untags_and_by_digest_removes(backend: tuple[ImageBackend, FakeRegistry]) -> None:
    images, registry = backend
    reply = asyncio.run(
        images.batch_delete(SCOPE, {"repositoryName": "app", "imageIds": [{"imageTag": "v1"}]})
    )
    assert reply["imageIds"] == [{"imageDigest": D1, "imageTag": "v1"}]
    assert registry.calls[-1] == ("untag", "app", D1, "latest")
    reply = asyncio.run(
        images.batch_delete(SCOPE, {"repositoryName": "app", "imageIds": [{"imageTag": "latest"}]})
    )
    assert reply["imageIds"] == [{"imageDigest": D1, "imageTag": "latest"}]
    assert registry.calls[-1] == ("remove", "app", D1)
    ids, _ = images.list_ids(SCOPE, {"repositoryName": "app"})
    assert ids == [{"imageDigest": D2}]
    with pytest.raises(AwsError) as not_empty:
        asyncio.run(images.repositories.delete(SCOPE, "app", force=False))
    assert not_empty.value.code == "RepositoryNotEmptyException"
    asyncio.run(images.repositories.delete(SCOPE, "app", force=True))
    assert registry.calls[-1] == ("remove", "app", D2)
