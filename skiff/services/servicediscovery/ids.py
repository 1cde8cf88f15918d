"""Cloud Map identifiers and ARNs: `ns-…`, `srv-…`, operation ids, hosted zone ids.

Request members named `Id`, `NamespaceId`, `ServiceId` take either the id or the resource's ARN.
"""

from __future__ import annotations

import secrets
import string

from skiff.state.scope import Scope

_LOWER = string.ascii_lowercase + string.digits
_UPPER = string.ascii_uppercase + string.digits


def _random(alphabet: str, size: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(size))


def namespace_id() -> str:
    return "ns-" + _random(_LOWER, 16)


def service_id() -> str:
    return "srv-" + _random(_LOWER, 16)


def operation_id() -> str:
    return _random(_LOWER, 32) + "-" + _random(_LOWER, 8)


def hosted_zone_id() -> str:
    return "Z" + _random(_UPPER, 20)


def namespace_arn(scope: Scope, ident: str) -> str:
    return f"arn:aws:servicediscovery:{scope.region}:{scope.account}:namespace/{ident}"


def service_arn(scope: Scope, ident: str) -> str:
    return f"arn:aws:servicediscovery:{scope.region}:{scope.account}:service/{ident}"


def id_from(value: str, kind: str) -> str:
    """The id a member names: itself, or the last part of an ARN of `kind` (namespace, service)."""
    if value.startswith("arn:"):
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[5].startswith(kind + "/"):
            return parts[5].split("/", 1)[1]
    return value
