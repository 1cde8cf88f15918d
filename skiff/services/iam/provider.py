"""The IAM API (roles, users and their access keys, groups, policies, simulation): thin handlers
over the IAM backends. Simulation is answered by skiff/auth's evaluator, passed in by skiff/server/
as a `Simulator`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from skiff.api.context import RequestContext
from skiff.api.errors import AwsError
from skiff.api.provider import Provider
from skiff.security.sealing import Sealer
from skiff.services.iam.backend import IamBackend
from skiff.services.iam.exceptions import invalid_input
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class Simulator(Protocol):
    def simulate_principal(self, params: Params) -> list[Params] | None: ...

    def simulate_custom(self, account: str, params: Params) -> list[Params]: ...


def _caller_arn(backend: IamBackend, ctx: RequestContext) -> str:
    if ctx.principal_arn:
        return ctx.principal_arn
    identity = backend.credentials.identity_of(ctx.access_key_id) if ctx.access_key_id else None
    return identity["Arn"] if identity else Scope.of(ctx).root_arn


def _self_user(ctx: RequestContext, params: Params) -> str:
    """The UserName a request names, or the signing user's own (as IAM defaults it)."""
    name = params.get("UserName")
    if name:
        return str(name)
    principal = ctx.principal
    if principal is not None and getattr(principal, "kind", "") == "user":
        return str(principal.name)
    raise invalid_input("Must specify userName when calling with non-User credentials")


class IamProvider(Provider):
    service = "iam"

    def __init__(self, store: Store, sealer: Sealer) -> None:
        self.backend = IamBackend(store, sealer)
        self.simulator: Simulator | None = None
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

    def put_role_permissions_boundary(self, ctx: RequestContext, params: Params) -> Params:
        self.roles.set_boundary(Scope.of(ctx), params["RoleName"], params["PermissionsBoundary"])
        return {}

    def delete_role_permissions_boundary(self, ctx: RequestContext, params: Params) -> Params:
        self.roles.set_boundary(Scope.of(ctx), params["RoleName"], None)
        return {}

    # -- users --------------------------------------------------------------------------------
    def create_user(self, ctx: RequestContext, params: Params) -> Params:
        return {"User": self.backend.users.create(Scope.of(ctx), params)}

    def get_user(self, ctx: RequestContext, params: Params) -> Params:
        if not params.get("UserName") and (ctx.principal is None or ctx.principal.kind == "root"):
            scope = Scope.of(ctx)
            return {
                "User": {
                    "UserId": scope.account,
                    "Arn": scope.root_arn,
                    "CreateDate": _ROOT_CREATED,
                    "Path": "/",
                    "UserName": "",
                }
            }
        return {"User": self.backend.users.get(Scope.of(ctx), _self_user(ctx, params))}

    def list_users(self, ctx: RequestContext, params: Params) -> Params:
        users, extra = self.backend.users.list_users(
            Scope.of(ctx), params.get("PathPrefix"), params.get("Marker"), params.get("MaxItems")
        )
        return {"Users": users, **extra}

    def delete_user(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.users.delete(Scope.of(ctx), params["UserName"])
        return {}

    def tag_user(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.users.tag(Scope.of(ctx), params["UserName"], params["Tags"])
        return {}

    def untag_user(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.users.untag(Scope.of(ctx), params["UserName"], params["TagKeys"])
        return {}

    def list_user_tags(self, ctx: RequestContext, params: Params) -> Params:
        tags, extra = self.backend.users.list_tags(
            Scope.of(ctx), params["UserName"], params.get("Marker"), params.get("MaxItems")
        )
        return {"Tags": tags, **extra}

    def put_user_permissions_boundary(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.users.set_boundary(Scope.of(ctx), params["UserName"], params["PermissionsBoundary"])
        return {}

    def delete_user_permissions_boundary(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.users.set_boundary(Scope.of(ctx), params["UserName"], None)
        return {}

    # -- access keys --------------------------------------------------------------------------
    def create_access_key(self, ctx: RequestContext, params: Params) -> Params:
        return {"AccessKey": self.backend.access_keys.create(Scope.of(ctx), _self_user(ctx, params))}

    def list_access_keys(self, ctx: RequestContext, params: Params) -> Params:
        keys, extra = self.backend.access_keys.list_keys(
            Scope.of(ctx), _self_user(ctx, params), params.get("Marker"), params.get("MaxItems")
        )
        return {"AccessKeyMetadata": keys, **extra}

    def update_access_key(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.access_keys.update(
            Scope.of(ctx), _self_user(ctx, params), params["AccessKeyId"], params["Status"]
        )
        return {}

    def delete_access_key(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.access_keys.delete(Scope.of(ctx), _self_user(ctx, params), params["AccessKeyId"])
        return {}

    def get_access_key_last_used(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.access_keys.last_used(Scope.of(ctx), params["AccessKeyId"])

    # -- a user's policies --------------------------------------------------------------------
    def attach_user_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.user_policies.attach(Scope.of(ctx), params["UserName"], params["PolicyArn"])
        return {}

    def detach_user_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.user_policies.detach(Scope.of(ctx), params["UserName"], params["PolicyArn"])
        return {}

    def list_attached_user_policies(self, ctx: RequestContext, params: Params) -> Params:
        found, extra = self.backend.user_policies.list_attached(Scope.of(ctx), params["UserName"], params)
        return {"AttachedPolicies": found, **extra}

    def put_user_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.user_policies.put_inline(
            Scope.of(ctx), params["UserName"], params["PolicyName"], params["PolicyDocument"]
        )
        return {}

    def get_user_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.user_policies.get_inline(Scope.of(ctx), params["UserName"], params["PolicyName"])

    def delete_user_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.user_policies.delete_inline(Scope.of(ctx), params["UserName"], params["PolicyName"])
        return {}

    def list_user_policies(self, ctx: RequestContext, params: Params) -> Params:
        names, extra = self.backend.user_policies.list_inline(
            Scope.of(ctx), params["UserName"], params.get("Marker"), params.get("MaxItems")
        )
        return {"PolicyNames": names, **extra}

    # -- groups -------------------------------------------------------------------------------
    def create_group(self, ctx: RequestContext, params: Params) -> Params:
        return {"Group": self.backend.groups.create(Scope.of(ctx), params["GroupName"], params.get("Path"))}

    def get_group(self, ctx: RequestContext, params: Params) -> Params:
        group, users, extra = self.backend.groups.get(
            Scope.of(ctx), params["GroupName"], params.get("Marker"), params.get("MaxItems")
        )
        return {"Group": group, "Users": users, **extra}

    def list_groups(self, ctx: RequestContext, params: Params) -> Params:
        groups, extra = self.backend.groups.list_groups(
            Scope.of(ctx), params.get("PathPrefix"), params.get("Marker"), params.get("MaxItems")
        )
        return {"Groups": groups, **extra}

    def delete_group(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.groups.delete(Scope.of(ctx), params["GroupName"])
        return {}

    def add_user_to_group(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.groups.add_user(Scope.of(ctx), params["GroupName"], params["UserName"])
        return {}

    def remove_user_from_group(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.groups.remove_user(Scope.of(ctx), params["GroupName"], params["UserName"])
        return {}

    def list_groups_for_user(self, ctx: RequestContext, params: Params) -> Params:
        groups, extra = self.backend.groups.list_for_user(
            Scope.of(ctx), params["UserName"], params.get("Marker"), params.get("MaxItems")
        )
        return {"Groups": groups, **extra}

    def attach_group_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.group_policies.attach(Scope.of(ctx), params["GroupName"], params["PolicyArn"])
        return {}

    def detach_group_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.group_policies.detach(Scope.of(ctx), params["GroupName"], params["PolicyArn"])
        return {}

    def list_attached_group_policies(self, ctx: RequestContext, params: Params) -> Params:
        found, extra = self.backend.group_policies.list_attached(Scope.of(ctx), params["GroupName"], params)
        return {"AttachedPolicies": found, **extra}

    def put_group_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.group_policies.put_inline(
            Scope.of(ctx), params["GroupName"], params["PolicyName"], params["PolicyDocument"]
        )
        return {}

    def get_group_policy(self, ctx: RequestContext, params: Params) -> Params:
        return self.backend.group_policies.get_inline(
            Scope.of(ctx), params["GroupName"], params["PolicyName"]
        )

    def delete_group_policy(self, ctx: RequestContext, params: Params) -> Params:
        self.backend.group_policies.delete_inline(Scope.of(ctx), params["GroupName"], params["PolicyName"])
        return {}

    def list_group_policies(self, ctx: RequestContext, params: Params) -> Params:
        names, extra = self.backend.group_policies.list_inline(
            Scope.of(ctx), params["GroupName"], params.get("Marker"), params.get("MaxItems")
        )
        return {"PolicyNames": names, **extra}

    # -- simulation ---------------------------------------------------------------------------
    def simulate_principal_policy(self, ctx: RequestContext, params: Params) -> Params:
        if self.simulator is None:
            raise AwsError("Policy simulation is not available on this server.", code="UnsupportedOperation")
        results = self.simulator.simulate_principal(params)
        if results is None:
            raise invalid_input(f"Invalid ARN: Could not be parsed! ({params['PolicySourceArn']})")
        return {"EvaluationResults": results, "IsTruncated": False}

    def simulate_custom_policy(self, ctx: RequestContext, params: Params) -> Params:
        if self.simulator is None:
            raise AwsError("Policy simulation is not available on this server.", code="UnsupportedOperation")
        return {
            "EvaluationResults": self.simulator.simulate_custom(ctx.account_id, params),
            "IsTruncated": False,
        }


_ROOT_CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
