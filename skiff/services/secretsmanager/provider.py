"""The Secrets Manager API: thin handlers that read the request members and call the backends."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.security.sealing import Sealer
from skiff.services.secretsmanager.backend import SecretsManagerBackend
from skiff.services.secretsmanager.passwords import random_password
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class SecretsManagerProvider(Provider):
    service = "secretsmanager"

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.backend = SecretsManagerBackend(store, sealer)

    # -- secrets ------------------------------------------------------------------------------
    def create_secret(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.create(Scope.of(ctx), params)

    def describe_secret(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.describe(Scope.of(ctx), params["SecretId"])

    def update_secret(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.update(Scope.of(ctx), params)

    def delete_secret(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.delete(Scope.of(ctx), params)

    def restore_secret(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.restore(Scope.of(ctx), params["SecretId"])

    def list_secrets(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.listing.list(Scope.of(ctx), params)

    # -- values -------------------------------------------------------------------------------
    def get_secret_value(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.values.get(
            Scope.of(ctx), params["SecretId"], params.get("VersionId"), params.get("VersionStage")
        )

    def put_secret_value(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.values.put(Scope.of(ctx), params)

    def batch_get_secret_value(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.listing.batch_get(Scope.of(ctx), params)

    def list_secret_version_ids(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.values.list_version_ids(Scope.of(ctx), params)

    def update_secret_version_stage(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.values.update_stage(Scope.of(ctx), params)

    def get_random_password(self, ctx: RequestContext, params: Params) -> Params:
        return {"RandomPassword": random_password(params)}

    # -- tags ---------------------------------------------------------------------------------
    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.secrets.tag(Scope.of(ctx), params["SecretId"], params["Tags"])
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.secrets.untag(Scope.of(ctx), params["SecretId"], params["TagKeys"])
        return {}

    # -- resource policies --------------------------------------------------------------------
    def put_resource_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.put_policy(Scope.of(ctx), params["SecretId"], params["ResourcePolicy"])

    def get_resource_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.get_policy(Scope.of(ctx), params["SecretId"])

    def delete_resource_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.secrets.put_policy(Scope.of(ctx), params["SecretId"], None)
