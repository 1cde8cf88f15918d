"""Where a task's environment files and secrets come from: skiff's own S3, Secrets Manager and
SSM, behind the small interface the agent's configuration hook uses."""

from __future__ import annotations

import base64
from collections.abc import Callable

from skiff.state.scope import Scope

ObjectFetch = Callable[[str, str, str], bytes]  # (account, bucket, key) -> body
SecretResolve = Callable[[Scope, str, str | None, str | None], tuple[str | None, bytes | None]]
ParameterResolve = Callable[[Scope, str], str]


class ServiceConfigSources:
    def __init__(self, fetch: ObjectFetch, secret: SecretResolve, parameter: ParameterResolve) -> None:
        self._fetch = fetch
        self._secret = secret
        self._parameter = parameter

    def object_text(self, account: str, bucket: str, key: str) -> str:
        return self._fetch(account, bucket, key).decode("utf-8", errors="replace")

    def secret_value(
        self, account: str, region: str, secret_id: str, stage: str | None, version: str | None
    ) -> str:
        text, binary = self._secret(Scope(account, region), secret_id, stage, version)
        if text is not None:
            return text
        return base64.b64encode(binary or b"").decode("ascii")

    def parameter_value(self, account: str, region: str, name_or_arn: str) -> str:
        return self._parameter(Scope(account, region), name_or_arn)
