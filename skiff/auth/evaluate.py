"""The decision for one action on one resource, as IAM makes it within one account.

1. An explicit Deny in any policy that applies (identity, boundary, session or resource) denies.
2. Otherwise an Allow is needed: from the identity policies, and — when the principal has them —
   from its permissions boundary and its session policy too; or from the resource's own policy
   when that names the caller.
3. Otherwise the request is implicitly denied.

The decision says which rule decided, so the AccessDenied message can say why (AWS's endings),
and `iam simulate-principal-policy` reports the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from skiff.auth.conditions import Context
from skiff.auth.policy import Caller, Statement, applies, statements

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"


@dataclass(frozen=True)
class Policies:
    """Everything that speaks for one principal: documents as JSON text."""

    identity: Sequence[tuple[str, str]] = ()  # (source id, document): inline and managed policies
    boundary: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class Decision:
    decision: str  # ALLOWED | EXPLICIT_DENY | IMPLICIT_DENY
    reason: str  # why, in AWS's words after "because"/"with"
    matched: tuple[str, ...] = field(default=())  # source ids of the statements that decided

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


def _matching(
    document: str, effect: str, action: str, resource: str, context: Context, caller: Caller | None = None
) -> list[Statement]:
    return [
        s
        for s in statements(document)
        if s.effect == effect and applies(s, action, resource, context, caller)
    ]


def decide(
    policies: Policies,
    action: str,
    resource: str,
    context: Context,
    *,
    resource_policy: str | None = None,
    caller: Caller | None = None,
) -> Decision:
    """Whether `action` on `resource` is allowed for the principal `policies` speak for."""
    denied = [
        source for source, doc in policies.identity if _matching(doc, "Deny", action, resource, context)
    ]
    if denied:
        return Decision(EXPLICIT_DENY, "with an explicit deny in an identity-based policy", tuple(denied))
    if policies.boundary is not None and _matching(policies.boundary, "Deny", action, resource, context):
        return Decision(EXPLICIT_DENY, "with an explicit deny in a permissions boundary", ("boundary",))
    if policies.session is not None and _matching(policies.session, "Deny", action, resource, context):
        return Decision(EXPLICIT_DENY, "with an explicit deny in a session policy", ("session",))
    if resource_policy is not None and caller is not None:
        if _matching(resource_policy, "Deny", action, resource, context, caller):
            return Decision(EXPLICIT_DENY, "with an explicit deny in a resource-based policy", ("resource",))
        if _matching(resource_policy, "Allow", action, resource, context, caller):
            return Decision(ALLOWED, "", ("resource",))
    allowed = [
        source for source, doc in policies.identity if _matching(doc, "Allow", action, resource, context)
    ]
    if not allowed:
        return Decision(IMPLICIT_DENY, f"because no identity-based policy allows the {action} action")
    if policies.boundary is not None and not _matching(policies.boundary, "Allow", action, resource, context):
        return Decision(IMPLICIT_DENY, f"because no permissions boundary allows the {action} action")
    if policies.session is not None and not _matching(policies.session, "Allow", action, resource, context):
        return Decision(IMPLICIT_DENY, f"because no session policy allows the {action} action")
    return Decision(ALLOWED, "", tuple(allowed))


def denial_message(
    principal_arn: str, action: str, resource: str, decision: Decision, *, quote: bool = False
) -> str:
    """`User: <arn> is not authorized to perform: <action> on resource: <arn> because ...`."""
    shown = f'"{resource}"' if quote else resource
    return (
        f"User: {principal_arn} is not authorized to perform: {action} on resource: {shown} {decision.reason}"
    )
