"""`iam simulate-principal-policy` and `simulate-custom-policy`, answered by the evaluator that
decides real requests. IAM's provider reaches it through its `Simulator` protocol (skiff/server/
passes this in); results come back in the EvaluationResult shape."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from skiff.auth.authorizer import Authorizer
from skiff.auth.evaluate import Decision, Policies, decide
from skiff.auth.policy import Caller
from skiff.state.principals import ASSUMED_ROLE, Principal

PrincipalOf = Callable[[str], Principal | None]
_TYPES = {"boundary": "PERMISSIONS_BOUNDARY", "session": "NONE", "resource": "RESOURCE_POLICY"}


def _context(entries: Sequence[dict[str, Any]] | None) -> dict[str, list[str]]:
    return {
        str(entry.get("ContextKeyName", "")).lower(): [str(v) for v in entry.get("ContextKeyValues") or []]
        for entry in entries or []
    }


def _result(action: str, resource: str, decision: Decision) -> dict[str, Any]:
    out: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": decision.decision,
        "MatchedStatements": [
            {"SourcePolicyId": source, "SourcePolicyType": _TYPES.get(source, "IAM Policy")}
            for source in decision.matched
        ],
        "MissingContextValues": [],
    }
    return out


class Simulator:
    def __init__(self, authorizer: Authorizer, principal_of: PrincipalOf) -> None:
        self.authorizer = authorizer
        self.principal_of = principal_of

    def simulate_principal(self, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """EvaluationResults for the principal `PolicySourceArn` names; None when it names none."""
        principal = self.principal_of(str(params["PolicySourceArn"]))
        if principal is None:
            return None
        found = self.authorizer.policies_of(principal)
        extra = [
            (f"PolicyInputList.{i + 1}", doc) for i, doc in enumerate(params.get("PolicyInputList") or [])
        ]
        boundaries = params.get("PermissionsBoundaryPolicyInputList") or []
        policies = Policies(
            identity=(*found.identity, *extra),
            boundary=boundaries[0] if boundaries else found.boundary,
        )
        return self._run(principal, policies, params)

    def simulate_custom(self, account: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        caller = str(params.get("CallerArn") or f"arn:aws:iam::{account}:user/simulated")
        principal = Principal(caller, account, "user", "SIMULATED", caller.rsplit("/", 1)[-1])
        identity = [
            (f"PolicyInputList.{i + 1}", doc) for i, doc in enumerate(params.get("PolicyInputList") or [])
        ]
        boundaries = params.get("PermissionsBoundaryPolicyInputList") or []
        return self._run(
            principal, Policies(identity=identity, boundary=boundaries[0] if boundaries else None), params
        )

    def _run(self, principal: Principal, policies: Policies, params: dict[str, Any]) -> list[dict[str, Any]]:
        context = _context(params.get("ContextEntries"))
        resources = params.get("ResourceArns") or ["*"]
        resource_policy = params.get("ResourcePolicy")
        caller = Caller(
            principal.arn, principal.account, principal.role_arn if principal.kind == ASSUMED_ROLE else None
        )
        results = []
        for action in params.get("ActionNames") or []:
            for resource in resources:
                base = self.authorizer.base_context(principal)
                base.update(context)
                decision = decide(
                    policies, str(action), str(resource), base, resource_policy=resource_policy, caller=caller
                )
                results.append(_result(str(action), str(resource), decision))
        return results
