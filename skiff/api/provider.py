"""Base class of the thin per-service providers.

A provider method is named after the operation in snake case (`CreateCluster` ->
`create_cluster`), takes the request context and the validated input members, and returns the
output members (or an awaitable of them). It raises `AwsError` for client mistakes.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any, ClassVar

from skiff.api.context import RequestContext

Result = dict[str, Any]
Handler = Callable[[RequestContext, dict[str, Any]], Result | Awaitable[Result]]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@cache
def snake_case(operation: str) -> str:
    return _CAMEL.sub("_", operation).lower()


class Provider:
    """Serves the operations of one botocore service (`service` is botocore's service name)."""

    service: ClassVar[str]

    def handler(self, operation: str) -> Handler | None:
        method = getattr(self, snake_case(operation), None)
        return method if callable(method) else None
