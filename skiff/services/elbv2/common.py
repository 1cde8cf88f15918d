"""Checks shared by the ELBv2 backends: names, tags, attribute lists, records in a scope."""

from __future__ import annotations

import re
from typing import Any

from skiff.api.errors import AwsError
from skiff.services.elbv2 import exceptions as err
from skiff.state import balancers as records
from skiff.state.scope import Scope
from skiff.store.base import Document

_NAME = re.compile(r"^[A-Za-z0-9-]+$")
MAX_TAGS = 50


def check_name(kind: str, name: str) -> None:
    """ELB's rules for load balancer and target group names (`kind`: "Load balancer", ...)."""
    if not name:
        raise err.validation(f"{kind} name cannot be empty")
    if len(name) > 32:
        raise err.validation(f"{kind} name '{name}' cannot be longer than '32' characters")
    if not _NAME.match(name):
        raise err.validation(
            f"{kind} name '{name}' can only contain characters that are alphanumeric characters or hyphens(-)"
        )
    if name.startswith("-") or name.endswith("-"):
        raise err.validation(f"{kind} name '{name}' cannot begin or end with '-' character")
    if kind == "Load balancer" and name.lower().startswith("internal-"):
        raise err.validation(f"{kind} name '{name}' cannot begin with 'internal-'")


def check_tags(tags: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for tag in tags or []:
        key = str(tag.get("Key", ""))
        if key in seen:
            raise err.duplicate_tag_keys(key)
        if key.lower().startswith("aws:"):
            raise err.validation("Tag keys starting with 'aws:' are reserved for internal use")
        seen.add(key)
        out.append({"Key": key, "Value": str(tag.get("Value", ""))})
    if len(out) > MAX_TAGS:
        raise err.too_many_tags()
    return out


def in_scope(doc: Document | None, scope: Scope) -> Document | None:
    """The record if it belongs to the caller's account and region, else None."""
    if doc is None:
        return None
    internal = doc.get(records.INTERNAL) or {}
    if internal.get("account") != scope.account or internal.get("region") != scope.region:
        return None
    return doc


def public(doc: Document) -> Document:
    """The output shape of a record: everything but skiff's own members."""
    return {k: v for k, v in doc.items() if k != records.INTERNAL}


def attribute_list(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in values.items()]


def parse_attributes(attributes: list[dict[str, Any]], known: dict[str, str], kind: str) -> dict[str, str]:
    """{key: value} of a Modify*Attributes request; unknown keys are refused as ELB does."""
    out: dict[str, str] = {}
    for attribute in attributes:
        key, value = str(attribute.get("Key") or ""), attribute.get("Value")
        if key not in known:
            raise err.validation(f"{kind} attribute key '{key}' is not recognized")
        if value is None:
            raise err.validation(f"{kind} attribute '{key}' requires a value")
        out[key] = str(value)
    return out


def check_boolean(key: str, value: str) -> None:
    if value not in ("true", "false"):
        raise err.validation(f"'{key}' must be one of [true, false]")


def check_int(key: str, value: str, low: int, high: int) -> None:
    if not re.fullmatch(r"-?[0-9]{1,12}", value):
        raise err.validation(f"'{key}' must be an integer")
    number = int(value)
    if not low <= number <= high:
        raise err.validation(f"'{key}' must be between {low} and {high} inclusive")


def require(found: Document | None, error: AwsError) -> Document:
    if found is None:
        raise error
    return found
