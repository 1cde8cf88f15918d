"""The gateway's hook for who may call: `authenticate` after routing, `authorize` once the input
is parsed and valid. skiff/auth implements it (signatures verified, policies evaluated); skiff/server/
installs that. `IdentifyOnly` is the behaviour without it: signatures are not checked and keys
skiff issued speak for their role session, any other key for the account root.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from skiff.api.context import RequestContext
from skiff.api.errors import AwsError
from skiff.api.http import HttpRequest

INVALID_TOKEN = "The security token included in the request is invalid."


class RequestAuthorizer(Protocol):
    def authenticate(self, request: HttpRequest, ctx: RequestContext) -> None:
        """Check who signed and record it on `ctx` (raises the protocol's error)."""

    def authorize(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        """Refuse (raise AccessDenied) what the signer may not do."""


def task_must_be_signed_by_issued(ctx: RequestContext) -> AwsError:
    """Calls from tasks must carry credentials skiff issued (their role's)."""
    if ctx.protocol in ("query", "ec2"):
        return AwsError(INVALID_TOKEN, code="InvalidClientTokenId", status=403)
    return AwsError(INVALID_TOKEN, code="UnrecognizedClientException")


class IdentifyOnly:
    """No verification: `identify` maps an issued temporary key to its assumed-role ARN."""

    def __init__(self, identify: Callable[[str], str | None] | None = None) -> None:
        self.identify: Callable[[str], str | None] = identify or (lambda key: None)

    def authenticate(self, request: HttpRequest, ctx: RequestContext) -> None:
        principal = self.identify(ctx.access_key_id) if ctx.access_key_id else None
        if ctx.from_task and principal is None:
            raise task_must_be_signed_by_issued(ctx)
        ctx.principal_arn = principal or f"arn:aws:iam::{ctx.account_id}:root"

    def authorize(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        return None
