"""The resource-based policies the evaluator consults, and names resolved to ARNs, gathered from
the services that have them (skiff/auth's `ResourcePolicies` and `Resolver`, wired by skiff/server/):
S3 bucket policies, Secrets Manager resource policies, and IAM roles' trust policies (the
resource policy of sts:AssumeRole). A later service with resource policies (ECR repositories)
adds its lookup to `by_service`."""

from __future__ import annotations

from collections.abc import Callable

from skiff.services.iam.directory import IamDirectory
from skiff.services.iam.roles import RoleBackend
from skiff.services.s3.buckets import BucketBackend
from skiff.services.secretsmanager.records import SecretRecords
from skiff.state.scope import Scope

PolicyLookup = Callable[[str], str | None]


class ServiceResourcePolicies:
    def __init__(self, roles: RoleBackend, buckets: BucketBackend, secrets: SecretRecords) -> None:
        self.roles = roles
        self.buckets = buckets
        self.secrets = secrets
        self.by_service: dict[str, PolicyLookup] = {
            "s3": self._bucket,
            "secretsmanager": self._secret,
            "iam": self._trust,
        }

    def policy_of(self, resource_arn: str) -> str | None:
        parts = resource_arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            return None
        lookup = self.by_service.get(parts[2])
        return lookup(resource_arn) if lookup is not None else None

    def _bucket(self, arn: str) -> str | None:
        bucket = arn.split(":", 5)[5].split("/", 1)[0]
        return self.buckets.policy_of(bucket) if bucket else None

    def _secret(self, arn: str) -> str | None:
        parts = arn.split(":")
        if len(parts) < 7:
            return None
        doc = self.secrets.find(Scope(parts[4], parts[3]), arn)
        return str(doc["ResourcePolicy"]) if doc and doc.get("ResourcePolicy") else None

    def _trust(self, arn: str) -> str | None:
        if ":role/" not in arn:
            return None
        role = self.roles.find_by_arn(arn)
        return str(role["AssumeRolePolicyDocument"]) if role else None


class ServiceResolver:
    """Full ARNs of what requests name by name: secrets, and IAM roles, users and groups."""

    def __init__(self, iam: IamDirectory, secrets: SecretRecords) -> None:
        self.iam = iam
        self.secrets = secrets

    @staticmethod
    def secret_arn_in(secrets: SecretRecords) -> Callable[[Scope, str], str | None]:
        def secret_arn(scope: Scope, secret_id: str) -> str | None:
            doc = secrets.find(scope, secret_id)
            return str(doc["ARN"]) if doc else None

        return secret_arn

    def arn_of(self, kind: str, account: str, region: str, name_or_arn: str) -> str | None:
        if kind == "secret":
            doc = self.secrets.find(Scope(account, region), name_or_arn)
            return str(doc["ARN"]) if doc else None
        return self.iam.arn_of(kind, account, region, name_or_arn)
