"""Logins to skiff's registry: GetAuthorizationToken (what `aws ecr get-login` and
`get-login-password` call) for API callers, and the execution role's login for task pulls.

The password is a 12-hour registry token (security/registry_tokens.py) for the account and
region of the request; `authorizationToken` is base64 of `AWS:<password>`, `proxyEndpoint` the
registry's https URL, as on ECR.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from skiff.security.registry_tokens import USERNAME, RegistryTokens
from skiff.state import ecr
from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL
from skiff.store.base import Document


def authorization_data(
    tokens: RegistryTokens, scope: Scope, principal: str, registry_ids: list[str] | None
) -> list[Document]:
    data = []
    for account in dict.fromkeys(registry_ids or [scope.account]):
        password, expires = tokens.issue(account, scope.region, principal)
        data.append(
            {
                "authorizationToken": base64.b64encode(f"{USERNAME}:{password}".encode()).decode(),
                "expiresAt": expires,
                "proxyEndpoint": f"https://{ecr.registry_host(account, scope.region)}",
            }
        )
    return data


class TaskRegistryAccess:
    """The agent's `RegistryAccess` (agent/hooks/pull.py), handed to it by skiff/server/."""

    def __init__(self, tokens: RegistryTokens, network_path: Callable[[Document], bool]) -> None:
        self.tokens = tokens
        self._network_path = network_path

    def login(self, task: Document, image: str) -> dict[str, str] | None:
        """Docker's registry auth for pulling `image` with the task's execution role; None
        without one (the pull then meets the registry's `no basic auth credentials`)."""
        parsed = ecr.split_image(image)
        role: Any = (task[INTERNAL].get("definition") or {}).get("executionRoleArn")
        registry = ecr.parse_registry_host(parsed[0]) if parsed else None
        if parsed is None or registry is None or not role:
            return None
        password, _ = self.tokens.issue(registry[0], registry[1], str(role))
        return {"username": USERNAME, "password": password, "serveraddress": f"https://{parsed[0]}"}

    def network_path(self, task: Document) -> bool:
        return self._network_path(task)
