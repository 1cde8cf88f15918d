"""ECR records: host names, image references, and how pushes move tags between images."""

from __future__ import annotations

import json
from pathlib import Path

from skiff.state import ecr
from skiff.store import SqliteStore

ARN = ecr.repository_arn("123456789012", "us-east-1", "team/app")


def test_registry_hosts_and_image_references() -> None:
    host = ecr.registry_host("123456789012", "eu-central-1")
    assert host == "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
    assert ecr.parse_registry_host(host.upper() + ":443") == ("123456789012", "eu-central-1")
    assert ecr.parse_registry_host("registry.example.com") is None
    assert ecr.parse_registry_host("1234.dkr.ecr.us-east-1.amazonaws.com") is None
    assert ecr.split_image(f"{host}/team/app:0.1") == (host, "team/app", "0.1")
    assert ecr.split_image(f"{host}/app") == (host, "app", "latest")
    assert ecr.split_image(f"{host}/app@sha256:ab") == (host, "app", "sha256:ab")
    assert ecr.split_image("busybox:latest") is None
    assert ecr.storage_name("123456789012", "us-east-1", "team/app") == "123456789012/us-east-1/team/app"


def test_a_pushed_tag_moves_and_leaves_the_old_image_untagged(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    config = {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7}
    manifest = json.dumps({"config": config, "layers": [{"size": 100}, {"size": 23}]}).encode()
    first = ecr.record_push(store, ARN, "sha256:1", "v1", manifest, "application/x")
    assert (first["imageTags"], first["imageSizeInBytes"]) == (["v1"], 123)
    assert first["artifactMediaType"] == "application/vnd.docker.container.image.v1+json"
    ecr.record_push(store, ARN, "sha256:1", "latest", manifest, "application/x")
    ecr.record_push(store, ARN, "sha256:2", "latest", b"{}", "application/x")
    tags = {i["imageDigest"]: i["imageTags"] for i in ecr.images_of(store, ARN)}
    assert tags == {"sha256:1": ["v1"], "sha256:2": ["latest"]}
    ecr.record_push(store, ARN, "sha256:3", None, b"not json", "application/x")
    assert ecr.image_with_tag(ecr.images_of(store, ARN), "latest")["imageDigest"] == "sha256:2"  # type: ignore[index]
    assert ecr.delete_image(store, ARN, "sha256:3") and not ecr.delete_image(store, ARN, "sha256:3")
    ecr.record_pull(store, ARN, "sha256:2")
    assert "lastRecordedPullTime" in store.get(ecr.IMAGES, ecr.image_pk(ARN, "sha256:2"))  # type: ignore[operator]
