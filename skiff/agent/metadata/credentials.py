"""The task role's credentials served at `/v2/credentials/<id>`.

Issued by skiff's own STS-like credentials backend for the task's `taskRoleArn` (session name:
the task id), kept in memory only (the secret is never stored), and replaced by fresh ones well
before they expire, as the ECS agent rotates them.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol

from skiff.state.scope import Scope
from skiff.state.tasks import INTERNAL, task_id_of
from skiff.store.base import Document

log = logging.getLogger("skiff.agent.credentials")

LIFETIME = dt.timedelta(hours=6)
REFRESH_BEFORE = dt.timedelta(minutes=30)


class CredentialIssuer(Protocol):
    """What IAM offers the endpoint (passed in by skiff/server/): a role session's credentials
    (AccessKeyId, SecretAccessKey, SessionToken, Expiration), or None when the role cannot be
    assumed."""

    def issue_for_task(
        self, scope: Scope, role_arn: str, session_name: str, duration_seconds: int
    ) -> dict[str, Any] | None: ...


def role_of(task: Document) -> str | None:
    overrides = task.get("overrides") or {}
    role = overrides.get("taskRoleArn") or task[INTERNAL]["definition"].get("taskRoleArn")
    return str(role) if role else None


class TaskCredentials:
    def __init__(self, issuer: CredentialIssuer) -> None:
        self.issuer = issuer
        self._cache: dict[str, dict[str, Any]] = {}

    async def __call__(self, task: Document) -> dict[str, Any] | None:
        role = role_of(task)
        if role is None:
            return None
        cached = self._cache.get(task["taskArn"])
        now = dt.datetime.now(dt.UTC)
        if cached is None or cached["expires"] - now < REFRESH_BEFORE:
            internal = task[INTERNAL]
            issued = self.issuer.issue_for_task(
                Scope(internal["account"], internal["region"]),
                role,
                task_id_of(task["taskArn"]),
                int(LIFETIME.total_seconds()),
            )
            if issued is None:
                log.warning("no credentials for task %s: role %s cannot be assumed", task["taskArn"], role)
                return None
            expiration: dt.datetime = issued["Expiration"]
            cached = {
                "expires": expiration,
                "body": {
                    "RoleArn": role,
                    "AccessKeyId": issued["AccessKeyId"],
                    "SecretAccessKey": issued["SecretAccessKey"],
                    "Token": issued["SessionToken"],
                    "Expiration": expiration.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                },
            }
            self._cache[task["taskArn"]] = cached
        body: dict[str, Any] = cached["body"]
        return body

    def forget(self, task_arn: str) -> None:
        self._cache.pop(task_arn, None)

    def forget_all(self) -> None:
        self._cache.clear()
