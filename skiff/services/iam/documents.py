"""Policy documents: the checks IAM makes before it accepts one, and how replies carry them.

IAM keeps a document as the caller sent it (the JSON text, after form decoding) and returns it
URL-encoded, as AWS does; botocore and the aws CLI decode it back into a structure.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from skiff.services.iam.exceptions import limit_exceeded, malformed_policy, quota

VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_LEVEL = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
SYNTAX_ERRORS = "Syntax errors in policy."
# Quotas on document size (characters other than white space), as IAM counts them.
MANAGED_POLICY_SIZE = 6144
ROLE_POLICY_SIZE = 10240
TRUST_POLICY_SIZE = 2048


def encode(document: str) -> str:
    """A document as IAM replies carry it: URL-encoded JSON text."""
    return quote(document, safe="")


def packed_size(document: str) -> int:
    """Characters that count toward IAM's size quotas: all but white space."""
    return sum(1 for char in document if not char.isspace())


def parse(document: str) -> dict[str, Any]:
    """The document as JSON, with the top-level structure IAM requires."""
    try:
        value = json.loads(document)
    except (ValueError, RecursionError) as exc:
        raise malformed_policy("This policy contains invalid Json") from exc
    if not isinstance(value, dict) or not set(value) <= _TOP_LEVEL:
        raise malformed_policy(SYNTAX_ERRORS)
    version = value.get("Version")
    if version is not None and version not in VERSIONS:
        raise malformed_policy("The policy failed legacy parsing")
    return value


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    raw = policy.get("Statement")
    items = [raw] if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise malformed_policy(SYNTAX_ERRORS)
    for item in items:
        if not isinstance(item, dict) or not set(item) <= _STATEMENT_KEYS:
            raise malformed_policy(SYNTAX_ERRORS)
        if item.get("Effect") not in ("Allow", "Deny"):
            raise malformed_policy(SYNTAX_ERRORS)
        if "Action" not in item and "NotAction" not in item:
            raise malformed_policy("Policy statement must contain actions.")
    return items


def check_identity_policy(document: str, limit: int, role: str = "") -> dict[str, Any]:
    """A permissions policy (managed, or inline in `role`): actions and resources, no principal."""
    policy = parse(document)
    for statement in statements(policy):
        if "Principal" in statement or "NotPrincipal" in statement:
            raise malformed_policy("Policy document should not specify a principal.")
        if "Resource" not in statement and "NotResource" not in statement:
            raise malformed_policy("Policy statement must contain resources.")
    size = packed_size(document)
    if size > limit:
        if role:
            raise limit_exceeded(f"Maximum policy size of {limit} bytes exceeded for role {role}")
        raise quota("PolicySize", limit)
    return policy


def check_trust_policy(document: str) -> dict[str, Any]:
    """A role's trust policy: who may assume it, never which resources."""
    policy = parse(document)
    for statement in statements(policy):
        for field in ("Resource", "NotResource"):
            if field in statement:
                raise malformed_policy(f"Has prohibited field {field}")
        if "Principal" not in statement and "NotPrincipal" not in statement:
            raise malformed_policy("Missing required field Principal")
    if packed_size(document) > TRUST_POLICY_SIZE:
        raise quota("ACLSizePerRole", TRUST_POLICY_SIZE)
    return policy
