"""The STS API: GetCallerIdentity and AssumeRole over the IAM backends."""

from __future__ import annotations

from typing import Any

from skiff.api.context import RequestContext
from skiff.api.provider import Provider
from skiff.security.sealing import Sealer
from skiff.services.iam.backend import IamBackend
from skiff.services.sts.sessions import SessionBackend
from skiff.state.scope import Scope
from skiff.store.base import Store

Params = dict[str, Any]


class StsProvider(Provider):
    service = "sts"

    def __init__(self, store: Store, sealer: Sealer) -> None:
        iam = IamBackend(store, sealer)
        self.credentials = iam.credentials
        self.sessions = SessionBackend(iam.roles, iam.credentials)

    def get_caller_identity(self, ctx: RequestContext, params: Params) -> Params:
        principal = ctx.principal
        if principal is not None and principal.kind == "user":
            return {"UserId": principal.user_id, "Account": principal.account, "Arn": principal.arn}
        return self.sessions.caller_identity(Scope.of(ctx), ctx.access_key_id)

    def assume_role(self, ctx: RequestContext, params: Params) -> Params:
        return self.sessions.assume_role(
            Scope.of(ctx), ctx.access_key_id, params, caller_arn=ctx.principal_arn
        )
