"""Policy documents as statements, and whether a statement applies to one request.

A document is parsed once (cached by its text). A statement applies when its Action (or
NotAction) covers the action, its Resource (or NotResource) the resource, its Principal (or
NotPrincipal, in resource policies) the caller, and its Condition holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from skiff.auth.conditions import Context, holds
from skiff.auth.patterns import matches, substitute


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: Mapping[str, tuple[str, ...]] | None
    not_principals: Mapping[str, tuple[str, ...]] | None
    condition: Any
    sid: str = ""


@dataclass(frozen=True)
class Caller:
    """Who asks, as resource policies' Principal elements name them."""

    arn: str
    account: str
    role_arn: str | None = None  # an assumed-role session's role
    services: tuple[str, ...] = field(default=())


def _strings(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    return tuple(str(item) for item in items if isinstance(item, (str, int)))


def _principals(raw: Any) -> Mapping[str, tuple[str, ...]] | None:
    if raw is None:
        return None
    if raw == "*":
        return {"AWS": ("*",)}
    if not isinstance(raw, dict):
        return {}
    return {str(kind): _strings(value) or () for kind, value in raw.items()}


@lru_cache(maxsize=2048)
def statements(document: str) -> tuple[Statement, ...]:
    """The statements of a policy document; none for a document that is not valid JSON policy."""
    try:
        value = json.loads(document)
    except (ValueError, RecursionError):
        return ()
    if not isinstance(value, dict):
        return ()
    raw = value.get("Statement")
    items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    out = []
    for item in items:
        if not isinstance(item, dict) or item.get("Effect") not in ("Allow", "Deny"):
            continue
        out.append(
            Statement(
                effect=item["Effect"],
                actions=_strings(item.get("Action")),
                not_actions=_strings(item.get("NotAction")),
                resources=_strings(item.get("Resource")),
                not_resources=_strings(item.get("NotResource")),
                principals=_principals(item.get("Principal")),
                not_principals=_principals(item.get("NotPrincipal")),
                condition=item.get("Condition"),
                sid=str(item.get("Sid", "")),
            )
        )
    return tuple(out)


def _any_action(patterns: Sequence[str], action: str) -> bool:
    return any(matches(p, action, ignore_case=True) for p in patterns)


def _any_resource(patterns: Sequence[str], resource: str, context: Context) -> bool:
    for pattern in patterns:
        concrete = substitute(pattern, context)
        if concrete is not None and matches(concrete, resource):
            return True
    return False


def _names(caller: Caller) -> list[str]:
    names = [caller.arn]
    if caller.role_arn:
        names.append(caller.role_arn)
    return names


def _principal_matches(spec: Mapping[str, tuple[str, ...]], caller: Caller) -> bool:
    for kind, values in spec.items():
        if kind == "AWS":
            for value in values:
                if value == "*" or value in _names(caller):
                    return True
                if value in (caller.account, f"arn:aws:iam::{caller.account}:root") and caller.arn.endswith(
                    ":root"
                ):
                    return True
        elif kind == "Service" and any(value in caller.services for value in values):
            return True
    return False


def applies(
    statement: Statement,
    action: str,
    resource: str,
    context: Context,
    caller: Caller | None = None,
) -> bool:
    """Whether the statement speaks to this request (its effect is then the statement's)."""
    if statement.actions is not None:
        if not _any_action(statement.actions, action):
            return False
    elif statement.not_actions is not None:
        if _any_action(statement.not_actions, action):
            return False
    else:
        return False
    if statement.resources is not None:
        if not _any_resource(statement.resources, resource, context):
            return False
    elif statement.not_resources is not None:
        if _any_resource(statement.not_resources, resource, context):
            return False
    elif caller is None:
        return False  # an identity policy statement needs a resource
    if caller is not None:
        if statement.principals is not None:
            if not _principal_matches(statement.principals, caller):
                return False
        elif statement.not_principals is not None:
            if _principal_matches(statement.not_principals, caller):
                return False
        else:
            return False
    return holds(statement.condition, context)
