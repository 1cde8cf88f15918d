"""Secrets Manager: `secretsmanager:<Operation>` on the secret's full ARN (a name is resolved to
it; a secret that does not exist yet is `secret:<name>-??????`, the shape of its future ARN).
BatchGetSecretValue needs GetSecretValue on each secret it names."""

from __future__ import annotations

from skiff.auth.actions import Call, Check, ServiceTable


def secret_arn(call: Call, secret_id: str) -> str:
    found = call.resolve("secret", secret_id)
    if found is not None:
        return found
    if secret_id.startswith("arn:"):
        return secret_id
    return f"arn:aws:secretsmanager:{call.region}:{call.account}:secret:{secret_id}-??????"


def on_secret(call: Call) -> list[Check]:
    secret_id = call.get("SecretId") or call.get("Name")
    action = f"secretsmanager:{call.operation}"
    return [Check(action, secret_arn(call, str(secret_id)) if secret_id else "*")]


def on_account(call: Call) -> list[Check]:
    return [Check(f"secretsmanager:{call.operation}")]


def batch_get(call: Call) -> list[Check]:
    ids = call.get("SecretIdList") or []
    return [
        Check("secretsmanager:BatchGetSecretValue"),
        *(Check("secretsmanager:GetSecretValue", secret_arn(call, str(i))) for i in ids),
    ]


_SECRET_OPERATIONS = (
    "CancelRotateSecret",
    "CreateSecret",
    "DeleteResourcePolicy",
    "DeleteSecret",
    "DescribeSecret",
    "GetResourcePolicy",
    "GetSecretValue",
    "ListSecretVersionIds",
    "PutResourcePolicy",
    "PutSecretValue",
    "RemoveRegionsFromReplication",
    "ReplicateSecretToRegions",
    "RestoreSecret",
    "RotateSecret",
    "StopReplicationToReplica",
    "TagResource",
    "UntagResource",
    "UpdateSecret",
    "UpdateSecretVersionStage",
    "ValidateResourcePolicy",
    "AssociateCrossAccountReplica",
    "DisassociateCrossAccountReplica",
)
_ACCOUNT_OPERATIONS = ("GetRandomPassword", "ListSecrets", "ListResourcePolicies")

TABLE = ServiceTable(
    "secretsmanager",
    "secretsmanager",
    {
        **{operation: on_secret for operation in _SECRET_OPERATIONS},
        **{operation: on_account for operation in _ACCOUNT_OPERATIONS},
        "BatchGetSecretValue": batch_get,
    },
)
