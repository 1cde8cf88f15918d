"""Checks of DNS names and Cloud Map list filters shared by namespaces and services."""

from __future__ import annotations

import re
from typing import Any

from skiff.services.servicediscovery.exceptions import invalid_input, too_many_tags

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def check_domain(name: str) -> str:
    """A DNS namespace name: labels of letters, digits, hyphens (and underscores), ≤ 253 characters."""
    bare = name.rstrip(".")
    if not bare or len(bare) > 253 or not all(_LABEL.match(label) for label in bare.split(".")):
        raise invalid_input(f"The namespace name {name} is not a valid domain name.")
    return bare


def check_condition(name: str, spec: dict[str, Any], allowed: tuple[str, ...]) -> tuple[str, list[str]]:
    """(condition, values) of one list filter, refused when the condition does not fit the name."""
    condition = str(spec.get("Condition") or "EQ")
    values = [str(v) for v in spec.get("Values") or []]
    if condition not in allowed:
        raise invalid_input(f"The {name} filter does not take the {condition} condition.")
    if not values:
        raise invalid_input(f"The {name} filter needs at least one value.")
    if condition in ("EQ", "BEGINS_WITH") and len(values) != 1:
        raise invalid_input(f"The {condition} condition takes one value.")
    return condition, values


def matches(field: str, condition: str, values: list[str]) -> bool:
    if condition == "BEGINS_WITH":
        return field.startswith(values[0])
    return field in values


def check_tags(tags: list[dict[str, Any]] | None, arn: str = "") -> list[dict[str, str]]:
    found = [{"Key": str(t["Key"]), "Value": str(t.get("Value", ""))} for t in tags or []]
    if len({t["Key"] for t in found}) > 50:
        raise too_many_tags(arn)
    if any(t["Key"].startswith("aws:") for t in found):
        raise invalid_input("Tag keys may not start with aws:.")
    return found


def merge_tags(current: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {t["Key"]: t["Value"] for t in current}
    merged.update({t["Key"]: t["Value"] for t in new})
    return [{"Key": k, "Value": v} for k, v in merged.items()]
