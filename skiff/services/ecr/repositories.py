"""ECR repositories: create, describe, delete (force), settings, repository policies and tags.

A repository's URI is `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, the host skiff's
registry answers for (registry/), so it works verbatim with docker and in task definitions.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Protocol

from skiff.services.ecr import exceptions as errors
from skiff.services.pagination import BadToken, paginate
from skiff.state import ecr
from skiff.state.scope import Scope
from skiff.store.base import Document, Store

MAX_TAGS = 50
VIEW = (
    "repositoryArn", "registryId", "repositoryName", "repositoryUri", "createdAt", "imageTagMutability",
    "imageTagMutabilityExclusionFilters", "imageScanningConfiguration", "encryptionConfiguration",
)  # fmt: skip
_ARN = re.compile(r"^arn:aws:ecr:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):repository/(?P<name>.+)$")


class RegistryControl(Protocol):
    """What the API asks of the registry (registry/manager.py); None when the registry is off."""

    async def ensure_host(self, account: str, region: str) -> None: ...

    async def remove_image(self, account: str, region: str, name: str, digest: str) -> None: ...

    async def untag_image(
        self, account: str, region: str, name: str, digest: str, keep: list[str]
    ) -> None: ...


def check_tags(tags: list[dict[str, Any]]) -> list[dict[str, str]]:
    clean: dict[str, str] = {}
    for tag in tags:
        key, value = str(tag.get("Key", "")), str(tag.get("Value", ""))
        if key.lower().startswith("aws:"):
            raise errors.invalid_tag("Tag keys starting with 'aws:' are reserved.")
        clean[key] = value
    if len(clean) > MAX_TAGS:
        raise errors.too_many_tags()
    return [{"Key": k, "Value": v} for k, v in clean.items()]


def check_mutability(value: str, filters: list[dict[str, Any]] | None) -> None:
    if value.endswith("_WITH_EXCLUSION") and not filters:
        raise errors.invalid_parameter(
            f"Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: "
            f"'must not be empty when imageTagMutability is {value}'"
        )
    if filters and not value.endswith("_WITH_EXCLUSION"):
        raise errors.invalid_parameter(
            "Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: "
            f"'must be empty when imageTagMutability is {value}'"
        )


class RepositoryBackend:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.registry: RegistryControl | None = None

    @staticmethod
    def view(doc: Document) -> Document:
        return {k: doc[k] for k in VIEW if k in doc}

    def require(self, scope: Scope, name: str) -> Document:
        doc = ecr.load_repository(self.store, scope.account, scope.region, name)
        if doc is None:
            raise errors.repository_not_found(name, scope.account)
        return doc

    def save(self, doc: Document) -> None:
        ecr.save_repository(self.store, doc)

    async def create(self, scope: Scope, params: dict[str, Any]) -> Document:
        name = params["repositoryName"]
        if ecr.load_repository(self.store, scope.account, scope.region, name) is not None:
            raise errors.repository_exists(name, scope.account)
        mutability = params.get("imageTagMutability") or "MUTABLE"
        filters = params.get("imageTagMutabilityExclusionFilters")
        check_mutability(mutability, filters)
        encryption = params.get("encryptionConfiguration") or {"encryptionType": "AES256"}
        if encryption.get("encryptionType") == "AES256" and encryption.get("kmsKey"):
            raise errors.invalid_parameter(
                "Invalid parameter: kmsKey can only be specified with KMS encryption"
            )
        doc: Document = {
            "repositoryArn": ecr.repository_arn(scope.account, scope.region, name),
            "registryId": scope.account,
            "repositoryName": name,
            "repositoryUri": f"{ecr.registry_host(scope.account, scope.region)}/{name}",
            "createdAt": dt.datetime.now(dt.UTC).replace(microsecond=0),
            "imageTagMutability": mutability,
            "imageScanningConfiguration": {
                "scanOnPush": bool((params.get("imageScanningConfiguration") or {}).get("scanOnPush", False))
            },
            "encryptionConfiguration": encryption,
            "tags": check_tags(params.get("tags") or []),
        }
        if filters:
            doc["imageTagMutabilityExclusionFilters"] = filters
        self.save(doc)
        if self.registry is not None:
            await self.registry.ensure_host(scope.account, scope.region)
        return self.view(doc)

    def describe(self, scope: Scope, params: dict[str, Any]) -> tuple[list[Document], str | None]:
        names = params.get("repositoryNames")
        if names:
            if params.get("nextToken") or params.get("maxResults"):
                raise errors.invalid_parameter(
                    "Invalid parameter: nextToken and maxResults cannot be specified with repositoryNames"
                )
            return [self.view(self.require(scope, n)) for n in dict.fromkeys(names)], None
        docs = sorted(self.all(scope), key=lambda d: d["repositoryName"])
        try:
            page, token = paginate(docs, lambda d: d["repositoryName"], params.get("maxResults") or 1000,
                                   params.get("nextToken"))  # fmt: skip
        except BadToken as exc:
            raise errors.invalid_parameter(
                "Invalid parameter at 'nextToken' failed to satisfy constraint"
            ) from exc
        return [self.view(d) for d in page], token

    def all(self, scope: Scope) -> list[Document]:
        return self.store.find(ecr.REPOSITORIES, {"account": scope.account, "region": scope.region})

    async def delete(self, scope: Scope, name: str, force: bool) -> Document:
        doc = self.require(scope, name)
        images = ecr.images_of(self.store, doc["repositoryArn"])
        if images and not force:
            raise errors.repository_not_empty(name, scope.account)
        for image in images:
            if self.registry is not None:
                await self.registry.remove_image(scope.account, scope.region, name, image["imageDigest"])
            ecr.delete_image(self.store, doc["repositoryArn"], image["imageDigest"])
        self.store.delete(ecr.REPOSITORIES, doc["repositoryArn"])
        return self.view(doc)

    # -- settings ---------------------------------------------------------------------------------
    def put_mutability(self, scope: Scope, params: dict[str, Any]) -> Document:
        doc = self.require(scope, params["repositoryName"])
        value = params["imageTagMutability"]
        filters = params.get("imageTagMutabilityExclusionFilters")
        check_mutability(value, filters)
        doc["imageTagMutability"] = value
        doc.pop("imageTagMutabilityExclusionFilters", None)
        if filters:
            doc["imageTagMutabilityExclusionFilters"] = filters
        self.save(doc)
        out = {
            "registryId": scope.account,
            "repositoryName": doc["repositoryName"],
            "imageTagMutability": value,
        }
        if filters:
            out["imageTagMutabilityExclusionFilters"] = filters
        return out

    def put_scanning(self, scope: Scope, params: dict[str, Any]) -> Document:
        doc = self.require(scope, params["repositoryName"])
        doc["imageScanningConfiguration"] = {
            "scanOnPush": bool(params["imageScanningConfiguration"].get("scanOnPush", False))
        }
        self.save(doc)
        return {
            "registryId": scope.account,
            "repositoryName": doc["repositoryName"],
            "imageScanningConfiguration": doc["imageScanningConfiguration"],
        }

    # -- repository policies (stored; evaluated by IAM where it reads them) -----------------------
    def set_policy(self, scope: Scope, params: dict[str, Any]) -> Document:
        doc = self.require(scope, params["repositoryName"])
        text = params["policyText"]
        try:
            policy = json.loads(text)
        except ValueError as exc:
            raise errors.invalid_parameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: "
                                           "'Invalid repository policy provided'") from exc  # fmt: skip
        if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list | dict):
            raise errors.invalid_parameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: "
                                           "'Invalid repository policy provided'")  # fmt: skip
        doc["repositoryPolicy"] = text
        self.save(doc)
        return self.policy_view(scope, doc)

    def get_policy(self, scope: Scope, name: str) -> Document:
        doc = self.require(scope, name)
        if "repositoryPolicy" not in doc:
            raise errors.repository_policy_not_found(name, scope.account)
        return self.policy_view(scope, doc)

    def delete_policy(self, scope: Scope, name: str) -> Document:
        doc = self.require(scope, name)
        if "repositoryPolicy" not in doc:
            raise errors.repository_policy_not_found(name, scope.account)
        out = self.policy_view(scope, doc)
        del doc["repositoryPolicy"]
        self.save(doc)
        return out

    @staticmethod
    def policy_view(scope: Scope, doc: Document) -> Document:
        return {"registryId": scope.account, "repositoryName": doc["repositoryName"],
                "policyText": doc["repositoryPolicy"]}  # fmt: skip

    # -- tags -----------------------------------------------------------------------------------
    def by_arn(self, scope: Scope, arn: str) -> Document:
        match = _ARN.match(arn)
        if match is None:
            raise errors.invalid_parameter(
                "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'"
            )
        if (match["account"], match["region"]) != (scope.account, scope.region):
            raise errors.repository_not_found(match["name"], match["account"])
        return self.require(scope, match["name"])

    def tag(self, scope: Scope, arn: str, tags: list[dict[str, Any]]) -> None:
        doc = self.by_arn(scope, arn)
        merged = {t["Key"]: t["Value"] for t in doc.get("tags", [])}
        merged.update({t["Key"]: t["Value"] for t in check_tags(tags)})
        doc["tags"] = check_tags([{"Key": k, "Value": v} for k, v in merged.items()])
        self.save(doc)

    def untag(self, scope: Scope, arn: str, keys: list[str]) -> None:
        doc = self.by_arn(scope, arn)
        doc["tags"] = [t for t in doc.get("tags", []) if t["Key"] not in set(keys)]
        self.save(doc)

    def tags(self, scope: Scope, arn: str) -> list[dict[str, str]]:
        return list(self.by_arn(scope, arn).get("tags", []))
