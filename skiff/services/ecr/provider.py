"""The ECR API: thin handlers that read the request members and call the ECR backends."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.security.registry_tokens import RegistryTokens
from skiff.services.ecr.images import ImageBackend
from skiff.services.ecr.lifecycle import LifecycleBackend
from skiff.services.ecr.logins import authorization_data
from skiff.services.ecr.repositories import RepositoryBackend
from skiff.state import ecr
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]
log = logging.getLogger("skiff.ecr")


class EcrProvider(Provider):
    service = "ecr"

    def __init__(self, store: Store, tokens: RegistryTokens) -> None:
        self.tokens = tokens
        self.repositories = RepositoryBackend(store)
        self.images = ImageBackend(self.repositories)
        self.lifecycle = LifecycleBackend(self.repositories)

    # -- repositories ---------------------------------------------------------------------------
    async def create_repository(self, ctx: RequestContext, params: Params) -> Params:
        return {"repository": await self.repositories.create(Scope.of(ctx), params)}

    def describe_repositories(self, ctx: RequestContext, params: Params) -> Params:
        repositories, token = self.repositories.describe(Scope.of(ctx), params)
        return {"repositories": repositories, "nextToken": token}

    async def delete_repository(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        return {
            "repository": await self.repositories.delete(
                scope, params["repositoryName"], bool(params.get("force"))
            )
        }

    def put_image_tag_mutability(self, ctx: RequestContext, params: Params) -> Params:
        return self.repositories.put_mutability(Scope.of(ctx), params)

    def put_image_scanning_configuration(self, ctx: RequestContext, params: Params) -> Params:
        return self.repositories.put_scanning(Scope.of(ctx), params)

    # -- images ---------------------------------------------------------------------------------
    def list_images(self, ctx: RequestContext, params: Params) -> Params:
        ids, token = self.images.list_ids(Scope.of(ctx), params)
        return {"imageIds": ids, "nextToken": token}

    def describe_images(self, ctx: RequestContext, params: Params) -> Params:
        details, token = self.images.describe(Scope.of(ctx), params)
        return {"imageDetails": details, "nextToken": token}

    def batch_get_image(self, ctx: RequestContext, params: Params) -> Params:
        return self.images.batch_get(Scope.of(ctx), params)

    async def batch_delete_image(self, ctx: RequestContext, params: Params) -> Params:
        return await self.images.batch_delete(Scope.of(ctx), params)

    # -- logins ---------------------------------------------------------------------------------
    async def get_authorization_token(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        registry = self.repositories.registry
        ids = params.get("registryIds") or [scope.account]
        if registry is not None:
            for account in ids:
                await registry.ensure_host(account, scope.region)
        principal = ctx.principal_arn or scope.root_arn
        return {"authorizationData": authorization_data(self.tokens, scope, principal, ids)}

    # -- lifecycle and repository policies ------------------------------------------------------
    def put_lifecycle_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.lifecycle.put(Scope.of(ctx), params["repositoryName"], params["lifecyclePolicyText"])

    def get_lifecycle_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.lifecycle.get(Scope.of(ctx), params["repositoryName"])

    def delete_lifecycle_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.lifecycle.delete(Scope.of(ctx), params["repositoryName"])

    def set_repository_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.repositories.set_policy(Scope.of(ctx), params)

    def get_repository_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.repositories.get_policy(Scope.of(ctx), params["repositoryName"])

    def delete_repository_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.repositories.delete_policy(Scope.of(ctx), params["repositoryName"])

    # -- tags -----------------------------------------------------------------------------------
    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.repositories.tag(Scope.of(ctx), params["resourceArn"], params["tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.repositories.untag(Scope.of(ctx), params["resourceArn"], params["tagKeys"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        return {"tags": self.repositories.tags(Scope.of(ctx), params["resourceArn"])}

    # -- the lifecycle controller's pass ----------------------------------------------------------
    async def expire_images(self, now: dt.datetime | None = None) -> int:
        """Apply every repository's lifecycle policy once; the number of images expired."""
        moment = now or dt.datetime.now(dt.UTC)
        count = 0
        for _, repository in list(self.repositories.store.scan(ecr.REPOSITORIES)):
            if not repository.get("lifecyclePolicy"):
                continue
            scope = Scope(repository["registryId"], repository["repositoryArn"].split(":")[3])
            for image in self.lifecycle.due(scope, repository, moment):
                await self.images.delete(scope, repository, image)
                count += 1
            repository["lifecycleEvaluatedAt"] = moment
            self.repositories.save(repository)
        if count:
            log.info("lifecycle policies expired %d image(s)", count)
        return count
