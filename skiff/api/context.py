"""The request context handed to every provider method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
    source_ip: str | None = None  # the caller's address (aws:SourceIp)
    secure: bool = False  # arrived over TLS (aws:SecureTransport)
    principal: Any = None  # skiff.state.principals.Principal of the signer, once authenticated
    session_policy: str | None = None  # the AssumeRole session policy of temporary credentials
