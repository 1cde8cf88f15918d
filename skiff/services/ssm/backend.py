"""The Parameter Store backends wired together over one store and sealer.

`resolve` is the entry point for the ECS task runtime (secrets from Parameter Store).
"""

from __future__ import annotations

from skiff.api.errors import AwsError
from skiff.security.sealing import Sealer
from skiff.services.ssm.exceptions import parameter_not_found
from skiff.services.ssm.names import parse_reference
from skiff.services.ssm.parameters import ParameterBackend
from skiff.services.ssm.queries import ParameterQueries
from skiff.services.ssm.records import Clock, ParameterRecords, utc_now
from skiff.state.scope import Scope
from skiff.store.base import Store


class SsmBackend:
    def __init__(self, store: Store, sealer: Sealer, clock: Clock = utc_now) -> None:
        self.records = ParameterRecords(store, sealer, clock)
        self.parameters = ParameterBackend(self.records)
        self.queries = ParameterQueries(self.records)

    def resolve(self, scope: Scope, name_or_arn: str) -> str:
        """A parameter's decrypted value for a task.

        `name_or_arn` is a name (this scope's region) or a parameter ARN (its own region, same
        account), optionally with `:version` or `:label`. Raises ParameterNotFound (naming the
        parameter) or ParameterVersionNotFound.
        """
        ref = parse_reference(name_or_arn)
        target = scope
        if ref.scope is not None:
            if ref.scope.account != scope.account:
                raise parameter_not_found(f"Parameter {name_or_arn} not found.")
            target = ref.scope
            name_or_arn = ref.name if ref.selector is None else f"{ref.name}:{ref.selector}"
        try:
            parameter = self.parameters.get(target, name_or_arn, decrypt=True)
        except AwsError as error:
            if error.code == "ParameterNotFound":
                raise parameter_not_found(f"Parameter {ref.name} not found.") from None
            raise
        return str(parameter["Value"])
