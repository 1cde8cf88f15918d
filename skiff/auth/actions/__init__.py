"""Which IAM action and resource each operation is, one table per service (one module each).

A table module in this package defines `TABLE`, a `ServiceTable`; tables are found by name, so
a new service's table is one new file. A service without a table is evaluated as
`<prefix>:<Operation>` on `*`, the prefix being its signing name (or the IAM prefix it differs
to, in `PREFIXES`). A rule may add checks (iam:PassRole for the roles a request hands over, the
source object of a copy) with their own condition keys.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from skiff.auth.directory import Resolver

# Signing names whose IAM action prefix differs.
PREFIXES = {"monitoring": "cloudwatch", "email": "ses", "execute-api": "apigateway"}


@dataclass(frozen=True)
class Check:
    """One permission a request needs: an action on a resource, with extra condition keys."""

    action: str
    resource: str = "*"
    context: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One request as a table sees it."""

    operation: str
    params: Mapping[str, Any]
    account: str
    region: str
    resolver: Resolver | None = None
    caller_user: str | None = None  # the IAM user who signed, when a user did

    def get(self, member: str, default: Any = None) -> Any:
        return self.params.get(member, default)

    def resolve(self, kind: str, name_or_arn: str) -> str | None:
        if self.resolver is None:
            return None
        return self.resolver.arn_of(kind, self.account, self.region, name_or_arn)


Rule = Callable[[Call], list[Check]]


@dataclass(frozen=True)
class ServiceTable:
    service: str  # botocore's service name
    prefix: str  # IAM's action prefix
    rules: Mapping[str, Rule]  # operation -> the checks it needs
    # for tables whose resources follow from members alike in every operation (IAM, SSM)
    every_operation: Rule | None = None

    def checks(self, call: Call) -> list[Check]:
        rule = self.rules.get(call.operation) or self.every_operation
        if rule is None:
            return [Check(f"{self.prefix}:{call.operation}")]
        return rule(call)


def prefix_for(signing_name: str) -> str:
    return PREFIXES.get(signing_name, signing_name)


@cache
def tables() -> dict[str, ServiceTable]:
    """Every table module in this package, by service name."""
    found: dict[str, ServiceTable] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        table = getattr(module, "TABLE", None)
        if isinstance(table, ServiceTable):
            found[table.service] = table
    return found


def checks_for(service: str, signing_name: str, call: Call) -> list[Check]:
    table = tables().get(service)
    if table is None:
        return [Check(f"{prefix_for(signing_name)}:{call.operation}")]
    return table.checks(call)
