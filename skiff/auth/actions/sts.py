"""STS: AssumeRole on the role it names (the role's trust policy is its resource policy);
GetCallerIdentity needs no permission at all, as on AWS."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable


def on_role(call: Call) -> list[Check]:
    return [Check(f"sts:{call.operation}", str(call.get("RoleArn") or "*"))]


def on_account(call: Call) -> list[Check]:
    return [Check(f"sts:{call.operation}")]


def always_allowed(call: Call) -> list[Check]:
    return []


TABLE = ServiceTable(
    "sts",
    "sts",
    {
        "AssumeRole": on_role,
        "AssumeRoleWithSAML": on_role,
        "AssumeRoleWithWebIdentity": on_role,
        "AssumeRoot": lambda call: [
            Check("sts:AssumeRoot", f"arn:aws:iam::{call.get('TargetPrincipal') or call.account}:root")
        ],
        "GetCallerIdentity": always_allowed,
        "DecodeAuthorizationMessage": on_account,
        "GetAccessKeyInfo": on_account,
        "GetDelegatedAccessToken": on_account,
        "GetFederationToken": lambda call: [
            Check(
                "sts:GetFederationToken", f"arn:aws:sts::{call.account}:federated-user/{call.get('Name', '')}"
            )
        ],
        "GetScopedCredentials": on_account,
        "GetSessionToken": on_account,
        "GetWebIdentityToken": on_account,
    },
)
