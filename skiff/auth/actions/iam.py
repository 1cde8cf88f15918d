"""IAM: `iam:<Operation>` on the entity an operation names: the role, user, group, managed
policy, instance profile or provider its members name (a user's own operations without
`UserName` are on the caller's user). Resources follow from the members, so every modelled
operation is covered; tests check each one against the model."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable

# member -> the ARN kind it names, first match wins
_MEMBERS = (
    ("RoleName", "role"),
    ("UserName", "user"),
    ("GroupName", "group"),
    ("InstanceProfileName", "instance-profile"),
    ("ServerCertificateName", "server-certificate"),
)
_ARN_MEMBERS = ("PolicySourceArn", "PolicyArn", "SAMLProviderArn", "OpenIDConnectProviderArn", "SerialNumber")
_SELF_OPERATIONS = frozenset(
    {
        "GetUser",
        "CreateAccessKey",
        "ListAccessKeys",
        "UpdateAccessKey",
        "DeleteAccessKey",
        "ListGroupsForUser",
        "ListUserPolicies",
        "ListAttachedUserPolicies",
        "ChangePassword",
        "ListMFADevices",
        "ListSigningCertificates",
        "ListSSHPublicKeys",
        "ListServiceSpecificCredentials",
    }
)


def entity_arn(call: Call, kind: str, name: str) -> str:
    found = call.resolve(kind, name)
    return found or f"arn:aws:iam::{call.account}:{kind}/{name}"


def rule(call: Call) -> list[Check]:
    action = f"iam:{call.operation}"
    for member, kind in _MEMBERS:
        value = call.get(member)
        if isinstance(value, str) and value:
            return [Check(action, entity_arn(call, kind, value))]
    for member in _ARN_MEMBERS:
        value = call.get(member)
        if isinstance(value, str) and value.startswith("arn:"):
            return [Check(action, value)]
    if call.operation in _SELF_OPERATIONS and call.caller_user:
        return [Check(action, entity_arn(call, "user", call.caller_user))]
    return [Check(action)]


TABLE = ServiceTable("iam", "iam", {}, every_operation=rule)
