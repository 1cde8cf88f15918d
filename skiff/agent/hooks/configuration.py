"""Configuration hook: a task's `environmentFiles` (S3) and `secrets` (Secrets Manager, SSM),
fetched before anything is pulled or started, as Fargate does.

Values are kept in the runner's memory only (never in the task record): they reach Docker in
the containers' environment. A file, secret, key or parameter that cannot be had stops the task:
stopCode TaskFailedToStart, stoppedReason `ResourceInitializationError: ...` naming it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from skiff.agent.envfiles import merge_env_files, parse_env_file, parse_s3_arn
from skiff.agent.secret_refs import ParameterRef, ValueFromError, parse_value_from

if TYPE_CHECKING:
    from skiff.agent.runner import TaskRunner

MAX_ENV_FILES = 10


class ConfigurationError(Exception):
    def __init__(self, container: str, message: str) -> None:
        super().__init__(message)
        self.container = container


class ConfigSources(Protocol):
    """Where the values live: skiff's own S3, Secrets Manager and SSM. Each fetch is made as the
    task's execution role (`session`: the task id), which must be allowed to read the value."""

    def object_text(
        self, account: str, bucket: str, key: str, *, execution_role: str | None = None, session: str = ""
    ) -> str: ...

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
    ) -> str: ...

    def parameter_value(
        self,
        account: str,
        region: str,
        name_or_arn: str,
        *,
        execution_role: str | None = None,
        session: str = "",
    ) -> str: ...


def execution_role(runner: TaskRunner) -> dict[str, Any]:
    """The execution role the task's fetches are made as, and the session name (the task id)."""
    overrides = runner.doc.get("overrides") or {}
    role = overrides.get("executionRoleArn") or runner.internal["definition"].get("executionRoleArn")
    return {"execution_role": str(role) if role else None, "session": runner.task_id}


def env_files(runner: TaskRunner, sources: ConfigSources, container: dict[str, Any]) -> dict[str, str]:
    files = container.get("environmentFiles") or []
    name = str(container["name"])
    if len(files) > MAX_ENV_FILES:
        raise ConfigurationError(
            name, f"ResourceInitializationError: container {name} has more than 10 env files"
        )
    parsed: list[dict[str, str]] = []
    for entry in files:
        arn = str(entry.get("value", ""))
        location = parse_s3_arn(arn)
        if location is None or entry.get("type", "s3") != "s3":
            raise ConfigurationError(name, f"ResourceInitializationError: invalid environment file ARN {arn}")
        try:
            text = sources.object_text(runner.internal["account"], *location, **execution_role(runner))
        except Exception as exc:
            raise ConfigurationError(
                name,
                "ResourceInitializationError: failed to download env files: "
                f"unable to fetch {arn}: {_why(exc)}",
            ) from exc
        parsed.append(parse_env_file(text))
    return merge_env_files(parsed)


def secret_value(runner: TaskRunner, sources: ConfigSources, container: str, value_from: str) -> str:
    account, region = runner.internal["account"], runner.internal["region"]
    try:
        ref = parse_value_from(value_from)
    except ValueFromError as exc:
        raise ConfigurationError(container, f"ResourceInitializationError: {exc}") from exc
    if isinstance(ref, ParameterRef):
        try:
            return sources.parameter_value(account, region, ref.name_or_arn, **execution_role(runner))
        except Exception as exc:
            raise ConfigurationError(
                container,
                "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve "
                f"secrets from ssm: parameter {ref.name_or_arn}: {_why(exc)}",
            ) from exc
    try:
        value = sources.secret_value(
            account, region, ref.secret_id, ref.version_stage, ref.version_id, **execution_role(runner)
        )
    except Exception as exc:
        raise ConfigurationError(
            container,
            "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret "
            f"from asm: failed to fetch secret {ref.secret_id} from secrets manager: {_why(exc)}",
        ) from exc
    if ref.json_key is None:
        return value
    try:
        document = json.loads(value)
    except ValueError:
        document = None
    if not isinstance(document, dict) or ref.json_key not in document:
        raise ConfigurationError(
            container,
            "ResourceInitializationError: unable to pull secrets or registry auth: "
            f"retrieved secret from Secrets Manager did not contain json key {ref.json_key}",
        )
    item = document[ref.json_key]
    return item if isinstance(item, str) else json.dumps(item)


def resolve(runner: TaskRunner) -> None:
    """Fill `runner.file_env` and `runner.secret_env` for every container, or raise."""
    sources = runner.env.config_sources
    for container in runner.internal["containers"]:
        name = str(container["name"])
        log_secrets = (container.get("logConfiguration") or {}).get("secretOptions") or []
        needs = (
            container.get("environmentFiles")
            or container.get("secrets")
            or container.get("repositoryCredentials")
            or log_secrets
        )
        if not needs:
            continue
        if sources is None:
            raise ConfigurationError(
                name, "ResourceInitializationError: no configuration sources are available"
            )
        runner.file_env[name] = env_files(runner, sources, container)
        runner.secret_env[name] = {
            str(s["name"]): secret_value(runner, sources, name, str(s["valueFrom"]))
            for s in container.get("secrets", [])
        }
        runner.log_options[name] = {
            str(s["name"]): secret_value(runner, sources, name, str(s["valueFrom"])) for s in log_secrets
        }
        credentials = (container.get("repositoryCredentials") or {}).get("credentialsParameter")
        if credentials:
            auth = json.loads(secret_value(runner, sources, name, str(credentials)) or "{}")
            runner.registry_auth[name] = {
                "username": str(auth.get("username", "")),
                "password": str(auth.get("password", "")),
            }


def _why(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    code = getattr(exc, "code", None)
    return f"{code}: {message}" if code else str(message)
