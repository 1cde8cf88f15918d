"""What the distribution registry holds, read and changed the ways the registry allows.

Changes go through the registry's own HTTP API on its unix socket (delete a manifest, put one
back under a tag), so its caches and links stay right. Reading what exists is done on its
storage directory, because the API cannot list untagged manifests: under
`docker/registry/v2/repositories/<name>/_manifests/`, `revisions/sha256/<hex>/link` marks each
manifest the repository holds and `tags/<tag>/current/link` names the digest a tag points at.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)


class StorageError(Exception):
    pass


@dataclass
class StoredRepository:
    """One repository as the registry's storage holds it: manifest digests and tags."""

    name: str
    digests: set[str] = field(default_factory=set)
    tags: dict[str, str] = field(default_factory=dict)  # tag -> digest


def _read_link(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


class RegistryStorage:
    def __init__(self, storage_root: Path, socket_path: Path) -> None:
        self.root = storage_root / "docker" / "registry" / "v2"
        self.socket_path = socket_path

    # -- reading the storage directory ------------------------------------------------------------
    def repositories(self) -> dict[str, StoredRepository]:
        found: dict[str, StoredRepository] = {}
        base = self.root / "repositories"
        if not base.is_dir():
            return found
        for manifests in base.rglob("_manifests"):
            name = str(manifests.parent.relative_to(base))
            repo = StoredRepository(name)
            revisions = manifests / "revisions" / "sha256"
            if revisions.is_dir():
                for entry in revisions.iterdir():
                    if (entry / "link").exists():
                        repo.digests.add(f"sha256:{entry.name}")
            tags = manifests / "tags"
            if tags.is_dir():
                for entry in tags.iterdir():
                    digest = _read_link(entry / "current" / "link")
                    if digest and digest in repo.digests:
                        repo.tags[entry.name] = digest
            found[name] = repo
        return found

    def blob(self, digest: str) -> bytes | None:
        algorithm, _, hexdigest = digest.partition(":")
        path = self.root / "blobs" / algorithm / hexdigest[:2] / hexdigest / "data"
        try:
            return path.read_bytes()
        except OSError:
            return None

    # -- changes through the registry's API -------------------------------------------------------
    def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(self.socket_path)))

    async def delete_manifest(self, name: str, digest: str) -> bool:
        """Delete a manifest (and every tag on it); False when the registry did not have it."""
        async with self._session() as session:
            try:
                async with session.delete(f"http://registry/v2/{name}/manifests/{digest}") as reply:
                    if reply.status in (200, 202):
                        return True
                    if reply.status == 404:
                        return False
                    raise StorageError(f"delete of {name}@{digest}: {reply.status} {await reply.text()}")
            except (aiohttp.ClientError, OSError) as exc:
                raise StorageError(f"the registry is not reachable: {exc}") from exc

    async def put_manifest(self, name: str, reference: str, manifest: bytes, media_type: str) -> None:
        async with self._session() as session:
            try:
                async with session.put(
                    f"http://registry/v2/{name}/manifests/{reference}",
                    data=manifest,
                    headers={"Content-Type": media_type},
                ) as reply:
                    if reply.status != 201:
                        raise StorageError(f"put of {name}:{reference}: {reply.status} {await reply.text()}")
            except (aiohttp.ClientError, OSError) as exc:
                raise StorageError(f"the registry is not reachable: {exc}") from exc

    async def untag(self, name: str, digest: str, keep: list[str], media_type: str) -> None:
        """Leave an image tagged only `keep` (not empty). The registry's API deletes tags only with
        their manifest, so the manifest goes and comes back under each tag that stays."""
        manifest = self.blob(digest)
        if manifest is None:
            raise StorageError(f"the manifest {digest} of {name} is not in the registry's storage")
        await self.delete_manifest(name, digest)
        for tag in keep:
            await self.put_manifest(name, tag, manifest, media_type)


def media_type_of(manifest: bytes) -> str:
    try:
        document = json.loads(manifest)
    except ValueError:
        return "application/vnd.docker.distribution.manifest.v2+json"
    value = document.get("mediaType") if isinstance(document, dict) else None
    return str(value) if value else "application/vnd.oci.image.manifest.v1+json"
