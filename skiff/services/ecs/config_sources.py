"""Where a task's environment files and secrets come from: skiff's own S3, Secrets Manager and
SSM, behind the small interface the agent's configuration hook uses.

Each fetch is made as the task's execution role, as Fargate's agent makes it: `role_allows`
(skiff/server/ passes skiff/auth's check) raises AccessDeniedException when the role may not
`s3:GetObject` the file, `secretsmanager:GetSecretValue` the secret or `ssm:GetParameters` the
parameter. A task without an execution role fetches as the account (a skiff leniency)."""

from __future__ import annotations

import base64
from collections.abc import Callable

from skiff.state.scope import Scope

ObjectFetch = Callable[[str, str, str], bytes]  # (account, bucket, key) -> body
SecretResolve = Callable[[Scope, str, str | None, str | None], tuple[str | None, bytes | None]]
ParameterResolve = Callable[[Scope, str], str]
SecretArn = Callable[[Scope, str], str | None]
# (account, region, role ARN, session name, action, resource) -> None, or raises AccessDenied
RoleCheck = Callable[[str, str, str, str, str, str], None]


def _allow_all(account: str, region: str, role: str, session: str, action: str, resource: str) -> None:
    return None


class ServiceConfigSources:
    def __init__(
        self,
        fetch: ObjectFetch,
        secret: SecretResolve,
        parameter: ParameterResolve,
        secret_arn: SecretArn | None = None,
    ) -> None:
        self._fetch = fetch
        self._secret = secret
        self._parameter = parameter
        self._secret_arn = secret_arn
        self.role_allows: RoleCheck = _allow_all

    def _check(
        self, account: str, region: str, role: str | None, session: str, action: str, arn: str
    ) -> None:
        if role:
            self.role_allows(account, region, role, session, action, arn)

    def object_text(
        self, account: str, bucket: str, key: str, *, execution_role: str | None = None, session: str = ""
    ) -> str:
        self._check(account, "", execution_role, session, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")
        return self._fetch(account, bucket, key).decode("utf-8", errors="replace")

    def secret_value(
        self,
        account: str,
        region: str,
        secret_id: str,
        stage: str | None,
        version: str | None,
        *,
        execution_role: str | None = None,
        session: str = "",
    ) -> str:
        scope = Scope(account, region)
        if execution_role:
            arn = (self._secret_arn(scope, secret_id) if self._secret_arn else None) or secret_id
            self._check(account, region, execution_role, session, "secretsmanager:GetSecretValue", arn)
        text, binary = self._secret(scope, secret_id, stage, version)
        if text is not None:
            return text
        return base64.b64encode(binary or b"").decode("ascii")

    def parameter_value(
        self,
        account: str,
        region: str,
        name_or_arn: str,
        *,
        execution_role: str | None = None,
        session: str = "",
    ) -> str:
        arn = name_or_arn
        if not arn.startswith("arn:"):
            arn = f"arn:aws:ssm:{region}:{account}:parameter/{name_or_arn.lstrip('/')}"
        self._check(account, region, execution_role, session, "ssm:GetParameters", arn)
        return self._parameter(Scope(account, region), name_or_arn)
