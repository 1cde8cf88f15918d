"""Task definition rules: unit conversion of cpu/memory and the checks Fargate applies.

`normalize_units` turns "1 vCPU" / "0.5GB" into the integer strings AWS stores. `fargate_problem`
returns the first rule a definition breaks for the FARGATE launch type (None when it is fine);
the texts are AWS's own (shared/reference/fargate-behaviour.md §3).
"""

from __future__ import annotations

import re
from typing import Any

from skiff.services.ecs.exceptions import invalid_parameter

_CPU = re.compile(r"^\s*(\d*\.?\d+)\s*(vcpu)?\s*$", re.IGNORECASE)
_MEMORY = re.compile(r"^\s*(\d*\.?\d+)\s*(gb|mb|mib|gib)?\s*$", re.IGNORECASE)

# task cpu units -> the memory sizes (MiB) Fargate offers with it
FARGATE_MEMORY: dict[int, frozenset[int]] = {
    256: frozenset((512, 1024, 2048)),
    512: frozenset(range(1024, 4096 + 1, 1024)),
    1024: frozenset(range(2048, 8192 + 1, 1024)),
    2048: frozenset(range(4096, 16384 + 1, 1024)),
    4096: frozenset(range(8192, 30720 + 1, 1024)),
    8192: frozenset(range(16384, 61440 + 1, 4096)),
    16384: frozenset(range(32768, 122880 + 1, 8192)),
}
EPHEMERAL_MIN, EPHEMERAL_MAX = 21, 200
TIMEOUT_MIN, TIMEOUT_MAX = 2, 120


def normalize_cpu(text: str) -> str:
    match = _CPU.match(text)
    if match is None:
        raise invalid_parameter("Invalid 'cpu' setting for task.")
    number = float(match.group(1))
    units = number * 1024 if match.group(2) else number
    if units != int(units) or units <= 0:
        raise invalid_parameter("Invalid 'cpu' setting for task.")
    return str(int(units))


def normalize_memory(text: str) -> str:
    match = _MEMORY.match(text)
    if match is None:
        raise invalid_parameter("Invalid 'memory' setting for task.")
    number = float(match.group(1))
    unit = (match.group(2) or "").lower()
    mib = number * 1024 if unit in ("gb", "gib") else number
    if mib != int(mib) or mib <= 0:
        raise invalid_parameter("Invalid 'memory' setting for task.")
    return str(int(mib))


def normalize_units(definition: dict[str, Any]) -> None:
    """Rewrite task-level cpu/memory in place to integer strings."""
    if definition.get("cpu") is not None:
        definition["cpu"] = normalize_cpu(definition["cpu"])
    if definition.get("memory") is not None:
        definition["memory"] = normalize_memory(definition["memory"])


def fargate_problem(definition: dict[str, Any]) -> str | None:
    """The first Fargate rule `definition` breaks, as AWS words it; None when it is compatible."""
    if definition.get("networkMode") != "awsvpc":
        return "Fargate only supports network mode 'awsvpc'."
    cpu, memory = definition.get("cpu"), definition.get("memory")
    if cpu is None:
        return "Fargate requires that 'cpu' be defined at the task level."
    if memory is None:
        return "Fargate requires that 'memory' be defined at the task level."
    if int(memory) not in FARGATE_MEMORY.get(int(cpu), frozenset()):
        # The reference's text; AWS has since appended ": <cpu> CPU, <memory> memory. ..."
        return "No Fargate configuration exists for given values."
    if definition.get("ipcMode"):
        return "Tasks using the Fargate launch type do not support ipcMode."
    storage = definition.get("ephemeralStorage")
    if storage is not None and not EPHEMERAL_MIN <= storage.get("sizeInGiB", 0) <= EPHEMERAL_MAX:
        return f"The ephemeral storage size must be between {EPHEMERAL_MIN} GiB and {EPHEMERAL_MAX} GiB."
    for container in definition.get("containerDefinitions", []):
        problem = _container_problem(definition, container)
        if problem:
            return problem
    return None


def _container_problem(definition: dict[str, Any], container: dict[str, Any]) -> str | None:
    name = container.get("name", "")
    log = container.get("logConfiguration") or {}
    if log.get("logDriver") == "awslogs":
        if not definition.get("executionRoleArn"):
            return (
                "Fargate requires task definition to have execution role ARN to support log driver awslogs."
            )
        options = log.get("options") or {}
        missing = [o for o in ("awslogs-region", "awslogs-group") if not options.get(o)]
        if missing:
            return f"Log driver awslogs requires options: {', '.join(missing)}"
        if not options.get("awslogs-stream-prefix"):
            return (
                "Fargate requires log configuration options to include awslogs-stream-prefix to support "
                "log driver awslogs."
            )
    if ".dkr.ecr." in str(container.get("image", "")) and not definition.get("executionRoleArn"):
        return "Fargate requires task definition to have execution role ARN to support ECR images."
    for field in ("stopTimeout", "startTimeout"):
        value = container.get(field)
        if value is not None and not TIMEOUT_MIN <= value <= TIMEOUT_MAX:
            return (
                f"Invalid '{field}' setting for container '{name}'. "
                f"Valid values are between {TIMEOUT_MIN} and {TIMEOUT_MAX} seconds."
            )
    if container.get("privileged"):
        return "Fargate does not support privileged containers."
    return None


def awsvpc_problem(definition: dict[str, Any]) -> str | None:
    """Rules of the awsvpc network mode, on any launch type."""
    if definition.get("networkMode") != "awsvpc":
        return None
    for container in definition.get("containerDefinitions", []):
        if container.get("hostname"):
            return "hostname is not supported on container when networkMode=awsvpc."
        for mapping in container.get("portMappings", []):
            host = mapping.get("hostPort")
            if host is not None and host != 0 and host != mapping.get("containerPort"):
                return (
                    "When networkMode=awsvpc, the host ports and container ports in port mappings must match."
                )
        if container.get("links"):
            return "Links are not supported when networkMode=awsvpc."
    return None
