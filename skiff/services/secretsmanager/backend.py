"""The Secrets Manager backends wired together over one store and sealer.

`resolve` is the entry point for the ECS task runtime (secrets in container definitions).
"""

from __future__ import annotations

from skiff.security.sealing import Sealer
from skiff.services.secretsmanager.listing import SecretListing
from skiff.services.secretsmanager.records import Clock, SecretRecords, utc_now
from skiff.services.secretsmanager.secrets import SecretBackend
from skiff.services.secretsmanager.values import SecretValues
from skiff.state.scope import Scope
from skiff.store.base import Store


class SecretsManagerBackend:
    def __init__(self, store: Store, sealer: Sealer, clock: Clock = utc_now) -> None:
        self.records = SecretRecords(store, sealer, clock)
        self.values = SecretValues(self.records)
        self.secrets = SecretBackend(self.records, self.values)
        self.listing = SecretListing(self.records, self.values)

    def resolve(
        self, scope: Scope, secret_id: str, version_stage: str | None, version_id: str | None
    ) -> tuple[str | None, bytes | None]:
        """A secret's value for a task: (string, None) or (None, bytes).

        `secret_id` is a name, a full ARN or an ARN without the random suffix; with neither stage
        nor version id the AWSCURRENT version is meant. Raises the `AwsError` GetSecretValue would
        (ResourceNotFoundException, InvalidRequestException), whose texts are AWS's.
        """
        return self.values.resolve(scope, secret_id, version_stage, version_id)
