"""ECR images: ListImages, DescribeImages, BatchGetImage, BatchDeleteImage.

Images are what the registry's front recorded on each push (state/ecr.py). Deleting an image by
digest removes its manifest from the registry (every tag with it); deleting by tag removes only
that tag, and the image itself with its last tag, as on ECR.
"""

from __future__ import annotations

import re
from typing import Any

from skiff.services.ecr import exceptions as errors
from skiff.services.ecr.repositories import RepositoryBackend
from skiff.services.pagination import BadToken, paginate
from skiff.state import ecr
from skiff.state.scope import Scope
from skiff.store.base import Document

_DIGEST = re.compile(r"^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$")
DETAIL = (
    "imageDigest", "imageTags", "imageSizeInBytes", "imagePushedAt", "imageManifestMediaType",
    "artifactMediaType", "lastRecordedPullTime",
)  # fmt: skip
NOT_FOUND = "Requested image not found"


def _failure(image_id: dict[str, Any], code: str, reason: str) -> Document:
    return {"imageId": image_id, "failureCode": code, "failureReason": reason}


def _tag_status(image: Document, status: str | None) -> bool:
    if status == "TAGGED":
        return bool(image.get("imageTags"))
    if status == "UNTAGGED":
        return not image.get("imageTags")
    return True


class ImageBackend:
    def __init__(self, repositories: RepositoryBackend) -> None:
        self.repositories = repositories
        self.store = repositories.store

    def _images(self, scope: Scope, name: str) -> tuple[Document, list[Document]]:
        repository = self.repositories.require(scope, name)
        images = ecr.images_of(self.store, repository["repositoryArn"])
        return repository, sorted(images, key=lambda i: (i["imagePushedAt"], i["imageDigest"]))

    def _page(self, items: list[Any], params: dict[str, Any], key: Any) -> tuple[list[Any], str | None]:
        try:
            return paginate(items, key, params.get("maxResults") or 100, params.get("nextToken"))
        except BadToken as exc:
            raise errors.invalid_parameter(
                "Invalid parameter at 'nextToken' failed to satisfy constraint"
            ) from exc

    def resolve(self, images: list[Document], image_id: dict[str, Any]) -> tuple[Document | None, str | None]:
        """The image an ImageIdentifier names, or (None, failure code)."""
        digest, tag = image_id.get("imageDigest"), image_id.get("imageTag")
        if not digest and not tag:
            return None, "MissingDigestAndTag"
        if digest and not _DIGEST.match(digest):
            return None, "InvalidImageDigest"
        by_tag = ecr.image_with_tag(images, tag) if tag else None
        by_digest = next((i for i in images if i["imageDigest"] == digest), None) if digest else None
        if digest and tag:
            if by_digest is None:
                return None, "ImageNotFound"
            return (by_digest, None) if by_tag is by_digest else (None, "ImageTagDoesNotMatchDigest")
        found = by_digest if digest else by_tag
        return (found, None) if found is not None else (None, "ImageNotFound")

    # -- reading --------------------------------------------------------------------------------
    def list_ids(self, scope: Scope, params: dict[str, Any]) -> tuple[list[Document], str | None]:
        _, images = self._images(scope, params["repositoryName"])
        status = (params.get("filter") or {}).get("tagStatus")
        ids: list[Document] = []
        for image in images:
            if not _tag_status(image, status):
                continue
            if image.get("imageTags") and status != "UNTAGGED":
                ids.extend({"imageDigest": image["imageDigest"], "imageTag": t} for t in image["imageTags"])
            else:
                ids.append({"imageDigest": image["imageDigest"]})
        return self._page(ids, params, lambda i: [i["imageDigest"], i.get("imageTag", "")])

    def describe(self, scope: Scope, params: dict[str, Any]) -> tuple[list[Document], str | None]:
        name = params["repositoryName"]
        repository, images = self._images(scope, name)
        wanted = params.get("imageIds")
        if wanted:
            if params.get("filter"):
                raise errors.invalid_parameter("Invalid parameter: filter cannot be specified with imageIds")
            chosen: list[Document] = []
            for image_id in wanted:
                image, failure = self.resolve(images, image_id)
                if image is None:
                    if failure in ("InvalidImageDigest", "MissingDigestAndTag"):
                        raise errors.invalid_parameter(self._reason(failure))
                    raise errors.image_not_found(image_id, name, scope.account)
                if image not in chosen:
                    chosen.append(image)
            return [self.detail(scope, repository, i) for i in chosen], None
        status = (params.get("filter") or {}).get("tagStatus")
        selected = [i for i in images if _tag_status(i, status)]
        page, token = self._page(
            selected, params, lambda i: [i["imagePushedAt"].isoformat(), i["imageDigest"]]
        )
        return [self.detail(scope, repository, i) for i in page], token

    @staticmethod
    def detail(scope: Scope, repository: Document, image: Document) -> Document:
        out: Document = {"registryId": scope.account, "repositoryName": repository["repositoryName"]}
        out.update({k: image[k] for k in DETAIL if k in image and image[k] not in (None, [])})
        out["imageStatus"] = "ACTIVE"
        return out

    @staticmethod
    def _reason(code: str | None) -> str:
        return {
            "InvalidImageDigest": "Invalid request parameters: image digest should satisfy the regex "
            "'[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
            "MissingDigestAndTag": "Invalid request parameters: both tag and digest cannot be null",
            "ImageTagDoesNotMatchDigest": "Invalid request parameters: given tag does not map to the given "
            "digest",
        }.get(code or "", NOT_FOUND)

    def batch_get(self, scope: Scope, params: dict[str, Any]) -> Document:
        repository, images = self._images(scope, params["repositoryName"])
        accepted = params.get("acceptedMediaTypes")
        found: list[Document] = []
        failures: list[Document] = []
        for image_id in params["imageIds"]:
            image, failure = self.resolve(images, image_id)
            if image is None:
                failures.append(_failure(image_id, failure or "ImageNotFound", self._reason(failure)))
                continue
            media_type = image.get("imageManifestMediaType", "")
            if accepted and media_type not in accepted:
                failures.append(_failure(image_id, "UnsupportedImageType",
                                         f"Manifest media type {media_type} is not accepted"))  # fmt: skip
                continue
            shown = {"imageDigest": image["imageDigest"]}
            if image_id.get("imageTag"):
                shown["imageTag"] = image_id["imageTag"]
            found.append({
                "registryId": scope.account, "repositoryName": repository["repositoryName"], "imageId": shown,
                "imageManifest": image.get(ecr.MANIFEST, ""), "imageManifestMediaType": media_type,
            })  # fmt: skip
        return {"images": found, "failures": failures}

    # -- deleting -------------------------------------------------------------------------------
    async def batch_delete(self, scope: Scope, params: dict[str, Any]) -> Document:
        name = params["repositoryName"]
        repository, images = self._images(scope, name)
        deleted: list[Document] = []
        failures: list[Document] = []
        for image_id in params["imageIds"]:
            image, failure = self.resolve(images, image_id)
            if image is None:
                failures.append(_failure(image_id, failure or "ImageNotFound", self._reason(failure)))
                continue
            tag = image_id.get("imageTag")
            if tag and not image_id.get("imageDigest") and len(image["imageTags"]) > 1:
                await self.untag(scope, repository, image, tag)
                deleted.append({"imageDigest": image["imageDigest"], "imageTag": tag})
                continue
            deleted.extend(await self.delete(scope, repository, image))
            images.remove(image)
        return {"imageIds": deleted, "failures": failures}

    async def untag(self, scope: Scope, repository: Document, image: Document, tag: str) -> None:
        keep = [t for t in image["imageTags"] if t != tag]
        registry = self.repositories.registry
        if registry is not None:
            await registry.untag_image(scope.account, scope.region, repository["repositoryName"],
                                       image["imageDigest"], keep)  # fmt: skip
        image["imageTags"] = keep
        ecr.save_image(self.store, repository["repositoryArn"], image)

    async def delete(self, scope: Scope, repository: Document, image: Document) -> list[Document]:
        registry = self.repositories.registry
        if registry is not None:
            await registry.remove_image(scope.account, scope.region, repository["repositoryName"],
                                        image["imageDigest"])  # fmt: skip
        ecr.delete_image(self.store, repository["repositoryArn"], image["imageDigest"])
        tags = image.get("imageTags") or []
        if not tags:
            return [{"imageDigest": image["imageDigest"]}]
        return [{"imageDigest": image["imageDigest"], "imageTag": t} for t in tags]
