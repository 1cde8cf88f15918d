"""The IAM API (roles and policies): thin handlers over the IAM backends."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.services.iam.backend import IamBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


def _caller_arn(backend: IamBackend, ctx: RequestContext) -> str:
    identity = backend.credentials.identity_of(ctx.access_key_id) if ctx.access_key_id else None
    return identity["Arn"] if identity else Scope.of(ctx).root_arn


class IamProvider(Provider):
    service = "iam"

    def __init__(self, store: Store) -> None:
        self.backend = IamBackend(store)
        self.roles = self.backend.roles
        self.policies = self.backend.policies
        self.role_policies = self.backend.role_policies
        self.credentials = self.backend.credentials

    # -- roles --------------------------------------------------------------------------------
    def create_role(self, ctx: RequestContext, params: Params) -> Params:
        return {"Role": self.roles.create(Scope.of(ctx), params)}

    def get_role(self, ctx: RequestContext, params: Params) -> Params:
        return {"Role": self.roles.get(Scope.of(ctx), params["RoleName"])}

    def list_roles(self, ctx: RequestContext, params: Params) -> Params:
        roles, extra = self.roles.list_roles(
            Scope.of(ctx), params.get("PathPrefix"), params.get("Marker"), params.get("MaxItems")
        )
        return {"Roles": roles, **extra}

    def delete_role(self, ctx: RequestContext, params: Params) -> Params:
        self.roles.delete(Scope.of(ctx), params["RoleName"])
        return {}

    def update_role(self, ctx: RequestContext, params: Params) -> Params:
        self.roles.update(
            Scope.of(ctx), params["RoleName"], params.get("Description"), params.get("MaxSessionDuration")
        )
        return {}

    def update_role_description(self, ctx: RequestContext, params: Params) -> Params:
        return {"Role": self.roles.update(Scope.of(ctx), params["RoleName"], params["Description"], None)}

    def update_assume_role_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.roles.update_trust_policy(Scope.of(ctx), params["RoleName"], params["PolicyDocument"])
        return {}

    def tag_role(self, ctx: RequestContext, params: Params) -> Params:
        self.roles.tag(Scope.of(ctx), params["RoleName"], params["Tags"])
        return {}

    def untag_role(self, ctx: RequestContext, params: Params) -> Params:
        self.roles.untag(Scope.of(ctx), params["RoleName"], params["TagKeys"])
        return {}

    def list_role_tags(self, ctx: RequestContext, params: Params) -> Params:
        tags, extra = self.roles.list_tags(
            Scope.of(ctx), params["RoleName"], params.get("Marker"), params.get("MaxItems")
        )
        return {"Tags": tags, **extra}

    # -- a role's policies --------------------------------------------------------------------
    def attach_role_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.role_policies.attach(Scope.of(ctx), params["RoleName"], params["PolicyArn"])
        return {}

    def detach_role_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.role_policies.detach(Scope.of(ctx), params["RoleName"], params["PolicyArn"])
        return {}

    def list_attached_role_policies(self, ctx: RequestContext, params: Params) -> Params:
        policies, extra = self.role_policies.list_attached(Scope.of(ctx), params["RoleName"], params)
        return {"AttachedPolicies": policies, **extra}

    def put_role_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.role_policies.put_inline(
            Scope.of(ctx), params["RoleName"], params["PolicyName"], params["PolicyDocument"]
        )
        return {}

    def get_role_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.role_policies.get_inline(Scope.of(ctx), params["RoleName"], params["PolicyName"])

    def delete_role_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.role_policies.delete_inline(Scope.of(ctx), params["RoleName"], params["PolicyName"])
        return {}

    def list_role_policies(self, ctx: RequestContext, params: Params) -> Params:
        names, extra = self.role_policies.list_inline(
            Scope.of(ctx), params["RoleName"], params.get("Marker"), params.get("MaxItems")
        )
        return {"PolicyNames": names, **extra}

    # -- managed policies ---------------------------------------------------------------------
    def create_policy(self, ctx: RequestContext, params: Params) -> Params:
        return {"Policy": self.policies.create(Scope.of(ctx), params)}

    def get_policy(self, ctx: RequestContext, params: Params) -> Params:
        return {"Policy": self.policies.get(Scope.of(ctx), params["PolicyArn"])}

    def get_policy_version(self, ctx: RequestContext, params: Params) -> Params:
        version = self.policies.get_version(Scope.of(ctx), params["PolicyArn"], params["VersionId"])
        return {"PolicyVersion": version}

    def list_policies(self, ctx: RequestContext, params: Params) -> Params:
        policies, extra = self.policies.list_policies(Scope.of(ctx), params)
        return {"Policies": policies, **extra}

    def delete_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.policies.delete(Scope.of(ctx), params["PolicyArn"], _caller_arn(self.backend, ctx))
        return {}
