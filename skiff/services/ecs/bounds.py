"""Bounds ECS enforces that botocore's model cannot express (its integers have no min or max).

Each check raises ECS's exception for the member: InvalidParameterException for service and run
requests, ClientException for task definitions, as ECS answers them. The texts name the member,
the value and the allowed range.
"""

from __future__ import annotations

from typing import Any

from skiff.api.errors import AwsError
from skiff.services.ecs.exceptions import client_error, invalid_parameter

INT32_MAX = 2_147_483_647
HEALTH_CHECK_BOUNDS = {"interval": (5, 300), "timeout": (2, 60), "retries": (1, 10), "startPeriod": (0, 300)}
MIN_CONTAINER_MEMORY = 6  # MiB: Docker refuses less
MIN_MEMORY_RESERVATION = 4
MAX_BAKE_MINUTES = 1440


def _outside(value: Any, low: int, high: int) -> bool:
    return value is not None and not low <= int(value) <= high


def check_service_numbers(params: dict[str, Any]) -> None:
    """CreateService and UpdateService: desiredCount, healthCheckGracePeriodSeconds, deployment."""
    desired = params.get("desiredCount")
    if desired is not None and desired < 0:
        raise invalid_parameter(
            f"Invalid desiredCount value: {desired}. desiredCount must be greater than or equal to 0."
        )
    grace = params.get("healthCheckGracePeriodSeconds")
    if _outside(grace, 0, INT32_MAX):
        raise invalid_parameter(
            f"Invalid healthCheckGracePeriodSeconds value: {grace}. "
            f"It must be between 0 and {INT32_MAX} seconds."
        )
    deployment = params.get("deploymentConfiguration") or {}
    bake = deployment.get("bakeTimeInMinutes")
    if _outside(bake, 0, MAX_BAKE_MINUTES):
        raise invalid_parameter(
            f"Invalid bakeTimeInMinutes value: {bake}. It must be between 0 and {MAX_BAKE_MINUTES}."
        )
    for field in ("minimumHealthyPercent", "maximumPercent"):
        value = deployment.get(field)
        if value is not None and value < 0:
            raise invalid_parameter(f"Invalid {field} value: {value}. It must be greater than or equal to 0.")


def check_container_numbers(container: dict[str, Any]) -> None:
    """RegisterTaskDefinition: one container's cpu, memory, ports, ulimits and health check."""
    name = container.get("name", "")

    def refuse(member: str, value: Any, allowed: str) -> AwsError:
        return client_error(f"Invalid '{member}' setting for container '{name}': {value}. {allowed}")

    if container.get("cpu") is not None and container["cpu"] < 0:
        raise refuse("cpu", container["cpu"], "It must be 0 or greater.")
    memory, reservation = container.get("memory"), container.get("memoryReservation")
    if memory is not None and memory < MIN_CONTAINER_MEMORY:
        raise refuse("memory", memory, f"The minimum is {MIN_CONTAINER_MEMORY} MiB.")
    if reservation is not None and reservation < MIN_MEMORY_RESERVATION:
        raise refuse("memoryReservation", reservation, f"The minimum is {MIN_MEMORY_RESERVATION} MiB.")
    for mapping in container.get("portMappings") or []:
        for member in ("containerPort", "hostPort"):
            if _outside(mapping.get(member), 0, 65535):
                raise refuse(f"portMappings.{member}", mapping[member], "Ports are 0 to 65535.")
    for limit in container.get("ulimits") or []:
        soft, hard = limit.get("softLimit", 0), limit.get("hardLimit", 0)
        if soft < 0 or hard < 0:
            raise refuse("ulimits", f"{soft}/{hard}", "Limits must be 0 or greater.")
        if soft > hard:
            raise refuse("ulimits", f"{soft}/{hard}", "The soft limit cannot exceed the hard limit.")
    check = container.get("healthCheck")
    if check:
        for member, (low, high) in HEALTH_CHECK_BOUNDS.items():
            if _outside(check.get(member), low, high):
                raise refuse(f"healthCheck.{member}", check[member], f"Valid values are {low} to {high}.")
