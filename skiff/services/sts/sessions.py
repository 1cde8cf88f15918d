"""Caller identities and role sessions.

A request signed with a temporary key skiff issued speaks for that role session
(`arn:aws:sts::<acct>:assumed-role/<role>/<session>`); any other key speaks for the account
root (with verification on, the gateway has already refused unknown keys; IAM users' keys speak
for the user, see the provider). AssumeRole needs the role to exist; its trust policy is
evaluated by skiff/auth before the call reaches here. A session `Policy` is kept with the
credentials and limits what they may do.
"""

from __future__ import annotations

import math
from typing import Any

from skiff.services.iam import documents
from skiff.services.iam.credentials import CredentialBackend
from skiff.services.iam.roles import RoleBackend, account_of
from skiff.services.sts.exceptions import (
    access_denied,
    expired_token,
    packed_policy_too_large,
    validation_error,
)
from skiff.state.scope import Scope

DEFAULT_DURATION = 3600
CHAINED_MAX_DURATION = 3600
# Bytes of session policy, policy ARNs and tags that make up 100% of the packed allowance.
PACKED_ALLOWANCE = 4096


def packed_policy_percent(params: dict[str, Any]) -> int | None:
    """An estimate of `PackedPolicySize`: None when the request has no session policy or tags."""
    policy = params.get("Policy")
    arns = [item.get("arn", "") for item in params.get("PolicyArns") or []]
    tags = params.get("Tags") or []
    if policy is None and not arns and not tags:
        return None
    size = documents.packed_size(policy or "") + sum(len(arn) for arn in arns)
    size += sum(len(tag["Key"]) + len(tag.get("Value", "")) for tag in tags)
    return math.ceil(size * 100 / PACKED_ALLOWANCE)


class SessionBackend:
    def __init__(self, roles: RoleBackend, credentials: CredentialBackend) -> None:
        self.roles = roles
        self.credentials = credentials

    def caller_identity(self, scope: Scope, access_key_id: str | None) -> dict[str, str]:
        """UserId, Account and Arn of whoever signed with `access_key_id`."""
        if access_key_id:
            record = self.credentials.find(access_key_id)
            if record is not None:
                identity = self.credentials.identity_of(access_key_id)
                if identity is None:
                    raise expired_token()
                return {"UserId": identity["UserId"], "Account": identity["Account"], "Arn": identity["Arn"]}
        return {"UserId": scope.account, "Account": scope.account, "Arn": scope.root_arn}

    def assume_role(
        self,
        scope: Scope,
        access_key_id: str | None,
        params: dict[str, Any],
        *,
        caller_arn: str | None = None,
    ) -> dict[str, Any]:
        caller = self.caller_identity(scope, access_key_id)
        if caller_arn and ":assumed-role/" not in caller["Arn"]:
            caller = {**caller, "Arn": caller_arn}
        arn: str = params["RoleArn"]
        role = self.roles.find_by_arn(arn)
        if role is None or account_of(role) != scope.account:
            raise access_denied(caller["Arn"], "sts:AssumeRole", arn)
        duration: int = params.get("DurationSeconds") or DEFAULT_DURATION
        if ":assumed-role/" in caller["Arn"] and duration > CHAINED_MAX_DURATION:
            raise validation_error(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
                "role chaining."
            )
        if duration > role["MaxSessionDuration"]:
            raise validation_error(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
            )
        if params.get("Policy") is not None:
            documents.statements(documents.parse(params["Policy"]))
        percent = packed_policy_percent(params)
        if percent is not None and percent > 100:
            raise packed_policy_too_large(percent)
        issued = self.credentials.issue(
            scope, role["Arn"], params["RoleSessionName"], duration, session_policy=params.get("Policy")
        )
        self.roles.record_use(role, scope.region)
        out: dict[str, Any] = {
            "Credentials": {
                "AccessKeyId": issued["AccessKeyId"],
                "SecretAccessKey": issued["SecretAccessKey"],
                "SessionToken": issued["SessionToken"],
                "Expiration": issued["Expiration"],
            },
            "AssumedRoleUser": {"AssumedRoleId": issued["AssumedRoleId"], "Arn": issued["AssumedRoleArn"]},
        }
        if percent is not None:
            out["PackedPolicySize"] = percent
        if params.get("SourceIdentity") is not None:
            out["SourceIdentity"] = params["SourceIdentity"]
        return out
