"""The SSM Parameter Store API: thin handlers that read the request members and call the backends."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.security.sealing import Sealer
from skiff.services.ssm.backend import SsmBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class SsmProvider(Provider):
    service = "ssm"

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.backend = SsmBackend(store, sealer)

    # -- parameters ---------------------------------------------------------------------------
    def put_parameter(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.parameters.put(Scope.of(ctx), params)

    def get_parameter(self, ctx: RequestContext, params: Params) -> Params:
        parameter = self.backend.parameters.get(
            Scope.of(ctx), params["Name"], bool(params.get("WithDecryption"))
        )
        return {"Parameter": parameter}

    def get_parameters(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.parameters.get_many(
            Scope.of(ctx), params["Names"], bool(params.get("WithDecryption"))
        )

    def get_parameters_by_path(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.queries.by_path(Scope.of(ctx), params)

    def describe_parameters(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.queries.describe(Scope.of(ctx), params)

    def delete_parameter(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.parameters.delete(Scope.of(ctx), params["Name"])
        return {}

    def delete_parameters(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.parameters.delete_many(Scope.of(ctx), params["Names"])

    def get_parameter_history(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.parameters.history(Scope.of(ctx), params)

    def label_parameter_version(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.parameters.label(Scope.of(ctx), params)

    def unlabel_parameter_version(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.parameters.unlabel(Scope.of(ctx), params)

    # -- tags ---------------------------------------------------------------------------------
    def add_tags_to_resource(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        name = self.backend.parameters.tag_target(scope, params["ResourceType"], params["ResourceId"])
        self.backend.parameters.add_tags(scope, name, params["Tags"])
        return {}

    def remove_tags_from_resource(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        name = self.backend.parameters.tag_target(scope, params["ResourceType"], params["ResourceId"])
        self.backend.parameters.remove_tags(scope, name, params["TagKeys"])
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        scope = Scope.of(ctx)
        name = self.backend.parameters.tag_target(scope, params["ResourceType"], params["ResourceId"])
        return {"TagList": self.backend.parameters.tags(scope, name)}
