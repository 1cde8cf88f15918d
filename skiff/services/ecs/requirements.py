"""What ECS computes from a task definition: `requiresAttributes` and `compatibilities`.

The attributes name the agent capabilities a container instance needs to run the definition;
Fargate provides all of them, and users see them in DescribeTaskDefinition.
"""

from __future__ import annotations

from typing import Any

_ECS = "com.amazonaws.ecs.capability."


def requires_attributes(definition: dict[str, Any]) -> list[dict[str, str]]:
    names: list[str] = []

    def need(name: str) -> None:
        if name not in names:
            names.append(name)

    containers = definition.get("containerDefinitions", [])
    if definition.get("networkMode") == "awsvpc":
        need(_ECS + "docker-remote-api.1.18")
        need("ecs.capability.task-eni")
    if definition.get("taskRoleArn"):
        need(_ECS + "task-iam-role")
    for container in containers:
        log = (container.get("logConfiguration") or {}).get("logDriver")
        if log:
            need(f"{_ECS}logging-driver.{log}")
            need(_ECS + "docker-remote-api.1.19")
            if log == "awslogs" and definition.get("executionRoleArn"):
                need("ecs.capability.execution-role-awslogs")
        if ".dkr.ecr." in str(container.get("image", "")):
            need(_ECS + "ecr-auth")
            if definition.get("executionRoleArn"):
                need("ecs.capability.execution-role-ecr-pull")
        if container.get("healthCheck"):
            need("ecs.capability.container-health-check")
        if container.get("dependsOn"):
            need("ecs.capability.container-ordering")
        if container.get("environmentFiles"):
            need("ecs.capability.env-files.s3")
        for secret in container.get("secrets", []):
            source = str(secret.get("valueFrom", ""))
            if ":secretsmanager:" in source:
                need("ecs.capability.secrets.asm.environment-variables")
            else:
                need("ecs.capability.secrets.ssm.environment-variables")
        if container.get("repositoryCredentials"):
            need(_ECS + "private-registry-authentication.secretsmanager")
        if container.get("stopTimeout") is not None or container.get("startTimeout") is not None:
            need("ecs.capability.container-ordering")
    return [{"name": name} for name in names]


def compatibilities(definition: dict[str, Any], fargate_ok: bool) -> list[str]:
    """Launch types the definition can run on, as ECS lists them."""
    mode = definition.get("networkMode")
    found: list[str] = []
    if mode in (None, "bridge", "host", "none"):
        found.append("EXTERNAL")
    found.append("EC2")
    if fargate_ok:
        found.append("FARGATE")
    return found
