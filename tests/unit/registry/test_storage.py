"""Reading the registry's storage layout: manifests held, tags pointing at them, blobs."""

from __future__ import annotations

from pathlib import Path

from skiff.registry.storage import RegistryStorage, media_type_of


def link(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_repositories_digests_and_tags(tmp_path: Path) -> None:
    root = tmp_path / "docker" / "registry" / "v2"
    manifests = root / "repositories" / "1/us-east-1/team/app" / "_manifests"
    link(manifests / "revisions" / "sha256" / "aa" / "link", "sha256:aa")
    link(manifests / "revisions" / "sha256" / "bb" / "link", "sha256:bb")
    (manifests / "revisions" / "sha256" / "cc").mkdir()  # deleted: its link is gone
    link(manifests / "tags" / "v1" / "current" / "link", "sha256:aa")
    link(manifests / "tags" / "old" / "current" / "link", "sha256:cc")
    link(root / "blobs" / "sha256" / "aa" / "aa" / "data", '{"mediaType": "application/x"}')
    storage = RegistryStorage(tmp_path, tmp_path / "sock")
    (repo,) = storage.repositories().values()
    assert repo.name == "1/us-east-1/team/app"
    assert repo.digests == {"sha256:aa", "sha256:bb"} and repo.tags == {"v1": "sha256:aa"}
    assert media_type_of(storage.blob("sha256:aa") or b"") == "application/x"
    assert storage.blob("sha256:bb") is None
    assert RegistryStorage(tmp_path / "none", tmp_path / "sock").repositories() == {}
