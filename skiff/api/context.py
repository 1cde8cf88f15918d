"""The request context handed to every provider method."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RequestContext:
    """Who asked what: the resolved service, operation, region and account of one request."""

    request_id: str
    service: str
    operation: str
    region: str
    account_id: str
    access_key_id: str | None = None
    protocol: str = "json"
    principal_arn: str | None = None  # who signed: the account root, or an assumed role skiff issued
    from_task: bool = False  # arrived on the link-local address tasks use
