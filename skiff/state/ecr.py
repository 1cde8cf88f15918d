"""ECR records: repositories and the images pushed to them, and the registry's host names.

The ECR API (services/ecr) creates repositories and reads and deletes images; the registry's
front (registry/) checks repositories on every push and records each manifest it stores. Both go
through this module. A repository is stored under its ARN in `ecr_repositories`; an image under
`<repository ARN>|<digest>` in `ecr_images`, its document the ImageDetail members plus the
manifest itself (`imageManifest`, never in ImageDetail's output).

Inside the one distribution registry a repository of account A in region R named N is stored as
`A/R/N` (`storage_name`), so equal names in two regions or accounts never share images.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from skiff.store.base import Document, Store

REPOSITORIES = "ecr_repositories"
IMAGES = "ecr_images"
MANIFEST = "imageManifest"  # stored beside the ImageDetail members, returned by BatchGetImage

_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$")


def registry_host(account: str, region: str) -> str:
    """The registry host of an account in a region, as ECR names it (and CDK/Terraform write it)."""
    return f"{account}.dkr.ecr.{region}.amazonaws.com"


def parse_registry_host(host: str) -> tuple[str, str] | None:
    """(account, region) of an ECR registry host (a `:443` suffix allowed), else None."""
    name = host.lower().removesuffix(":443")
    match = _HOST.match(name)
    return (match["account"], match["region"]) if match else None


def split_image(image: str) -> tuple[str, str, str] | None:
    """(registry host, repository name, tag or digest reference) of an image on an ECR host."""
    host, slash, rest = image.partition("/")
    if not slash or parse_registry_host(host) is None:
        return None
    if "@" in rest:
        name, reference = rest.split("@", 1)
    elif ":" in rest.rsplit("/", 1)[-1]:
        name, reference = rest.rsplit(":", 1)
    else:
        name, reference = rest, "latest"
    return host.lower().removesuffix(":443"), name, reference


def repository_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:ecr:{region}:{account}:repository/{name}"


def storage_name(account: str, region: str, name: str) -> str:
    """The repository's name inside the distribution registry."""
    return f"{account}/{region}/{name}"


def load_repository(store: Store, account: str, region: str, name: str) -> Document | None:
    return store.get(REPOSITORIES, repository_arn(account, region, name))


def save_repository(store: Store, doc: Document) -> None:
    account, region = doc["registryId"], doc["repositoryArn"].split(":")[3]
    store.put(
        REPOSITORIES, doc["repositoryArn"], doc, account=account, region=region, name=doc["repositoryName"]
    )


def image_pk(repository: str, digest: str) -> str:
    return f"{repository}|{digest}"


def images_of(store: Store, repository: str) -> list[Document]:
    return store.find(IMAGES, {"repository": repository}, order_by=("digest",))


def save_image(store: Store, repository: str, doc: Document) -> None:
    digest = doc["imageDigest"]
    store.put(IMAGES, image_pk(repository, digest), doc, repository=repository, digest=digest)


def delete_image(store: Store, repository: str, digest: str) -> bool:
    return store.delete(IMAGES, image_pk(repository, digest))


def image_with_tag(images: list[Document], tag: str) -> Document | None:
    return next((i for i in images if tag in i.get("imageTags", [])), None)


def manifest_size(manifest: bytes) -> int:
    """imageSizeInBytes: the compressed layers an image manifest names (manifests of an index)."""
    try:
        document = json.loads(manifest)
    except ValueError:
        return 0
    if not isinstance(document, dict):
        return 0
    entries = document.get("layers") or document.get("manifests") or []
    return sum(
        int(e.get("size", 0)) for e in entries if isinstance(e, dict) and isinstance(e.get("size"), int)
    )


def record_push(
    store: Store,
    repository: str,
    digest: str,
    tag: str | None,
    manifest: bytes,
    media_type: str,
    now: dt.datetime | None = None,
) -> Document:
    """Record a manifest the registry stored: a new image, or a tag moved onto an existing one.

    A tag names one image per repository: pushing it elsewhere leaves the old image untagged, as
    on ECR. Returns the image's document.
    """
    with store.transaction():
        images = images_of(store, repository)
        if tag is not None:
            holder = image_with_tag(images, tag)
            if holder is not None and holder["imageDigest"] != digest:
                holder["imageTags"] = [t for t in holder["imageTags"] if t != tag]
                save_image(store, repository, holder)
        doc = next((i for i in images if i["imageDigest"] == digest), None)
        if doc is None:
            doc = {
                "imageDigest": digest,
                "imageTags": [],
                "imageSizeInBytes": manifest_size(manifest),
                "imagePushedAt": now or dt.datetime.now(dt.UTC),
                "imageManifestMediaType": media_type,
                MANIFEST: manifest.decode("utf-8", errors="replace"),
            }
            artifact = _artifact_media_type(manifest)
            if artifact:
                doc["artifactMediaType"] = artifact
        if tag is not None and tag not in doc["imageTags"]:
            doc["imageTags"].append(tag)
        save_image(store, repository, doc)
        return doc


def record_pull(store: Store, repository: str, digest: str, now: dt.datetime | None = None) -> None:
    doc = store.get(IMAGES, image_pk(repository, digest))
    if doc is not None:
        doc["lastRecordedPullTime"] = now or dt.datetime.now(dt.UTC)
        save_image(store, repository, doc)


def _artifact_media_type(manifest: bytes) -> str | None:
    try:
        document: Any = json.loads(manifest)
    except ValueError:
        return None
    config = document.get("config") if isinstance(document, dict) else None
    media_type = config.get("mediaType") if isinstance(config, dict) else None
    return str(media_type) if media_type else None
