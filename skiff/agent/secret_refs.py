"""The `valueFrom` of ECS secrets: which Secrets Manager secret (and which part of it) or which
SSM parameter a container's secret comes from.

Secrets Manager: `arn:aws:secretsmanager:<region>:<acct>:secret:<name>[:json-key:version-stage:version-id]`;
the resource part split on `:` has 2 or 5 parts; empty fields are allowed; stage and id exclude
each other; the default stage is AWSCURRENT. Anything else is an SSM parameter: its ARN
`arn:aws:ssm:<region>:<acct>:parameter/<name>` or its bare name (same region).
"""

from __future__ import annotations

from dataclasses import dataclass


class ValueFromError(ValueError):
    """A `valueFrom` that names nothing ECS could fetch."""


@dataclass(frozen=True)
class SecretsManagerRef:
    secret_id: str  # the secret's ARN as written (full or partial)
    json_key: str | None
    version_stage: str | None
    version_id: str | None


@dataclass(frozen=True)
class ParameterRef:
    name_or_arn: str


def parse_value_from(value_from: str) -> SecretsManagerRef | ParameterRef:
    if value_from.startswith("arn:") and ":secretsmanager:" in value_from:
        parts = value_from.split(":")
        # arn, partition, service, region, account, "secret", name, [json-key, stage, id]
        if len(parts) < 7 or parts[5] != "secret":
            raise ValueFromError(f"invalid secrets manager ARN: {value_from}")
        resource = parts[6:]
        if len(resource) not in (1, 4):
            raise ValueFromError(f"invalid secrets manager ARN: {value_from}")
        secret_id = ":".join(parts[:7])
        if len(resource) == 1:
            return SecretsManagerRef(secret_id, None, None, None)
        json_key, stage, version = (x or None for x in resource[1:])
        if stage and version:
            raise ValueFromError(f"version stage and version id are exclusive: {value_from}")
        return SecretsManagerRef(secret_id, json_key, stage, version)
    if not value_from:
        raise ValueFromError("empty valueFrom")
    return ParameterRef(value_from)
