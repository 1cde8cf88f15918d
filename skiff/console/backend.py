"""The console's way to the services: the same providers the API calls, in-process.

`ConsoleBackend.call(caller, service, operation, params)` does what the gateway does for a signed
request, minus the wire: the input is validated against botocore's model, the caller's identity
(a logged-in principal, or the account root for a local caller on a loopback-bound server) is
authorized by the same policies, and the provider's method runs. Client mistakes come back as
`AwsError`, as they would from the API.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Mapping
from typing import Any

from skiff.api.context import RequestContext
from skiff.api.errors import AwsError, NotImplementedOperationError
from skiff.api.provider import Provider
from skiff.api.specs import spec_index
from skiff.api.validate import validate_input
from skiff.auth.authorizer import Authorizer
from skiff.console.access import Caller
from skiff.state.principals import root_principal


class ConsoleBackend:
    def __init__(self, providers: Mapping[str, Provider], authorizer: Authorizer, region: str) -> None:
        self.providers = dict(providers)
        self.authorizer = authorizer
        self.region = region

    @property
    def account(self) -> str:
        return self.authorizer.account

    def context(self, caller: Caller, service: str, operation: str, source_ip: str | None) -> RequestContext:
        principal = caller.principal or root_principal(self.account)
        return RequestContext(
            request_id=str(uuid.uuid4()),
            service=service,
            operation=operation,
            region=self.region,
            account_id=self.account,
            protocol="json",
            principal_arn=principal.arn,
            source_ip=source_ip,
            principal=principal,
        )

    async def call(
        self,
        caller: Caller,
        service: str,
        operation: str,
        params: dict[str, Any] | None = None,
        source_ip: str | None = None,
    ) -> dict[str, Any]:
        params = dict(params or {})
        spec = spec_index().by_name.get(service)
        model = spec.operation(operation) if spec is not None else None
        provider = self.providers.get(service)
        handler = provider.handler(operation) if provider is not None else None
        if model is None or handler is None:
            raise NotImplementedOperationError(f"skiff does not implement {service} {operation}.")
        validate_input(model.input_shape, params)
        ctx = self.context(caller, service, operation, source_ip)
        self.authorizer.authorize(ctx, params)
        result = handler(ctx, params)
        if inspect.isawaitable(result):
            result = await result
        return dict(result)

    async def pages(
        self, caller: Caller, service: str, operation: str, key: str, params: dict[str, Any] | None = None,
        token: str = "nextToken", limit: int = 20,
    ) -> list[Any]:  # fmt: skip
        """Every item of a paginated list (at most `limit` pages)."""
        items: list[Any] = []
        params = dict(params or {})
        for _ in range(limit):
            page = await self.call(caller, service, operation, params)
            items.extend(page.get(key) or [])
            following = page.get(token) or page.get(token[0].upper() + token[1:])
            if not following:
                break
            params[token] = following
        return items

    async def attempt(
        self, caller: Caller, service: str, operation: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """A call whose refusal is part of the page (e.g. not authorized to see this part)."""
        try:
            return await self.call(caller, service, operation, params)
        except AwsError as error:
            return {"error": {"code": error.code, "message": str(error)}}
